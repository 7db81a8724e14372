"""Rules as data with a validity period (measure rules, gathering rules, rental policies, the
risk-area list): the fields they share, the constraint that keeps a period in order, and the
reads of "the rule in force on a date"."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DatedRule(models.Model):
    """A rule that holds from one date to another (open-ended while in force), with the plan or
    notice it comes from and who entered it. A change is a new version starting on a later date:
    what a past event was judged by stays as it was."""

    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    basis_reference = models.CharField(
        _("reference (the plan or notice this rule comes from)"), max_length=200, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True


def period_ordered(name: str, start: str = "valid_from", end: str = "valid_to") -> models.CheckConstraint:
    """The period's end, if any, is not before its start."""
    return models.CheckConstraint(
        condition=Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": F(start)}), name=name
    )


def valid_on(qs: QuerySet, on: date, start: str = "valid_from", end: str = "valid_to") -> QuerySet:
    """Rows whose validity period covers the date."""
    return qs.filter(**{f"{start}__lte": on}).filter(Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": on}))


def still_open_on(qs: QuerySet, on: date, start: str = "valid_from", end: str = "valid_to") -> QuerySet:
    """Rows that started before the date and had not ended by it: the versions a new one starting
    on that date ends the day before."""
    return qs.filter(**{f"{start}__lt": on}).filter(Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": on}))
