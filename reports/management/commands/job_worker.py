from django_tasks_db.management.commands import db_worker

from reports.worker import ResilientWorker


class Command(db_worker.Command):
    help = (
        "Run the background-job worker (django-tasks-db's db_worker, with the same options) that "
        "survives a lost database connection and fails, at start, the jobs a stopped worker left running."
    )

    def handle(self, *args, **options):
        # db_worker builds its Worker by name inside handle(); this one is the same with a loop
        # that reconnects instead of exiting.
        original = db_worker.Worker
        db_worker.Worker = ResilientWorker
        try:
            return super().handle(*args, **options)
        finally:
            db_worker.Worker = original
