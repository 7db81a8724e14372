"""Overdue orders escalated on a schedule: the Celery beat entry names the registered task, and
the cron command of the embedded default escalates each order once."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.factories.inspections import make_order
from wangge.inspections.models import Order

pytestmark = pytest.mark.django_db


def test_beat_schedule_names_the_escalation_task():
    from wangge.celery import app
    from wangge.inspections import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["inspections-escalate-overdue-orders"]
    assert entry["task"] == tasks.escalate_overdue_orders.name
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_command_escalates_overdue_orders_once(world):
    order = make_order(world.grid_a)  # inspected 2022-03-29, to put right at once
    out = StringIO()
    call_command("escalate_overdue_orders", "--on", "2022-04-05", stdout=out)
    assert out.getvalue().startswith("1 overdue orders escalated in 1 offices")
    order.refresh_from_db()
    assert order.escalated_at is not None
    again = StringIO()
    call_command("escalate_overdue_orders", "--on", "2022-04-06", stdout=again)
    assert again.getvalue().startswith("0 overdue orders")
    assert Order.objects.filter(escalated_at__isnull=False).count() == 1
    # Not yet overdue on the day of the inspection.
    fresh = make_order(world.grid_a, name="另一次督查")
    call_command("escalate_overdue_orders", "--on", "2022-03-29", stdout=StringIO())
    fresh.refresh_from_db()
    assert fresh.escalated_at is None


def test_command_refuses_a_bad_date():
    with pytest.raises(CommandError):
        call_command("escalate_overdue_orders", "--on", "05/04/2022", stdout=StringIO())


def test_the_task_runs_eagerly_in_the_embedded_default(world):
    from wangge.inspections.tasks import escalate_overdue_orders

    make_order(world.grid_a)
    told = escalate_overdue_orders.delay().get()
    assert sum(told.values()) == 1
