"""Row validation and bulk writing, one class per kind of import.

`clean()` checks one row on its own (no queries beyond the grids loaded once); `run_chunk()`
resolves a chunk's natural keys with one IN query per table, adds the errors only the database
can tell (an ID active in another jurisdiction, a rental that does not exist), and, when asked
to write, creates and changes records with bulk queries: paths set, PersonMove history and one
audit row per created or changed record, exactly like the services write them.
"""

from __future__ import annotations

import datetime
import functools
import json
import operator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.db.models.fields.files import FieldFile
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit.models import Action, AuditEvent
from wangge.audit.services import NEVER_AUDITED
from wangge.audit.services import jsonable as jsonable
from wangge.core.access import Scope, user_or_none
from wangge.org.models import Level, OrgUnit
from wangge.registry.imports.fastwrite import build, copy_rows, insert, reserve_ids, update_column
from wangge.registry.imports.fields import normalise_header
from wangge.registry.imports.values import choice as choice  # the value parsers, importable from here too
from wangge.registry.imports.values import document as document
from wangge.registry.imports.values import normalise_id
from wangge.registry.imports.values import parse_bool as parse_bool
from wangge.registry.imports.values import parse_date as parse_date
from wangge.registry.imports.values import parse_int as parse_int
from wangge.registry.imports.values import phone as phone
from wangge.registry.imports.values import text as text
from wangge.registry.models import (
    Building,
    BuildingKind,
    Household,
    ImportKind,
    Person,
    PersonMove,
    Relation,
    Rental,
    RentalKind,
    RentalStatus,
    ResidentStatus,
    Room,
    Tenancy,
)
from wangge.registry.services import initials as _initials

initials = functools.lru_cache(maxsize=65536)(_initials)


@dataclass
class Row:
    number: int
    cells: list
    data: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # imported all the same; shown in the error file


@dataclass
class Stats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Stats) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


CACHE_LIMIT = 200_000

# --- context -----------------------------------------------------------------------


class Context:
    """What every row of one import shares: the actor, the scope, its grids, the audit rows."""

    def __init__(
        self,
        *,
        actor: Any,
        scope: Scope,
        job_ref: str = "",
        unit: OrgUnit | None = None,
        job_id: int | None = None,
    ):
        self.actor = actor
        self.unit = unit  # the unit the import was chosen for (a village for a rental roll)
        self.job_id = job_id  # None when rows are replayed outside a job (held rows)
        self.scope = scope
        self.user = user_or_none(actor)
        self.actor_name = self.user.get_username() if self.user else "system"
        self.job_ref = job_ref
        self.grids_by_key: dict[str, list[OrgUnit]] = {}
        grids = list(scope.filter(OrgUnit.objects.filter(level=Level.GRID, closed_at__isnull=True)))
        for g in grids:
            for key in {normalise_header(g.code), normalise_header(g.name)}:
                self.grids_by_key.setdefault(key, []).append(g)
        self.only_grid = grids[0] if len(grids) == 1 else None
        self.audit_rows: list[tuple] = []  # see audit()
        self.now = timezone.now()
        # Places already seen in this import (they repeat from chunk to chunk).
        self.building_cache: dict[tuple, Building] = {}
        self.room_cache: dict[tuple, Room] = {}

    def forget(self) -> None:
        """After a rolled-back chunk: what it created is gone, and so is what was pending."""
        self.building_cache.clear()
        self.room_cache.clear()
        self.audit_rows = []

    def grid(self, value: Any, errors: list[str]) -> OrgUnit | None:
        key = normalise_header(value)
        if not key:
            if self.only_grid is not None:
                return self.only_grid
            errors.append(_("The grid (网格编码) is missing."))
            return None
        found = self.grids_by_key.get(key, [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            errors.append(
                _("Several grids are called “%(value)s”: use the grid code.") % {"value": text(value)}
            )
            return None
        # Unknown and out of scope read the same: nothing is revealed about other jurisdictions.
        errors.append(
            _("Unknown grid “%(value)s”, or it is outside your jurisdiction.") % {"value": text(value)}
        )
        return None

    def in_scope(self, path: str) -> bool:
        return self.scope.covers_path(path)

    def audit(self, action: str, obj: Any, *, before: dict | None = None, after: dict | None = None) -> None:
        # The event's varying columns only; flush() adds the shared ones and writes them.
        self.audit_rows.append(
            (
                action,
                obj._meta.label_lower,
                str(obj.pk),
                str(obj)[:200],
                getattr(obj, "path", "") or "",
                before,
                after,
            )
        )

    def flush(self) -> None:
        if self.audit_rows:
            write_audit(self, self.audit_rows)
        self.audit_rows = []
        if len(self.room_cache) > CACHE_LIMIT:
            self.room_cache.clear()


AUDIT_COLUMNS = ["at", "actor_id", "actor_name", "action", "model", "object_id", "object_repr", "path",
                 "before", "after", "channel", "request_id"]  # fmt: skip


def write_audit(ctx: Context, rows: list[tuple]) -> None:
    """The audit rows of ctx.audit(): with COPY on PostgreSQL (no model instances), else bulk_create."""
    actor_id = ctx.user.pk if ctx.user is not None else None
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    at=ctx.now,
                    actor=ctx.user,
                    actor_name=ctx.actor_name,
                    action=action,
                    model=model,
                    object_id=object_id,
                    object_repr=object_repr,
                    path=path,
                    before=before,
                    after=after,
                    channel="import",
                    request_id=ctx.job_ref,
                )
                for action, model, object_id, object_repr, path, before, after in rows
            ],
            batch_size=1000,
        )
        return
    dumps = json.JSONEncoder(ensure_ascii=False).encode  # as the JSONField (no encoder) writes it
    shared = (ctx.now, actor_id, ctx.actor_name)
    tail = ("import", ctx.job_ref)
    copy_rows(
        AuditEvent,
        AUDIT_COLUMNS,
        [
            (
                *shared,
                action,
                model,
                object_id,
                object_repr,
                path,
                None if before is None else dumps(before),
                None if after is None else dumps(after),
                *tail,
            )
            for action, model, object_id, object_repr, path, before, after in rows
        ],
    )


