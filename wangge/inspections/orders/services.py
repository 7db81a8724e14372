"""Rectification orders (责令整改): issued when an inspection fails, numbered per office and year
with no gaps (a counter row taken under select_for_update), acknowledged by the venue, closed or
extended by a re-inspection, escalated when overdue; a venue failing again and again is watched.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import SYSTEM, Actor, require, user_or_none
from wangge.inspections.models import (
    AnswerResult,
    Inspection,
    Order,
    OrderCounter,
    OrderStatus,
    VenueWatch,
    Verdict,
)
from wangge.inspections.orders.hooks import may_act_for_venue
from wangge.inspections.permissions import INSPECTIONS_INSPECT, INSPECTIONS_LEAD
from wangge.org.models import OrgUnit
from wangge.org.selectors import office_id_of
from wangge.venues.models import Venue, VenueStatus

# Failed inspections within this many days that put a venue under watch.
WATCH_WINDOW_DAYS = 90
WATCH_FAILURES = 2
MAX_DAYS = 60


def next_number(office_id: int, year: int) -> int:
    """The office's next notice number for the year; the counter row is locked until commit, so
    two orders at once get consecutive numbers and a rolled-back one leaves no gap."""
    OrderCounter.objects.get_or_create(office_id=office_id, year=year)
    counter = OrderCounter.objects.select_for_update().get(office_id=office_id, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def failed_items_text(inspection: Inspection) -> str:
    return "；".join(
        a.text + (f"（{a.note}）" if a.note else "")
        for a in inspection.answers.all()
        if a.result == AnswerResult.FAIL
    )


@transaction.atomic
def issue_order(
    *, actor: Actor, inspection: Inspection, days: int = 0, suspend: bool = False, what: str = ""
) -> Order:
    """The order of a failed inspection (one per inspection: it lists every failed item)."""
    require(actor, INSPECTIONS_INSPECT)
    if suspend:
        require(actor, INSPECTIONS_LEAD)
    if not 0 <= days <= MAX_DAYS:
        raise ValidationError(_("The deadline must be within %(n)s days.") % {"n": MAX_DAYS})
    existing = Order.objects.filter(inspection=inspection).first()
    if existing is not None:
        return existing
    venue = Venue.objects.select_for_update().get(pk=inspection.venue_id)
    office_id = office_id_of(venue.path)
    year = inspection.on_date.year
    order = Order.objects.create(
        path=venue.path,
        office_id=office_id,
        year=year,
        number=next_number(office_id, year),
        venue=venue,
        inspection=inspection,
        what=(what or failed_items_text(inspection))[:2000],
        immediate=days == 0,
        deadline=inspection.on_date + timedelta(days=days),
        responsible_name=venue.responsible_name,
        suspends_venue=suspend,
        issued_by=user_or_none(actor),
    )
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=order,
        after={"notice": order.notice_no, "deadline": order.deadline.isoformat(), "suspends": suspend},
    )
    if suspend and venue.status != VenueStatus.SUSPENDED:
        before = {"status": venue.status}
        venue.status = VenueStatus.SUSPENDED
        venue.save(update_fields=["status"])
        audit.record(
            actor=actor, action=Action.UPDATE, obj=venue, before=before, after={"status": venue.status}
        )
    _watch(venue)
    return order


def _watch(venue: Venue) -> None:
    since = timezone.localdate() - timedelta(days=WATCH_WINDOW_DAYS)
    failures = Inspection.objects.filter(venue=venue, verdict=Verdict.FAIL, on_date__gte=since).count()
    watch, _created = VenueWatch.objects.get_or_create(venue=venue)
    watch.failures = failures
    if failures >= WATCH_FAILURES and watch.flagged_at is None:
        watch.flagged_at = timezone.now()
    watch.save()


@transaction.atomic
def acknowledge_order(*, actor: Actor, order: Order) -> Order:
    """The venue says it has received the notice (a venue account, or staff on its behalf)."""
    order = Order.objects.select_for_update().select_related("venue").get(pk=order.pk)
    if not may_act_for_venue(actor, order.venue):
        raise PermissionDenied(_("You may not act for this venue."))
    if order.status != OrderStatus.OPEN:
        raise ValidationError(_("This order is closed."))
    if order.acknowledged_at is None:
        order.acknowledged_at = timezone.now()
        order.acknowledged_by = user_or_none(actor)
        order.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit.record(actor=actor, action=Action.UPDATE, obj=order, after={"acknowledged": True})
    return order


def check_reinspectable(order: Order) -> None:
    if order.status != OrderStatus.OPEN:
        raise ValidationError(
            _("Order %(no)s was closed on %(on)s: it cannot be re-inspected.")
            % {
                "no": order.notice_no,
                "on": timezone.localtime(order.closed_at).date().isoformat() if order.closed_at else "",
            }
        )


@transaction.atomic
def settle_by_reinspection(
    *, actor: Actor, order: Order, reinspection: Inspection, extend_days: int = 0, reason: str = ""
) -> Order:
    """A signed-off re-inspection of the failed items: all put right closes the order (and lifts
    a suspension it made); otherwise the deadline is extended, with a reason."""
    require(actor, INSPECTIONS_INSPECT)
    order = Order.objects.select_for_update().select_related("venue").get(pk=order.pk)
    check_reinspectable(order)
    before = {"status": order.status, "deadline": order.deadline.isoformat()}
    if reinspection.verdict == Verdict.PASS:
        order.status = OrderStatus.CLOSED
        order.closed_at = timezone.now()
        order.save(update_fields=["status", "closed_at"])
        if order.suspends_venue and order.venue.status == VenueStatus.SUSPENDED:
            still = Order.objects.filter(
                venue=order.venue, status=OrderStatus.OPEN, suspends_venue=True
            ).exists()
            if not still:
                order.venue.status = VenueStatus.OPEN
                order.venue.save(update_fields=["status"])
                audit.record(
                    actor=actor, action=Action.UPDATE, obj=order.venue,
                    before={"status": VenueStatus.SUSPENDED}, after={"status": VenueStatus.OPEN},
                )  # fmt: skip
    else:
        if not reason.strip():
            raise ValidationError(_("Say why the deadline is extended."))
        if not 1 <= extend_days <= MAX_DAYS:
            raise ValidationError(_("The deadline must be within %(n)s days.") % {"n": MAX_DAYS})
        order.deadline = reinspection.on_date + timedelta(days=extend_days)
        order.immediate = False
        order.extensions += 1
        order.extension_reason = reason.strip()[:300]
        order.save(update_fields=["deadline", "immediate", "extensions", "extension_reason"])
    audit.record(
        actor=actor, action=Action.CLOSE if order.status == OrderStatus.CLOSED else Action.UPDATE, obj=order,
        before=before, after={"status": order.status, "deadline": order.deadline.isoformat(), "reinspection": reinspection.pk},
    )  # fmt: skip
    return order


def escalate_overdue(*, on: date | None = None) -> dict[int, int]:
    """Tell each office's leaders of its orders past their deadline not told yet (run daily by
    the task `wangge.inspections.tasks.escalate_overdue_orders`). Answers {office id: orders}."""
    on = on or timezone.localdate()
    told: dict[int, int] = {}
    with transaction.atomic():
        rows = list(
            Order.objects.select_for_update(skip_locked=True)
            .filter(status=OrderStatus.OPEN, deadline__lt=on, escalated_at__isnull=True)
            .values_list("pk", "office_id")
        )
        by_office: dict[int, list[int]] = {}
        for pk, office_id in rows:
            by_office.setdefault(office_id, []).append(pk)
        now = timezone.now()
        for office_id, ids in by_office.items():
            Order.objects.filter(pk__in=ids).update(escalated_at=now)
            told[office_id] = len(ids)
        if told:
            offices = {o.pk: o for o in OrgUnit.objects.filter(pk__in=told)}

            def send() -> None:
                from wangge.inspections.orders.notify import tell_office_leaders

                for office_id, count in told.items():
                    tell_office_leaders(
                        offices[office_id], count, ref=f"insp-overdue:{office_id}:{on.isoformat()}"
                    )

            transaction.on_commit(send)
    for office_id, count in told.items():
        audit.record(
            actor=SYSTEM, action=Action.UPDATE, obj=OrgUnit.objects.get(pk=office_id),
            after={"overdue_orders_escalated": count},
        )  # fmt: skip
    return told
