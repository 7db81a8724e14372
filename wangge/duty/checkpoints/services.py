"""Checkpoints and their shifts: set up by a village or office in its grids; shifts made from the
checkpoint's pattern for a span of days (idempotent: a shift that exists is kept with its duties)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, require, require_path
from wangge.duty.models import Checkpoint, CheckpointKind, Shift, ShiftPattern
from wangge.duty.permissions import DUTY_MANAGE
from wangge.org.models import Level, OrgUnit

PATTERN_TIMES = {
    ShiftPattern.THREE_EIGHT: [("08:00", "16:00"), ("16:00", "00:00"), ("00:00", "08:00")],
    ShiftPattern.TWO_TWELVE: [("08:00", "20:00"), ("20:00", "08:00")],
}
MAX_SHIFT_DAYS = 62


def _parse(text: str) -> time:
    try:
        return datetime.strptime(str(text).strip(), "%H:%M").time()
    except ValueError as exc:
        raise ValidationError({"shift_times": _("Write times as HH:MM, such as 08:00-16:00.")}) from exc


def parse_shift_times(text: str) -> list[list[str]]:
    """ "08:00-16:00, 16:00-24:00" → [["08:00", "16:00"], ["16:00", "00:00"]]."""
    out = []
    for part in (text or "").replace("，", ",").replace("；", ",").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if "-" not in part:
            raise ValidationError({"shift_times": _("Write times as HH:MM, such as 08:00-16:00.")})
        a, b = (p.strip() for p in part.split("-", 1))
        if b in ("24:00", "24"):
            b = "00:00"
        out.append([_parse(a).strftime("%H:%M"), _parse(b).strftime("%H:%M")])
    return out


def times_of(checkpoint: Checkpoint) -> list[tuple[str, str]]:
    if checkpoint.pattern == ShiftPattern.SET_TIMES:
        return [(a, b) for a, b in checkpoint.shift_times]
    times = PATTERN_TIMES[ShiftPattern(checkpoint.pattern)]
    if checkpoint.round_the_clock or not (checkpoint.opens_at and checkpoint.closes_at):
        return list(times)
    # Set hours: the pattern's shifts that start within them.
    opens, closes = checkpoint.opens_at, checkpoint.closes_at
    return [(a, b) for a, b in times if opens <= _parse(a) < closes]


def periods(checkpoint: Checkpoint, day: date) -> list[tuple[datetime, datetime]]:
    """The shifts of a day as aware datetimes (a shift ending at or before its start ends the next day)."""
    tz = timezone.get_current_timezone()
    out = []
    for a, b in times_of(checkpoint):
        start = datetime.combine(day, _parse(a), tzinfo=tz)
        end = datetime.combine(day, _parse(b), tzinfo=tz)
        if end <= start:
            end += timedelta(days=1)
        out.append((start, end))
    return out


def _validate(
    *,
    grid: OrgUnit,
    name: str,
    kind: str,
    round_the_clock: bool,
    opens_at,
    closes_at,
    pattern: str,
    shift_times,
):
    if grid.level != Level.GRID or grid.closed_at is not None:
        raise ValidationError({"grid": _("Choose an open level-3 grid.")})
    if not (name or "").strip():
        raise ValidationError({"name": _("A name is required.")})
    if kind not in CheckpointKind.values:
        raise ValidationError({"kind": _("Choose the kind of checkpoint.")})
    if pattern not in ShiftPattern.values:
        raise ValidationError({"pattern": _("Choose a shift pattern.")})
    if pattern == ShiftPattern.SET_TIMES and not shift_times:
        raise ValidationError({"shift_times": _("Give the set times of the shifts.")})
    if not round_the_clock and not (opens_at and closes_at):
        raise ValidationError({"opens_at": _("Give the hours, or choose round the clock.")})


@transaction.atomic
def create_checkpoint(
    *,
    actor: Actor,
    grid: OrgUnit,
    name: str,
    kind: str,
    address: str = "",
    venue=None,
    round_the_clock: bool = True,
    opens_at: time | None = None,
    closes_at: time | None = None,
    pattern: str = ShiftPattern.THREE_EIGHT,
    shift_times: list | None = None,
    people_per_shift: int = 2,
) -> Checkpoint:
    require(actor, DUTY_MANAGE)
    require_path(actor, grid.path)
    _validate(
        grid=grid,
        name=name,
        kind=kind,
        round_the_clock=round_the_clock,
        opens_at=opens_at,
        closes_at=closes_at,
        pattern=pattern,
        shift_times=shift_times,
    )
    if venue is not None:
        require_path(actor, venue.path)
    checkpoint = Checkpoint.objects.create(
        name=name.strip()[:100],
        grid=grid,
        path=grid.path,
        address=(address or "").strip()[:250],
        venue=venue,
        kind=kind,
        round_the_clock=round_the_clock,
        opens_at=None if round_the_clock else opens_at,
        closes_at=None if round_the_clock else closes_at,
        pattern=pattern,
        shift_times=shift_times or [],
        people_per_shift=max(1, min(int(people_per_shift or 1), 20)),
    )
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=checkpoint,
        after={"name": checkpoint.name, "kind": kind, "grid": grid.name, "pattern": pattern},
    )
    return checkpoint


@transaction.atomic
def make_shifts(*, actor: Actor, checkpoint: Checkpoint, start: date, days: int) -> int:
    """Make the checkpoint's shifts for `days` days from `start`; existing ones are kept. The number made."""
    require(actor, DUTY_MANAGE)
    require_path(actor, checkpoint.path)
    _refuse_closed(checkpoint)
    if not 1 <= days <= MAX_SHIFT_DAYS:
        raise ValidationError({"days": _("Make shifts for 1 to 62 days at a time.")})
    rows = [
        Shift(
            checkpoint=checkpoint,
            day=start + timedelta(days=i),
            starts_at=a,
            ends_at=b,
            needed=checkpoint.people_per_shift,
            path=checkpoint.path,
        )
        for i in range(days)
        for a, b in periods(checkpoint, start + timedelta(days=i))
    ]
    before = Shift.objects.filter(checkpoint=checkpoint).count()
    Shift.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    made = Shift.objects.filter(checkpoint=checkpoint).count() - before
    if made:
        audit.record(
            actor=actor,
            action=Action.UPDATE,
            obj=checkpoint,
            after={"shifts_made": made, "from": start.isoformat(), "days": days},
        )
    return made


