"""The village's queue of held roll rows, and its address rules.

Rows of a rental roll whose house no rule places in a grid wait here until the village places
them, in bulk by group (组) or street, or one by one; a tenant living elsewhere waits until the
village confirms the move. Placing replays the held row through the roll import itself, so a
placed row is written exactly as if the file had named its grid; a row that can no longer be
written keeps waiting with its reason. Each action is one transaction, audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, require, scope_of, under, user_or_none
from wangge.org.models import Level, OrgUnit
from wangge.registry.imports.processors import Context, Row
from wangge.registry.imports.roll import RollProcessor
from wangge.registry.models import AddressRule, AddressRuleKind, HeldRow, HeldRowReason, HeldRowStatus
from wangge.registry.permissions import REGISTRY_IMPORT
from wangge.registry.places.addressing import normalise_street


@dataclass
class PlaceResult:
    placed: int = 0
    errors: list[tuple[HeldRow, str]] = field(default_factory=list)
    requeued: int = 0  # placed, but the tenant now waits as a transfer


# --- reads -------------------------------------------------------------------------------------


def waiting(actor: Actor, village: OrgUnit | None = None) -> QuerySet[HeldRow]:
    qs = scope_of(actor).filter(HeldRow.objects.filter(status=HeldRowStatus.WAITING))
    return under(qs, village) if village is not None else qs


def waiting_by_village(actor: Actor) -> list[dict]:
    """Villages of the actor's scope with rows waiting, and how many of each reason."""
    rows = (
        waiting(actor)
        .values("village_id", "village__name", "reason")
        .annotate(n=Count("pk"))
        .order_by("village__path", "reason")
    )
    out: dict[int, dict] = {}
    for r in rows:
        v = out.setdefault(
            r["village_id"], {"id": r["village_id"], "name": r["village__name"], "unplaced": 0, "transfer": 0}
        )
        v[r["reason"]] = r["n"]
    return list(out.values())


def unplaced_groups(actor: Actor, village: OrgUnit) -> list[dict]:
    """The unplaced rows of a village by group (组), then by street, then the rest."""
    qs = waiting(actor, village).filter(reason=HeldRowReason.UNPLACED)
    groups: dict[tuple, dict] = {}
    for h in qs:
        if h.group_no is not None:
            key = ("group", h.group_no)
            label = _("Group %(n)s (%(n)s组)") % {"n": h.group_no}
        elif h.street:
            key = ("street", h.street)
            label = h.street
        else:
            key = ("other", "")
            label = _("Other addresses")
        g = groups.setdefault(
            key, {"kind": key[0], "value": key[1], "label": label, "rows": [], "houses": set()}
        )
        g["rows"].append(h)
        g["houses"].add(h.address)
    ordered = sorted(
        groups.values(),
        key=lambda g: ({"group": 0, "street": 1, "other": 2}[g["kind"]], str(g["value"]).zfill(6)),
    )
    for g in ordered:
        g["house_count"] = len(g.pop("houses"))
    return ordered


def village_grids(village: OrgUnit) -> QuerySet[OrgUnit]:
    return under(OrgUnit.objects.filter(level=Level.GRID, closed_at__isnull=True), village).order_by("path")


def rules_of(actor: Actor, village: OrgUnit) -> QuerySet[AddressRule]:
    return under(scope_of(actor).filter(AddressRule.objects.select_related("grid")), village)


# --- writes ------------------------------------------------------------------------------------


def _check(actor: Actor, village: OrgUnit, grid: OrgUnit | None = None) -> None:
    require(actor, REGISTRY_IMPORT)
    scope = scope_of(actor)
    scope.require_unit(village)
    if village.level != Level.VILLAGE:
        raise ValidationError(_("Choose a village or community."))
    if grid is not None and (
        grid.level != Level.GRID or grid.closed_at is not None or not grid.path.startswith(village.path)
    ):
        raise ValidationError({"grid": _("Choose an open grid of %(village)s.") % {"village": village.name}})


def _replay(actor: Actor, village: OrgUnit, held: list[HeldRow], *, grid=None, confirm=False) -> PlaceResult:
    """Write held rows as the roll import would, with the grid chosen or the move confirmed."""
    result = PlaceResult()
    if not held:
        return result
    ctx = Context(actor=actor, scope=scope_of(actor), job_ref=f"held-{village.pk}", unit=village)
    processor = RollProcessor(ctx)
    processor.forced_grid = grid
    processor.confirm_transfers = confirm
    rows = []
    for number, h in enumerate(held, start=1):
        row = Row(number=number, cells=[])
        processor.clean(lambda key, values=h.values: values.get(key, ""), row)
        rows.append(row)
    processor.run_chunk([r for r in rows if not r.errors], write=True)
    requeued = processor.held  # placed, but its tenant now waits as a transfer
    now = timezone.now()
    for h, row in zip(held, rows, strict=True):
        if row.errors:
            h.error = "；".join(row.errors)
            h.save(update_fields=["error"])
            result.errors.append((h, h.error))
            continue
        h.status, h.resolved_at, h.resolved_by, h.error = HeldRowStatus.DONE, now, user_or_none(actor), ""
        h.save(update_fields=["status", "resolved_at", "resolved_by", "error"])
        ctx.audit(
            Action.UPDATE,
            h,
            before={"status": HeldRowStatus.WAITING},
            after={"status": HeldRowStatus.DONE, "grid": grid.pk if grid else None, "confirmed": confirm},
        )
        result.placed += 1
    ctx.flush()
    result.requeued = requeued
    return result


