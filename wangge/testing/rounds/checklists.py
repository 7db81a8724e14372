"""The configurable lists of a sampling site: the readiness checklist (十一个一) and the site
staff roles (六大员).

The published policy names the lists but not their exact items, so the defaults below are a
starting point that the district edits on the checklists page. They are seeded by the data
migration 0002_default_checklists and reused by the demo.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import has_permission, scope_of
from wangge.org.models import Level
from wangge.testing import permissions as perms
from wangge.testing.models import ChecklistItem, ChecklistKind

# Data, not interface text: the names are stored and shown as they are.
DEFAULT_READINESS = [
    "一个等候区",
    "一个登记区",
    "一个采样区",
    "一个缓冲区/暂存区",
    "一套标识指引",
    "一套消毒设备",
    "一套防护物资",
    "一个医废收集点",
    "一套应急预案",
    "一个扫码登记设备",
    "一个样本转运箱",
]
DEFAULT_STAFF_ROLES = ["引导员", "登记扫码员", "采样员", "消杀员", "转运员", "秩序维护员"]

DEFAULTS = {ChecklistKind.READINESS: DEFAULT_READINESS, ChecklistKind.STAFF_ROLE: DEFAULT_STAFF_ROLES}


def seed_defaults(model=ChecklistItem) -> int:
    """Create the default items that are missing (by name); returns how many were created.
    `model` lets the data migration pass its historical model."""
    created = 0
    for kind, names in DEFAULTS.items():
        for position, name in enumerate(names, start=1):
            _item, new = model.objects.get_or_create(
                kind=str(kind), name=name, defaults={"position": position}
            )
            created += int(new)
    return created


def items(kind: str, *, active_only: bool = False) -> QuerySet[ChecklistItem]:
    qs = ChecklistItem.objects.filter(kind=kind).order_by("position", "id")
    return qs.filter(is_active=True) if active_only else qs


def readiness_items(active_only: bool = True) -> QuerySet[ChecklistItem]:
    return items(ChecklistKind.READINESS, active_only=active_only)


def staff_roles(active_only: bool = True) -> QuerySet[ChecklistItem]:
    return items(ChecklistKind.STAFF_ROLE, active_only=active_only)


def can_edit(actor: Any) -> bool:
    """The lists are the district's: only a district-level holder of TESTING_MANAGE changes them."""
    scope = scope_of(actor)
    return (
        has_permission(actor, perms.TESTING_MANAGE)
        and not scope.is_empty
        and scope.root.level == Level.DISTRICT
    )


def require_editor(actor: Any) -> None:
    if not can_edit(actor):
        raise PermissionDenied(_("Only the district may change these lists."))


def _clean_name(kind: str, name: str, exclude_pk: int | None = None) -> str:
    name = (name or "").strip()[:80]
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    clash = ChecklistItem.objects.filter(kind=kind, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": _("This list already has an item of that name.")})
    return name


def _audit_path(actor: Any) -> str:
    return scope_of(actor).path or ""


@transaction.atomic
def add_item(*, actor: Any, kind: str, name: str, position: int | None = None) -> ChecklistItem:
    require_editor(actor)
    if kind not in ChecklistKind.values:
        raise ValidationError({"kind": _("Unknown list.")})
    name = _clean_name(kind, name)
    if position is None:
        last = items(kind).order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 1
    if not (0 <= int(position) <= 999):
        raise ValidationError({"position": _("Between 0 and 999.")})
    item = ChecklistItem.objects.create(kind=kind, name=name, position=int(position))
    audit.record(
        actor=actor, action=Action.CREATE, obj=item, path=_audit_path(actor), after=audit.snapshot(item)
    )
    return item


@transaction.atomic
def update_item(
    *,
    actor: Any,
    item: ChecklistItem,
    name: str | None = None,
    position: int | None = None,
    is_active: bool | None = None,
) -> ChecklistItem:
    """Rename, move or (de)activate an item. Items are never deleted: ticks and staff refer to them."""
    require_editor(actor)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    before = audit.snapshot(item)
    if name is not None:
        item.name = _clean_name(item.kind, name, exclude_pk=item.pk)
    if position is not None:
        if not (0 <= int(position) <= 999):
            raise ValidationError({"position": _("Between 0 and 999.")})
        item.position = int(position)
    if is_active is not None:
        item.is_active = bool(is_active)
    item.save()
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=item,
        path=_audit_path(actor),
        before=before,
        after=audit.snapshot(item),
    )
    return item
