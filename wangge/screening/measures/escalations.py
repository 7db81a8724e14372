"""Abnormal findings under a measure (a fever, symptoms, someone not at home, a positive test):
an Escalation row in the same transaction, and a message to the grid's medic and leaders and to
the office after the commit. Messages carry no names: the details are on the escalations page."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from wangge.screening.models import DailyCheck, Escalation, EscalationKind, MeasureTest


def escalate(
    *, measure, kind: str, detail: str = "", check: DailyCheck | None = None, test: MeasureTest | None = None
) -> Escalation:
    escalation = Escalation.objects.create(
        measure=measure, kind=kind, detail=detail[:300], daily_check=check, test=test, path=measure.path
    )
    escalation_id = escalation.pk

    def send():
        from wangge.screening.measures.notify import send_escalation

        send_escalation(escalation_id)

    transaction.on_commit(send)
    return escalation


def _stored_day(test: MeasureTest) -> str:
    """ "第 3 天（2022-03-28）": stored text, so in the platform's language whoever triggered it."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("day %(n)s (%(date)s)") % {"n": test.day_no, "date": test.on_date.isoformat()}


def escalate_positive(test: MeasureTest) -> Escalation | None:
    """A positive test under a measure is told at once (once per test)."""
    if Escalation.objects.filter(test=test, kind=EscalationKind.POSITIVE_TEST).exists():
        return None
    return escalate(
        measure=test.measure,
        kind=EscalationKind.POSITIVE_TEST,
        detail=_stored_day(test),
        test=test,
    )