@functools.cache
def _snapshot_fields(model: type) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields if f.name not in NEVER_AUDITED)


_PLAIN = frozenset({str, int, float, bool, type(None)})


_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)  # not FileDescriptor, a subclass


@functools.cache
def _snapshot_reader(model: type):
    """Reads the snapshot's values straight from the instance's __dict__ when every field is a
    plain attribute there (no file or other descriptor of its own), else None."""
    fields = [f for f in model._meta.concrete_fields if f.name not in NEVER_AUDITED]
    if len(fields) < 2 or not all(f.descriptor_class in _PLAIN_DESCRIPTORS for f in fields):
        return None
    return operator.itemgetter(*[f.attname for f in fields])


_last_isoformat: tuple[Any, str] = (None, "")


def _isoformat(value: datetime.date) -> str:
    """value.isoformat(), remembered for the last object: an import stamps every row with one
    `now`, formatted once instead of once per audit snapshot."""
    global _last_isoformat
    last = _last_isoformat
    if last[0] is value:
        return last[1]
    text = value.isoformat()
    _last_isoformat = (value, text)
    return text


def snap(obj: Any) -> dict:
    """What audit.snapshot records (field values by attname, JSON-ready), files as their names."""
    data = {}
    names = _snapshot_fields(type(obj))
    read = _snapshot_reader(type(obj))
    try:
        values = read(obj.__dict__) if read is not None else None
    except KeyError:  # a deferred field: loaded by getattr
        values = None
    if values is None:
        values = [getattr(obj, attname) for attname in names]
    for attname, value in zip(names, values, strict=True):
        if type(value) in _PLAIN:  # most values: nothing to convert
            pass
        elif isinstance(value, datetime.date):  # datetimes too
            value = _isoformat(value)
        elif isinstance(value, FieldFile):
            value = value.name or ""
        elif not isinstance(value, str | int | float | bool | type(None)):
            value = jsonable(value)
        data[attname] = value
    return data


def changed(obj: Any, values: dict[str, Any]) -> bool:
    """Set the given non-empty values; True when any differs."""
    diff = False
    for name, value in values.items():
        if value in (None, ""):
            continue
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            diff = True
    return diff


# --- places shared by several kinds --------------------------------------------------


def address_of(building: Building, unit: str, number: str) -> str:
    parts = [building.address or building.name]
    if building.address and building.name not in building.address:
        parts.append(building.name)
    parts.extend(p for p in (unit, number) if p)
    return " ".join(p for p in parts if p)


@functools.lru_cache(maxsize=4096)  # room numbers repeat from building to building
def floor_of(number: str) -> int:
    digits = "".join(ch for ch in number if ch.isdigit())
    return int(digits[:-2]) if len(digits) > 2 else 1


def _keyed(outer: str, inner: str, keys: set[tuple]) -> Q:
    """Exactly the (outer, inner) pairs asked for, grouped by `outer` — not the cross product of
    both IN lists, which grows with the table."""
    groups: dict[Any, set] = {}
    for a, b in keys:
        groups.setdefault(a, set()).add(b)
    q = Q()
    for a, bs in groups.items():
        q |= Q(**{outer: a, f"{inner}__in": bs})
    return q