def _refuse_closed(checkpoint: Checkpoint) -> None:
    if not checkpoint.is_active:
        raise ValidationError(_("This checkpoint is closed: reopen it first."))


@dataclass
class Replanned:
    """What a change of hours or a closing did to the checkpoint's shifts to come."""

    dropped: int = 0
    made: int = 0
    # Shifts to come that someone is on: never dropped, listed so that they can be taken off.
    kept: list[Shift] = field(default_factory=list)


def _future_shifts(checkpoint: Checkpoint):
    return Shift.objects.filter(checkpoint=checkpoint, starts_at__gt=timezone.now())


def _staffed(qs):
    return qs.filter(Q(filled__gt=0) | Q(duties__isnull=False)).distinct()


def _unstaffed(qs):
    return qs.filter(filled=0, duties__isnull=True)


def _replan(checkpoint: Checkpoint) -> Replanned:
    """After a change of hours or pattern: the shifts to come that nobody is on and that no longer
    fit are dropped, the new ones made over the same span of days; staffed ones are kept."""
    now = timezone.now()
    future = _future_shifts(checkpoint)
    last = future.order_by("-day").values_list("day", flat=True).first()
    if last is None:
        return Replanned()
    wanted: dict[datetime, tuple[date, datetime]] = {}
    day = timezone.localdate()
    while day <= last:
        for a, b in periods(checkpoint, day):
            if a > now:
                wanted[a] = (day, b)
        day += timedelta(days=1)
    misfits = [
        s.pk
        for s in _unstaffed(future).only("pk", "starts_at", "ends_at")
        if wanted.get(s.starts_at, (None, None))[1] != s.ends_at
    ]
    dropped = Shift.objects.filter(pk__in=misfits).delete()[1].get("duty.Shift", 0) if misfits else 0
    _unstaffed(_future_shifts(checkpoint)).update(needed=checkpoint.people_per_shift)
    before = Shift.objects.filter(checkpoint=checkpoint).count()
    Shift.objects.bulk_create(
        [
            Shift(checkpoint=checkpoint, day=d, starts_at=a, ends_at=b, needed=checkpoint.people_per_shift,
                  path=checkpoint.path)
            for a, (d, b) in wanted.items()
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )  # fmt: skip
    made = Shift.objects.filter(checkpoint=checkpoint).count() - before
    kept = [
        s
        for s in _staffed(_future_shifts(checkpoint)).order_by("starts_at")
        if wanted.get(s.starts_at, (None, None))[1] != s.ends_at
    ]
    return Replanned(dropped=dropped, made=made, kept=kept)


_EDITABLE = (
    "name", "kind", "address", "round_the_clock", "opens_at", "closes_at", "pattern", "shift_times",
    "people_per_shift",
)  # fmt: skip


def _snapshot(checkpoint: Checkpoint) -> dict:
    out = {}
    for name in _EDITABLE:
        value = getattr(checkpoint, name)
        out[name] = value.strftime("%H:%M") if isinstance(value, time) else value
    return out


@transaction.atomic
def update_checkpoint(
    *,
    actor: Actor,
    checkpoint: Checkpoint,
    name: str,
    kind: str,
    address: str = "",
    round_the_clock: bool = True,
    opens_at: time | None = None,
    closes_at: time | None = None,
    pattern: str = ShiftPattern.THREE_EIGHT,
    shift_times: list | None = None,
    people_per_shift: int = 2,
) -> Replanned:
    """Change a checkpoint's name, place, kind and hours. A change of hours, pattern or people per
    shift replans the shifts to come (staffed ones are kept and listed)."""
    require(actor, DUTY_MANAGE)
    require_path(actor, checkpoint.path)
    checkpoint = Checkpoint.objects.select_for_update().select_related("grid").get(pk=checkpoint.pk)
    _validate(
        grid=checkpoint.grid,
        name=name,
        kind=kind,
        round_the_clock=round_the_clock,
        opens_at=opens_at,
        closes_at=closes_at,
        pattern=pattern,
        shift_times=shift_times,
    )
    before = _snapshot(checkpoint)
    checkpoint.name = name.strip()[:100]
    checkpoint.kind = kind
    checkpoint.address = (address or "").strip()[:250]
    checkpoint.round_the_clock = round_the_clock
    checkpoint.opens_at = None if round_the_clock else opens_at
    checkpoint.closes_at = None if round_the_clock else closes_at
    checkpoint.pattern = pattern
    checkpoint.shift_times = (shift_times or []) if pattern == ShiftPattern.SET_TIMES else []
    checkpoint.people_per_shift = max(1, min(int(people_per_shift or 1), 20))
    after = _snapshot(checkpoint)
    changed = {k for k in _EDITABLE if before[k] != after[k]}
    if not changed:
        return Replanned()
    checkpoint.save(update_fields=sorted(changed))
    timing = {"round_the_clock", "opens_at", "closes_at", "pattern", "shift_times", "people_per_shift"}
    result = _replan(checkpoint) if checkpoint.is_active and changed & timing else Replanned()
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=checkpoint,
        before={k: before[k] for k in sorted(changed)},
        after={k: after[k] for k in sorted(changed)}
        | (
            {"shifts_dropped": result.dropped, "shifts_made": result.made}
            if result.dropped or result.made
            else {}
        ),
    )
    return result


