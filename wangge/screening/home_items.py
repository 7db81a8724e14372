"""What screening puts on people's homes: proposals to decide, measures awaiting approval, self-
reports to place, findings not yet handled, checks and tests overdue, tests due today."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from wangge.screening.followup import selectors as followup
from wangge.screening.models import Escalation, Measure, MeasureStatus, SelfReport


def _measures(request: HttpRequest, status: str) -> int:
    return request.scope.filter(Measure.objects.filter(status=status)).count()


def to_decide(request: HttpRequest) -> int | None:
    return _measures(request, MeasureStatus.PROPOSED)


def to_approve(request: HttpRequest) -> int | None:
    # One does not approve what one decided (the second approver); those are not this viewer's.
    qs = request.scope.filter(Measure.objects.filter(status=MeasureStatus.AWAITING_APPROVAL))
    return qs.exclude(decided_by=request.user).count()


def release_due(request: HttpRequest) -> int | None:
    from django.utils import timezone

    qs = Measure.objects.filter(status=MeasureStatus.ACTIVE, ends_on__lte=timezone.localdate())
    return request.scope.filter(qs).count()


def self_reports(request: HttpRequest) -> int | None:
    return request.scope.filter(SelfReport.objects.filter(record__isnull=True)).count()


def findings(request: HttpRequest) -> int | None:
    return request.scope.filter(Escalation.objects.filter(handled_at__isnull=True)).count()


def overdue_checks(request: HttpRequest) -> int | None:
    return followup.overdue_measures(request.scope).count()


def tests_today(request: HttpRequest) -> int | None:
    return followup.tests_due_today(request.scope).count()


def overdue_tests(request: HttpRequest) -> int | None:
    return followup.overdue_tests(request.scope).count()


def measures_url(status: str):
    def url(request: HttpRequest) -> str:
        return reverse("screening:measures") + f"?status={status}"

    return url


def escalations_url(request: HttpRequest) -> str:
    return reverse("screening:escalations") + "?open=1"
