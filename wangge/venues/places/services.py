"""Writes of venues and their kinds. Keyword-only, one transaction each, the audit row inside it,
the actor explicit; the actor's role and scope are checked here.

Rules kept here:
- a venue belongs to one open level-3 grid and copies its path (scope follows the tree);
- a street-facing shop of the registry is the same place as its venue: a venue made from a shop
  takes the shop's grid, and a shop has at most one venue (the one-to-one refuses a second);
- the enterprise code (统一社会信用代码, GB 32100) is checked by python-stdnum, the responsible
  person's phone like the registry's phones; both are stored as written once normalised.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, has_permission, require, scope_of
from wangge.org.models import Level, OrgUnit
from wangge.registry.identity import normalise_phone
from wangge.registry.models import Rental, RentalKind
from wangge.venues.models import RiskLevel, Venue, VenueKind, VenueStatus
from wangge.venues.permissions import VENUES_KINDS, VENUES_MANAGE

VENUE_FIELDS = (
    "kind",
    "name",
    "address",
    "responsible_name",
    "responsible_phone",
    "enterprise_code",
    "staff_count",
    "risk_level",
    "note",
)
KIND_FIELDS = ("code", "name", "name_en", "keeps_visitor_register", "order", "active", "staff_category")


def check_enterprise_code(raw: str) -> str:
    """The unified social credit code, upper-cased without spaces; '' stays ''."""
    code = "".join((raw or "").split()).upper()
    if not code:
        return ""
    try:
        return str(uscc.validate(code))
    except InvalidLength as exc:
        raise ValidationError(_("A unified social credit code has 18 characters.")) from exc
    except InvalidChecksum as exc:
        expected = uscc.calc_check_digit(code[:-1]) if len(code) == 18 else ""
        raise ValidationError(
            _(
                "The check character of this unified social credit code is wrong (the last character "
                "should be %(expected)s): check the code on the business licence."
            )
            % {"expected": expected}
        ) from exc
    except (InvalidFormat, InvalidComponent) as exc:
        raise ValidationError(
            _("This is not a unified social credit code: it has characters that cannot appear in one.")
        ) from exc


def _grid(unit: OrgUnit) -> OrgUnit:
    if unit.level != Level.GRID:
        raise ValidationError({"grid": _("A venue belongs to a level-3 grid.")})
    if unit.closed_at is not None:
        raise ValidationError({"grid": _("The grid %(name)s is closed.") % {"name": unit.name}})
    return unit


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            errors["name"] = _("A name is required.")
    for field in ("address", "responsible_name", "note"):
        if field in values:
            values[field] = (values[field] or "").strip()
    if "responsible_phone" in values:
        try:
            values["responsible_phone"] = normalise_phone(values["responsible_phone"])
        except ValidationError as exc:
            errors["responsible_phone"] = exc.messages
    if "enterprise_code" in values:
        try:
            values["enterprise_code"] = check_enterprise_code(values["enterprise_code"])
        except ValidationError as exc:
            errors["enterprise_code"] = exc.messages
    if "risk_level" in values and values["risk_level"] not in RiskLevel.values:
        errors["risk_level"] = _("Choose a risk level.")
    if "staff_count" in values:
        try:
            values["staff_count"] = int(values["staff_count"] or 0)
            if values["staff_count"] < 0 or values["staff_count"] > 1_000_000:
                raise ValueError
        except (TypeError, ValueError):
            errors["staff_count"] = _("The number of staff must be a whole number, 0 or more.")
    if "kind" in values and not isinstance(values["kind"], VenueKind):
        errors["kind"] = _("Choose a kind of venue.")
    if errors:
        raise ValidationError(errors)
    return values


def _shop_for(actor: Actor, shop: Rental | None, grid: OrgUnit | None) -> tuple[Rental | None, OrgUnit]:
    if shop is None:
        if grid is None:
            raise ValidationError({"grid": _("Choose the grid of the venue.")})
        return None, grid
    if not scope_of(actor).covers_path(shop.path):
        raise ValidationError({"shop": _("This shop is not in your area.")})
    if shop.kind != RentalKind.SHOP:
        raise ValidationError({"shop": _("Only a street-facing shop of the registry can be a venue.")})
    if Venue.objects.filter(shop=shop).exists():
        raise ValidationError(
            {"shop": _("This shop is already a venue: open it instead of adding it again.")}
        )
    return shop, shop.building.grid


@transaction.atomic
def create_venue(
    *,
    actor: Actor,
    kind: VenueKind,
    name: str = "",
    grid: OrgUnit | None = None,
    shop: Rental | None = None,
    address: str = "",
    responsible_name: str = "",
    responsible_phone: str = "",
    enterprise_code: str = "",
    staff_count: int = 0,
    risk_level: str = RiskLevel.LOW,
    note: str = "",
) -> Venue:
    """A new venue in a level-3 grid; from a street-facing shop of the registry (same place, the
    shop's grid, name, address and manager when not given)."""
    require(actor, VENUES_MANAGE)
    shop, grid = _shop_for(actor, shop, grid)
    assert grid is not None
    if not scope_of(actor).covers(grid):
        raise ValidationError({"grid": _("This grid is not in your area.")})
    grid = _grid(grid)
    if shop is not None:
        name = name or shop.name or shop.address
        address = address or shop.address
        responsible_name = responsible_name or shop.manager_name
        responsible_phone = responsible_phone or shop.manager_phone
    values = _clean(
        {
            "kind": kind,
            "name": name,
            "address": address,
            "responsible_name": responsible_name,
            "responsible_phone": responsible_phone,
            "enterprise_code": enterprise_code,
            "staff_count": staff_count,
            "risk_level": risk_level,
            "note": note,
        }
    )
    venue = Venue(grid=grid, path=grid.path, shop=shop, **values)
    try:
        with transaction.atomic():
            venue.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"shop": _("This shop is already a venue: open it instead of adding it again.")}
        ) from exc
    audit.record(actor=actor, action=Action.CREATE, obj=venue, after=audit.snapshot(venue))
    return venue


