"""Checkpoints and their shifts: set up by a village or office in its grids; shifts made from the
checkpoint's pattern for a span of days (idempotent: a shift that exists is kept with its duties)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
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
