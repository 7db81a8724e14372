"""Reads of the rules pages: who may edit them, how a measure rule reads in words, the stored preview of a risk-area file, the candidates of a category (the writes are services.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from wangge.core.access import Actor, Scope, has_permission, scope_of
from wangge.registry import selectors as registry_selectors
from wangge.registry.models import Person
from wangge.screening import permissions as perms
from wangge.screening.models import (
    Category,
    EntryWay,
    MeasureKind,
    MeasurePolicy,
    RiskLevel,
    ScreeningRecord,
    TriggerKind,
)


def is_district_editor(actor: Actor) -> bool:
    scope = scope_of(actor)
    at_the_top = scope.unbounded or (scope.root is not None and scope.root.parent_id is None)
    return has_permission(actor, perms.SCREENING_RULES) and at_the_top


@dataclass
class ImportPreview:
    """A file read and checked, nothing written: the valid rows and the bad ones with reasons."""

    sha256: str
    name: str
    total: int = 0
    rows: list[dict] = field(default_factory=list)  # {"row": n, "province": ..., dates as ISO}
    errors: list[dict] = field(default_factory=list)  # {"row": n, "error": "..."}
    already_listed: int = 0  # valid rows the list holds already (re-import: left as they are)
    headers: list[str] = field(default_factory=list)  # the file's header row (for the error file)

    def as_dict(self) -> dict:
        return {
            "headers": self.headers,
            "sha256": self.sha256,
            "name": self.name,
            "total": self.total,
            "rows": self.rows,
            "errors": self.errors,
            "already_listed": self.already_listed,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ImportPreview:
        return cls(**data)


def cache_key(actor: Actor, sha256: str) -> str:
    return f"screening:risk-area-import:{getattr(actor, 'pk', 0)}:{sha256}"


def stored_preview(*, actor: Actor, sha256: str) -> ImportPreview | None:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        return None
    data = cache.get(cache_key(actor, sha256))
    return ImportPreview.from_dict(data) if data else None


def describe_policy(policy: MeasurePolicy) -> str:
    """“7 days centralised quarantine, tests on days 1,2,3,5,7 + 3 days home health monitoring,
    test on day 3”."""
    parts = []
    for phase in policy.phases.all():
        text = _("%(days)d days %(kind)s") % {"days": phase.days, "kind": MeasureKind(phase.kind).label}
        days = [int(d) for d in phase.test_days]
        if len(days) == 1:
            text += ", " + _("test on day %(d)s") % {"d": days[0]}
        elif days:
            text += ", " + _("tests on days %(d)s") % {"d": ",".join(map(str, days))}
        parts.append(text)
    return " + ".join(parts)


def describe_trigger(policy: MeasurePolicy) -> str:
    if policy.trigger == TriggerKind.CATEGORY:
        return _("Category: %(c)s") % {"c": policy.category.name if policy.category else "—"}
    return _("Arrivals from a %(level)s area within %(days)d days") % {
        "level": RiskLevel(policy.risk_level).label if policy.risk_level else "—",
        "days": policy.within_days or 0,
    }


def occupation_candidates(scope: Scope, category: Category) -> QuerySet[Person]:
    """Active registry people of the scope whose employer contains one of the category's keywords
    and who are not yet screened into it."""
    words = category.keyword_list()
    if category.entry != EntryWay.OCCUPATION or not words:
        return Person.objects.none()
    match = Q()
    for word in words:
        match |= Q(employer__contains=word)
    screened = ScreeningRecord.objects.filter(person=OuterRef("pk"), category=category)
    return (
        registry_selectors.people(scope)
        .filter(match)
        .exclude(Exists(screened))
        .select_related("grid")
        .order_by("path", "name", "id")
    )