@transaction.atomic
def update_venue(*, actor: Actor, venue: Venue, grid: OrgUnit | None = None, **changes: Any) -> Venue:
    """Change a venue's details (the kind, name, phone …); a new grid moves it (its path follows)."""
    require(actor, VENUES_MANAGE)
    scope = scope_of(actor)
    if not scope.covers_path(venue.path):
        raise PermissionDenied(_("This venue is not in your area."))
    unknown = set(changes) - set(VENUE_FIELDS)
    if unknown:
        raise ValueError(f"unknown venue fields {sorted(unknown)}")
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    before = audit.snapshot(venue)
    values = _clean(dict(changes))
    for field, value in values.items():
        setattr(venue, field, value)
    if grid is not None and grid.pk != venue.grid_id:
        if venue.shop_id is not None:
            raise ValidationError({"grid": _("A venue that is a registry shop stays in the shop's grid.")})
        if not scope.covers(grid):
            raise ValidationError({"grid": _("This grid is not in your area.")})
        venue.grid = _grid(grid)
        venue.path = grid.path
    venue.save()
    audit.record(actor=actor, action=Action.UPDATE, obj=venue, before=before, after=audit.snapshot(venue))
    return venue


def _set_status(
    actor: Actor, venue: Venue, status: str, action: str, allowed_from: tuple[str, ...], reason: str
) -> Venue:
    require(actor, VENUES_MANAGE)
    if not scope_of(actor).covers_path(venue.path):
        raise PermissionDenied(_("This venue is not in your area."))
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    if venue.status == status:
        return venue  # a repeated request changes nothing
    if venue.status not in allowed_from:
        raise ValidationError(
            _("This venue is %(status)s: it cannot be changed that way.")
            % {"status": venue.get_status_display()}
        )
    before = audit.snapshot(venue)
    venue.status = status
    reason = (reason or "").strip()
    if reason:
        venue.note = (venue.note + "\n" if venue.note else "") + reason
    venue.save(update_fields=["status", "note"])
    audit.record(actor=actor, action=action, obj=venue, before=before, after=audit.snapshot(venue))
    return venue


@transaction.atomic
def close_venue(*, actor: Actor, venue: Venue, reason: str = "") -> Venue:
    """The venue has closed down (歇业, 停业): kept with its records, left out of open lists."""
    return _set_status(
        actor, venue, VenueStatus.CLOSED, Action.CLOSE, (VenueStatus.OPEN, VenueStatus.SUSPENDED), reason
    )


@transaction.atomic
def suspend_venue(*, actor: Actor, venue: Venue, reason: str = "") -> Venue:
    """Suspended by order (停业整顿) until the order is closed."""
    return _set_status(actor, venue, VenueStatus.SUSPENDED, Action.UPDATE, (VenueStatus.OPEN,), reason)


@transaction.atomic
def reopen_venue(*, actor: Actor, venue: Venue, reason: str = "") -> Venue:
    return _set_status(
        actor, venue, VenueStatus.OPEN, Action.REOPEN, (VenueStatus.CLOSED, VenueStatus.SUSPENDED), reason
    )


# --- kinds: the district's data ---------------------------------------------------------------


def is_district_kind_editor(actor: Actor) -> bool:
    scope = scope_of(actor)
    at_the_top = scope.unbounded or (scope.root is not None and scope.root.parent_id is None)
    return has_permission(actor, VENUES_KINDS) and at_the_top


def require_kind_editor(actor: Actor) -> None:
    if not is_district_kind_editor(actor):
        raise PermissionDenied(_("Only the district edits the kinds of venue."))


def _clean_kind(kind: VenueKind) -> None:
    kind.name = (kind.name or "").strip()
    kind.code = (kind.code or "").strip()
    try:
        kind.full_clean()
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "code" in exc.error_dict:
            raise ValidationError({"code": _("This code is already used by another kind.")}) from exc
        raise


def _actor_path(actor: Actor) -> str:
    scope = scope_of(actor)
    return scope.root.path if scope.root is not None else ""


@transaction.atomic
def create_kind(*, actor: Actor, **values: Any) -> VenueKind:
    require_kind_editor(actor)
    unknown = set(values) - set(KIND_FIELDS)
    if unknown:
        raise ValueError(f"unknown kind fields {sorted(unknown)}")
    kind = VenueKind(**values)
    _clean_kind(kind)
    kind.save()
    audit.record(
        actor=actor, action=Action.CREATE, obj=kind, path=_actor_path(actor), after=audit.snapshot(kind)
    )
    return kind


@transaction.atomic
def update_kind(*, actor: Actor, kind: VenueKind, **changes: Any) -> VenueKind:
    require_kind_editor(actor)
    unknown = set(changes) - set(KIND_FIELDS)
    if unknown:
        raise ValueError(f"unknown kind fields {sorted(unknown)}")
    kind = VenueKind.objects.select_for_update().get(pk=kind.pk)
    before = audit.snapshot(kind)
    for field, value in changes.items():
        setattr(kind, field, value)
    _clean_kind(kind)
    kind.save()
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=kind,
        path=_actor_path(actor),
        before=before,
        after=audit.snapshot(kind),
    )
    return kind
