"""Two orders issued at once in one office (two connections, on PostgreSQL) get distinct,
consecutive notice numbers: the office's counter row is locked until the first commits."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from tests.factories.inspections import all_kinds, make_venue
from wangge.core.access import SYSTEM, scope_of
from wangge.inspections.campaigns.services import create_campaign
from wangge.inspections.models import Order, OrderCounter
from wangge.inspections.orders.services import issue_order

pytestmark = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite has one writer at a time: no race to test"
)


def _failed_inspections(world, n: int):
    from datetime import date

    all_kinds()
    venues = [make_venue(world.grid_a if k % 2 else world.grid_b, "hotel", f"并发酒店{k}") for k in range(n)]
    campaign = create_campaign(
        actor=SYSTEM, scope=scope_of(SYSTEM), unit=world.office, name="并发督查", on_date=date(2022, 3, 29),
        venues=venues,
    )  # fmt: skip
    inspections = list(campaign.inspections.order_by("id"))
    for i in inspections:
        answer = i.answers.first()
        answer.result, answer.note = "fail", "消杀记录不详"
        answer.save()
    return inspections


def _run_at_once(inspections, hold: float = 0.0) -> list:
    """Each inspection's order issued from its own thread (its own connection), all released
    together; `hold` keeps each transaction open a little after issuing, so the others wait."""
    barrier = threading.Barrier(len(inspections))
    errors: list = []

    def issue(inspection):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                issue_order(actor=SYSTEM, inspection=inspection)
                time.sleep(hold)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(i,)) for i in inspections]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_orders_at_once_get_consecutive_numbers(world):
    inspections = _failed_inspections(world, 2)
    # No counter row yet: the first orders of the year also race to create it.
    assert not OrderCounter.objects.exists()
    assert _run_at_once(inspections, hold=0.3) == []
    numbers = sorted(Order.objects.values_list("number", flat=True))
    assert numbers == [1, 2]
    assert OrderCounter.objects.get().last == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_orders_at_once_leave_no_gap_and_no_duplicate(world):
    inspections = _failed_inspections(world, 6)
    issue_order(actor=SYSTEM, inspection=inspections[0])  # the counter row exists
    assert _run_at_once(inspections[1:]) == []
    numbers = sorted(Order.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 7))
