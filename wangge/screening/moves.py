"""People who move house (or whose building is re-hung under another grid) take their open
screening work with them: the new grid's team answers for them from the day they arrive.

An open measure moves whole (its tests, daily checks, escalations and service requests), so the
team that follows it up sees its history; findings not yet handled are told to the new team.
Tests still to be sampled leave the old office's key-people round and become due in the new one. Screenings not yet decided move too. Measures
already closed stay where the work was done: they are the old grid's history.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.utils import timezone

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import SYSTEM
from wangge.registry.models import Person
from wangge.screening.measures.services import OPEN_STATUSES, schedule_tests
from wangge.screening.models import (
    DailyCheck,
    Escalation,
    Measure,
    MeasureStatus,
    MeasureTest,
    ScreeningRecord,
    ScreeningStatus,
    ServiceRequest,
)

UNDECIDED = (ScreeningStatus.NEW, ScreeningStatus.PROPOSED)


@transaction.atomic
def follow_people(*, person_ids: list[int], today: date | None = None) -> int:
    """Re-path the open measures and undecided screenings of these people to where they live
    now. A system action (it follows a registry change already checked and audited); returns
    how many measures moved."""
    from wangge.testing.models import DueStatus
    from wangge.testing.rounds import services as testing

    today = today or timezone.localdate()
    people = {p.pk: p for p in Person.objects.filter(pk__in=person_ids).only("pk", "path", "grid_id")}
    if not people:
        return 0

    screenings_to: dict[tuple[str, int], list[int]] = defaultdict(list)
    undecided = ScreeningRecord.objects.select_for_update().filter(person_id__in=people, status__in=UNDECIDED)
    for record in undecided.only("pk", "person_id", "path", "grid_id"):
        person = people[record.person_id]
        if (record.path, record.grid_id) != (person.path, person.grid_id):
            screenings_to[(person.path, person.grid_id)].append(record.pk)
    for (path, grid_id), ids in screenings_to.items():  # one UPDATE per destination, not per record
        ScreeningRecord.objects.filter(pk__in=ids).update(path=path, grid_id=grid_id)

    measures = [
        m
        for m in Measure.objects.select_for_update().filter(person_id__in=people, status__in=OPEN_STATUSES)
        if (m.path, m.grid_id) != (people[m.person_id].path, people[m.person_id].grid_id)
    ]
    if not measures:
        return 0

    # Tests from today on that nobody has sampled yet leave the old office's round; sampled ones
    # keep their Due, since their result comes back through it.
    leaving = list(
        MeasureTest.objects.filter(
            measure__in=measures, result="", on_date__gte=today, due__status=DueStatus.DUE
        ).values_list("pk", "due_id")
    )
    if leaving:
        due_ids = {due_id for _pk, due_id in leaving}
        MeasureTest.objects.filter(pk__in=[pk for pk, _due in leaving]).update(due=None)
        still_used = set(
            MeasureTest.objects.filter(due_id__in=due_ids).values_list("due_id", flat=True).distinct()
        )
        testing.remove_measure_dues(due_ids=sorted(due_ids - still_used))

    by_path: dict[tuple[str, int], list[int]] = defaultdict(list)
    for measure in measures:
        person = people[measure.person_id]
        by_path[(person.path, person.grid_id)].append(measure.pk)
        audit.record(
            actor=SYSTEM,
            action=Action.MOVE,
            obj=measure,
            before={"path": measure.path, "grid": measure.grid_id},
            after={"path": person.path, "grid": person.grid_id},
        )
    for (path, grid_id), ids in by_path.items():
        Measure.objects.filter(pk__in=ids).update(path=path, grid_id=grid_id)
        for model in (MeasureTest, DailyCheck, Escalation, ServiceRequest):
            model.objects.filter(measure_id__in=ids).update(path=path)

    # Findings nobody has handled yet are told to the new grid's medic and leaders too.
    open_escalations = list(
        Escalation.objects.filter(measure_id__in=[m.pk for m in measures], handled_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if open_escalations:
        transaction.on_commit(lambda: _tell_again(open_escalations))

    active = list(
        Measure.objects.filter(pk__in=[m.pk for m in measures], status=MeasureStatus.ACTIVE).select_related(
            "person"
        )
    )
    schedule_tests(active, today=today)
    return len(measures)


def _tell_again(escalation_ids: list[int]) -> None:
    from wangge.screening.measures.notify import send_escalation

    for escalation_id in escalation_ids:
        send_escalation(escalation_id)
