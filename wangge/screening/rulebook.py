"""The rules, read as data: which risk area a trip came from, which measure rule a screening
matches, and the phases, test days and checks that rule gives from a start date.

Pure reads and arithmetic; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wangge.core.dated import valid_on
from wangge.core.db import hot_cursor
from wangge.screening.models import (
    MeasurePolicy,
    RiskArea,
    RiskLevel,
    TriggerKind,
)

LEVEL_RANK = {"": 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


def risk_areas_on(on: date) -> QuerySet[RiskArea]:
    """The list of medium- and high-risk areas as it stood on a date."""
    return valid_on(RiskArea.objects.all(), on)


def normalise_place(text: str) -> str:
    return "".join((text or "").split())


def covers_place(area: RiskArea | ListedPlace, province: str, city: str, county: str, township: str) -> bool:
    """An area listed at a level covers everything below it: a listed county covers its townships."""
    given = [
        normalise_place(province),
        normalise_place(city),
        normalise_place(county),
        normalise_place(township),
    ]
    listed = [
        normalise_place(area.province),
        normalise_place(area.city),
        normalise_place(area.county),
        normalise_place(area.township),
    ]
    for want, have in zip(listed, given, strict=True):
        if not want:
            return True
        if not have or not (have.startswith(want) or want.startswith(have)):
            return False
    return True


def match_risk_area(
    *, province: str, city: str = "", county: str = "", township: str = "", on: date
) -> RiskArea | None:
    """The highest-level risk area covering the place on the date, if any."""
    if not normalise_place(province):
        return None
    candidates = risk_areas_on(on).filter(province__startswith=normalise_place(province)[:2])
    best = None
    for area in candidates:
        if covers_place(area, province, city, county, township) and (
            best is None or LEVEL_RANK[area.level] > LEVEL_RANK[best.level]
        ):
            best = area
    return best


@dataclass(slots=True)
class ListedPlace:
    """A risk area as the hot paths read it: the place and its level, nothing else."""

    province: str
    city: str
    county: str
    township: str
    level: str


def risk_level_on(*, province: str, city: str = "", county: str = "", township: str = "", on: date) -> str:
    """The highest level of the risk areas covering the place on the date ("" if none): what
    `match_risk_area` decides, read in one prepared statement, for paths that log every arrival
    (checkpoints) and keep only the level."""
    key = normalise_place(province)[:2]
    if not key:
        return ""
    with hot_cursor() as cur:
        cur.execute(
            "SELECT province, city, county, township, level FROM screening_riskarea"
            " WHERE valid_from <= %s AND (valid_to IS NULL OR valid_to >= %s) AND province LIKE %s",
            [on, on, key.replace("%", "").replace("_", "") + "%"],
        )
        rows = cur.fetchall()
    best = ""
    for row in rows:
        area = ListedPlace(*row)
        if covers_place(area, province, city, county, township) and LEVEL_RANK[area.level] > LEVEL_RANK[best]:
            best = area.level
    return best


@dataclass
class Facts:
    """What a screening says about a person, as the rules read it."""

    category_id: int | None = None
    category_name: str = ""
    risk_area: RiskArea | None = None
    risk_level: str = ""
    left_area_on: date | None = None
    arrival_date: date | None = None
    contact_of: str = ""

    def as_dict(self) -> dict:
        data = {}
        if self.category_id:
            data["category"] = self.category_name
        if self.risk_area is not None:
            data["risk_area"] = str(self.risk_area)
            data["risk_area_id"] = self.risk_area.pk
            data["risk_level"] = self.risk_level
            data["risk_area_listed"] = [
                self.risk_area.valid_from.isoformat(),
                self.risk_area.valid_to.isoformat() if self.risk_area.valid_to else None,
            ]
        if self.left_area_on:
            data["left_area_on"] = self.left_area_on.isoformat()
        if self.arrival_date:
            data["arrival_date"] = self.arrival_date.isoformat()
        if self.contact_of:
            data["contact_of"] = self.contact_of
        return data


@dataclass
class Proposal:
    policy: MeasurePolicy
    facts: dict
    text: str
    starts_on: date
    phases: list[PhasePlan] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.phases[0].kind

    @property
    def ends_on(self) -> date:
        return self.phases[-1].ends_on


@dataclass
class PhasePlan:
    order: int
    kind: str
    starts_on: date
    ends_on: date
    checks_per_day: int
    test_days: list[int]  # day numbers within the phase


def _exposure_day(facts: Facts) -> date | None:
    return facts.left_area_on or facts.arrival_date


def policies_on(on: date) -> QuerySet[MeasurePolicy]:
    return valid_on(MeasurePolicy.objects.all(), on).select_related("category").prefetch_related("phases")


def matching_policies(
    facts: Facts, on: date, policies: list[MeasurePolicy] | None = None
) -> list[tuple[MeasurePolicy, str]]:
    """Every rule in force on the date that the facts meet, with the reason in words, best first.
    `policies`: the rules in force on that date, already loaded (a list import reads them once)."""
    found = []
    exposure = _exposure_day(facts)
    for policy in policies_on(on) if policies is None else policies:
        if policy.trigger == TriggerKind.CATEGORY:
            if facts.category_id and policy.category_id == facts.category_id:
                found.append((policy, _("category %(c)s") % {"c": facts.category_name}))
        elif policy.trigger == TriggerKind.TRAVEL:
            if facts.risk_area is None or exposure is None:
                continue
            if LEVEL_RANK[facts.risk_level] < LEVEL_RANK[policy.risk_level]:
                continue
            days = (on - exposure).days
            if 0 <= days <= (policy.within_days or 0):
                found.append(
                    (
                        policy,
                        _(
                            "%(level)s area %(area)s (listed from %(from)s), in the district since %(arrival)s, %(days)d days ago"
                        )
                        % {
                            "level": RiskLevel(facts.risk_level).label,
                            "area": facts.risk_area,
                            "from": facts.risk_area.valid_from.isoformat(),
                            "arrival": exposure.isoformat(),
                            "days": days,
                        },
                    )
                )
    found.sort(key=lambda pr: (-pr[0].priority, -LEVEL_RANK[pr[0].risk_level or ""], -pr[0].total_days))
    return found


def plan_phases(policy: MeasurePolicy, starts_on: date) -> list[PhasePlan]:
    plans = []
    day = starts_on
    for phase in policy.phases.all():
        end = day + timedelta(days=phase.days - 1)
        plans.append(
            PhasePlan(
                order=phase.order,
                kind=phase.kind,
                starts_on=day,
                ends_on=end,
                checks_per_day=phase.checks_per_day,
                test_days=sorted({int(d) for d in phase.test_days if 1 <= int(d) <= phase.days}),
            )
        )
        day = end + timedelta(days=1)
    return plans


def propose(facts: Facts, *, on: date, policies: list[MeasurePolicy] | None = None) -> Proposal | None:
    """The measure the rules give for these facts on this date, or None when no rule applies.

    The measure counts from the day the person left the risk area (or arrived) when that is
    known and not in the future, else from the screening date: a late report does not extend it.
    """
    matches = matching_policies(facts, on, policies)
    if not matches:
        return None
    policy, reason = matches[0]
    exposure = _exposure_day(facts)
    starts_on = exposure if (policy.trigger == TriggerKind.TRAVEL and exposure and exposure <= on) else on
    # A measure starting in the past still runs at least to today.
    phases = plan_phases(policy, starts_on)
    summary = " + ".join(
        _("%(days)d days %(kind)s")
        % {"days": (p.ends_on - p.starts_on).days + 1, "kind": _kind_label(p.kind)}
        for p in phases
    )
    text = _("Rule “%(rule)s” (valid from %(from)s%(ref)s) matched: %(reason)s. Measure: %(summary)s.") % {
        "rule": policy.name,
        "from": policy.valid_from.isoformat(),
        "ref": f"; {policy.basis_reference}" if policy.basis_reference else "",
        "reason": reason,
        "summary": summary,
    }
    facts_dict = {**facts.as_dict(), "rule": policy.name, "rule_id": policy.pk, "matched": reason}
    return Proposal(policy=policy, facts=facts_dict, text=text, starts_on=starts_on, phases=phases)


def _kind_label(kind: str) -> str:
    from wangge.screening.models import MeasureKind

    return str(MeasureKind(kind).label)


def manual_phases(
    kind: str, starts_on: date, days: int, test_days: list[int], checks_per_day: int = 2
) -> list[PhasePlan]:
    """One phase given by hand (a contact, a positive tube, an order from above)."""
    return [
        PhasePlan(
            order=1,
            kind=kind,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=max(1, days) - 1),
            checks_per_day=checks_per_day,
            test_days=sorted({d for d in test_days if 1 <= d <= days}),
        )
    ]
