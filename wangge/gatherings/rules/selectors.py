"""The rules for gatherings, read as data: the rule valid on a date for a kind, and what it says
about one event (its verdict). Pure reads; nothing here writes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.core.dated import valid_on
from wangge.gatherings.models import Band, Gathering, GatheringKind, GatheringRule, Stance


def kinds() -> QuerySet[GatheringKind]:
    return GatheringKind.objects.filter(active=True)


def all_kinds() -> list[GatheringKind]:
    """Every kind, retired ones included, each with whether a rule or a report refers to it."""
    return list(
        GatheringKind.objects.annotate(
            has_rules=Exists(GatheringRule.objects.filter(kind=OuterRef("pk"))),
            has_reports=Exists(Gathering.objects.filter(kind=OuterRef("pk"))),
        ).order_by("-active", "order", "id")
    )


def rules() -> QuerySet[GatheringRule]:
    return GatheringRule.objects.select_related("kind")


def rule_for(kind: GatheringKind, on: datetime.date) -> GatheringRule | None:
    """The rule of the kind valid on the date (the latest to start, if several overlap)."""
    return valid_on(GatheringRule.objects.filter(kind=kind), on).order_by("-valid_from", "-id").first()


@dataclass
class Verdict:
    """What the rules say about one event. `errors`: by form field, the event cannot be reported
    as it is; `banned`: the kind is not to be held at all (refused at once in the rule's words)."""

    rule: GatheringRule | None
    band: str = Band.VILLAGE
    banned: bool = False
    needs_plan: bool = False
    postpone: bool = False
    messages: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    conditions: list[str] = field(default_factory=list)

    @property
    def refusal(self) -> str:
        if self.rule is None:
            return ""
        return self.rule.wording or _("This kind of gathering is not to be held.")


def evaluate(
    *, kind: GatheringKind, starts_on: datetime.date, diners: list[int], today: datetime.date | None = None
) -> Verdict:
    """The verdict of the rule valid on the event's first day. `diners`: expected diners of each meal."""
    today = today or timezone.localdate()
    rule = rule_for(kind, starts_on)
    verdict = Verdict(rule=rule)
    if starts_on < today:
        verdict.errors["starts_on"] = _("The date is in the past: report a gathering before it is held.")
        return verdict
    if rule is None:
        verdict.messages.append(_("No rule applies on this date: the village or community will tell you."))
        return verdict
    verdict.conditions = [str(c) for c in rule.conditions or []]
    if rule.stance == Stance.BANNED:
        verdict.banned = True
        verdict.messages.append(verdict.refusal)
        return verdict
    if rule.stance == Stance.POSTPONE:
        verdict.postpone = True
        verdict.messages.append(
            _("%(words)s: you are advised to postpone it. If it must be held, these rules apply.")
            % {"words": rule.wording}
        )
    elif rule.stance == Stance.SIMPLIFY and rule.wording:
        verdict.messages.append(_("%(words)s: keep it short and small.") % {"words": rule.wording})
    earliest = today + datetime.timedelta(days=rule.lead_days)
    if starts_on < earliest:
        verdict.errors["starts_on"] = (
            _("A %(kind)s is reported at least %(days)s days ahead: the earliest date now is %(date)s.")
            % {"kind": kind.name, "days": rule.lead_days, "date": earliest.isoformat()}
            if rule.lead_days
            else _("Report it on the day at the latest.")
        )
    most = max(diners or [0])
    if rule.max_diners_per_meal is not None and most > rule.max_diners_per_meal:
        verdict.errors["diners"] = _("%(n)s diners at one meal: a %(kind)s may have at most %(cap)s.") % {
            "n": most,
            "kind": kind.name,
            "cap": rule.max_diners_per_meal,
        }
    if most <= rule.village_band:
        verdict.band = Band.VILLAGE
        verdict.messages.append(
            _("%(n)s diners, no more than %(band)s: filed with the village or community.")
            % {"n": most, "band": rule.village_band}
        )
    elif most <= rule.office_band:
        verdict.band = Band.OFFICE
        verdict.needs_plan = True
        verdict.messages.append(
            _("%(n)s diners exceeds %(band)s: a plan and the office's approval are needed.")
            % {"n": most, "band": rule.village_band}
        )
    else:
        verdict.band = Band.DISTRICT
        verdict.needs_plan = True
        verdict.messages.append(
            _("%(n)s diners exceeds %(band)s: a plan and the district's approval are needed.")
            % {"n": most, "band": rule.office_band}
        )
    return verdict
