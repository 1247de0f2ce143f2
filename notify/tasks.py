from django_tasks import task


@task()
def deliver_pending(delivery_ids: list[int]) -> int:
    """The job worker sends what ``notify`` wrote (``retry_due`` catches what it misses)."""
    from .services import deliver_ids

    return deliver_ids(delivery_ids)
