"""Sampling sites of a round: their setup, their staff (六大员) and their readiness checklist
(十一个一).

Setting a site up needs TESTING_MANAGE; ticking the readiness list is also open to the site's
registrars (TESTING_REGISTER), who go through it before the site opens. Every action checks the
scope, runs in one transaction and writes its audit row inside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import has_permission, require, require_path, user_or_none
from wangge.org.models import Level, OrgUnit
from wangge.registry.models import Building
from wangge.testing import permissions as perms
from wangge.testing.models import (
    POOL_SIZES,
    ChecklistItem,
    ChecklistKind,
    Round,
    RoundStatus,
    Site,
    SiteCheck,
    SiteStaff,
)

SITE_FIELDS = (
    "name",
    "unit",
    "address",
    "latitude",
    "longitude",
    "tables",
    "opens_at",
    "closes_at",
    "pool_size",
)


def _snapshot(site: Site) -> dict:
    data = audit.snapshot(site)
    if site.pk:
        data["grids"] = sorted(site.grids.values_list("pk", flat=True))
        data["buildings"] = sorted(site.buildings.values_list("pk", flat=True))
    return data


def _validate(actor: Any, rnd: Round, data: dict, grids: list[OrgUnit], buildings: list[Building]) -> None:
    unit = data.get("unit")
    if unit is None:
        raise ValidationError({"unit": _("Say where the site is.")})
    require_path(actor, unit.path)
    if not unit.path.startswith(rnd.path):
        raise ValidationError({"unit": _("The site must lie inside the round's organising unit.")})
    if unit.closed_at is not None:
        raise ValidationError({"unit": _("%(unit)s is closed.") % {"unit": unit.name}})
    data["name"] = (data.get("name") or "").strip()[:100]
    if not data["name"]:
        raise ValidationError({"name": _("A name is required.")})
    data["address"] = (data.get("address") or "").strip()[:200]
    try:
        tables = int(data.get("tables") or 0)
    except (TypeError, ValueError):
        tables = 0
    if not (1 <= tables <= 200):
        raise ValidationError({"tables": _("Between 1 and 200 tables.")})
    data["tables"] = tables
    opens, closes = data.get("opens_at"), data.get("closes_at")
    if not isinstance(opens, datetime) or not isinstance(closes, datetime):
        raise ValidationError({"opens_at": _("Give the opening and closing times.")})
    if closes <= opens:
        raise ValidationError({"closes_at": _("The site must close after it opens.")})
    pool = data.get("pool_size")
    if pool in ("", None):
        data["pool_size"] = None
    else:
        try:
            data["pool_size"] = int(pool)
        except (TypeError, ValueError):
            data["pool_size"] = -1
        if data["pool_size"] not in POOL_SIZES:
            raise ValidationError({"pool_size": _("A tube holds 1, 5, 10 or 20 people.")})
    for key in ("latitude", "longitude"):
        value = data.get(key)
        if value in ("", None):
            data[key] = None
            continue
        try:
            value = Decimal(str(value)).quantize(Decimal("0.000001"))
        except (ArithmeticError, ValueError) as exc:
            raise ValidationError({key: _("Not a coordinate.")}) from exc
        limit = 90 if key == "latitude" else 180
        if abs(value) > limit:
            raise ValidationError({key: _("Not a coordinate.")})
        data[key] = value
    for grid in grids:
        require_path(actor, grid.path)
        if grid.level != Level.GRID or not grid.path.startswith(rnd.path):
            raise ValidationError({"grids": _("%(unit)s is not a grid of this round.") % {"unit": grid.name}})
    grid_ids = {g.pk for g in grids}
    for building in buildings:
        require_path(actor, building.path)
        if building.grid_id not in grid_ids:
            raise ValidationError(
                {"buildings": _("%(b)s is not in a grid the site serves.") % {"b": building.name}}
            )


def _open(rnd: Round) -> None:
    if rnd.status == RoundStatus.CLOSED:
        raise ValidationError(_("This round is closed."))


@transaction.atomic
def create_site(
    *,
    actor: Any,
    round: Round,
    grids: Iterable[OrgUnit] = (),
    buildings: Iterable[Building] = (),
    **fields: Any,
) -> Site:
    require(actor, perms.TESTING_MANAGE)
    _open(round)
    unknown = set(fields) - set(SITE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    grids, buildings = list(grids), list(buildings)
    data = dict(fields)
    _validate(actor, round, data, grids, buildings)
    if Site.objects.filter(round=round, name=data["name"]).exists():
        raise ValidationError({"name": _("This round already has a site of that name.")})
    site = Site.objects.create(round=round, path=data["unit"].path, **data)
    site.grids.set(grids)
    site.buildings.set(buildings)
    audit.record(actor=actor, action=Action.CREATE, obj=site, after=_snapshot(site))
    return site


@transaction.atomic
def update_site(
    *,
    actor: Any,
    site: Site,
    grids: Iterable[OrgUnit] | None = None,
    buildings: Iterable[Building] | None = None,
    **changes: Any,
) -> Site:
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, site.path)
    site = Site.objects.select_for_update().select_related("round", "unit").get(pk=site.pk)
    _open(site.round)
    unknown = set(changes) - set(SITE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    before = _snapshot(site)
    data = {f: getattr(site, f) for f in SITE_FIELDS}
    data.update(changes)
    grids = list(site.grids.all()) if grids is None else list(grids)
    buildings = list(site.buildings.all()) if buildings is None else list(buildings)
    _validate(actor, site.round, data, grids, buildings)
    if Site.objects.filter(round=site.round, name=data["name"]).exclude(pk=site.pk).exists():
        raise ValidationError({"name": _("This round already has a site of that name.")})
    for key, value in data.items():
        setattr(site, key, value)
    site.path = site.unit.path
    site.save()
    site.grids.set(grids)
    site.buildings.set(buildings)
    audit.record(actor=actor, action=Action.UPDATE, obj=site, before=before, after=_snapshot(site))
    return site


@transaction.atomic
def add_site_staff(
    *,
    actor: Any,
    site: Site,
    role: ChecklistItem,
    name: str = "",
    phone: str = "",
    table_no: int | None = None,
    staff: Any = None,
) -> SiteStaff:
    """One of the site's staff in a role (六大员); from the roster (`staff`) or by name."""
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, site.path)
    _open(site.round)
    if role is None or role.kind != ChecklistKind.STAFF_ROLE or not role.is_active:
        raise ValidationError({"role": _("Choose a role.")})
    if staff is not None:
        require_path(actor, staff.path)
        name = (name or "").strip() or staff.name
        phone = (phone or "").strip() or (staff.phone or "")
    name = (name or "").strip()[:60]
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    phone = (phone or "").strip()[:20]
    if table_no in ("", None):
        table_no = None
    else:
        table_no = int(table_no)
        if not (1 <= table_no <= site.tables):
            raise ValidationError({"table_no": _("This site has tables 1 to %(n)d.") % {"n": site.tables}})
    member = SiteStaff.objects.create(
        site=site, role=role, staff=staff, name=name, phone=phone, table_no=table_no
    )
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=member,
        path=site.path,
        after={"site": site.pk, "role": role.name, "staff": getattr(staff, "pk", None), "table_no": table_no},
    )
    return member