class Places:
    """Buildings and rooms of a chunk: looked up with one query each, created when writing."""

    def __init__(self, ctx: Context, rows: list[Row], *, write: bool, create: bool, kind: str):
        self.ctx = ctx
        self.buildings: dict[tuple, Building] = {}
        self.rooms: dict[tuple, Room] = {}
        self.new_room_ids: set[int] = set()  # rooms created here: no household is there yet
        self.find_grids(rows)
        wanted = [r for r in rows if not r.errors and r.data.get("grid") and r.data.get("building")]
        bkeys = {(r.data["grid"].pk, r.data["building"]) for r in wanted}
        known = ctx.building_cache
        ask = {k for k in bkeys if k not in known}
        if ask:
            qs = Building.objects.filter(_keyed("grid_id", "name", ask)).select_related("grid")
            for b in ctx.scope.filter(qs):
                known[(b.grid_id, b.name)] = b
        self.buildings = {k: known[k] for k in bkeys if k in known}
        new_buildings: set[int] = set()  # created here: they have no rooms yet
        if write and create:
            grids = {r.data["grid"].pk: r.data["grid"] for r in wanted}
            new = [
                Building(grid=grids[g], path=grids[g].path, name=name, kind=kind, created_at=ctx.now)
                for g, name in sorted(bkeys - set(self.buildings))
            ]
            if new:
                insert(new)
                for b in new:
                    self.buildings[(b.grid_id, b.name)] = known[(b.grid_id, b.name)] = b
                    new_buildings.add(b.pk)
                    ctx.audit(Action.CREATE, b, after=snap(b))
        rkeys = set()
        for r in wanted:
            b = self.buildings.get((r.data["grid"].pk, r.data["building"]))
            if b is not None and r.data.get("room"):
                rkeys.add((b.pk, r.data.get("unit", ""), r.data["room"]))
        rooms_known = ctx.room_cache
        ask = {k for k in rkeys if k not in rooms_known and k[0] not in new_buildings}
        if ask:
            pairs = sorted({(k[0], k[2]) for k in ask})
            if connection.vendor == "postgresql":  # two array parameters instead of thousands
                table = Room._meta.db_table
                sql = f"({table}.building_id, {table}.number) IN (SELECT * FROM unnest(%s::bigint[], %s::text[]))"  # noqa: S608 - the table's name
                bound = ([b for b, _n in pairs], [n for _b, n in pairs])
                qs = Room.objects.filter(RawSQL(sql, bound, BooleanField()))  # noqa: S611 - values bound
            else:
                qs = Room.objects.filter(_keyed("building_id", "number", set(pairs)))
            by_pk = {b.pk: b for b in self.buildings.values()}
            for room in qs.select_related(None):
                room.building = by_pk[room.building_id]  # every room found is of a building found
                rooms_known[(room.building_id, room.unit_label, room.number)] = room
        self.rooms = {k: rooms_known[k] for k in rkeys if k in rooms_known}
        if write and create:
            by_pk = {b.pk: b for b in self.buildings.values()}
            new_rooms = []
            for b, u, n in sorted(rkeys - set(self.rooms)):
                room = build(
                    Room,
                    {
                        "building_id": b,
                        "unit_label": u,
                        "number": n,
                        "floor": floor_of(n),
                        "path": by_pk[b].path,
                    },
                )
                room._state.fields_cache["building"] = by_pk[b]  # as Room(building=…) would
                new_rooms.append(room)
            if new_rooms:
                insert(new_rooms)
                for room in new_rooms:
                    key = (room.building_id, room.unit_label, room.number)
                    self.rooms[key] = rooms_known[key] = room
                    self.new_room_ids.add(room.pk)
                    ctx.audit(Action.CREATE, room, after=snap(room))

    def find_grids(self, rows: list[Row]) -> None:
        """Rows that name a building but no grid: the building's grid, if the name is unique."""
        pending = [r for r in rows if not r.errors and r.data.get("grid") is None and r.data.get("building")]
        if not pending:
            return
        by_name: dict[str, list[Building]] = {}
        qs = Building.objects.filter(name__in={r.data["building"] for r in pending}).select_related("grid")
        for b in self.ctx.scope.filter(qs):
            by_name.setdefault(b.name, []).append(b)
        for r in pending:
            found = by_name.get(r.data["building"], [])
            if len(found) == 1:
                r.data["grid"] = found[0].grid
            elif not found:
                r.errors.append(
                    _(
                        "The grid (网格编码) is missing, and no building “%(name)s” is known in your jurisdiction."
                    )
                    % {"name": r.data["building"]}
                )
            else:
                r.errors.append(
                    _("Several buildings are called “%(name)s”: give the grid (网格编码).")
                    % {"name": r.data["building"]}
                )

    def building(self, row: Row) -> Building | None:
        g = row.data.get("grid")
        return self.buildings.get((g.pk, row.data.get("building"))) if g else None

    def room(self, row: Row) -> Room | None:
        b = self.building(row)
        if b is None or not row.data.get("room"):
            return None
        return self.rooms.get((b.pk, row.data.get("unit", ""), row.data["room"]))


def households_at(rooms: list[Room]) -> dict[int, list[Household]]:
    found: dict[int, list[Household]] = {}
    if rooms:
        qs = Household.objects.filter(room_id__in={r.pk for r in rooms}, closed_at__isnull=True).order_by(
            "pk"
        )
        by_pk = {r.pk: r for r in rooms}
        for h in qs:
            h.room = by_pk[h.room_id]
            found.setdefault(h.room_id, []).append(h)
    return found


def new_households(ctx: Context, rooms: list[Room], *, write: bool = True) -> dict[int, Household]:
    """A new household in each room, inserted now or (write=False) left for the caller."""
    made = []
    for r in rooms:
        h = build(
            Household,
            {
                "room_id": r.pk,
                "path": r.path,
                "address": address_of(r.building, r.unit_label, r.number),
                "created_at": ctx.now,
            },
        )
        h._state.fields_cache["room"] = r  # as Household(room=r) would
        made.append(h)
    if made and write:
        insert(made)
    return {h.room_id: h for h in made}


def existing_people(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Person]:
    """The record of each document anywhere in the district: active first (unscoped on purpose,
    to keep one person one record; callers reveal nothing outside the actor's scope)."""
    found: dict[tuple[str, str], Person] = {}
    if keys:
        numbers = {k[1] for k in keys}
        if connection.vendor == "postgresql":  # one array parameter, not thousands to bind and parse
            qs = Person.objects.filter(
                RawSQL(f"{Person._meta.db_table}.id_number = ANY(%s)", (sorted(numbers),), BooleanField()),  # noqa: S611 - the numbers are bound
                merged_into__isnull=True,
            )
        else:
            qs = Person.objects.filter(id_number__in=numbers, merged_into__isnull=True)
        for p in qs.order_by("-is_active", "-updated_at"):
            found.setdefault((p.id_type, p.id_number), p)
    return found


def elsewhere_message(label: str = "") -> str:
    prefix = f"{label}: " if label else ""
    return prefix + _(
        "This ID number is already registered in another jurisdiction. Ask them to record the departure first."
    )


# --- processors ----------------------------------------------------------------------


