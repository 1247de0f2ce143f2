import pytest


@pytest.fixture(autouse=True)
def _private_folder(settings, tmp_path):
    """Result files of the page go to the test's own folder, not the worktree's var/."""
    settings.LEDGER_UPLOAD_DIR = tmp_path / "uploads"
