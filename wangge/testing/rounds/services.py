"""Business actions on testing rounds: the round, its population due, exemptions and groups.

Check-ins are in `checkin.py`, results in `results.py`, transport in `transport.py`, the calling
plan and notices in `calling.py`. Every action checks the role and the scope, runs in one
transaction, writes its audit row inside it and keeps the coverage counters in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import SYSTEM, Actor, require, require_path, scope_of, user_or_none
from wangge.org.models import OrgUnit
from wangge.registry.models import Person
from wangge.testing import counters
from wangge.testing import permissions as perms
from wangge.testing.models import (
    POOL_SIZES,
    Due,
    DueSource,
    DueStatus,
    ExemptReason,
    Round,
    RoundArea,
    RoundGroup,
    RoundKind,
    RoundStatus,
)


def _pool_size(value: int | None, *, field: str = "pool_size", allow_none: bool = True) -> int | None:
    if value in (None, "") and allow_none:
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = -1
    if value not in POOL_SIZES:
        raise ValidationError({field: _("A tube holds 1, 5, 10 or 20 people.")})
    return value


def _check_period(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at is None or ends_at is None:
        raise ValidationError(_("Give the start and the end of the round."))
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must come after the start.")})


@transaction.atomic
def create_round(
    *,
    actor: Actor,
    name: str,
    owner: OrgUnit,
    starts_at: datetime,
    ends_at: datetime,
    areas: Iterable[tuple[OrgUnit, int | None]],
    kind: str = RoundKind.MASS,
    default_pool_size: int = 10,
    rate_per_table_hour: int = 60,
    queue_target: int = 20,
    window_minutes: int = 30,
    box_limit_hours: int = 4,
) -> Round:
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, owner.path)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if kind not in RoundKind.values:
        raise ValidationError({"kind": _("Unknown kind of round.")})
    _check_period(starts_at, ends_at)
    _check_rates(rate_per_table_hour, queue_target, window_minutes, box_limit_hours)
    areas = list(areas)
    if not areas and kind != RoundKind.KEY_PEOPLE:
        raise ValidationError({"areas": _("Choose at least one area.")})
    rnd = Round.objects.create(
        name=name,
        kind=kind,
        owner=owner,
        path=owner.path,
        starts_at=starts_at,
        ends_at=ends_at,
        default_pool_size=_pool_size(default_pool_size, field="default_pool_size", allow_none=False),
        rate_per_table_hour=rate_per_table_hour,
        queue_target=queue_target,
        window_minutes=window_minutes,
        box_limit_hours=box_limit_hours,
        created_by=user_or_none(actor),
    )
    for unit, pool_size in areas:
        _add_area(actor, rnd, unit, pool_size)
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=rnd,
        after={**audit.snapshot(rnd), "areas": [(u.name, p) for u, p in areas]},
    )
    return rnd


def _check_rates(rate: int, queue: int, window: int, box_hours: int) -> None:
    if not (1 <= int(rate) <= 1000):
        raise ValidationError({"rate_per_table_hour": _("Between 1 and 1000 swabs an hour.")})
    if not (0 <= int(queue) <= 1000):
        raise ValidationError({"queue_target": _("Between 0 and 1000 people.")})
    if not (5 <= int(window) <= 480):
        raise ValidationError({"window_minutes": _("Between 5 and 480 minutes.")})
    if not (1 <= int(box_hours) <= 48):
        raise ValidationError({"box_limit_hours": _("Between 1 and 48 hours.")})


def _add_area(actor: Actor, rnd: Round, unit: OrgUnit, pool_size: int | None) -> RoundArea:
    require_path(actor, unit.path)
    if not unit.path.startswith(rnd.path):
        raise ValidationError({"areas": _("%(unit)s is outside the organising unit.") % {"unit": unit.name}})
    if unit.closed_at is not None:
        raise ValidationError({"areas": _("%(unit)s is closed.") % {"unit": unit.name}})
    area, _created = RoundArea.objects.update_or_create(
        round=rnd, unit=unit, defaults={"pool_size": _pool_size(pool_size)}
    )
    return area


def _editable(actor: Actor, rnd: Round) -> None:
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, rnd.path)
    if rnd.status == RoundStatus.CLOSED:
        raise ValidationError(_("This round is closed."))


@transaction.atomic
def update_round(*, actor: Actor, round: Round, **changes: Any) -> Round:
    _editable(actor, round)
    before = audit.snapshot(round)
    allowed = {
        "name",
        "starts_at",
        "ends_at",
        "default_pool_size",
        "rate_per_table_hour",
        "queue_target",
        "window_minutes",
        "box_limit_hours",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    for key, value in changes.items():
        setattr(round, key, value)
    round.name = (round.name or "").strip()
    if not round.name:
        raise ValidationError({"name": _("A name is required.")})
    _pool_size(round.default_pool_size, field="default_pool_size", allow_none=False)
    _check_period(round.starts_at, round.ends_at)
    _check_rates(round.rate_per_table_hour, round.queue_target, round.window_minutes, round.box_limit_hours)
    round.save()
    audit.record(actor=actor, action=Action.UPDATE, obj=round, before=before, after=audit.snapshot(round))
    return round


@transaction.atomic
def set_area(*, actor: Actor, round: Round, unit: OrgUnit, pool_size: int | None) -> RoundArea:
    _editable(actor, round)
    area = _add_area(actor, round, unit, pool_size)
    audit.record(
        actor=actor, action=Action.UPDATE, obj=round, after={"area": unit.name, "pool_size": area.pool_size}
    )
    return area


@transaction.atomic
def set_status(*, actor: Actor, round: Round, status: str) -> Round:
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, round.path)
    if status not in RoundStatus.values:
        raise ValidationError(_("Unknown status."))
    before = round.status
    if before == RoundStatus.CLOSED and status != RoundStatus.CLOSED:
        raise ValidationError(_("A closed round cannot be reopened."))
    if status == RoundStatus.OPEN and round.population_built_at is None:
        raise ValidationError(_("Build the population due before opening the round."))
    round.status = status
    round.save(update_fields=["status"])
    audit.record(
        actor=actor, action=Action.UPDATE, obj=round, before={"status": before}, after={"status": status}
    )
    return round


def _insert_dues_sql(rnd: Round, unit_path: str, pool_size: int) -> tuple[str, list]:
    """INSERT … SELECT of everyone active in the area who is not already due (both databases)."""
    due = Due._meta.db_table
    person = Person._meta.db_table
    sql = f"""
        INSERT INTO {due} (round_id, person_id, grid_id, building_id, unit_label, floor, pool_size, source,
                           status, exempt_reason, exempt_note, home_sampling, result, retest_needed, path)
        SELECT %s, p.id, p.grid_id, r.building_id, COALESCE(r.unit_label, ''), r.floor, %s, %s,
               %s, '', '', %s, '', %s, p.path
        FROM {person} p
        LEFT JOIN registry_household h ON h.id = p.household_id
        LEFT JOIN registry_room r ON r.id = h.room_id
        WHERE p.is_active = %s AND p.path LIKE %s
        ON CONFLICT (round_id, person_id) DO NOTHING
    """  # noqa: S608 - table names are ours, values are parameters
    return sql, [rnd.pk, pool_size, DueSource.AREA, DueStatus.DUE, False, False, True, unit_path + "%"]


@transaction.atomic
def build_population(*, actor: Actor, round: Round) -> int:
    """Everyone active in the round's areas becomes due (set-based; safe to run again: it only
    adds people who arrived since). Returns how many were added."""
    _editable(actor, round)
    Round.objects.select_for_update().filter(pk=round.pk).first()  # one build at a time
    before = Due.objects.filter(round=round).count()
    areas = list(round.areas.select_related("unit").order_by("unit__path"))
    with connection.cursor() as cur:
        # Narrowest area first, so that its own pool size wins where areas overlap.
        for area in sorted(areas, key=lambda a: -len(a.unit.path)):
            sql, params = _insert_dues_sql(round, area.unit.path, area.pool_size or round.default_pool_size)
            cur.execute(sql, params)
    added = Due.objects.filter(round=round).count() - before
    counters.rebuild(round.pk)
    round.population_built_at = timezone.now()
    round.save(update_fields=["population_built_at"])
    audit.record(actor=actor, action=Action.UPDATE, obj=round, after={"population_added": added})
    return added


@transaction.atomic
def add_group(
    *,
    actor: Actor,
    round: Round,
    name: str,
    pool_size: int,
    people: Iterable[Person],
    source: str = DueSource.GROUP,
) -> tuple[RoundGroup, int]:
    """People added by category (key people, a company's list…), each with the group's pool size.
    People already due keep their row but take the group's pool size when it is smaller."""
    _editable(actor, round)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    pool_size = _pool_size(pool_size, allow_none=False)
    group, _created = RoundGroup.objects.get_or_create(
        round=round, name=name, defaults={"pool_size": pool_size}
    )
    scope = scope_of(actor)
    people = [p for p in people if scope.covers_path(p.path) and p.is_active]
    existing = {d.person_id: d for d in Due.objects.filter(round=round, person__in=people)}
    deltas = counters.Deltas()
    new = []
    for person in people:
        due = existing.get(person.pk)
        if due is not None:
            if pool_size < due.pool_size:
                Due.objects.filter(pk=due.pk).update(pool_size=pool_size, group=group)
            continue
        new.append(new_due(round, person, pool_size=pool_size, source=source, group=group))
        deltas.add(round.pk, person.grid_id, person.path, due=1)
    Due.objects.bulk_create(new, batch_size=1000)
    counters.bump(deltas)
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=round,
        after={"group": name, "pool_size": pool_size, "added": len(new)},
    )
    return group, len(new)