@transaction.atomic
def remove_site_staff(*, actor: Any, site_staff: SiteStaff) -> None:
    site = site_staff.site
    require(actor, perms.TESTING_MANAGE)
    require_path(actor, site.path)
    before = {"site": site.pk, "role": site_staff.role.name, "staff": site_staff.staff_id}
    audit.record(actor=actor, action=Action.DELETE, obj=site_staff, path=site.path, before=before)
    site_staff.delete()


def can_tick(actor: Any) -> bool:
    return has_permission(actor, perms.TESTING_MANAGE) or has_permission(actor, perms.TESTING_REGISTER)


@transaction.atomic
def tick_check(*, actor: Any, site: Site, item: ChecklistItem, checked: bool) -> bool:
    """Tick or untick one readiness item of a site; returns whether it is now ticked."""
    if not can_tick(actor):
        raise PermissionDenied(_("Your role does not allow this."))
    require_path(actor, site.path)
    if item.kind != ChecklistKind.READINESS:
        raise ValidationError(_("This is not an item of the readiness list."))
    existing = SiteCheck.objects.filter(site=site, item=item).first()
    if checked and existing is None:
        if not item.is_active:
            raise ValidationError(_("This item is no longer on the list."))
        try:
            with transaction.atomic():
                SiteCheck.objects.create(
                    site=site,
                    item=item,
                    checked_by=user_or_none(actor),
                    checked_at=timezone.now(),
                )
        except IntegrityError:
            return True  # ticked by someone else at the same moment
    elif not checked and existing is not None:
        existing.delete()
    else:
        return checked
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=site,
        before={"check": item.name, "checked": not checked},
        after={"check": item.name, "checked": checked},
    )
    return checked


# ------------------------------------------------------------------------------------ reads


@dataclass
class Readiness:
    items: list[ChecklistItem]
    ticked: set[int]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.pk in self.ticked)

    @property
    def is_ready(self) -> bool:
        return self.done == self.total

    @property
    def missing(self) -> list[ChecklistItem]:
        return [i for i in self.items if i.pk not in self.ticked]


def readiness(site: Site, active_items: list[ChecklistItem] | None = None) -> Readiness:
    from wangge.testing.rounds.checklists import readiness_items

    active = list(readiness_items()) if active_items is None else active_items
    ticked = set(SiteCheck.objects.filter(site=site).values_list("item_id", flat=True))
    return Readiness(items=active, ticked=ticked)


def readiness_of_sites(sites: Iterable[Site]) -> dict[int, Readiness]:
    """Readiness of many sites with two queries."""
    from wangge.testing.rounds.checklists import readiness_items

    sites = list(sites)
    active = list(readiness_items())
    ticked: dict[int, set[int]] = {s.pk: set() for s in sites}
    for site_id, item_id in SiteCheck.objects.filter(site__in=sites).values_list("site_id", "item_id"):
        ticked[site_id].add(item_id)
    return {s.pk: Readiness(items=active, ticked=ticked[s.pk]) for s in sites}


def is_ready(site: Site) -> bool:
    return readiness(site).is_ready


def with_counts(qs):
    return qs.annotate(
        grid_count=Count("grids", distinct=True),
        building_count=Count("buildings", distinct=True),
        staff_count=Count("staff", distinct=True),
    )


def get_site_staff(scope, site_staff_id) -> SiteStaff:
    """A staff row of a site in the actor's scope, or 404."""
    return scope.get(
        SiteStaff.objects.select_related("site__round", "role"), path_field="site__path", pk=site_staff_id
    )