def _locked(actor: Actor, village: OrgUnit, reason: str, **filters) -> list[HeldRow]:
    return list(waiting(actor, village).filter(reason=reason, **filters).select_for_update().order_by("pk"))


@transaction.atomic
def place_rows(*, actor: Actor, village: OrgUnit, ids: list[int], grid: OrgUnit) -> PlaceResult:
    _check(actor, village, grid)
    held = _locked(actor, village, HeldRowReason.UNPLACED, pk__in=ids)
    return _replay(actor, village, held, grid=grid)


@transaction.atomic
def place_group(
    *, actor: Actor, village: OrgUnit, group_no: int, grid: OrgUnit, save_rule: bool = False
) -> PlaceResult:
    """Every waiting house of a group (组) into one grid; with `save_rule`, later rolls too."""
    _check(actor, village, grid)
    if save_rule:
        _save_rule(actor, village, grid, kind=AddressRuleKind.GROUP, group_no=group_no)
    held = _locked(actor, village, HeldRowReason.UNPLACED, group_no=group_no)
    return _replay(actor, village, held, grid=grid)


@transaction.atomic
def place_street(
    *, actor: Actor, village: OrgUnit, street: str, grid: OrgUnit, save_rule: bool = False
) -> PlaceResult:
    _check(actor, village, grid)
    if save_rule:
        _save_rule(actor, village, grid, kind=AddressRuleKind.STREET, street=street)
    wanted = normalise_street(street)
    held = [
        h
        for h in _locked(actor, village, HeldRowReason.UNPLACED, group_no__isnull=True)
        if h.street and normalise_street(h.street) == wanted
    ]
    return _replay(actor, village, held, grid=grid)


@transaction.atomic
def confirm_transfers(*, actor: Actor, village: OrgUnit, ids: list[int]) -> PlaceResult:
    """The tenants move: their old tenancies end, they leave their household, the new one starts."""
    _check(actor, village)
    held = _locked(actor, village, HeldRowReason.TRANSFER, pk__in=ids)
    return _replay(actor, village, held, confirm=True)


@transaction.atomic
def dismiss(*, actor: Actor, village: OrgUnit, ids: list[int]) -> int:
    """Rows the village decides not to write (a stale line of an old roll)."""
    _check(actor, village)
    held = list(waiting(actor, village).filter(pk__in=ids).select_for_update())
    now = timezone.now()
    for h in held:
        h.status, h.resolved_at, h.resolved_by = HeldRowStatus.DISMISSED, now, user_or_none(actor)
        h.save(update_fields=["status", "resolved_at", "resolved_by"])
        audit.record(actor=actor, action=Action.UPDATE, obj=h, after={"status": HeldRowStatus.DISMISSED})
    return len(held)


def _save_rule(actor: Actor, village: OrgUnit, grid: OrgUnit, **values) -> AddressRule:
    rule = AddressRule(village=village, path=village.path, grid=grid, **values)
    rule.full_clean(exclude=["path"])
    rule.save()
    audit.record(actor=actor, action=Action.CREATE, obj=rule)
    return rule


@transaction.atomic
def create_rule(
    *,
    actor: Actor,
    village: OrgUnit,
    grid: OrgUnit,
    kind: str,
    group_no: int | None = None,
    street: str = "",
    number_from: int | None = None,
    number_to: int | None = None,
) -> AddressRule:
    _check(actor, village, grid)
    if kind == AddressRuleKind.GROUP:
        if not group_no:
            raise ValidationError({"group_no": _("Enter the group (组) number.")})
        return _save_rule(actor, village, grid, kind=kind, group_no=group_no)
    if kind != AddressRuleKind.STREET:
        raise ValidationError({"kind": _("Choose a group or a street.")})
    street = (street or "").strip()
    if not street:
        raise ValidationError({"street": _("Enter the street.")})
    if number_from and number_to and number_from > number_to:
        raise ValidationError({"number_to": _("The last number is smaller than the first.")})
    return _save_rule(
        actor, village, grid, kind=kind, street=street[:100], number_from=number_from, number_to=number_to
    )


@transaction.atomic
def delete_rule(*, actor: Actor, rule: AddressRule) -> None:
    village = rule.village
    _check(actor, village)
    audit.record(actor=actor, action=Action.DELETE, obj=rule, before={"rule": str(rule)})
    rule.delete()