class Processor:
    kind: str = ""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.seen: dict[Any, int] = {}

    def reset(self) -> None:
        self.seen = {}

    def once(self, key: Any, row: Row, message: str | None = None) -> None:
        """Flag a row whose natural key already appeared earlier in the file."""
        if key in self.seen:
            row.errors.append(
                (message or _("This record is already on row %(row)s of this file."))
                % {"row": self.seen[key]}
            )
        else:
            self.seen[key] = row.number

    def place(self, get, row: Row, *, room_required: bool = False, grid_required: bool = True) -> None:
        d, e = row.data, row.errors
        d["building"] = text(get("building"))
        d["unit"] = text(get("unit"))
        d["room"] = text(get("room"))
        raw_grid = get("grid")
        if normalise_header(raw_grid) or self.ctx.only_grid is not None:
            d["grid"] = self.ctx.grid(raw_grid, e)
        else:
            d["grid"] = None  # found from the building's name, if it is unique in the scope
            if grid_required and not d["building"]:
                e.append(_("The grid (网格编码) is missing."))
        if d["room"] and not d["building"]:
            e.append(_("A room number (房号) needs its building (楼栋)."))
        if room_required and d["building"] and not d["room"]:
            e.append(_("The room number (房号) is missing."))

    def clean(self, get, row: Row) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def run_chunk(self, rows: list[Row], *, write: bool) -> Stats:  # pragma: no cover - abstract
        raise NotImplementedError


class BuildingProcessor(Processor):
    kind = ImportKind.BUILDINGS

    def clean(self, get, row: Row) -> None:
        d, e = row.data, row.errors
        d["grid"] = self.ctx.grid(get("grid"), e)
        d["name"] = text(get("name"))
        if not d["name"]:
            e.append(_("The building name (楼栋名称) is missing."))
        d["kind"] = choice("building_kind", get("kind"), e, "类型")
        d["address"] = text(get("address"))[:200]
        d["unit_count"] = parse_int(get("unit_count"), e, "单元数")
        d["floor_count"] = parse_int(get("floor_count"), e, "层数")
        if not e:
            self.once((d["grid"].pk, d["name"]), row)

    def run_chunk(self, rows, *, write):
        stats = Stats()
        if not write:
            return stats
        places = Places(self.ctx, rows, write=False, create=False, kind="")
        new, updates = [], []
        for r in rows:
            d = r.data
            b = places.buildings.get((d["grid"].pk, d["name"]))
            values = {k: d[k] for k in ("kind", "address", "unit_count", "floor_count")}
            if b is None:
                b = Building(
                    grid=d["grid"],
                    path=d["grid"].path,
                    name=d["name"],
                    kind=d["kind"] or BuildingKind.RESIDENTIAL,
                    address=d["address"],
                    unit_count=max(1, d["unit_count"] or 1),
                    floor_count=max(1, d["floor_count"] or 1),
                    created_at=self.ctx.now,
                )
                places.buildings[(b.grid_id, b.name)] = b
                new.append(b)
                continue
            before = snap(b)
            if changed(b, values):
                updates.append((b, before))
            else:
                stats.unchanged += 1
        insert(new)
        for b in new:
            self.ctx.audit(Action.CREATE, b, after=snap(b))
        if updates:
            Building.objects.bulk_update(
                [b for b, _ in updates], ["kind", "address", "unit_count", "floor_count"]
            )
            for b, before in updates:
                self.ctx.audit(Action.UPDATE, b, before=before, after=snap(b))
        stats.created, stats.updated = len(new), len(updates)
        return stats


PERSON_UPDATE_FIELDS = [
    "name",
    "name_initials",
    "phone",
    "status",
    "hukou_place",
    "origin",
    "employer",
    "arrival_date",
    "relation",
    "household",
    "grid",
    "path",
    "is_active",
    "departure_date",
    "updated_at",
]


