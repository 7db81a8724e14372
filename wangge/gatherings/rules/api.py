"""API of the kinds of gathering (/api/v1/gatherings/kinds): the district adds, renames,
retires (or deletes, when nothing refers to it) and restores them."""

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Line
from wangge.gatherings.models import GatheringKind
from wangge.gatherings.permissions import GATHERINGS_RULES, GATHERINGS_VIEW
from wangge.gatherings.rules import kinds as services
from wangge.gatherings.rules import selectors

router = Router(tags=["gatherings: kinds"])


class GatheringKindOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    examples: str
    order: int
    active: bool
    in_use: bool = Field(..., description="A rule or a report refers to it: it can be retired, not deleted.")


class GatheringKindIn(Schema):
    name: Line = Field(..., min_length=1, max_length=60)
    name_en: Line = Field("", max_length=80)
    examples: Line = Field("", max_length=200)
    order: int | None = Field(None, ge=0, le=32000)


class GatheringKindPatch(Schema):
    name: Line | None = Field(None, min_length=1, max_length=60)
    name_en: Line | None = Field(None, max_length=80)
    examples: Line | None = Field(None, max_length=200)
    order: int | None = Field(None, ge=0, le=32000)


class GatheringKindRetiredOut(Schema):
    deleted: bool = Field(..., description="True: nothing referred to it and it was deleted.")
    kind: GatheringKindOut | None


def _out(k: GatheringKind) -> dict:
    in_use = getattr(k, "has_rules", None)
    return {
        "id": k.pk, "code": k.code, "name": k.name, "name_en": k.name_en, "examples": k.examples,
        "order": k.order, "active": k.active,
        "in_use": bool(in_use or getattr(k, "has_reports", False)) if in_use is not None else services.in_use(k),
    }  # fmt: skip


@router.get("/kinds", response=list[GatheringKindOut])
@api_operation(GATHERINGS_VIEW)
def list_kinds(request, include_retired: bool = False):
    return [_out(k) for k in selectors.all_kinds() if include_retired or k.active]


@router.post("/kinds", response={201: GatheringKindOut})
@api_operation(GATHERINGS_RULES)
def add_kind(request, payload: GatheringKindIn):
    return Status(201, _out(services.add_kind(actor=request.actor, **payload.dict())))


@router.patch("/kinds/{int:kind_id}", response=GatheringKindOut)
@api_operation(GATHERINGS_RULES)
def rename_kind(request, kind_id: Id, payload: GatheringKindPatch):
    services.require_district(request.actor)  # before the lookup: a kind of no one's answers alike
    kind = get_object_or_404(GatheringKind, pk=kind_id)
    given = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return _out(services.rename_kind(actor=request.actor, kind=kind, **{"name": kind.name, **given}))


@router.post("/kinds/{int:kind_id}/retire", response=GatheringKindRetiredOut)
@api_operation(GATHERINGS_RULES)
def retire_kind(request, kind_id: Id):
    """Retired when a rule or a report refers to it (kept, no longer offered); else deleted."""
    services.require_district(request.actor)  # before the lookup: a kind of no one's answers alike
    kind = get_object_or_404(GatheringKind, pk=kind_id)
    deleted = services.retire_kind(actor=request.actor, kind=kind)
    return {"deleted": deleted, "kind": None if deleted else _out(GatheringKind.objects.get(pk=kind_id))}


@router.post("/kinds/{int:kind_id}/restore", response=GatheringKindOut)
@api_operation(GATHERINGS_RULES)
def restore_kind(request, kind_id: Id):
    services.require_district(request.actor)  # before the lookup: a kind of no one's answers alike
    kind = get_object_or_404(GatheringKind, pk=kind_id)
    return _out(services.restore_kind(actor=request.actor, kind=kind))
