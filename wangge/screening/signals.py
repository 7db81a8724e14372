"""Results from testing reach the tests due under measures: a negative or positive person
result settles the MeasureTest linked to that Due; a positive one escalates at once."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import timezone

from wangge.registry.signals import people_moved, person_departing
from wangge.testing.signals import person_results

# Person results that settle a test under a measure; a pool result waits for the re-test.
SETTLING = {"negative": "negative", "positive": "positive"}


@receiver(person_results, dispatch_uid="screening.measure_tests")
def settle_measure_tests(sender, results, **kwargs) -> None:
    from wangge.screening.measures.escalations import escalate_positive
    from wangge.screening.models import MeasureStatus, MeasureTest

    settled = {due_id: SETTLING[r] for due_id, r in results if r in SETTLING}
    if not settled:
        return
    now = timezone.now()
    tests = list(
        MeasureTest.objects.select_related("measure")
        .filter(due_id__in=list(settled), measure__status=MeasureStatus.ACTIVE)
        .exclude(result_source="hand")
    )
    for test in tests:
        result = settled[test.due_id]
        if test.result == result:
            continue
        test.result, test.result_at, test.result_source = result, now, "testing"
        test.save(update_fields=["result", "result_at", "result_source"])
        if result == "positive":
            escalate_positive(test)


@receiver(people_moved, dispatch_uid="screening.follow_people")
def follow_moved_people(sender, person_ids, **kwargs) -> None:
    from wangge.screening.moves import follow_people

    follow_people(person_ids=list(person_ids))


@receiver(person_departing, dispatch_uid="screening.refuse_departure_under_measure")
def refuse_departure_under_measure(sender, person, **kwargs) -> None:
    """Someone under a measure, or with one proposed, does not just drop out of the counts: the
    measure is handed over (or decided) first, so the place they go to knows of it."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from wangge.screening.measures.services import OPEN_STATUSES
    from wangge.screening.models import Measure, MeasureStatus

    measure = Measure.objects.filter(person_id=person.pk, status__in=OPEN_STATUSES).first()
    if measure is None:
        return
    if measure.status == MeasureStatus.ACTIVE:
        raise ValidationError(
            _(
                "%(name)s is under %(measure)s until %(date)s. Hand the measure over to where they are "
                "going, on the measure's page, before recording the departure."
            )
            % {
                "name": person.name,
                "measure": measure.get_kind_display(),
                "date": measure.ends_on.isoformat(),
            }
        )
    raise ValidationError(
        _("%(name)s has a measure awaiting a decision (%(measure)s). Decide or reject it first.")
        % {"name": person.name, "measure": measure.get_kind_display()}
    )
