"""DATABASE_REPLICA_URL in the settings: without it nothing of the replica is installed.

Each case starts Django in a fresh interpreter, since the settings read the environment once.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "aliases": sorted(settings.DATABASES),
    "routers": settings.DATABASE_ROUTERS,
    "middleware": settings.MIDDLEWARE[:1],
    "replica": settings.DATABASES.get("replica"),
}))
"""


def settings_with(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="on", **env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, cwd=BASE_DIR, capture_output=True, text=True, check=False
    )
    return done


def test_without_a_replica_url_every_query_goes_to_the_one_database(tmp_path):
    done = settings_with(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout)
    assert probe["aliases"] == ["default"]
    assert probe["routers"] == []
    assert probe["middleware"] != ["core.db.PrimaryAfterWriteMiddleware"]


def test_a_replica_url_adds_the_replica_its_router_and_the_request_scope():
    done = settings_with(
        DATABASE_URL="postgres://aixin@10.0.0.11:5432/aixin",
        DATABASE_REPLICA_URL="postgres://aixin@10.0.0.12:5432/aixin",
    )
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout)
    assert probe["aliases"] == ["default", "replica"]
    assert probe["routers"] == ["core.db.ReplicaRouter"]
    assert probe["middleware"] == ["core.db.PrimaryAfterWriteMiddleware"]
    replica = probe["replica"]
    assert (replica["HOST"], replica["PORT"]) == ("10.0.0.12", 5432)
    # In tests: no test database made on the replica, the default's name used there.
    assert replica["TEST"]["MIRROR"] == "default"
    assert replica["OPTIONS"] == {"options": "-c jit=off"}


def test_a_replica_needs_postgresql(tmp_path):
    done = settings_with(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DATABASE_REPLICA_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}",
    )
    assert done.returncode != 0
    assert "DATABASE_REPLICA_URL needs PostgreSQL" in done.stderr
