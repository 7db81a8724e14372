"""Reads of the roster: shifts of a day, the gaps (unfilled shifts) per day and week, a unit's
calendar. Always from a Scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from wangge.core.access import Scope, under
from wangge.duty.models import Duty, Shift, VolunteerTask
from wangge.org.models import OrgUnit


def shifts(scope: Scope) -> QuerySet[Shift, Any]:
    return scope.filter(Shift.objects.select_related("checkpoint"))


def get_shift(scope: Scope, shift_id: int) -> Shift:
    return scope.get(Shift.objects.select_related("checkpoint", "checkpoint__grid"), pk=shift_id)


def get_duty(scope: Scope, duty_id: int) -> Duty:
    return scope.get(
        Duty.objects.select_related("shift", "shift__checkpoint", "staff", "volunteer"), pk=duty_id
    )


def shifts_of_checkpoint_day(scope: Scope, checkpoint_id: int, day: date) -> list[Shift]:
    rows = list(
        shifts(scope)
        .filter(checkpoint_id=checkpoint_id, day=day)
        .prefetch_related("duties__staff", "duties__volunteer")
        .order_by("starts_at")
    )
    return rows


def current_shift(scope: Scope, checkpoint_id: int) -> Shift | None:
    now = timezone.now()
    return (
        shifts(scope)
        .filter(checkpoint_id=checkpoint_id, starts_at__lte=now, ends_at__gt=now)
        .prefetch_related("duties__staff", "duties__volunteer")
        .first()
    )


@dataclass
class GapDay:
    day: date
    shifts: int = 0
    unfilled: int = 0
    missing: int = 0  # people missing over the unfilled shifts
    rows: list = field(default_factory=list)


def gaps(
    scope: Scope,
    *,
    start: date,
    days: int,
    unit: OrgUnit | None = None,
    rows_for: int = 1,
    rows_limit: int = 500,
) -> list[GapDay]:
    """Per day: shifts, unfilled shifts and people missing; the unfilled shifts themselves for the
    first `rows_for` days, at most `rows_limit` of them (a week's page lists the days, the day's
    page its first unfilled shifts). One aggregate query, one list query."""
    end = start + timedelta(days=days)
    # A closed checkpoint shows no gaps (the staffed shifts it kept are not gaps to fill).
    qs = shifts(scope).filter(day__gte=start, day__lt=end, checkpoint__is_active=True)
    if unit is not None:
        qs = under(qs, unit)
    per_day = {
        r["day"]: r
        for r in qs.values("day").annotate(
            n=Count("id"),
            unfilled=Count("id", filter=Q(filled__lt=F("needed"))),
            missing=Sum(F("needed") - F("filled"), filter=Q(filled__lt=F("needed"))),
        )
    }
    out = []
    for i in range(days):
        d = start + timedelta(days=i)
        r = per_day.get(d)
        out.append(GapDay(d, r["n"], r["unfilled"], r["missing"] or 0) if r else GapDay(d))
    if rows_for:
        listed = out[:rows_for]
        by_day = {g.day: g for g in listed}
        for s in (
            qs.filter(filled__lt=F("needed"), day__in=list(by_day))
            .select_related("checkpoint")
            .order_by("day", "starts_at", "checkpoint__name")[:rows_limit]
        ):
            by_day[s.day].rows.append(s)
    return out


def tonight_gaps(scope: Scope) -> int:
    """Unfilled shifts that start from now until 08:00 tomorrow (tonight's roster)."""
    now = timezone.now()
    tz = timezone.get_current_timezone()
    morning = datetime.combine(timezone.localdate() + timedelta(days=1), time(8, 0), tzinfo=tz)
    return (
        shifts(scope)
        .filter(filled__lt=F("needed"), ends_at__gt=now, starts_at__lt=morning, checkpoint__is_active=True)
        .count()
    )


@dataclass
class CalendarDay:
    day: date
    duties: list = field(default_factory=list)
    tasks: list = field(default_factory=list)


def calendar(scope: Scope, *, unit: OrgUnit, start: date, days: int = 7) -> list[CalendarDay]:
    """One calendar per village and office: who is on which checkpoint shift, and the volunteers'
    other tasks (sampling-site roles, screening squads, services), day by day."""
    end = start + timedelta(days=days)
    out = {start + timedelta(days=i): CalendarDay(start + timedelta(days=i)) for i in range(days)}
    duties = under(scope.filter(Duty.objects.all()), unit).filter(shift__day__gte=start, shift__day__lt=end)
    for d in duties.select_related("shift", "shift__checkpoint", "staff", "volunteer").order_by(
        "shift__starts_at", "id"
    )[:2000]:
        out[d.shift.day].duties.append(d)
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, time(0), tzinfo=tz)
    hi = datetime.combine(end, time(0), tzinfo=tz)
    tasks = under(scope.filter(VolunteerTask.objects.all()), unit).filter(starts_at__gte=lo, starts_at__lt=hi)
    for t in tasks.select_related("volunteer", "site", "site_role").order_by("starts_at", "id")[:2000]:
        day = timezone.localtime(t.starts_at).date()
        if day in out:
            out[day].tasks.append(t)
    return list(out.values())


def party_member_turns(scope: Scope, *, since: date | None = None) -> int:
    """Party members' turns of checkpoint duty (人次): roster members who are party members and
    volunteers who said they are."""
    qs = scope.filter(Duty.objects.all()).filter(
        Q(staff__is_party_member=True) | Q(volunteer__is_party_member=True)
    )
    if since is not None:
        qs = qs.filter(shift__day__gte=since)
    return qs.count()


def upcoming_staffed(scope: Scope, checkpoint_id: int) -> list[Shift]:
    """The checkpoint's shifts to come that someone is on (what a closed checkpoint keeps)."""
    return list(
        shifts(scope)
        .filter(checkpoint_id=checkpoint_id, starts_at__gt=timezone.now(), duties__isnull=False)
        .distinct()
        .prefetch_related("duties__staff", "duties__volunteer")
        .order_by("starts_at")[:200]
    )
