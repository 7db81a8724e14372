"""Likely duplicate people, and the merge that makes two records one.

Finding stays inside the actor's scope and never compares every pair:
- same name and birth date, same phone: one GROUP BY each (values + Count > 1);
- near-identical ID numbers (same document type; one character different, or two adjacent
  characters swapped). Resident IDs: a change outside the birth date leaves name and birth
  date shared; a change in it (or on its edges) leaves the name and the first five and last two
  digits of the body shared: two GROUP BYs give the candidate groups and only their members are
  compared. The check digit is left out of the comparison (a valid number with one wrong digit
  has a different check digit too). Near numbers with the same birth date and different names
  are twins or neighbours, not duplicates, so the name is always shared. Other documents
  (passports, permits) are compared within groups sharing the name or the birth date.
  Within a group, numbers are bucketed by keys built from thirds of the number (one change
  leaves two thirds intact; a swap across a boundary leaves the rest intact), so only numbers
  sharing a key are ever compared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Collate, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Scope, user_or_none
from wangge.registry import selectors
from wangge.registry.identity import check_resident_id
from wangge.registry.models import DuplicateMember, Household, IdType, Person, PersonMove
from wangge.registry.services import in_scope, initials, require_edit
from wangge.registry.signals import people_moved

SAME_NAME_BIRTH = "name_birth"
SAME_PHONE = "phone"
NEAR_ID = "near_id"
KINDS = {
    SAME_NAME_BIRTH: gettext_lazy("Same name and birth date"),
    SAME_PHONE: gettext_lazy("Same phone"),
    NEAR_ID: gettext_lazy("Near-identical ID numbers"),
}
MAX_BUCKET = 200  # a bigger bucket is not a typo pattern; comparing it would only cost time
MAX_PAIRS = 5000
MAX_GROUPS = 2000  # candidate groups per key and page load: more is a data problem, not typos


# --- finding -------------------------------------------------------------------------


def _base(scope: Scope, include_departed: bool):
    return selectors.people(scope, include_departed=include_departed)


def binary(field: str):
    """A text column compared byte by byte on PostgreSQL: grouping a million names under the
    database's linguistic collation costs half as much again, and equality is all we need."""
    return Collate(F(field), "C") if connection.vendor == "postgresql" else F(field)


def exact_groups(scope: Scope, kind: str, *, include_departed: bool = False):
    """Groups of people sharing (name, birth date) or a phone: a values queryset, one row per
    group (keys k_name and k_birth, or k_phone) with its size `n`, biggest first."""
    qs = _base(scope, include_departed).order_by()
    if kind == SAME_NAME_BIRTH:
        qs = qs.exclude(birth_date__isnull=True).values(k_name=binary("name"), k_birth=F("birth_date"))
        keys = ("k_name", "k_birth")
    elif kind == SAME_PHONE:
        qs = qs.exclude(phone="").values(k_phone=binary("phone"))
        keys = ("k_phone",)
    else:
        raise ValueError(kind)
    return qs.annotate(n=Count("id")).filter(n__gt=1).order_by("-n", *keys)


def group_key(kind: str, group: dict) -> tuple:
    return (group["k_name"], group["k_birth"]) if kind == SAME_NAME_BIRTH else (group["k_phone"],)


def members_of_groups(scope: Scope, kind: str, groups: Iterable[dict], *, include_departed: bool = False):
    """The people of a page of groups, keyed by group_key."""
    groups = list(groups)
    if not groups:
        return {}
    if kind == SAME_NAME_BIRTH:
        cond = Q()
        for g in groups:
            cond |= Q(name=g["k_name"], birth_date=g["k_birth"])
        key = lambda p: (p.name, p.birth_date)  # noqa: E731
    else:
        cond = Q(phone__in=[g["k_phone"] for g in groups])
        key = lambda p: (p.phone,)  # noqa: E731
    found: dict[tuple, list[Person]] = defaultdict(list)
    qs = _base(scope, include_departed).filter(cond).select_related("household", "grid").order_by("pk")
    for person in qs:
        found[key(person)].append(person)
    return found


def _comparable(id_type: str, number: str) -> str:
    return number[:17] if id_type == IdType.RESIDENT_ID and len(number) == 18 else number


def _keys(s: str) -> list[tuple]:
    n = len(s)
    if n < 3:
        return [("all", s)]
    a, b = n // 3, 2 * n // 3
    return [
        ("s1", n, s[a:]),  # the change is in the first third
        ("s2", n, s[:a], s[b:]),  # … in the middle third
        ("s3", n, s[:b]),  # … in the last third
        ("t1", n, s[: a - 1], s[a + 1 :]),  # a swap across the first boundary
        ("t2", n, s[: b - 1], s[b + 1 :]),  # … across the second
    ]


