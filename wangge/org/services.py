"""Business actions on the tree: create, rename, move, close, reopen. Each is one
transaction with its audit rows; the actor's role and scope are checked here, not in views."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, is_system, require, scope_of
from wangge.core.paths import path_scoped_models, rewrite_prefix
from wangge.org.models import ALLOWED_PARENT_LEVELS, Level, OrgUnit
from wangge.org.permissions import ORG_EDIT
from wangge.org.signals import unit_closed


def _require_edit(actor: Actor) -> None:
    require(actor, ORG_EDIT)


def _check_in_scope(actor: Actor, unit: OrgUnit) -> None:
    """Out of scope answers like a missing record (the system actor covers the whole tree)."""
    scope_of(actor).require_unit(unit)


def _is_own_root(actor: Actor, unit: OrgUnit) -> bool:
    root = scope_of(actor).root
    return root is not None and root.pk == unit.pk


def _check_parent_level(level: int, parent: OrgUnit | None) -> None:
    allowed = ALLOWED_PARENT_LEVELS[Level(level)]
    if parent is None:
        if allowed:
            raise ValidationError(_("This level needs a parent unit."))
        return
    if parent.level not in allowed:
        raise ValidationError(
            _("A %(child)s cannot be placed under a %(parent)s.")
            % {"child": Level(level).label, "parent": Level(parent.level).label}
        )
    if parent.closed_at is not None:
        raise ValidationError(_("The parent unit is closed."))


def _clean_code(code: str) -> str:
    code = (code or "").strip()
    if not code:
        raise ValidationError(_("A code is required."))
    return code


@transaction.atomic
def create_unit(
    *,
    actor: Actor,
    parent: OrgUnit | None,
    code: str,
    name: str,
    level: int,
    note: str = "",
    sort_order: int = 0,
) -> OrgUnit:
    _require_edit(actor)
    if parent is not None:
        _check_in_scope(actor, parent)
    elif not is_system(actor):
        raise PermissionDenied(_("Only the system can create a district."))
    _check_parent_level(level, parent)
    code = _clean_code(code)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("A name is required."))
    if OrgUnit.objects.filter(code=code).exists():
        raise ValidationError(_("The code %(code)s is already used.") % {"code": code})
    unit = OrgUnit(
        parent=parent, code=code, name=name, level=level, note=note, sort_order=sort_order, path="", depth=0
    )
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:
        raise ValidationError(_("The code %(code)s is already used.") % {"code": code}) from exc
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = (parent.depth + 1) if parent else 0
    unit.save(update_fields=["path", "depth"])
    audit.record(actor=actor, action=Action.CREATE, obj=unit, after=audit.snapshot(unit))
    return unit


@transaction.atomic
def update_unit(
    *,
    actor: Actor,
    unit: OrgUnit,
    name: str | None = None,
    code: str | None = None,
    note: str | None = None,
    sort_order: int | None = None,
) -> OrgUnit:
    _require_edit(actor)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    _check_in_scope(actor, unit)
    before = audit.snapshot(unit)
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError(_("A name is required."))
        unit.name = name
    if code is not None:
        code = _clean_code(code)
        if OrgUnit.objects.filter(code=code).exclude(pk=unit.pk).exists():
            raise ValidationError(_("The code %(code)s is already used.") % {"code": code})
        unit.code = code
    if note is not None:
        unit.note = note
    if sort_order is not None:
        unit.sort_order = sort_order
    after = audit.snapshot(unit)
    if after == before:
        return unit
    unit.save()
    audit.record(actor=actor, action=Action.UPDATE, obj=unit, before=before, after=after)
    return unit


@transaction.atomic
def move_unit(*, actor: Actor, unit: OrgUnit, new_parent: OrgUnit) -> OrgUnit:
    """Re-hang a unit and its whole subtree; every path copy moves in the same transaction."""
    _require_edit(actor)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    new_parent = OrgUnit.objects.get(pk=new_parent.pk)
    _check_in_scope(actor, unit)
    if _is_own_root(actor, unit):
        raise PermissionDenied(_("You cannot move the root of your own jurisdiction."))
    _check_in_scope(actor, new_parent)
    if new_parent.path.startswith(unit.path):
        raise ValidationError(_("A unit cannot be moved under itself or its own descendants."))
    if unit.parent_id == new_parent.pk:
        return unit
    _check_parent_level(unit.level, new_parent)
    before = audit.snapshot(unit)
    old_prefix = unit.path
    new_prefix = f"{new_parent.path}{unit.pk}/"
    depth_shift = (new_parent.depth + 1) - unit.depth
    from django.db.models import F

    OrgUnit.objects.filter(path__startswith=old_prefix).update(depth=F("depth") + depth_shift)
    rewrite_prefix(OrgUnit, old_prefix, new_prefix)
    for model in path_scoped_models():
        rewrite_prefix(model, old_prefix, new_prefix)
    OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    audit.record(actor=actor, action=Action.MOVE, obj=unit, before=before, after=audit.snapshot(unit))
    return unit


@transaction.atomic
def close_unit(*, actor: Actor, unit: OrgUnit, reason: str = "") -> OrgUnit:
    """Close a unit that has no open children; its current responsibilities end today."""
    _require_edit(actor)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    _check_in_scope(actor, unit)
    if _is_own_root(actor, unit):
        raise PermissionDenied(_("You cannot close the root of your own jurisdiction."))
    if unit.closed_at is not None:
        raise ValidationError(_("This unit is already closed."))
    if unit.children.filter(closed_at__isnull=True).exists():
        raise ValidationError(_("Close or move the units under it first."))
    before = audit.snapshot(unit)
    unit.closed_at = timezone.now()
    if reason:
        unit.note = (unit.note + "\n" if unit.note else "") + _("Closed: %(reason)s") % {"reason": reason}
    unit.save(update_fields=["closed_at", "note"])
    # Parts above (the roster: responsibilities end) act inside the same transaction.
    unit_closed.send(sender=OrgUnit, unit=unit, actor=actor)
    audit.record(actor=actor, action=Action.CLOSE, obj=unit, before=before, after=audit.snapshot(unit))
    return unit


@transaction.atomic
def reopen_unit(*, actor: Actor, unit: OrgUnit) -> OrgUnit:
    _require_edit(actor)
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    _check_in_scope(actor, unit)
    if unit.closed_at is None:
        raise ValidationError(_("This unit is open."))
    if unit.parent is not None and unit.parent.closed_at is not None:
        raise ValidationError(_("The parent unit is closed."))
    before = audit.snapshot(unit)
    unit.closed_at = None
    unit.save(update_fields=["closed_at"])
    audit.record(actor=actor, action=Action.REOPEN, obj=unit, before=before, after=audit.snapshot(unit))
    return unit
