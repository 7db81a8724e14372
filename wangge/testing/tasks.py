"""Background work of testing rounds: sending notices (eagerly when there is no Redis)."""

from celery import shared_task


@shared_task(acks_late=True)
def send_notices_task(notice_ids: list[int]) -> dict:
    """Send the queued deliveries of these notices and record each person's status."""
    from wangge.testing.calling import deliver

    return deliver(list(notice_ids))