def location_of(person: Person) -> dict:
    """Where a Due row puts a person: grid, path, and the building, unit and floor of their home."""
    room = person.household.room if person.household_id else None
    return {
        "grid_id": person.grid_id,
        "path": person.path,
        "building_id": room.building_id if room else None,
        "unit_label": room.unit_label if room else "",
        "floor": room.floor if room else None,
    }


def new_due(
    rnd: Round, person: Person, *, pool_size: int, source: str, group: RoundGroup | None = None
) -> Due:
    return Due(
        round=rnd, person=person, pool_size=pool_size, source=source, group=group, **location_of(person)
    )


@transaction.atomic
def add_due(
    *, actor: Actor, round: Round, person: Person, source: str = DueSource.MEASURE, pool_size: int = 1
) -> Due:
    """One person made due (a control measure's test day, a person added by hand). Idempotent."""
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, person.path)
    if round.status == RoundStatus.CLOSED:
        raise ValidationError(_("This round is closed."))
    due = Due.objects.filter(round=round, person=person).first()
    if due is not None:
        return due
    due = new_due(round, person, pool_size=_pool_size(pool_size, allow_none=False), source=source)
    due.save()
    deltas = counters.Deltas()
    deltas.add(round.pk, due.grid_id, due.path, due=1)
    counters.bump(deltas)
    audit.record(actor=actor, action=Action.CREATE, obj=due, after={"round": round.name, "source": source})
    return due


