"""Where Celery finds the inspections part's background work (eager when no broker is set)."""

from celery import shared_task


@shared_task(name="wangge.inspections.tasks.escalate_overdue_orders")
def escalate_overdue_orders() -> dict[int, int]:
    from wangge.inspections.orders.services import escalate_overdue

    return escalate_overdue()
