import pytest
from django.contrib.auth.models import User


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.com", None)  # unusable password: no slow hashing
