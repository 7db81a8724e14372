"""One search box for people and households, used by the pages and the API.

The query decides the strategy, so that every branch can use an index on PostgreSQL
(see migration 0002_search_indexes):
- digits only (an ID may end in X): a full resident ID (18, or 15 upgraded) → exact ID number;
  an 11-digit mobile → exact phone; 4 to 17 digits → the ID number or the phone ends with them;
- latin letters only: pinyin initials prefix ("zht" → 张海婷), and for three letters or more the
  name contains them (foreign names);
- letters and digits (a passport or permit number): the ID number ends with them;
- anything else (Chinese): one or two characters (too short for trigrams) → the name starts
  with them; three or more → the name contains them, or the household address does (people
  and households).
- 15 digits or more: the whole ID number, exactly (never a suffix scan).
Every result is inside the actor's scope: searches start from the scoped selectors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from wangge.core.access import Scope
from wangge.registry import selectors
from wangge.registry.identity import check_resident_id
from wangge.registry.models import Household, Person

MAX_QUERY = 60
MIN_DIGITS = 4
MIN_TRIGRAM = 3  # shorter text cannot use a trigram index: prefix search instead

DIGITS = "digits"
INITIALS = "initials"
DOCUMENT = "document"
TEXT = "text"
TOO_SHORT = "too_short"

_DIGITS = re.compile(r"\d+[Xx]?")
_LATIN = re.compile(r"[A-Za-z]+")
_ALNUM = re.compile(r"[A-Za-z0-9]+")


def clean_query(q: str | None) -> str:
    """Spaces, dashes and brackets inside numbers go; a query is at most MAX_QUERY characters."""
    q = (q or "").strip()[:MAX_QUERY]
    compact = re.sub(r"[\s\-()（）]", "", q)
    if _ALNUM.fullmatch(compact):
        return compact
    return re.sub(r"\s+", " ", q)


def kind_of(q: str) -> str:
    if not q:
        return TOO_SHORT
    if _DIGITS.fullmatch(q):
        return DIGITS if len(q) >= MIN_DIGITS else TOO_SHORT
    if _LATIN.fullmatch(q):
        return INITIALS
    if _ALNUM.fullmatch(q):
        return DOCUMENT if len(q) >= MIN_DIGITS else TOO_SHORT
    return TEXT


def _full_resident_id(q: str) -> str | None:
    if len(q) not in (15, 18):
        return None
    try:
        return check_resident_id(q).number
    except ValidationError:
        return None


def _ids(qs: QuerySet) -> QuerySet:
    return qs.order_by().values("pk")


def filter_people(qs: QuerySet[Person], q: str) -> QuerySet[Person]:
    """Narrow a (scoped) queryset of people to those matching the search box."""
    q = clean_query(q)
    kind = kind_of(q)
    if kind == TOO_SHORT:
        return qs.none()
    if kind == DIGITS:
        if len(q) >= 15:
            # A whole number: exact (a 15-digit one also as upgraded), never a suffix scan.
            full = _full_resident_id(q)
            return qs.filter(id_number__in={q.upper(), full} - {None})
        if len(q) == 11 and q.startswith("1"):
            # A whole mobile number, or the last 11 of an ID number.
            return qs.filter(Q(phone=q) | Q(id_number__endswith=q.upper()))
        return qs.filter(Q(id_number__endswith=q.upper()) | Q(phone__endswith=q))
    if kind == INITIALS:
        cond = Q(name_initials__startswith=q.lower())
        if len(q) >= 3:
            cond |= Q(name__icontains=q)
        return qs.filter(cond)
    if kind == DOCUMENT:
        return qs.filter(id_number__endswith=q.upper())
    # Chinese text: a name or an address. Two single-table branches joined by id so that each
    # can use its own index (an OR across the join could not).
    if len(q) < MIN_TRIGRAM:
        return qs.filter(name__startswith=q)
    name = qs.filter(name__icontains=q)
    by_address = qs.filter(household__address__icontains=q)
    return qs.filter(pk__in=_ids(name).union(_ids(by_address)))


def filter_households(qs: QuerySet[Household], q: str) -> QuerySet[Household]:
    """Households whose address contains the query (three characters at least, for the index)."""
    q = clean_query(q)
    if len(q) < MIN_TRIGRAM:
        return qs.none()
    return qs.filter(address__icontains=q)


@dataclass
class Results:
    q: str
    kind: str
    people: list[Person]
    households: list[Household]
    more_people: bool
    more_households: bool


def search(scope: Scope, q: str, *, limit: int = 30, include_departed: bool = True) -> Results:
    """The search page and the API's `q`: people (departed ones too, marked) and households."""
    q = clean_query(q)
    kind = kind_of(q)
    people: list[Person] = []
    households: list[Household] = []
    if kind != TOO_SHORT:
        base = selectors.people(scope, include_departed=include_departed).select_related(
            "household__room__building", "grid"
        )
        order = ("-is_active", "name", "id")
        if kind == TEXT and len(q) >= MIN_TRIGRAM:
            # A name or an address: the first page of each branch on its own index, then the
            # first page of both. One query over `pk IN (names UNION addresses)` would have
            # PostgreSQL hash the union against every person of a district when an address
            # matches a whole estate (thousands of people): a second and more.
            first_ids = {
                pk
                for branch in (Q(name__icontains=q), Q(household__address__icontains=q))
                for pk in base.filter(branch).order_by(*order).values_list("pk", flat=True)[: limit + 1]
            }
            people = list(base.filter(pk__in=first_ids).order_by(*order)[: limit + 1])
        else:
            # The page's ids first, without the joins (a common initials prefix matches thousands:
            # joining them all to their household, building and grid before sorting costs more
            # than the search), then the rows of that page.
            first_ids = list(
                filter_people(base, q).order_by(*order).values_list("pk", flat=True)[: limit + 1]
            )
            people = list(base.filter(pk__in=first_ids).order_by(*order))
        if kind == TEXT:
            households = list(
                filter_households(selectors.households(scope), q).order_by("address", "id")[: limit + 1]
            )
    return Results(
        q=q,
        kind=kind,
        people=people[:limit],
        households=households[:limit],
        more_people=len(people) > limit,
        more_households=len(households) > limit,
    )
