"""Issue 11, item 15: every app's tests are collected (audit/ was left out of testpaths)."""

import configparser
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def testpaths() -> set[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "pytest.ini")
    return set(config["pytest"]["testpaths"].split())


def dirs_with_tests() -> set[str]:
    """The project's own apps with a tests package, and any top-level folder holding tests."""
    local = {Path(app.path).name for app in apps.get_app_configs() if Path(app.path).parent == ROOT}
    with_tests = {path.parent.parent.name for path in ROOT.glob("*/tests/__init__.py")}
    with_tests |= {path.parent.name for path in ROOT.glob("*/test_*.py") if not path.parent.name.startswith(".")}
    return {name for name in local if (ROOT / name / "tests").is_dir()} | with_tests


def test_every_folder_with_tests_is_in_testpaths():
    missing = dirs_with_tests() - testpaths()
    assert not missing, f"add to testpaths in pytest.ini, or these tests never run: {sorted(missing)}"


def test_it_sees_the_apps_and_the_browser_tests():
    assert {"core", "children", "audit", "reports", "e2e"} <= dirs_with_tests()