class PeopleWriter:
    """New people, returns and changes of one chunk, with their history and audit rows."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.new: list[Person] = []
        self.moves: list[PersonMove] = []
        self.updates: list[tuple[Person, dict]] = []
        self.stats = Stats()

    def create(self, *, checked, name: str, grid: OrgUnit, household: Household | None, **values) -> Person:
        # Foreign keys by their ids, with the objects cached as assigning them would (the
        # descriptors' checks cost more than the rest of the instance); built positionally.
        fields = {
            "name": name,
            "name_initials": initials(name),
            "id_type": checked.id_type,
            "id_number": checked.number,
            "id_warning": checked.warning,
            "sex": checked.sex,
            "birth_date": checked.birth_date,
            "household_id": household.pk if household is not None else None,
            "grid_id": grid.pk,
            "path": household.path if household else grid.path,
            "created_at": self.ctx.now,
        }
        extra = {k: v for k, v in values.items() if v not in (None, "")}
        if not fields.keys().isdisjoint(extra):
            raise TypeError(f"create() got values twice: {sorted(fields.keys() & extra.keys())}")
        fields.update(extra)
        p = build(Person, fields)
        cached = p._state.fields_cache
        cached["household"], cached["grid"] = household, grid
        user = self.ctx.user
        m = build(
            PersonMove,
            {
                "person_id": None,  # set from the person when written
                "to_household_id": p.household_id,
                "to_path": p.path,
                "kind": "arrive",
                "at": self.ctx.now,
                "actor_id": user.pk if user is not None else None,
            },
        )
        cached = m._state.fields_cache
        cached["person"], cached["to_household"], cached["actor"] = p, household, user
        self.new.append(p)
        self.moves.append(m)
        return p

    def change(
        self,
        p: Person,
        *,
        grid: OrgUnit | None,
        household: Household | None,
        move: bool,
        transfer: bool = False,
        reason: str = "",
        **values,
    ) -> bool:
        """Apply the row to an existing record; a departed person comes back. True if changed.

        A confirmed `transfer` is always a move, out of any household, even within one grid."""
        before = snap(p)
        from_household_id, from_path = p.household_id, p.path
        kind = ""
        if not p.is_active:
            p.is_active, p.departure_date, kind = True, None, "return"
        if move and household is not None and p.household_id != household.pk:
            p.household, p.grid_id, p.path = household, household.room.building.grid_id, household.path
            kind = kind or "move"
        elif move and household is None and grid is not None and (p.grid_id != grid.pk or transfer):
            p.household, p.grid_id, p.path = None, grid.pk, grid.path
            if transfer:
                p.relation = ""
            kind = kind or "move"
        diff = changed(p, values)
        if "name" in values and values["name"]:
            p.name_initials = initials(p.name)
        if not (diff or kind):
            self.stats.unchanged += 1
            return False
        p.updated_at = self.ctx.now
        self.updates.append((p, before))
        if kind:
            self.moves.append(
                PersonMove(
                    person=p,
                    from_household_id=from_household_id,
                    from_path=from_path,
                    to_household_id=p.household_id,
                    to_path=p.path,
                    kind=kind,
                    at=self.ctx.now,
                    actor=self.ctx.user,
                    reason=reason,
                )
            )
        return True

    def flush(self) -> None:
        if self.new:
            insert(self.new)
        if self.updates:
            Person.objects.bulk_update([p for p, _ in self.updates], PERSON_UPDATE_FIELDS, batch_size=500)
        for m in self.moves:
            m.person_id = m.person.pk
        if self.moves:
            insert(self.moves)
        for p in self.new:
            self.ctx.audit(Action.CREATE, p, after=snap(p))
        for p, before in self.updates:
            self.ctx.audit(Action.UPDATE, p, before=before, after=snap(p))
        self.stats.created += len(self.new)
        self.stats.updated += len(self.updates)


def set_heads(ctx: Context, pairs: list[tuple[Household, Person]], created: set[int]) -> None:
    """Make people the heads of households that have none; audit changes of existing households."""
    changed_hh = []
    for h, p in pairs:
        if h.head_id is None:
            before = None if h.pk in created else snap(h)
            h.head = p
            changed_hh.append((h, before))
    update_column(Household, "head_id", [(h.pk, h.head_id) for h, _ in changed_hh])
    for h, before in changed_hh:
        if before is not None:
            ctx.audit(Action.UPDATE, h, before=before, after=snap(h))


class PeopleProcessor(Processor):
    kind = ImportKind.PEOPLE

    def clean(self, get, row: Row) -> None:
        d, e = row.data, row.errors
        d["name"] = text(get("name"))[:60]
        if not d["name"]:
            e.append(_("The name (姓名) is missing."))
        d["checked"] = document(get("id_type"), get("id_number"), e, "", row.warnings)
        d["phone"] = phone(get("phone"), e, "手机号", row.warnings)
        d["status"] = choice("status", get("status"), e, "人员类型")
        d["relation"] = choice("relation", get("relation"), e, "与户主关系")
        d["hukou_place"] = text(get("hukou_place"))[:200]
        d["origin"] = text(get("origin"))[:200]
        d["employer"] = text(get("employer"))[:200]
        d["arrival_date"] = parse_date(get("arrival_date"), e, "到达日期")
        self.place(get, row, room_required=True)
        if not e:
            c = d["checked"]
            self.once((c.id_type, c.number), row, _("This ID number is already on row %(row)s of this file."))
            initials(d["name"])  # cached for PeopleWriter.create(): computed here, in the reading thread

    def run_chunk(self, rows, *, write):
        ctx = self.ctx
        found = existing_people({(r.data["checked"].id_type, r.data["checked"].number) for r in rows})
        for r in rows:
            p = found.get((r.data["checked"].id_type, r.data["checked"].number))
            if p is not None and p.is_active and not ctx.in_scope(p.path):
                r.errors.append(elsewhere_message())
        rows = [r for r in rows if not r.errors]
        if not write:
            Places(ctx, rows, write=False, create=False, kind="")
            return Stats()
        places = Places(ctx, rows, write=True, create=True, kind=BuildingKind.RESIDENTIAL)
        rows = [r for r in rows if not r.errors]
        rooms = {places.room(r).pk: places.room(r) for r in rows if places.room(r) is not None}
        existing = households_at([room for pk, room in rooms.items() if pk not in places.new_room_ids])
        households = {room_id: hs[0] for room_id, hs in existing.items()}
        # On PostgreSQL foreign keys are checked at commit: new households get their ids now and
        # go in after the people, with their heads, instead of being updated afterwards.
        heads_first = connection.vendor == "postgresql"
        made = new_households(
            ctx, [room for pk, room in rooms.items() if pk not in households], write=not heads_first
        )
        if heads_first:
            reserve_ids(list(made.values()))
        households.update(made)
        writer = PeopleWriter(ctx)
        heads: list[tuple[Household, Person]] = []
        for r in rows:
            d = r.data
            room = places.room(r)
            hh = households[room.pk] if room is not None else None
            values = {
                "name": d["name"],
                "phone": d["phone"],
                "status": d["status"],
                "relation": d["relation"],
                "hukou_place": d["hukou_place"],
                "origin": d["origin"],
                "employer": d["employer"],
                "arrival_date": d["arrival_date"],
            }
            p = found.get((d["checked"].id_type, d["checked"].number))
            if p is None:
                p = writer.create(checked=d["checked"], grid=d["grid"], household=hh, **values)
            else:
                writer.change(p, grid=d["grid"], household=hh, move=True, **values)
            if hh is not None and d["relation"] == Relation.HEAD:
                heads.append((hh, p))
        writer.flush()
        created = {h.pk for h in made.values()}
        if heads_first:
            for h, p in heads:  # as set_heads() would: the first head row of a household
                if h.pk in created and h.head_id is None:
                    h.head = p
            insert(list(made.values()))
        set_heads(ctx, heads, created)
        for h in made.values():
            ctx.audit(Action.CREATE, h, after=snap(h))
        return writer.stats


class HouseholdProcessor(Processor):
    kind = ImportKind.HOUSEHOLDS

    def clean(self, get, row: Row) -> None:
        d, e = row.data, row.errors
        self.place(get, row, room_required=True)
        if not d["building"]:
            e.append(_("The building (楼栋) is missing."))
        d["head_name"] = text(get("head_name"))[:60]
        d["checked"] = None
        if text(get("head_id")):
            d["checked"] = document(get("head_id_type"), get("head_id"), e, "户主证件号", row.warnings)
            if not d["head_name"]:
                e.append(_("The name of the head of household (户主姓名) is missing."))
        d["phone"] = phone(get("head_phone"), e, "户主手机号", row.warnings)
        d["note"] = text(get("note"))
        if not e:
            c = d["checked"]
            key = (getattr(d["grid"], "pk", None), d["building"], d["unit"], d["room"], c.number if c else "")
            self.once(key, row)

    def run_chunk(self, rows, *, write):
        ctx = self.ctx
        found = existing_people(
            {(r.data["checked"].id_type, r.data["checked"].number) for r in rows if r.data["checked"]}
        )
        for r in rows:
            c = r.data["checked"]
            p = found.get((c.id_type, c.number)) if c else None
            if p is not None and p.is_active and not ctx.in_scope(p.path):
                r.errors.append(elsewhere_message("户主证件号"))
        rows = [r for r in rows if not r.errors]
        places = Places(ctx, rows, write=write, create=True, kind=BuildingKind.RESIDENTIAL)
        rows = [r for r in rows if not r.errors]
        rooms = {places.room(r).pk: places.room(r) for r in rows if places.room(r) is not None}
        at_room = households_at(list(rooms.values()))
        # A head registered at another household must be transferred there, not re-registered.
        for r in rows:
            c = r.data["checked"]
            p = found.get((c.id_type, c.number)) if c else None
            room = places.room(r)
            here = {h.pk for h in at_room.get(room.pk, [])} if room is not None else set()
            if p is not None and p.is_active and p.household_id and p.household_id not in here:
                r.errors.append(
                    _("%(name)s is registered at another household: transfer them there instead.")
                    % {"name": p.name}
                )
        rows = [r for r in rows if not r.errors]
        if not write:
            return Stats()
        stats = Stats()
        to_create: list[tuple[Row, Room]] = []
        chosen: dict[int, Household] = {}
        for r in rows:
            room = places.room(r)
            c = r.data["checked"]
            p = found.get((c.id_type, c.number)) if c else None
            hs = at_room.get(room.pk, [])
            if c is None:
                match = hs[0] if hs else None
            else:
                match = (
                    next((h for h in hs if p is not None and h.head_id == p.pk), None)
                    or next((h for h in hs if p is not None and h.pk == p.household_id), None)
                    or next((h for h in hs if h.head_id is None), None)
                )  # else: a new household of the room with its own head
            if match is None:
                to_create.append((r, room))
            else:
                chosen[r.number] = match
        made = []
        if to_create:
            made = [
                Household(
                    room=room,
                    path=room.path,
                    address=address_of(room.building, room.unit_label, room.number),
                    note=r.data["note"],
                    created_at=ctx.now,
                )
                for r, room in to_create
            ]
            insert(made)
            for (r, _room), h in zip(to_create, made, strict=True):
                chosen[r.number] = h
        writer = PeopleWriter(ctx)
        heads = []
        for r in rows:
            d, h = r.data, chosen[r.number]
            c = d["checked"]
            if c is None:
                continue
            p = found.get((c.id_type, c.number))
            values = {"name": d["head_name"], "phone": d["phone"], "relation": Relation.HEAD}
            if p is None:
                p = writer.create(checked=c, grid=h.room.building.grid, household=h, **values)
            else:
                writer.change(p, grid=None, household=h, move=True, **values)
            heads.append((h, p))
        writer.flush()
        set_heads(ctx, heads, {h.pk for h in made})
        for h in made:
            ctx.audit(Action.CREATE, h, after=snap(h))
        stats.created = len(made)
        stats.unchanged = len(rows) - len(made)
        return stats


class RentalProcessor(Processor):
    kind = ImportKind.RENTALS
    FIELDS = (
        "kind",
        "name",
        "address",
        "manager_name",
        "manager_phone",
        "status",
        "rooms",
        "capacity",
        "pledge_signed_on",
        "placards_posted_on",
        "placards_posted_by",
    )

    def clean(self, get, row: Row) -> None:
        d, e = row.data, row.errors
        self.place(get, row)
        if not d["building"]:
            e.append(_("The building (楼栋) is missing."))
        d["kind"] = choice("rental_kind", get("kind"), e, "类型")
        d["name"] = text(get("name"))[:100]
        d["address"] = text(get("address"))[:250]
        d["landlord_name"] = text(get("landlord_name"))[:60]
        if not d["landlord_name"]:
            e.append(_("The landlord's name (房东姓名) is missing."))
        d["checked"] = document("", get("landlord_id"), e, "房东证件号", row.warnings)
        d["landlord_phone"] = phone(get("landlord_phone"), e, "房东电话", row.warnings)
        d["manager_name"] = text(get("manager_name"))[:60]
        d["manager_phone"] = phone(get("manager_phone"), e, "管理人电话", row.warnings)
        d["status"] = choice("rental_status", get("status"), e, "状态")
        d["rooms"] = parse_int(get("rooms"), e, "房间数")
        d["capacity"] = parse_int(get("capacity"), e, "可住人数")
        d["pledge_signed_on"] = parse_date(get("pledge_signed_on"), e, "承诺书签订日期")
        d["placards_posted_on"] = parse_date(get("placards_posted_on"), e, "张贴日期")
        d["placards_posted_by"] = text(get("placards_posted_by"))[:60]
        if not e:
            key = (getattr(d["grid"], "pk", None), d["building"], d["unit"], d["room"], d["checked"].number)
            self.once(key, row)

    def run_chunk(self, rows, *, write):
        ctx = self.ctx
        found = existing_people({(r.data["checked"].id_type, r.data["checked"].number) for r in rows})
        for r in rows:
            p = found.get((r.data["checked"].id_type, r.data["checked"].number))
            if p is not None and p.is_active and not ctx.in_scope(p.path):
                r.errors.append(elsewhere_message("房东证件号"))
        rows = [r for r in rows if not r.errors]
        if not write:
            Places(ctx, rows, write=False, create=False, kind="")
            return Stats()
        places = Places(ctx, rows, write=True, create=True, kind=BuildingKind.VILLAGE_HOUSE)
        rows = [r for r in rows if not r.errors]
        writer = PeopleWriter(ctx)
        landlords: dict[tuple, Person] = {}
        for r in rows:
            d = r.data
            key = (d["checked"].id_type, d["checked"].number)
            p = found.get(key) or landlords.get(key)
            if p is None:
                b = places.building(r)
                p = writer.create(
                    checked=d["checked"],
                    name=d["landlord_name"],
                    grid=b.grid,
                    household=None,
                    phone=d["landlord_phone"],
                )
            landlords[key] = p
        writer.flush()
        building_ids = {places.building(r).pk for r in rows}
        existing: dict[tuple, Rental] = {}
        if building_ids:
            qs = Rental.objects.filter(
                building_id__in=building_ids, landlord_id__in={p.pk for p in landlords.values()}
            )
            for rental in qs:
                existing.setdefault((rental.building_id, rental.room_id, rental.landlord_id), rental)
        stats = Stats()
        new, updates = [], []
        for r in rows:
            d = r.data
            b, room = places.building(r), places.room(r)
            landlord = landlords[(d["checked"].id_type, d["checked"].number)]
            key = (b.pk, room.pk if room else None, landlord.pk)
            values = {f: d[f] for f in self.FIELDS}
            rental = existing.get(key)
            if rental is None:
                rental = Rental(
                    building=b,
                    room=room,
                    landlord=landlord,
                    path=b.path,
                    created_at=ctx.now,
                    kind=d["kind"] or RentalKind.DWELLING,
                    status=d["status"] or RentalStatus.LET,
                    address=d["address"] or address_of(b, d["unit"], d["room"]),
                )
                changed(rental, values)
                existing[key] = rental
                new.append(rental)
                continue
            before = snap(rental)
            if changed(rental, values):
                updates.append((rental, before))
            else:
                stats.unchanged += 1
        insert(new)
        for rental in new:
            ctx.audit(Action.CREATE, rental, after=snap(rental))
        if updates:
            Rental.objects.bulk_update([x for x, _ in updates], list(self.FIELDS))
            for rental, before in updates:
                ctx.audit(Action.UPDATE, rental, before=before, after=snap(rental))
        stats.created, stats.updated = len(new), len(updates)
        return stats


class TenantProcessor(Processor):
    kind = ImportKind.TENANTS

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        self.living: dict[str, tuple[int, tuple]] = {}

    def clean(self, get, row: Row) -> None:
        d, e = row.data, row.errors
        d["rental_address"] = text(get("rental_address"))
        self.place(get, row, grid_required=False)
        if not d["rental_address"] and not d["building"]:
            e.append(_("Give the rental's address (出租屋地址) or its building (楼栋) and room (房号)."))
        d["name"] = text(get("name"))[:60]
        if not d["name"]:
            e.append(_("The name (姓名) is missing."))
        d["checked"] = document(get("id_type"), get("id_number"), e, "", row.warnings)
        d["phone"] = phone(get("phone"), e, "手机号", row.warnings)
        d["move_in"] = parse_date(get("move_in"), e, "入住日期")
        if d["move_in"] is None and not any("入住日期" in m for m in e):
            e.append(_("The move-in date (入住日期) is missing."))
        d["move_out"] = parse_date(get("move_out"), e, "搬离日期")
        d["reported_on"] = parse_date(get("reported_on"), e, "报备日期")
        d["from_risk_area"] = parse_bool(get("from_risk_area"), e, "是否来自中高风险地区")
        if d["move_in"] and d["move_out"] and d["move_out"] < d["move_in"]:
            e.append(_("The move-out date is before the move-in date."))
        # Two landlords let at one address: the landlord's ID says which rental is meant.
        d["landlord"] = normalise_id(get("landlord_id"))
        if not e:
            c = d["checked"]
            self.once(
                (c.id_type, c.number, d["move_in"]),
                row,
                _("This ID number is already on row %(row)s of this file."),
            )
        if not e and d["move_out"] is None:
            # Living now in two places at once: a conflict to settle in the file, not two tenancies.
            place = (d["rental_address"], d["building"], d["unit"], d["room"], d["landlord"])
            first = self.living.setdefault(d["checked"].number, (row.number, place))
            if first[1] != place:
                e.append(
                    _(
                        "This tenant also lives at another rental on row %(row)s of this file: keep the right one."
                    )
                    % {"row": first[0]}
                )

    def reset(self) -> None:
        super().reset()
        self.living: dict[str, tuple[int, tuple]] = {}

    def rentals_for(self, rows: list[Row]) -> None:
        """Find each row's rental in the scope (one query by address, one by building)."""
        ctx = self.ctx
        addresses = {r.data["rental_address"] for r in rows if r.data["rental_address"]}
        by_address: dict[str, list[Rental]] = {}
        if addresses:
            qs = ctx.scope.filter(
                Rental.objects.filter(address__in=addresses).select_related("building", "landlord")
            )
            for rental in qs:
                by_address.setdefault(rental.address, []).append(rental)
        places = Places(
            ctx, [r for r in rows if not r.data["rental_address"]], write=False, create=False, kind=""
        )
        by_building: dict[int, list[Rental]] = {}
        if places.buildings:
            qs = ctx.scope.filter(
                Rental.objects.filter(
                    building_id__in={b.pk for b in places.buildings.values()}
                ).select_related("building", "landlord")
            )
            for rental in qs:
                by_building.setdefault(rental.building_id, []).append(rental)
        for r in rows:
            d = r.data
            if r.errors:
                continue
            if d["rental_address"]:
                candidates = by_address.get(d["rental_address"], [])
            else:
                b = places.building(r)
                room = places.room(r)
                candidates = by_building.get(b.pk, []) if b else []
                if d["room"]:
                    candidates = [x for x in candidates if room is not None and x.room_id == room.pk]
            if len(candidates) > 1 and d["landlord"]:
                candidates = [x for x in candidates if x.landlord.id_number == d["landlord"]]
            if len(candidates) == 1:
                d["rental"] = candidates[0]
            elif not candidates:
                r.errors.append(
                    _("No rental with this address in your jurisdiction: import the rental (出租屋) first.")
                )
            else:
                r.errors.append(
                    _(
                        "Several rentals match (one address, several landlords): add the landlord's ID number (房东身份证号码) to the row, or give the rental's full address (出租屋地址)."
                    )
                )

    def run_chunk(self, rows, *, write):
        ctx = self.ctx
        self.rentals_for(rows)
        found = existing_people({(r.data["checked"].id_type, r.data["checked"].number) for r in rows})
        for r in rows:
            p = found.get((r.data["checked"].id_type, r.data["checked"].number))
            if p is not None and p.is_active and not ctx.in_scope(p.path):
                r.errors.append(elsewhere_message())
        rows = [r for r in rows if not r.errors]
        if not write:
            return Stats()
        writer = PeopleWriter(ctx)
        people: dict[tuple, Person] = {}
        for r in rows:
            d = r.data
            key = (d["checked"].id_type, d["checked"].number)
            p = found.get(key) or people.get(key)
            rental = d["rental"]
            grid = OrgUnit(pk=rental.building.grid_id, path=rental.path)
            if p is None:
                p = writer.create(
                    checked=d["checked"],
                    name=d["name"],
                    grid=grid,
                    household=None,
                    phone=d["phone"],
                    status=ResidentStatus.TENANT,
                )
            elif not p.is_active and key not in people:
                writer.change(p, grid=grid, household=None, move=True, phone=d["phone"])
            people[key] = p
        writer.flush()
        existing: dict[tuple, Tenancy] = {}
        if rows:
            qs = Tenancy.objects.filter(
                rental_id__in={r.data["rental"].pk for r in rows},
                person_id__in={p.pk for p in people.values()},
            )
            for t in qs:
                existing[(t.rental_id, t.person_id, t.move_in)] = t
        stats = Stats()
        new, updates = [], []
        today = timezone.localdate()
        for r in rows:
            d = r.data
            p = people[(d["checked"].id_type, d["checked"].number)]
            key = (d["rental"].pk, p.pk, d["move_in"])
            values = {
                "move_out": d["move_out"],
                "reported_on": d["reported_on"],
                "from_risk_area": d["from_risk_area"],
            }
            t = existing.get(key)
            if t is None:
                t = Tenancy(
                    rental=d["rental"],
                    person=p,
                    move_in=d["move_in"],
                    move_out=d["move_out"],
                    reported_on=d["reported_on"] or today,
                    from_risk_area=bool(d["from_risk_area"]),
                    path=d["rental"].path,
                )
                existing[key] = t
                new.append(t)
                continue
            before = snap(t)
            if changed(t, values):
                updates.append((t, before))
            else:
                stats.unchanged += 1
        insert(new)
        for t in new:
            ctx.audit(Action.CREATE, t, after=snap(t))
        if updates:
            Tenancy.objects.bulk_update(
                [t for t, _ in updates], ["move_out", "reported_on", "from_risk_area"]
            )
            for t, before in updates:
                ctx.audit(Action.UPDATE, t, before=before, after=snap(t))
        stats.created, stats.updated = len(new), len(updates)
        return stats


PROCESSORS: dict[str, type[Processor]] = {
    p.kind: p
    for p in (BuildingProcessor, HouseholdProcessor, PeopleProcessor, RentalProcessor, TenantProcessor)
}
