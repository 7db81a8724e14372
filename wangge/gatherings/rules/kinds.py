"""The kinds of gathering as data (喜事, 丧事, 宴会, 家庭聚会, 其他): the district adds, renames and
retires them. A kind a rule or a report refers to is retired (no longer offered), never deleted;
one nothing refers to yet is deleted. Rules refer to kinds; a retired kind's rules stay in force
for what was decided by them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, is_system, require
from wangge.gatherings.models import Gathering, GatheringKind, GatheringRule
from wangge.gatherings.permissions import GATHERINGS_RULES
from wangge.org.models import Level


def require_district(actor: Actor) -> None:
    require(actor, GATHERINGS_RULES)
    root = getattr(actor, "jurisdiction", None)
    if not is_system(actor) and (root is None or root.level != Level.DISTRICT):
        raise PermissionDenied(_("The kinds of gathering are set by the district."))


def _clean_name(name: str, *, exclude: int | None = None) -> str:
    name = " ".join((name or "").split())[:60]
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    same = GatheringKind.objects.filter(name=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise ValidationError({"name": _("A kind of gathering with this name exists already.")})
    return name


def _new_code(name_en: str) -> str:
    base = slugify(name_en)[:30] or "kind"
    code = base
    while GatheringKind.objects.filter(code=code).exists():
        code = f"{base}-{get_random_string(4, 'abcdefghjkmnpqrstuvwxyz23456789')}"
    return code


def in_use(kind: GatheringKind) -> bool:
    return GatheringRule.objects.filter(kind=kind).exists() or Gathering.objects.filter(kind=kind).exists()


@transaction.atomic
def add_kind(
    *, actor: Actor, name: str, name_en: str = "", examples: str = "", order: int | None = None
) -> GatheringKind:
    require_district(actor)
    name = _clean_name(name)
    name_en = " ".join((name_en or "").split())[:80]
    if order is None:
        order = (GatheringKind.objects.aggregate(m=Max("order"))["m"] or 0) + 10
    kind = GatheringKind.objects.create(
        code=_new_code(name_en),
        name=name,
        name_en=name_en,
        examples=" ".join((examples or "").split())[:200],
        order=max(0, min(int(order), 32000)),
    )
    audit.record(
        actor=actor, action=Action.CREATE, obj=kind, path="", after={"name": name, "code": kind.code}
    )
    return kind


@transaction.atomic
def rename_kind(
    *,
    actor: Actor,
    kind: GatheringKind,
    name: str,
    name_en: str | None = None,
    examples: str | None = None,
    order: int | None = None,
) -> GatheringKind:
    """Rename a kind (its code, which links and rules use, stays)."""
    require_district(actor)
    kind = GatheringKind.objects.select_for_update().get(pk=kind.pk)
    before = {"name": kind.name, "name_en": kind.name_en, "examples": kind.examples, "order": kind.order}
    kind.name = _clean_name(name, exclude=kind.pk)
    if name_en is not None:
        kind.name_en = " ".join(name_en.split())[:80]
    if examples is not None:
        kind.examples = " ".join(examples.split())[:200]
    if order is not None:
        kind.order = max(0, min(int(order), 32000))
    after = {"name": kind.name, "name_en": kind.name_en, "examples": kind.examples, "order": kind.order}
    changed = [k for k in before if before[k] != after[k]]
    if changed:
        kind.save(update_fields=changed)
        audit.record(
            actor=actor, action=Action.UPDATE, obj=kind, path="",
            before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
        )  # fmt: skip
    return kind


@transaction.atomic
def retire_kind(*, actor: Actor, kind: GatheringKind) -> bool:
    """Take a kind out of use. One that a rule or a report refers to is retired (kept, no longer
    offered on the forms); one nothing refers to is deleted. True if it was deleted."""
    require_district(actor)
    kind = GatheringKind.objects.select_for_update().get(pk=kind.pk)
    if in_use(kind):
        if not kind.active:
            raise ValidationError(_("This kind of gathering is retired already."))
        kind.active = False
        kind.save(update_fields=["active"])
        audit.record(actor=actor, action=Action.UPDATE, obj=kind, path="", before={"active": True},
                     after={"active": False})  # fmt: skip
        return False
    audit.record(
        actor=actor, action=Action.DELETE, obj=kind, path="", before={"name": kind.name, "code": kind.code}
    )
    kind.delete()
    return True


@transaction.atomic
def restore_kind(*, actor: Actor, kind: GatheringKind) -> GatheringKind:
    require_district(actor)
    kind = GatheringKind.objects.select_for_update().get(pk=kind.pk)
    if kind.active:
        raise ValidationError(_("This kind of gathering is in use."))
    kind.active = True
    kind.save(update_fields=["active"])
    audit.record(
        actor=actor, action=Action.UPDATE, obj=kind, path="", before={"active": False}, after={"active": True}
    )
    return kind