def near(x: str, y: str) -> bool:
    """Equal, one character different, or two adjacent characters swapped."""
    if len(x) != len(y):
        return False
    diff = [i for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q]
    if len(diff) <= 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]] and x[diff[1]] == y[diff[0]]


def _pairs_in(group: list[tuple[int, str, str]], pairs: set[tuple[int, int]]) -> None:
    """Add the near-identical pairs of one group of (pk, id_type, comparable number)."""
    if len(group) < 2:
        return
    buckets: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    for pk, id_type, s in group:
        for k in _keys(s):
            buckets[(id_type, *k)].append((pk, s))
    for members in buckets.values():
        if len(members) < 2 or len(members) > MAX_BUCKET:
            continue
        for i, (p1, s1) in enumerate(members):
            for p2, s2 in members[i + 1 :]:
                if near(s1, s2):
                    pairs.add((min(p1, p2), max(p1, p2)))


def _resident_candidates(base, max_groups: int = MAX_GROUPS) -> Iterable[list[tuple[int, str, str]]]:
    """Groups of resident IDs worth comparing. A single change or adjacent swap in the body
    leaves either the birth date intact (so name and birth date are shared) or, when it falls in
    the birth date or on its edges, the first five and the last two digits of the body intact
    (name and those digits shared). Two hashed GROUP BYs find the groups (no ORDER BY or LIMIT:
    either makes PostgreSQL walk the name index and the heap, three times slower); only their
    members are fetched."""
    residents = base.filter(id_type=IdType.RESIDENT_ID)
    by_birth = set(
        islice(
            residents.exclude(birth_date__isnull=True)
            .values(k_name=binary("name"), k_birth=F("birth_date"))
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("k_name", "k_birth"),
            max_groups,
        )
    )
    by_edges = set(
        islice(
            residents.values(
                k_name=binary("name"),
                k_head=Substr(binary("id_number"), 1, 5),
                k_tail=Substr(binary("id_number"), 16, 2),
            )
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("k_name", "k_head", "k_tail"),
            max_groups,
        )
    )
    names = sorted({k[0] for k in by_birth} | {k[0] for k in by_edges})
    groups: dict[tuple, list[tuple[int, str, str]]] = defaultdict(list)
    for chunk in range(0, len(names), 500):
        rows = residents.filter(name__in=names[chunk : chunk + 500]).values_list(
            "pk", "name", "id_number", "birth_date"
        )
        for pk, name, number, birth in rows:
            item = (pk, IdType.RESIDENT_ID, _comparable(IdType.RESIDENT_ID, number))
            if (name, birth) in by_birth:
                groups[("b", name, birth)].append(item)
            edge = (name, number[:5], number[15:17])
            if edge in by_edges:
                groups[("e", *edge)].append(item)
    yield from groups.values()


def _other_candidates(base) -> Iterable[list[tuple[int, str, str]]]:
    """Groups of other documents (passports, permits: few) sharing a name or a birth date."""
    by_name: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    by_birth: dict[object, list[tuple[int, str, str]]] = defaultdict(list)
    rows = base.exclude(id_type=IdType.RESIDENT_ID).values_list(
        "pk", "id_type", "id_number", "name", "birth_date"
    )
    for pk, id_type, number, name, birth in rows:
        item = (pk, id_type, _comparable(id_type, number))
        by_name[name].append(item)
        if birth is not None:
            by_birth[birth].append(item)
    yield from by_name.values()
    yield from by_birth.values()


def near_id_pairs(
    scope: Scope,
    *,
    include_departed: bool = False,
    max_pairs: int = MAX_PAIRS,
    max_groups: int = MAX_GROUPS,
) -> list[tuple[int, int]]:
    """(older pk, newer pk) of records whose document numbers are near-identical, sorted.
    The background scan (people/candidates.py) raises the caps: it runs once for everyone."""
    base = _base(scope, include_departed).order_by()
    pairs: set[tuple[int, int]] = set()
    with roomy_queries():
        for group in _resident_candidates(base, max_groups):
            _pairs_in(group, pairs)
        for group in _other_candidates(base):
            _pairs_in(group, pairs)
    return sorted(pairs)[:max_pairs]