@transaction.atomic
def set_exemption(*, actor: Actor, due: Due, reason: str, note: str = "") -> Due:
    """Exempt a person from this round with a reason. Sampled people cannot be exempted."""
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, due.path)
    due = Due.objects.select_for_update().get(pk=due.pk)
    if reason not in ExemptReason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    if reason == ExemptReason.OTHER and not (note or "").strip():
        raise ValidationError({"note": _("Say why.")})
    if due.status == DueStatus.TESTED:
        raise ValidationError(_("This person has already been sampled in this round."))
    before = {"status": due.status, "exempt_reason": due.exempt_reason}
    deltas = counters.Deltas()
    if due.status == DueStatus.DUE:
        deltas.add(due.round_id, due.grid_id, due.path, exempt=1)
    due.status = DueStatus.EXEMPT
    due.exempt_reason = reason
    due.exempt_note = (note or "").strip()[:200]
    due.save(update_fields=["status", "exempt_reason", "exempt_note"])
    counters.bump(deltas)
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=due,
        before=before,
        after={"status": due.status, "exempt_reason": reason, "exempt_note": due.exempt_note},
    )
    return due


@transaction.atomic
def clear_exemption(*, actor: Actor, due: Due) -> Due:
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, due.path)
    due = Due.objects.select_for_update().get(pk=due.pk)
    if due.status != DueStatus.EXEMPT:
        return due
    deltas = counters.Deltas()
    deltas.add(due.round_id, due.grid_id, due.path, exempt=-1)
    before = {"status": due.status, "exempt_reason": due.exempt_reason}
    due.status, due.exempt_reason, due.exempt_note = DueStatus.DUE, "", ""
    due.save(update_fields=["status", "exempt_reason", "exempt_note"])
    counters.bump(deltas)
    audit.record(actor=actor, action=Action.UPDATE, obj=due, before=before, after={"status": due.status})
    return due


@transaction.atomic
def set_home_sampling(*, actor: Actor, due: Due, home: bool, note: str = "") -> Due:
    """Bedridden people stay due but go on the home-sampling list instead of a calling batch."""
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, due.path)
    due = Due.objects.select_for_update().get(pk=due.pk)
    before = {"home_sampling": due.home_sampling}
    due.home_sampling = bool(home)
    if note:
        due.exempt_note = note.strip()[:200]
    due.save(update_fields=["home_sampling", "exempt_note"])
    audit.record(
        actor=actor, action=Action.UPDATE, obj=due, before=before, after={"home_sampling": due.home_sampling}
    )
    return due