@transaction.atomic
def close_checkpoint(*, actor: Actor, checkpoint: Checkpoint, reason: str) -> Replanned:
    """Close a checkpoint: no more entries at it and no gaps shown for it; its shifts to come that
    nobody is on are dropped, the staffed ones kept (and listed, to take people off)."""
    require(actor, DUTY_MANAGE)
    require_path(actor, checkpoint.path)
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    _refuse_closed(checkpoint)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the checkpoint is closed.")})
    now = timezone.now()
    drop = list(_unstaffed(_future_shifts(checkpoint)).values_list("pk", flat=True))
    dropped = Shift.objects.filter(pk__in=drop).delete()[1].get("duty.Shift", 0) if drop else 0
    kept = list(_staffed(_future_shifts(checkpoint)).order_by("starts_at"))
    checkpoint.is_active = False
    checkpoint.closed_at = now
    checkpoint.close_reason = reason[:200]
    checkpoint.save(update_fields=["is_active", "closed_at", "close_reason"])
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=checkpoint,
        before={"is_active": True},
        after={"is_active": False, "reason": checkpoint.close_reason, "shifts_dropped": dropped,
               "shifts_kept": len(kept)},
    )  # fmt: skip
    return Replanned(dropped=dropped, kept=kept)


@transaction.atomic
def reopen_checkpoint(*, actor: Actor, checkpoint: Checkpoint, days: int = 7) -> int:
    """Open a closed checkpoint again, with its shifts for `days` days from today. The number made."""
    require(actor, DUTY_MANAGE)
    require_path(actor, checkpoint.path)
    checkpoint = Checkpoint.objects.select_for_update().select_related("grid").get(pk=checkpoint.pk)
    if checkpoint.is_active:
        raise ValidationError(_("This checkpoint is open."))
    if checkpoint.grid.closed_at is not None:
        raise ValidationError(_("Its grid is closed: the checkpoint cannot be reopened."))
    before = {"is_active": False, "reason": checkpoint.close_reason}
    checkpoint.is_active = True
    checkpoint.closed_at = None
    checkpoint.close_reason = ""
    checkpoint.save(update_fields=["is_active", "closed_at", "close_reason"])
    audit.record(actor=actor, action=Action.UPDATE, obj=checkpoint, before=before, after={"is_active": True})
    return (
        make_shifts(actor=actor, checkpoint=checkpoint, start=timezone.localdate(), days=days) if days else 0
    )
