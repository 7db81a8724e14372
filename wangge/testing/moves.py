"""People who move house while a round is on: "应检尽检、不漏一人" follows them.

In every round not yet closed whose population is built:
- someone not yet sampled who moves within the round's areas is due where they live now, so the
  new grid's team sees them on its untested list and the old one no longer counts them missing;
- someone who moves out of the round's areas is exempted with the move as the note (the row
  stays: it is the old grid's record of why they were not sampled there);
- someone who moves into the round's areas and was not due becomes due;
- someone who leaves the district is exempted as away, with the date.
Sampled rows stay where the sample was taken. Tests due under control measures are followed by
the screening part (they go to the new office's key-people round). Coverage counters are kept in
step in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import SYSTEM
from wangge.registry.models import Person
from wangge.testing import counters
from wangge.testing.models import Due, DueSource, DueStatus, ExemptReason, Round, RoundKind, RoundStatus
from wangge.testing.rounds.services import location_of, new_due


def _areas_of(rounds: list[Round]) -> dict[int, list[tuple[str, int]]]:
    """Per round, its areas as (path, pool size), narrowest first (its pool size wins)."""
    out: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for rnd in rounds:
        for area in rnd.areas.all():
            out[rnd.pk].append((area.unit.path, area.pool_size or rnd.default_pool_size))
        out[rnd.pk].sort(key=lambda a: -len(a[0]))
    return out


def _area_pool(areas: list[tuple[str, int]], path: str) -> int | None:
    for area_path, pool in areas:
        if path.startswith(area_path):
            return pool
    return None


@transaction.atomic
def follow_people(*, person_ids: list[int]) -> dict[str, int]:
    """Bring these people's rows in running rounds to where they live now (a system action that
    follows a registry change already checked and audited). Returns what was done."""
    done = {"moved": 0, "left_area": 0, "added": 0}
    rounds = list(
        Round.objects.filter(
            status__in=[RoundStatus.PLANNING, RoundStatus.OPEN], population_built_at__isnull=False
        )
        .exclude(kind=RoundKind.KEY_PEOPLE)
        .prefetch_related("areas__unit")
        .order_by("pk")
    )
    if not rounds:
        return done
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in=person_ids, is_active=True).select_related(
            "grid", "household__room"
        )
    }
    if not people:
        return done
    areas = _areas_of(rounds)
    by_round = {r.pk: r for r in rounds}
    deltas = counters.Deltas()
    per_round: dict[int, dict[str, int]] = defaultdict(lambda: {"moved": 0, "left_area": 0, "added": 0})
    have: set[tuple[int, int]] = set()

    dues = (
        Due.objects.select_for_update()
        .filter(round_id__in=by_round, person_id__in=people)
        .exclude(source=DueSource.MEASURE)
        .order_by("pk")
    )
    # One UPDATE per destination (a re-hung building moves many people to the same rooms).
    relocate: dict[tuple, list[int]] = defaultdict(list)
    leave: dict[str, list[int]] = defaultdict(list)
    for due in dues:
        have.add((due.round_id, due.person_id))
        if due.status == DueStatus.TESTED:
            continue  # the sample was taken where they lived then
        person = people[due.person_id]
        where = location_of(person)
        if all(getattr(due, k) == v for k, v in where.items()):
            continue
        exempt = int(due.status == DueStatus.EXEMPT)
        inside = _area_pool(areas[due.round_id], person.path) is not None
        if inside or due.source != DueSource.AREA:
            # Added by category or living in the areas still: due where they live now.
            deltas.add(due.round_id, due.grid_id, due.path, due=-1, exempt=-exempt)
            deltas.add(due.round_id, person.grid_id, person.path, due=1, exempt=exempt)
            relocate[tuple(where.items())].append(due.pk)
            per_round[due.round_id]["moved"] += 1
        elif due.status == DueStatus.DUE:
            deltas.add(due.round_id, due.grid_id, due.path, exempt=1)
            note = _("Moved out of this round's areas (now in %(grid)s).") % {
                "grid": person.grid.name if person.grid_id else "—"
            }
            leave[note].append(due.pk)
            per_round[due.round_id]["left_area"] += 1
    for where_items, ids in relocate.items():
        Due.objects.filter(pk__in=ids).update(**dict(where_items))
    for note, ids in leave.items():
        Due.objects.filter(pk__in=ids).update(
            status=DueStatus.EXEMPT, exempt_reason=ExemptReason.OTHER, exempt_note=note
        )

    new = []
    for rnd in rounds:
        for person in people.values():
            if (rnd.pk, person.pk) in have:
                continue
            pool = _area_pool(areas[rnd.pk], person.path)
            if pool is None:
                continue
            new.append(new_due(rnd, person, pool_size=pool, source=DueSource.AREA))
            deltas.add(rnd.pk, person.grid_id, person.path, due=1)
            per_round[rnd.pk]["added"] += 1
    Due.objects.bulk_create(new)  # a clash with a build running at once fails the move: no half-write
    counters.bump(deltas)

    for round_id, figures in sorted(per_round.items()):
        audit.record(
            actor=SYSTEM, action=Action.UPDATE, obj=by_round[round_id], after={"people_moved": figures}
        )
        for key, n in figures.items():
            done[key] += n
    return done


@transaction.atomic
def exempt_departed(*, person: Person) -> int:
    """Someone left the district: in rounds under way they are exempted as away (not counted as
    missing on the untested list); rows already sampled stay. Returns how many rows changed."""
    dues = list(
        Due.objects.select_for_update()
        .filter(
            person_id=person.pk,
            status=DueStatus.DUE,
            round__status__in=[RoundStatus.PLANNING, RoundStatus.OPEN],
        )
        .order_by("pk")
    )
    if not dues:
        return 0
    deltas = counters.Deltas()
    on = person.departure_date.isoformat() if person.departure_date else ""
    for due in dues:
        deltas.add(due.round_id, due.grid_id, due.path, exempt=1)
    Due.objects.filter(pk__in=[d.pk for d in dues]).update(
        status=DueStatus.EXEMPT,
        exempt_reason=ExemptReason.AWAY,
        exempt_note=_("Departed from the district on %(date)s.") % {"date": on},
    )
    counters.bump(deltas)
    for due in dues:
        audit.record(
            actor=SYSTEM,
            action=Action.UPDATE,
            obj=due,
            before={"status": DueStatus.DUE},
            after={"status": DueStatus.EXEMPT, "exempt_reason": ExemptReason.AWAY, "departed": on},
        )
    return len(dues)