# --- tests due under control measures (called by wangge.screening) -------------------------


def key_people_round(*, office: OrgUnit, on: date) -> Round:
    """The day's key-people round of an office, where tests due under control measures go
    (single tubes). Created open on first use: a system action, audited as such."""
    from datetime import time as dtime

    OrgUnit.objects.select_for_update().filter(pk=office.pk).first()  # one creator at a time
    tz = timezone.get_current_timezone()
    starts_at = datetime.combine(on, dtime(7, 0), tzinfo=tz)
    rnd = Round.objects.filter(owner=office, kind=RoundKind.KEY_PEOPLE, starts_at=starts_at).first()
    if rnd is not None:
        return rnd
    rnd = Round.objects.create(
        name=_("Tests under control measures %(date)s · %(office)s")
        % {"date": on.isoformat(), "office": office.name},
        kind=RoundKind.KEY_PEOPLE,
        owner=office,
        path=office.path,
        starts_at=starts_at,
        ends_at=datetime.combine(on, dtime(21, 0), tzinfo=tz),
        default_pool_size=1,
        status=RoundStatus.OPEN,
        population_built_at=timezone.now(),
    )
    RoundGroup.objects.create(round=rnd, name=_("People under control measures"), pool_size=1)
    audit.record(actor=SYSTEM, action=Action.CREATE, obj=rnd, after=audit.snapshot(rnd))
    return rnd


def home_sampling_site(*, round: Round, village: OrgUnit):
    """The home-sampling team of a village in a key-people round (people under quarantine are
    sampled where they are), so the village's own registrars can record the samples."""
    from wangge.testing.models import Site

    site = Site.objects.filter(round=round, unit=village).first()
    if site is None:
        site = Site.objects.create(
            round=round,
            name=_("Home sampling · %(village)s") % {"village": village.name},
            unit=village,
            path=village.path,
            tables=2,
            opens_at=round.starts_at,
            closes_at=round.ends_at,
            pool_size=1,
        )
    return site


def add_measure_dues(*, round: Round, people: list[tuple[Person, bool]]) -> dict[int, Due]:
    """Make people due in a round for their tests under a measure (system action, set-based).
    `people` is [(person, sample_at_home)]. Idempotent: people already due keep their row."""
    if round.status == RoundStatus.CLOSED:
        raise ValidationError(_("This round is closed."))
    group = RoundGroup.objects.filter(round=round).order_by("id").first()
    ids = [p.pk for p, _home in people]
    existing = {d.person_id: d for d in Due.objects.filter(round=round, person_id__in=ids)}
    new = []
    for person, home in people:
        if person.pk in existing:
            continue
        due = new_due(round, person, pool_size=1, source=DueSource.MEASURE, group=group)
        due.home_sampling = home
        new.append(due)
        existing[person.pk] = due
    if new:
        Due.objects.bulk_create(new)
        created = {
            d.person_id: d for d in Due.objects.filter(round=round, person_id__in=[d.person_id for d in new])
        }
        for person_id, due in created.items():
            existing[person_id] = due
        deltas = counters.Deltas()
        for due in created.values():
            deltas.add(round.pk, due.grid_id, due.path, due=1)
        counters.bump(deltas)
        audit.record(actor=SYSTEM, action=Action.CREATE, obj=round, after={"measure_dues": len(new)})
    return existing


def remove_measure_dues(*, due_ids: list[int]) -> int:
    """A measure cancelled: its people are no longer due for the tests not yet sampled (system
    action; coverage counters kept in step). Sampled ones stay: their samples are real."""
    dues = list(
        Due.objects.select_for_update().filter(pk__in=due_ids, source=DueSource.MEASURE, status=DueStatus.DUE)
    )
    if not dues:
        return 0
    deltas = counters.Deltas()
    for due in dues:
        deltas.add(due.round_id, due.grid_id, due.path, due=-1)
    Due.objects.filter(pk__in=[d.pk for d in dues]).delete()
    counters.bump(deltas)
    for round_id in {d.round_id for d in dues}:
        rnd = Round.objects.get(pk=round_id)
        audit.record(
            actor=SYSTEM,
            action=Action.DELETE,
            obj=rnd,
            after={"measure_dues_removed": sum(d.round_id == round_id for d in dues)},
        )
    return len(dues)
