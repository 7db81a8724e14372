"""A village's rental roll (出租屋登记表), imported in one pass for one village or community.

Each row is a house: found again by its normalised address inside the village, or created in
the grid the village's address rules give (else it waits, with its row, in the village's
"unplaced" queue); its landlord (a person, co-landlords when the file says so); the rental with
its status, rooms, pledge and placards; and, when let, the tenant with move-in date, origin and
employer. A tenant living elsewhere is not registered twice: the row waits as a transfer for the
village to confirm. Conflicts inside the file (a tenant of two houses, a house with two
landlords) are reported on the row, never merged silently.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit.models import Action
from wangge.core.access import under
from wangge.org.models import OrgUnit
from wangge.registry.imports.fastwrite import insert
from wangge.registry.imports.processors import (
    Context,
    PeopleWriter,
    Processor,
    Row,
    Stats,
    changed,
    choice,
    document,
    elsewhere_message,
    existing_people,
    parse_bool,
    parse_date,
    parse_int,
    phone,
    snap,
    text,
)
from wangge.registry.models import (
    Building,
    BuildingKind,
    HeldRow,
    HeldRowReason,
    HeldRowStatus,
    ImportKind,
    Person,
    Rental,
    RentalKind,
    RentalStatus,
    ResidentStatus,
    Tenancy,
)
from wangge.registry.places.addressing import HouseAddress, Placement, parse_address

_SEPARATORS = re.compile(r"[、，,;；/／\n]+")
RENTAL_FIELDS = ("status", "rooms", "capacity", "pledge_signed_on", "placards_posted_on", "placards_posted")


def _split(value: Any) -> list[str]:
    """Several landlords in one cell (甲、乙); each part keeps what the cell was (a number cell
    stays one, so that a number the spreadsheet mangled is still caught)."""
    kind = type(value) if isinstance(value, str) and type(value) is not str else str
    return [kind(p.strip()) for p in _SEPARATORS.split(text(value)) if p.strip()]


def fingerprint(village_id: int, reason: str, values: dict[str, str]) -> str:
    payload = json.dumps([village_id, reason, values], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class RollProcessor(Processor):
    kind = ImportKind.RENTAL_ROLL

    def __init__(self, ctx: Context):
        super().__init__(ctx)
        village = ctx.unit
        if village is None:
            raise ValueError("a rental roll is imported for one village")
        self.village: OrgUnit = village
        self.placement = Placement(village)
        # Placing a held row (a person chose the grid) and confirming a transfer replay rows.
        self.forced_grid: OrgUnit | None = None
        self.confirm_transfers = False
        self.held = 0
        self.houses: dict[str, Building] | None = None  # key → house of the village, loaded once
        self.reset()

    def reset(self) -> None:
        super().reset()
        self.house_rows: dict[str, tuple[int, tuple[str, ...]]] = {}  # key → (row, landlord ids)
        self.last_landlord: dict[str, tuple[Any, Any, Any]] = {}
        self.tenant_rows: dict[str, tuple[int, str]] = {}  # tenant id → (row, house key)
        self.held = 0

    # --- one row ----------------------------------------------------------------------------

    def clean(self, get, row: Row) -> None:
        d, e = row.data, row.errors
        d["values"] = {
            k: (v.isoformat() if isinstance(v, datetime.date) else text(v))
            for k in (
                "address",
                "group",
                "grid",
                "landlord_name",
                "landlord_id",
                "landlord_phone",
                "co_owner",
                "status",
                "rooms",
                "capacity",
                "reported_on",
                "tenant_name",
                "tenant_id",
                "tenant_phone",
                "move_in",
                "hukou_place",
                "employer",
                "origin",
                "pledge_signed_on",
                "placards",
                "note",
            )
            if (v := get(k)) not in (None, "")
        }
        written = text(get("address"))
        group = text(get("group"))
        if group and "组" not in written:
            written = f"{group}{'' if group.endswith(('组', '队')) else '组'}{written}"
        if not written:
            e.append(_("The house's address (房屋地址) is missing."))
            return
        house = parse_address(written, self.village.name)
        d["house"] = house
        d["grid"] = self.ctx.grid(get("grid"), e) if text(get("grid")) else None
        if d["grid"] is not None and not d["grid"].path.startswith(self.village.path):
            e.append(_("The grid (网格) is not in %(village)s.") % {"village": self.village.name})
        # A house's later rows may leave the landlord's cells empty (merged in the roll).
        names, ids, phones = get("landlord_name"), get("landlord_id"), get("landlord_phone")
        if not text(names) and not text(ids) and house.key in self.last_landlord:
            names, ids, phones = self.last_landlord[house.key]
        else:
            self.last_landlord[house.key] = (names, ids, phones)
        landlord_names, landlord_ids, landlord_phones = _split(names), _split(ids), _split(phones)
        if not landlord_names:
            e.append(_("The landlord's name (房东姓名) is missing."))
        if not landlord_ids:
            e.append(_("The landlord's ID number (房东身份证号码) is missing."))
        elif len(landlord_ids) != len(landlord_names):
            e.append(_("Give one ID number for each landlord named (房东姓名 and 房东身份证号码)."))
        landlords = []
        for i, raw_id in enumerate(landlord_ids):
            checked = document("", raw_id, e, "房东身份证号码", row.warnings)
            tel = phone(landlord_phones[i], e, "房东电话", row.warnings) if i < len(landlord_phones) else ""
            if checked is not None and i < len(landlord_names):
                landlords.append((checked, landlord_names[i][:60], tel))
        d["landlords"] = landlords
        d["co_owner"] = bool(parse_bool(get("co_owner"), e, "是否共有"))
        d["status"] = choice("rental_status", get("status"), e, "房屋状态")
        d["rooms"] = parse_int(get("rooms"), e, "出租间数")
        d["capacity"] = parse_int(get("capacity"), e, "可住人数")
        d["pledge_signed_on"] = parse_date(get("pledge_signed_on"), e, "承诺书签订日期")
        d["placards_posted_on"], d["placards_posted"] = self._placards(get("placards"), e)
        d["tenant"] = None
        tenant_name, tenant_id = text(get("tenant_name"))[:60], text(get("tenant_id"))
        if tenant_name or tenant_id:
            if d["status"] in (RentalStatus.VACANT, RentalStatus.SELF_USE):
                e.append(_("房屋状态 says the house is not let, but a tenant is given: correct one of them."))
            if not tenant_name:
                e.append(_("The tenant's name (租户姓名) is missing."))
            checked = document("", get("tenant_id"), e, "租户身份证号", row.warnings)
            move_in = parse_date(get("move_in"), e, "入住日期")
            if move_in is None and not any("入住日期" in m for m in e):
                e.append(_("The move-in date (入住日期) is missing."))
            d["tenant"] = {
                "checked": checked,
                "name": tenant_name,
                "phone": phone(get("tenant_phone"), e, "租户电话", row.warnings),
                "move_in": move_in,
                "reported_on": parse_date(get("reported_on"), e, "报备日期"),
                "hukou_place": text(get("hukou_place"))[:200],
                "employer": text(get("employer"))[:200],
                "origin": text(get("origin"))[:200],
            }
            d["status"] = d["status"] or RentalStatus.LET
        if e:
            return
        self._conflicts_in_file(row)

    def _placards(self, value: Any, errors: list[str]) -> tuple[datetime.date | None, bool | None]:
        if isinstance(value, datetime.date):
            return value, True
        s = text(value)
        if re.search(r"\d", s):
            return parse_date(value, errors, "是否张贴两码"), True
        posted = parse_bool(value, errors, "是否张贴两码")
        return None, posted

    def _conflicts_in_file(self, row: Row) -> None:
        d = row.data
        key = d["house"].key
        ids = tuple(sorted(c.number for c, _n, _p in d["landlords"]))
        first = self.house_rows.get(key)
        if first is None:
            self.house_rows[key] = (row.number, ids)
        elif first[1] != ids and not set(first[1]) & set(ids) and not d["co_owner"]:
            row.errors.append(
                _(
                    "Row %(row)s gives this house another landlord. If they own it together, write 是 under 是否共有; otherwise correct one of the rows."
                )
                % {"row": first[0]}
            )
            return
        tenant = d["tenant"]
        if tenant is not None and tenant["checked"] is not None:
            number = tenant["checked"].number
            seen = self.tenant_rows.get(number)
            if seen is None:
                self.tenant_rows[number] = (row.number, key)
            elif seen[1] != key:
                row.errors.append(
                    _("This tenant is also the tenant of another house on row %(row)s: keep the right one.")
                    % {"row": seen[0]}
                )
            else:
                row.errors.append(_("This tenant is already on row %(row)s of this file.") % {"row": seen[0]})

    # --- a chunk ----------------------------------------------------------------------------

    def _load_houses(self) -> dict[str, Building]:
        if self.houses is None:
            self.houses = {}
            qs = under(self.ctx.scope.filter(Building.objects.select_related("grid")), self.village)
            for b in qs.order_by("pk"):
                for written in (b.name, b.address):
                    if written:
                        self.houses.setdefault(parse_address(written, self.village.name).key, b)
        return self.houses

    def _grid_for(self, house: HouseAddress, given: OrgUnit | None) -> OrgUnit | None:
        return given or self.forced_grid or self.placement.grid_for(house)

    def run_chunk(self, rows: list[Row], *, write: bool) -> Stats:
        ctx = self.ctx
        houses = self._load_houses()
        keys = set()
        for r in rows:
            keys.update((c.id_type, c.number) for c, _n, _p in r.data["landlords"])
            t = r.data["tenant"]
            if t is not None:
                keys.add((t["checked"].id_type, t["checked"].number))
        found = existing_people(keys)
        for r in rows:
            for c, _n, _p in r.data["landlords"]:
                p = found.get((c.id_type, c.number))
                if p is not None and p.is_active and not ctx.in_scope(p.path):
                    r.errors.append(elsewhere_message("房东身份证号码"))
            t = r.data["tenant"]
            if t is not None:
                p = found.get((t["checked"].id_type, t["checked"].number))
                if p is not None and p.is_active and not ctx.in_scope(p.path):
                    r.errors.append(elsewhere_message("租户身份证号"))
        rows = [r for r in rows if not r.errors]
        # Which house, in which grid; a new house no rule places waits for the village.
        held: list[tuple[Row, str]] = []
        placed: list[Row] = []
        for r in rows:
            d = r.data
            d["building"] = houses.get(d["house"].key)
            if d["building"] is None:
                d["new_grid"] = self._grid_for(d["house"], d["grid"])
                if d["new_grid"] is None:
                    held.append((r, HeldRowReason.UNPLACED))
                    continue
            placed.append(r)
        rentals = self._rentals_of({r.data["building"].pk for r in placed if r.data["building"]})
        for r in placed:
            self._check_landlord(r, rentals, found)
        placed = [r for r in placed if not r.errors]
        # A tenant who lives elsewhere is moved only when the village confirms it.
        # The house, its landlord and the rental are written; only the tenant waits.
        moving = self._tenants_elsewhere(placed, found)
        if not self.confirm_transfers:
            held.extend((r, HeldRowReason.TRANSFER) for r in placed if r.number in moving)
        self.held += len(held)
        if not write:
            return Stats()
        stats = Stats()
        self._hold(held, stats)
        self._write(placed, found, rentals, moving, stats)
        return stats

    def _rentals_of(self, building_ids: set[int]) -> dict[int, list[Rental]]:
        by_building: dict[int, list[Rental]] = {}
        if building_ids:
            qs = Rental.objects.filter(building_id__in=building_ids).prefetch_related("co_landlords")
            for rental in qs.order_by("pk"):
                by_building.setdefault(rental.building_id, []).append(rental)
        return by_building

    def _check_landlord(self, r: Row, rentals: dict[int, list[Rental]], found: dict) -> None:
        """A house the registry knows with another landlord: a conflict, unless co-owned."""
        d = r.data
        if d["building"] is None or d["co_owner"]:
            return
        ids = set()
        for c, _n, _p in d["landlords"]:
            p = found.get((c.id_type, c.number))
            if p is not None:
                ids.add(p.pk)
        known = rentals.get(d["building"].pk, [])
        owners = {x.landlord_id for x in known} | {p.pk for x in known for p in x.co_landlords.all()}
        if known and not ids & owners:
            r.errors.append(
                _(
                    "The registry has this house with another landlord. If they own it together, write 是 under 是否共有; if it was sold, change the rental's landlord first."
                )
            )

    def _tenants_elsewhere(self, rows: list[Row], found: dict) -> set[int]:
        """Rows whose tenant is registered at a household or has an open tenancy elsewhere."""
        people = {}
        for r in rows:
            t = r.data["tenant"]
            if t is not None:
                p = found.get((t["checked"].id_type, t["checked"].number))
                if p is not None and p.is_active:
                    people[r.number] = p
        if not people:
            return set()
        today = timezone.localdate()
        open_at: dict[int, set[int]] = {}
        qs = Tenancy.objects.filter(person_id__in={p.pk for p in people.values()}).exclude(move_out__lt=today)
        for t in qs.values("person_id", "rental__building_id"):
            open_at.setdefault(t["person_id"], set()).add(t["rental__building_id"])
        moving = set()
        by_number = {r.number: r for r in rows}
        for number, p in people.items():
            r = by_number[number]
            here = r.data["building"].pk if r.data["building"] else None
            elsewhere = {b for b in open_at.get(p.pk, set()) if b != here}
            if p.household_id or elsewhere:
                moving.add(number)
        return moving

    def _hold(self, held: list[tuple[Row, str]], stats: Stats) -> None:
        if not held:
            return
        ctx = self.ctx
        job_id = ctx.job_id
        made = {}
        for r, reason in held:
            values = r.data["values"]
            fp = fingerprint(self.village.pk, reason, values)
            house = r.data["house"]
            made.setdefault(
                fp,
                HeldRow(
                    job_id=job_id,
                    village=self.village,
                    path=self.village.path,
                    reason=reason,
                    address=house.written[:250],
                    group_no=house.group_no,
                    street=house.street[:100],
                    house_number=house.number,
                    row_number=r.number,
                    values=values,
                    fingerprint=fp,
                    created_at=ctx.now,
                ),
            )
        waiting = set(
            HeldRow.objects.filter(
                village=self.village, status=HeldRowStatus.WAITING, fingerprint__in=list(made)
            ).values_list("fingerprint", flat=True)
        )
        new = [h for fp, h in made.items() if fp not in waiting]
        if new:
            HeldRow.objects.bulk_create(new)
            for h in new:
                ctx.audit(
                    Action.CREATE, h, after={"reason": h.reason, "address": h.address, "row": h.row_number}
                )

    def _write(self, rows: list[Row], found: dict, rentals: dict, moving: set[int], stats: Stats) -> None:
        ctx = self.ctx
        if not rows:
            return
        # Houses first: one per key, in the grid the row (or the rules) gave.
        new_houses: dict[str, Building] = {}
        for r in rows:
            d = r.data
            if d["building"] is None:
                key = d["house"].key
                b = new_houses.get(key)
                if b is None:
                    grid = d["new_grid"]
                    b = new_houses[key] = Building(
                        grid=grid,
                        path=grid.path,
                        name=d["house"].written[:100],
                        address=d["house"].written[:200],
                        kind=BuildingKind.VILLAGE_HOUSE,
                        created_at=ctx.now,
                    )
                d["building"] = b
        if new_houses:
            insert(list(new_houses.values()))
            for key, b in new_houses.items():
                assert self.houses is not None
                self.houses[key] = b
                ctx.audit(Action.CREATE, b, after=snap(b))
        # People: landlords and tenants, created once.
        writer = PeopleWriter(ctx)
        people: dict[tuple[str, str], Person] = {}

        def person_for(checked, name: str, grid_pk: int, grid_path: str, **values) -> Person:
            key = (checked.id_type, checked.number)
            p = people.get(key) or found.get(key)
            if p is None:
                p = writer.create(
                    checked=checked,
                    name=name,
                    grid=OrgUnit(pk=grid_pk, path=grid_path),
                    household=None,
                    **values,
                )
            elif not p.is_active and key not in people:
                writer.change(
                    p, grid=OrgUnit(pk=grid_pk, path=grid_path), household=None, move=True, **values
                )
            people[key] = p
            return p

        for r in rows:
            b = r.data["building"]
            for checked, name, tel in r.data["landlords"]:
                person_for(checked, name, b.grid_id, b.path, phone=tel)
        today = timezone.localdate()
        ended: list[tuple[Tenancy, dict]] = []
        created_rows: set[int] = set()
        # Open tenancies of the people whose move the village confirmed, in one query.
        open_tenancies: dict[int, list[Tenancy]] = {}
        if self.confirm_transfers and moving:
            movers = {
                found[key].pk
                for r in rows
                if r.number in moving and r.data["tenant"] is not None
                for key in [(r.data["tenant"]["checked"].id_type, r.data["tenant"]["checked"].number)]
                if key in found
            }
            for old in (
                Tenancy.objects.filter(person_id__in=movers)
                .exclude(move_out__lt=today)
                .select_related("rental")
            ):
                open_tenancies.setdefault(old.person_id, []).append(old)
        for r in rows:
            t = r.data["tenant"]
            if t is None or (r.number in moving and not self.confirm_transfers):
                continue
            b = r.data["building"]
            c = t["checked"]
            values = {
                "phone": t["phone"],
                "hukou_place": t["hukou_place"],
                "employer": t["employer"],
                "origin": t["origin"],
            }
            key = (c.id_type, c.number)
            existing = found.get(key)
            if r.number in moving and existing is not None and key not in people:
                # Confirmed by the village: the old tenancies end the day before, and the
                # person moves (out of a household, if registered in one) to the house's grid.
                for old in open_tenancies.get(existing.pk, []):
                    if old.rental.building_id == b.pk:
                        continue
                    before = snap(old)
                    old.move_out = max(old.move_in, t["move_in"] - datetime.timedelta(days=1))
                    ended.append((old, before))
                writer.change(
                    existing,
                    grid=OrgUnit(pk=b.grid_id, path=b.path),
                    household=None,
                    move=True,
                    transfer=True,
                    reason=_("Tenant of %(address)s (rental roll)") % {"address": b.address[:150]},
                    status=ResidentStatus.TENANT,
                    **values,
                )
                people[key] = existing
            else:
                person_for(
                    c,
                    t["name"],
                    b.grid_id,
                    b.path,
                    status=ResidentStatus.TENANT,
                    arrival_date=t["move_in"],
                    **values,
                )
        writer.flush()
        if ended:
            Tenancy.objects.bulk_update([t for t, _b in ended], ["move_out"])
            for old, before in ended:
                ctx.audit(Action.UPDATE, old, before=before, after=snap(old))
        # Rentals: one per house and landlord; co-landlords joined to the first landlord's.
        # A roll that gives no capacity: as many as it lists as living there (no false alarm).
        listed: dict[int, int] = {}
        for r in rows:
            if r.data["tenant"] is not None:
                listed[id(r.data["building"])] = listed.get(id(r.data["building"]), 0) + 1
        new_rentals: list[Rental] = []
        updates: dict[int, tuple[Rental, dict]] = {}
        co_links: list[tuple[Rental, Person]] = []
        row_rental: dict[int, Rental] = {}
        for r in rows:
            d = r.data
            b = d["building"]
            landlords = [people[(c.id_type, c.number)] for c, _n, _p in d["landlords"]]
            known = rentals.setdefault(b.pk, [])
            rental = next((x for x in known if x.landlord_id in {p.pk for p in landlords}), None)
            if rental is None and d["co_owner"] and known:
                rental = known[0]
            if rental is None:
                rental = Rental(
                    building=b,
                    landlord=landlords[0],
                    path=b.path,
                    kind=RentalKind.DWELLING,
                    status=d["status"] or RentalStatus.LET,
                    address=d["house"].written[:250],
                    created_at=ctx.now,
                )
                changed(rental, {f: d[f] for f in RENTAL_FIELDS})
                if d["capacity"] is None:
                    rental.capacity = max(1, listed.get(id(b), 0))
                known.append(rental)
                new_rentals.append(rental)
                created_rows.add(r.number)
            elif rental.pk is not None and rental.pk not in updates:
                before = snap(rental)
                if changed(rental, {f: d[f] for f in RENTAL_FIELDS}):
                    updates[rental.pk] = (rental, before)
            for p in landlords:
                if p.pk != rental.landlord_id:
                    co_links.append((rental, p))
            row_rental[r.number] = rental
        if new_rentals:
            insert(new_rentals)
            for rental in new_rentals:
                ctx.audit(Action.CREATE, rental, after=snap(rental))
        if updates:
            Rental.objects.bulk_update([x for x, _b in updates.values()], list(RENTAL_FIELDS))
            for rental, before in updates.values():
                ctx.audit(Action.UPDATE, rental, before=before, after=snap(rental))
        self._co_landlords(co_links)
        # Tenancies: (rental, person, move-in) once.
        wanted = [
            (r, row_rental[r.number])
            for r in rows
            if r.data["tenant"] is not None and (r.number not in moving or self.confirm_transfers)
        ]
        existing_t: dict[tuple, Tenancy] = {}
        if wanted:
            qs = Tenancy.objects.filter(
                rental_id__in={x.pk for _r, x in wanted},
                person_id__in={
                    people[(r.data["tenant"]["checked"].id_type, r.data["tenant"]["checked"].number)].pk
                    for r, _x in wanted
                },
            )
            for t in qs:
                existing_t[(t.rental_id, t.person_id, t.move_in)] = t
        new_t = []
        for r, rental in wanted:
            t = r.data["tenant"]
            p = people[(t["checked"].id_type, t["checked"].number)]
            key = (rental.pk, p.pk, t["move_in"])
            if key in existing_t:
                continue
            tenancy = Tenancy(
                rental=rental,
                person=p,
                move_in=t["move_in"],
                reported_on=t["reported_on"] or today,
                path=rental.path,
            )
            existing_t[key] = tenancy
            new_t.append(tenancy)
            created_rows.add(r.number)
        if new_t:
            insert(new_t)
            for tenancy in new_t:
                ctx.audit(Action.CREATE, tenancy, after=snap(tenancy))
        # A row counts as created when it made its rental or its tenancy, as changed when it
        # changed its rental.
        touched = {id(x) for x, _b in updates.values()}
        for r in rows:
            if r.number in created_rows:
                stats.created += 1
            elif id(row_rental[r.number]) in touched:
                stats.updated += 1
            else:
                stats.unchanged += 1

    def _co_landlords(self, links: list[tuple[Rental, Person]]) -> None:
        if not links:
            return
        through = Rental.co_landlords.through
        have = set(
            through.objects.filter(rental_id__in={x.pk for x, _p in links}).values_list(
                "rental_id", "person_id"
            )
        )
        new = []
        for rental, p in links:
            pair = (rental.pk, p.pk)
            if pair not in have:
                have.add(pair)
                new.append(through(rental_id=rental.pk, person_id=p.pk))
        if new:
            through.objects.bulk_create(new)
            for link in new:
                rental = next(x for x, _p in links if x.pk == link.rental_id)
                self.ctx.audit(
                    Action.UPDATE, rental, before=None, after={"co_landlord_added": link.person_id}
                )
