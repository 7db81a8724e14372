"""Door-to-door visits (走访, 扫楼) and party-member links (党员联户): services and reads.

Visits are recorded per household or per rental/shop; "not visited in N days" is one query with
the last visit as a subquery annotation. A party member is linked to households (about ten
each) for a period; coverage per grid counts the open households without a current link.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, Scope, is_system, user_or_none
from wangge.core.paging import PathChain, ordered_by_path
from wangge.org import selectors as org_selectors
from wangge.org.models import Level
from wangge.registry import services as registry
from wangge.registry.models import Household, PartyLink, Rental, Visit, VisitOutcome
from wangge.roster import selectors as roster_selectors
from wangge.roster.models import StaffMember

DEFAULT_UNVISITED_DAYS = 30
LINKS_PER_MEMBER = 10  # about ten households each; more is flagged
CLOCK_SKEW = timedelta(minutes=10)


# --- visits: reads ----------------------------------------------------------------------


def visits(scope: Scope) -> QuerySet[Visit]:
    return scope.filter(
        Visit.objects.select_related("household__room__building__grid", "rental__building__grid", "visitor")
    )


def get_visit(scope: Scope, visit_id) -> Visit:
    return scope.get(
        Visit.objects.select_related("household__room__building", "rental__building", "visitor"), pk=visit_id
    )


def visits_of(*, household: Household | None = None, rental: Rental | None = None) -> QuerySet[Visit]:
    """Visits of one place already resolved through the scope, newest first."""
    qs = (
        Visit.objects.filter(household=household)
        if household is not None
        else Visit.objects.filter(rental=rental)
    )
    return qs.order_by("-visited_at", "-id")


def open_follow_ups(scope: Scope) -> QuerySet[Visit]:
    return (
        visits(scope)
        .select_related("household__head", "rental__landlord")
        .filter(follow_up_needed=True, follow_up_done_at__isnull=True)
        .order_by("path", "visited_at")
    )


def _last_visit(target: str) -> Subquery:
    last = (
        Visit.objects.filter(**{target: OuterRef("pk")})
        .order_by()
        .values(target)
        .annotate(m=Max("visited_at"))
    )
    return Subquery(last.values("m")[:1])


def _since(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


ORDERINGS = {
    # by grid (the default), then the longest unvisited first
    "grid": ("path", "last_visit", "id"),
    "oldest": ("last_visit", "path", "id"),
}


def _order(qs: QuerySet, sort: str) -> QuerySet:
    fields = ORDERINGS.get(sort, ORDERINGS["grid"])
    return qs.order_by(*[F(f).asc(nulls_first=True) if f == "last_visit" else f for f in fields])


def grid_by_grid(
    scope: Scope, qs: QuerySet, sort: str = "grid", under_path: str = ""
) -> QuerySet | PathChain:
    """What a page of an unvisited list reads. In the grid order, one grid at a time (see
    core.paging.PathChain): the last visit is then computed for the grids the page shows, not
    for every household of a district."""
    fields = ORDERINGS.get(sort, ORDERINGS["grid"])
    if fields[0] != "path":
        return qs
    return by_path(
        scope,
        qs,
        tuple(F(f).asc(nulls_first=True) if f == "last_visit" else f for f in fields[1:]),
        under_path,
    )


def by_path(scope: Scope, qs: QuerySet, order: tuple, under_path: str = "") -> QuerySet | PathChain:
    """`qs` ordered by path then `order`: sorted by the database when it is short, else read one
    grid (one path) at a time (core.paging.PathChain)."""

    def paths() -> list[str]:
        # Places belong to level-3 grids only (registry.services): no other path holds a row.
        units = org_selectors.units(scope, include_closed=True).filter(level=Level.GRID)
        if under_path:
            units = units.filter(path__startswith=under_path)
        return list(units.order_by("path").values_list("path", flat=True))

    return ordered_by_path(qs, paths, order)


def unvisited_households(
    scope: Scope, *, days: int = DEFAULT_UNVISITED_DAYS, under_path: str = "", sort: str = "grid"
) -> QuerySet[Household]:
    """Open households in the scope never visited or last visited more than `days` days ago."""
    qs = registry_households(scope).annotate(last_visit=_last_visit("household"))
    if under_path:
        qs = qs.filter(path__startswith=under_path)
    qs = qs.filter(Q(last_visit__isnull=True) | Q(last_visit__lt=_since(days)))
    return _order(qs, sort)


def unvisited_rentals(
    scope: Scope, *, days: int = DEFAULT_UNVISITED_DAYS, under_path: str = "", sort: str = "grid"
) -> QuerySet[Rental]:
    qs = scope.filter(Rental.objects.select_related("building__grid__parent", "landlord")).annotate(
        last_visit=_last_visit("rental")
    )
    if under_path:
        qs = qs.filter(path__startswith=under_path)
    qs = qs.filter(Q(last_visit__isnull=True) | Q(last_visit__lt=_since(days)))
    return _order(qs, sort)


def registry_households(scope: Scope) -> QuerySet[Household]:
    return scope.filter(
        Household.objects.filter(closed_at__isnull=True).select_related(
            "room__building__grid__parent", "head"
        )
    )


# --- visits: services --------------------------------------------------------------------


def visitor_name_of(actor: Actor) -> str:
    staff = getattr(actor, "staff", None)
    if staff is not None:
        return staff.name[:60]
    return "" if is_system(actor) else str(actor)[:60]


@transaction.atomic
def record_visit(
    *,
    actor: Actor,
    outcome: str,
    household: Household | None = None,
    rental: Rental | None = None,
    visited_at: datetime | None = None,
    notes: str = "",
    follow_up_needed: bool = False,
    visitor_name: str = "",
) -> Visit:
    """A door-to-door visit by the actor (the visitor) to one household or one rental/shop."""
    registry.require_edit(actor)
    if (household is None) == (rental is None):
        raise ValidationError(_("A visit is to one household or one rental."))
    target = household if household is not None else rental
    registry.in_scope(actor, target.path)
    if outcome not in VisitOutcome.values:
        raise ValidationError({"outcome": _("Choose what the visit found.")})
    visited_at = visited_at or timezone.now()
    if visited_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"visited_at": _("The visit cannot be in the future.")})
    name = (visitor_name or "").strip()[:60] or visitor_name_of(actor)
    if not name:
        raise ValidationError({"visitor_name": _("Say who visited.")})
    visit = Visit.objects.create(
        household=household,
        rental=rental,
        visitor=user_or_none(actor),
        visitor_name=name,
        visited_at=visited_at,
        outcome=outcome,
        notes=(notes or "").strip(),
        follow_up_needed=bool(follow_up_needed),
        path=target.path,
    )
    audit.record(actor=actor, action=Action.CREATE, obj=visit, after=audit.snapshot(visit))
    return visit


@transaction.atomic
def complete_follow_up(*, actor: Actor, visit: Visit, done_at: datetime | None = None) -> Visit:
    registry.require_edit(actor)
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    registry.in_scope(actor, visit.path)
    if not visit.follow_up_needed:
        raise ValidationError(_("This visit needs no follow-up."))
    if visit.follow_up_done_at is not None:
        raise ValidationError(_("The follow-up of this visit is already done."))
    done_at = done_at or timezone.now()
    if done_at < visit.visited_at:
        raise ValidationError(_("The follow-up cannot be done before the visit."))
    before = audit.snapshot(visit)
    visit.follow_up_done_at = done_at
    visit.save(update_fields=["follow_up_done_at"])
    audit.record(actor=actor, action=Action.UPDATE, obj=visit, before=before, after=audit.snapshot(visit))
    return visit


# --- party-member links: reads -----------------------------------------------------------


def current_links_q(on: date | None = None, prefix: str = "") -> Q:
    """Links in force on a date: started, and not ended (the end date is the first day without)."""
    on = on or timezone.localdate()
    return Q(**{f"{prefix}start_date__lte": on}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": on})
    )


def party_links(scope: Scope) -> QuerySet[PartyLink]:
    return scope.filter(
        PartyLink.objects.select_related("member", "household__room__building", "household__head")
    )


def get_link(scope: Scope, link_id) -> PartyLink:
    return scope.get(
        PartyLink.objects.select_related("member", "household__head", "household__room__building"), pk=link_id
    )


def current_links(scope: Scope, on: date | None = None) -> QuerySet[PartyLink]:
    return party_links(scope).filter(current_links_q(on))


def party_members(scope: Scope, on: date | None = None) -> QuerySet[StaffMember]:
    """Active party members visible in the scope, with `household_count`: their current links to
    households inside the scope."""
    if scope.is_empty:
        return StaffMember.objects.none()
    in_scope_links = current_links_q(on, "party_links__") & Q(party_links__path__startswith=scope.path)
    return (
        roster_selectors.staff(scope)
        .filter(is_party_member=True)
        .select_related("unit")
        .annotate(household_count=Count("party_links", filter=in_scope_links))
        .order_by("path", "name", "id")
    )


def coverage_by_grid(scope: Scope, on: date | None = None) -> list[dict]:
    """Per grid: open households, and those without a currently linked party member. Two
    aggregates (households per path; linked households per path, from the links' side) instead
    of a test of every household of a district for a link."""
    if scope.is_empty:
        return []
    open_households = scope.filter(Household.objects.filter(closed_at__isnull=True))
    totals = dict(open_households.order_by().values("path").annotate(n=Count("pk")).values_list("path", "n"))
    links = scope.filter(
        PartyLink.objects.filter(current_links_q(on), household__closed_at__isnull=True), "household__path"
    )
    linked = dict(
        links.order_by()
        .values("household__path")
        .annotate(n=Count("household", distinct=True))
        .values_list("household__path", "n")
    )
    units = {
        u.path: u
        for u in org_selectors.units(scope, include_closed=True)
        .filter(path__in=list(totals))
        .only("pk", "name", "path")
    }
    rows = []
    for path in sorted(totals):
        unit = units.get(path)
        rows.append(
            {
                "room__building__grid_id": unit.pk if unit else None,
                "room__building__grid__name": unit.name if unit else path,
                "path": path,
                "households": totals[path],
                "uncovered": totals[path] - linked.get(path, 0),
            }
        )
    return rows


def uncovered_households(scope: Scope, on: date | None = None) -> QuerySet[Household]:
    linked = PartyLink.objects.filter(current_links_q(on), household=OuterRef("pk"))
    return registry_households(scope).filter(~Exists(linked)).order_by("path", "address", "id")


def households_of_member(scope: Scope, member: StaffMember, on: date | None = None) -> QuerySet[PartyLink]:
    """A member's current links to households in the scope, heads joined (for a visit round)."""
    return (
        current_links(scope, on)
        .filter(member=member)
        .annotate(last_visit=_last_visit_of_household())
        .order_by("path", "household__address", "id")
    )


def _last_visit_of_household() -> Subquery:
    last = (
        Visit.objects.filter(household=OuterRef("household"))
        .order_by()
        .values("household")
        .annotate(m=Max("visited_at"))
    )
    return Subquery(last.values("m")[:1])


# --- party-member links: services --------------------------------------------------------


@transaction.atomic
def link_household(
    *, actor: Actor, member: StaffMember, household: Household, start_date: date | None = None
) -> PartyLink:
    """Link a party member to a household. A household has one linked member at a time."""
    registry.require_edit(actor)
    registry.in_scope(actor, household.path)
    household = Household.objects.select_for_update().get(pk=household.pk)
    if not member.is_party_member:
        raise ValidationError({"member": _("%(name)s is not a party member.") % {"name": member.name}})
    if not member.is_active:
        raise ValidationError({"member": _("%(name)s is inactive on the roster.") % {"name": member.name}})
    if household.closed_at is not None:
        raise ValidationError({"household": _("This household is closed.")})
    start_date = start_date or timezone.localdate()
    clash = (
        PartyLink.objects.filter(household=household)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=start_date))
        .select_related("member")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "household": _("This household is already linked to %(name)s: end that link first.")
                % {"name": clash.member.name}
            }
        )
    link = PartyLink.objects.create(
        member=member, household=household, start_date=start_date, path=household.path
    )
    audit.record(actor=actor, action=Action.CREATE, obj=link, after=audit.snapshot(link))
    return link


@transaction.atomic
def end_link(*, actor: Actor, link: PartyLink, end_date: date | None = None) -> PartyLink:
    registry.require_edit(actor)
    link = PartyLink.objects.select_for_update().get(pk=link.pk)
    registry.in_scope(actor, link.path)
    if link.end_date is not None and link.end_date <= timezone.localdate():
        raise ValidationError(_("This link has already ended."))
    end_date = end_date or timezone.localdate()
    if end_date < link.start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    before = audit.snapshot(link)
    link.end_date = end_date
    link.save(update_fields=["end_date"])
    audit.record(actor=actor, action=Action.UPDATE, obj=link, before=before, after=audit.snapshot(link))
    return link