@contextmanager
def roomy_queries():
    """On PostgreSQL, let the grouping queries of this transaction sort and hash in memory:
    at a million people the default work_mem spills them to disk and doubles their time."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


@dataclass
class Group:
    """People who look like one person. `key` names what they share (already masked)."""

    kind: str
    key: str
    people: list[Person]

    @property
    def pairs(self) -> list[tuple[Person, Person]]:
        """Merge suggestions: every later record against the first (oldest) one."""
        first, *rest = self.people
        return [(first, other) for other in rest]


# --- merging -------------------------------------------------------------------------

FILLED_FIELDS = (
    "sex",
    "birth_date",
    "phone",
    "hukou_place",
    "origin",
    "employer",
    "arrival_date",
    "relation",
)


def _valid_resident_id(person: Person) -> bool:
    if person.id_type != IdType.RESIDENT_ID:
        return False
    try:
        check_resident_id(person.id_number)
    except ValidationError:
        return False
    return True


def needs_id_confirmation(keep: Person, drop: Person) -> bool:
    """Two valid resident IDs that differ: merging them needs an explicit confirmation."""
    return _valid_resident_id(keep) and _valid_resident_id(drop) and keep.id_number != drop.id_number


def fillable(keep: Person, drop: Person) -> list[str]:
    """Fields of `keep` that are empty and would be filled from `drop`."""
    fields = [
        f for f in FILLED_FIELDS if getattr(keep, f) in (None, "") and getattr(drop, f) not in (None, "")
    ]
    if keep.household_id is None and drop.household_id is not None:
        fields.append("household")
    elif "relation" in fields and keep.household_id != drop.household_id:
        fields.remove("relation")  # a relation to the head of another household means nothing here
    return fields


def _person_relations():
    """Every foreign key to Person that a merge must carry over, other apps' and hidden ones
    included; not the household head (handled apart) nor the merge link itself."""
    head = Household._meta.get_field("head")
    for rel in Person._meta.get_fields(include_hidden=True):
        if not rel.auto_created or rel.concrete or not (rel.one_to_many or rel.one_to_one):
            continue
        if rel.related_model in (Person, DuplicateMember) or rel.field is head:
            continue  # DuplicateMember is a cache of a scan: the dropped record simply leaves it
        yield rel.related_model, rel.field


@transaction.atomic
def merge_people(*, actor: Any, keep: Person, drop: Person, confirm_different_ids: bool = False) -> Person:
    """Make `drop` part of `keep`: its tenancies, rentals, history and anything else bound to it
    move to `keep`, empty fields of `keep` are filled from it, and it is marked inactive and
    merged. One transaction, audited for both records."""
    require_edit(actor)
    if keep.pk == drop.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    locked = {
        p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, drop.pk]).order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError(_("One of the two records no longer exists."))
    keep, drop = locked[keep.pk], locked[drop.pk]
    in_scope(actor, keep.path)
    in_scope(actor, drop.path)
    if keep.merged_into_id or drop.merged_into_id:
        raise ValidationError(_("One of the two records has already been merged."))
    if drop.is_active and not keep.is_active:
        raise ValidationError(
            _("The record to keep has departed but the other is active: keep the active record instead.")
        )
    if needs_id_confirmation(keep, drop) and not confirm_different_ids:
        raise ValidationError(
            {
                "confirm_different_ids": _(
                    "The two records have different valid ID numbers. Confirm that they are the same person."
                )
            }
        )
    keep_before, drop_before = audit.snapshot(keep), audit.snapshot(drop)

    moved: dict[str, int] = {}
    for model, field in _person_relations():
        try:
            with transaction.atomic():  # a savepoint, so a clash is told apart and rolls back whole
                n = model._default_manager.filter(**{field.name: drop}).update(**{field.name: keep})
        except IntegrityError:
            raise ValidationError(
                _(
                    "Both records have %(what)s that may exist only once per person (both due in "
                    "the same testing round, or both under an open control measure, say). Settle the "
                    "one on the record to drop first, then merge."
                )
                % {"what": model._meta.verbose_name_plural}
            ) from None
        if n:
            moved[f"{model._meta.label_lower}.{field.name}"] = n
    for household in Household.objects.filter(head=drop):
        household.head = keep if keep.household_id == household.pk else None
        household.save(update_fields=["head"])

    for field in fillable(keep, drop):
        if field == "household":
            keep.household = drop.household
            keep.grid_id = drop.grid_id
            keep.path = drop.path
        else:
            setattr(keep, field, getattr(drop, field))
    keep.name_initials = initials(keep.name)
    keep.save()

    drop.is_active = False
    drop.merged_into = keep
    drop.save(update_fields=["is_active", "merged_into", "updated_at"])

    PersonMove.objects.create(
        person=keep,
        from_household_id=drop.household_id,
        from_path=drop.path,
        to_household_id=keep.household_id,
        to_path=keep.path,
        kind="merge",
        actor=user_or_none(actor),
        reason=(_("Merged record #%(pk)s into this one.") % {"pk": drop.pk})[:200],
    )
    keep_after = audit.snapshot(keep)
    keep_after["merged_from"] = drop.pk
    keep_after["moved"] = moved
    audit.record(actor=actor, action=Action.UPDATE, obj=keep, before=keep_before, after=keep_after)
    audit.record(actor=actor, action=Action.UPDATE, obj=drop, before=drop_before, after=audit.snapshot(drop))
    # what moved over from the dropped record (a measure, say) follows the kept one's address
    people_moved.send(sender=Person, person_ids=[keep.pk])
    return keep
