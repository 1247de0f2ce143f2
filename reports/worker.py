"""The background-job worker: django-tasks-db's ``db_worker``, made to outlive its database.

Its loop raises out on the first lost connection (a database restart, a failover, an
administrator's pg_terminate_backend), and the process exits; systemd restarts it a few times
and then gives up. This worker closes the broken connection, waits (longer each time, up to a
minute) and goes on. It also fails, at start, the jobs that a dead worker left "running".
"""

import logging
import time

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands.db_worker import Worker

from reports.jobs import job_fail_stale

logger = logging.getLogger(__name__)

#: seconds to wait before reconnecting: doubles after each failure in a row, up to the last
RECONNECT_DELAYS = (1, 2, 4, 8, 15, 30, 60)


class ResilientWorker(Worker):
    def run(self) -> None:
        self.fail_stale_jobs()
        failures = 0
        while self.running:
            try:
                return super().run()
            except (OperationalError, InterfaceError) as exc:
                connections.close_all()
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                logger.warning("Lost the database connection (%s); reconnecting in %s s.", exc, delay)
                time.sleep(delay)
                self.startup_delay = False

    def fail_stale_jobs(self) -> None:
        try:
            count = job_fail_stale()
        except (OperationalError, InterfaceError) as exc:
            connections.close_all()
            logger.warning("Could not check for stale jobs at start (%s).", exc)
            return
        if count:
            logger.warning("Marked %d jobs failed whose worker had stopped.", count)
