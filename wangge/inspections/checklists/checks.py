"""Data checks: an item the platform can answer from its own data (wangge.venues.evidence),
registered by code. Each check reads one venue on one day and answers a suggestion (pass / fail)
with its evidence, in the platform's language; the inspector still decides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from wangge.venues import evidence
from wangge.venues.models import Venue


@dataclass(frozen=True)
class Finding:
    suggested: str  # "pass" | "fail" | "" (no opinion)
    evidence: str


CheckFn = Callable[[Venue, date, int], Finding]
_checks: dict[str, CheckFn] = {}


def register_check(code: str) -> Callable[[CheckFn], CheckFn]:
    def decorator(fn: CheckFn) -> CheckFn:
        _checks[code] = fn
        return fn

    return decorator


def registered_checks() -> list[str]:
    return sorted(_checks)


def run_check(code: str, venue: Venue, on: date, days: int = 7) -> Finding | None:
    fn = _checks.get(code)
    return fn(venue, on, days) if fn else None


@register_check("disinfection_log")
def _disinfection(venue: Venue, on: date, days: int) -> Finding:
    days = max(days, 1)
    missing = evidence.missing_disinfection_days(venue, on=on, days=days)
    if not missing:
        return Finding("pass", _("Disinfection recorded on each of the last %(n)s days.") % {"n": days})
    shown = "、".join(d.strftime("%m-%d") for d in missing[:5]) + ("…" if len(missing) > 5 else "")
    return Finding(
        "fail",
        _("No disinfection recorded on %(k)s of the last %(n)s days (%(days)s).")
        % {"k": len(missing), "n": days, "days": shown},
    )


@register_check("staff_tested")
def _staff(venue: Venue, on: date, days: int) -> Finding:
    rows = evidence.staff_testing(venue, on=on)
    if not rows:
        return Finding("", _("No staff on the venue's health record."))
    late = sum(1 for r in rows if not r.on_time)
    if late:
        return Finding("fail", _("%(k)s of %(n)s staff not tested on time.") % {"k": late, "n": len(rows)})
    return Finding("pass", _("All %(n)s staff tested on time.") % {"n": len(rows)})


@register_check("placards")
def _placards(venue: Venue, on: date, days: int) -> Finding:
    if evidence.placards_recorded(venue):
        return Finding("pass", _("Code placards recorded as posted."))
    return Finding("", _("No code placards recorded: check on site."))


@register_check("visitor_register")
def _visitors(venue: Venue, on: date, days: int) -> Finding:
    if evidence.visitor_register_kept(venue, on=on):
        return Finding("pass", _("Visitor register has entries today."))
    return Finding("fail", _("No visitor register entry today."))
