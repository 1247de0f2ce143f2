"""Files holding children's data are private to the service user, whatever the umask."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from core.ledger.storage import LedgerUploadStorage
from reports.jobs import job_start

pytestmark = pytest.mark.security


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)  # what a shell or a unit without UMask= gives: files 0644
    yield
    os.umask(old)


def mode(path) -> int:
    return Path(path).stat().st_mode & 0o777


def test_a_waiting_ledger_upload_is_private(settings, tmp_path, loose_umask):
    settings.LEDGER_UPLOAD_DIR = tmp_path
    storage = LedgerUploadStorage()
    storage.save(b"141102201503021116")
    assert mode(storage.get_full_path()) == 0o600


@pytest.mark.django_db
def test_a_job_result_is_private(world, users, settings, tmp_path, loose_umask):
    settings.MEDIA_ROOT = tmp_path
    job = job_start(user=users["admin"], kind="visit_ledger", params={"month": "2025-01", "region": ""})
    assert mode(job.result.path) == 0o600


def test_every_systemd_unit_sets_a_private_umask():
    units = sorted((Path(settings.BASE_DIR) / "docs" / "deploy").glob("*.service"))
    assert units
    for unit in units:
        service = unit.read_text(encoding="utf-8").split("[Service]", 1)[1]
        assert re.search(r"^UMask=0077$", service, re.MULTILINE), unit.name
