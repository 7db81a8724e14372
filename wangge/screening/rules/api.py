"""API: the rules as data (mounted at /api/v1/screening).

GET /categories, GET /risk-areas?on=&level=&province=, POST /risk-areas, PATCH
/risk-areas/{risk_area_id}, GET /rules?on=, POST /rules. Lists are the district's data, readable by
everyone with SCREENING_VIEW; changes are the district's alone, refused with 403 before any record
is fetched (so an existing and a missing record answer alike), through the same services as the
pages (wangge.screening.rules.services).
"""

import json
from datetime import date

import pydantic
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from wangge.core.access import api_operation
from wangge.core.api_conventions import Id, Limit, Line, Offset, Text
from wangge.screening import rulebook as rules
from wangge.screening.models import Category, MeasurePolicy, RiskArea, RiskLevel
from wangge.screening.permissions import SCREENING_RULES, SCREENING_VIEW
from wangge.screening.rules import selectors as rules_selectors
from wangge.screening.rules import services as rules_admin

router = Router(tags=["screening: rules"])

MAX_LIMIT = 1000


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    test_interval_days: int
    default_measure: str
    entry: str
    keywords: list[str]
    position: int
    is_active: bool


class RiskAreaOut(Schema):
    id: int
    province: str
    city: str
    county: str
    township: str
    level: str
    valid_from: date
    valid_to: date | None
    note: str


class RiskAreaIn(Schema):
    province: Line = Field(..., max_length=40)
    city: Line = Field("", max_length=40)
    county: Line = Field("", max_length=40)
    township: Line = Field("", max_length=80)
    level: str
    valid_from: date
    valid_to: date | None = None
    note: Text = Field("", max_length=200)


class RiskAreaPatch(Schema):
    province: Line | None = Field(None, max_length=40)
    city: Line | None = Field(None, max_length=40)
    county: Line | None = Field(None, max_length=40)
    township: Line | None = Field(None, max_length=80)
    level: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    note: Text | None = Field(None, max_length=200)


class PhaseOut(Schema):
    order: int
    kind: str
    days: int
    test_days: list[int]
    checks_per_day: int


class PolicyOut(Schema):
    id: int
    name: str
    trigger: str
    category_id: int | None
    category_name: str
    risk_level: str
    within_days: int | None
    priority: int
    valid_from: date
    valid_to: date | None
    basis_reference: str
    in_force: bool
    summary: str
    phases: list[PhaseOut]


class PhaseIn(Schema):
    kind: str
    days: int
    test_days: list[int] = Field(default_factory=list, max_length=90)
    checks_per_day: int = 2


class PolicyIn(Schema):
    name: Line = Field(..., max_length=100)
    trigger: str
    category_id: Id | None = None
    risk_level: str = ""
    within_days: int | None = None
    priority: int = 0
    valid_from: date
    valid_to: date | None = None
    basis_reference: Line = Field("", max_length=200)
    replaces_id: Id | None = None
    phases: list[PhaseIn] = Field(..., min_length=1, max_length=rules_admin.MAX_PHASES)


def _category_out(c: Category) -> dict:
    return {
        "id": c.pk,
        "code": c.code,
        "name": c.name,
        "test_interval_days": c.test_interval_days,
        "default_measure": c.default_measure,
        "entry": c.entry,
        "keywords": c.keyword_list(),
        "position": c.position,
        "is_active": c.is_active,
    }


def _area_out(a: RiskArea) -> dict:
    return {
        "id": a.pk,
        "province": a.province,
        "city": a.city,
        "county": a.county,
        "township": a.township,
        "level": a.level,
        "valid_from": a.valid_from,
        "valid_to": a.valid_to,
        "note": a.note,
    }


def _policy_out(p: MeasurePolicy, on: date) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "trigger": p.trigger,
        "category_id": p.category_id,
        "category_name": p.category.name if p.category else "",
        "risk_level": p.risk_level,
        "within_days": p.within_days,
        "priority": p.priority,
        "valid_from": p.valid_from,
        "valid_to": p.valid_to,
        "basis_reference": p.basis_reference,
        "in_force": p.valid_from <= on and (p.valid_to is None or p.valid_to >= on),
        "summary": rules_selectors.describe_policy(p),
        "phases": [
            {
                "order": ph.order,
                "kind": ph.kind,
                "days": ph.days,
                "test_days": [int(d) for d in ph.test_days],
                "checks_per_day": ph.checks_per_day,
            }
            for ph in p.phases.all()
        ],
    }


@router.get("/categories", response=list[CategoryOut])
@api_operation(SCREENING_VIEW)
def list_categories(request, active_only: bool = False):
    qs = Category.objects.order_by("position", "id")
    if active_only:
        qs = qs.filter(is_active=True)
    return [_category_out(c) for c in qs]


@router.get("/risk-areas", response=list[RiskAreaOut])
@api_operation(SCREENING_VIEW)
def list_risk_areas(
    request,
    on: date | None = None,
    level: str = "",
    province: str = "",
    offset: Offset = 0,
    limit: Limit = 200,
):
    """The list as it stood on a date (today by default)."""
    qs = rules.risk_areas_on(on or timezone.localdate())
    if level:
        if level not in RiskLevel.values:
            raise ValidationError({"level": _("The level is high or medium.")})
        qs = qs.filter(level=level)
    if province:
        qs = qs.filter(province__startswith=province.strip())
    offset, limit = max(0, offset), max(1, min(limit, MAX_LIMIT))
    qs = qs.order_by("province", "city", "county", "township", "-valid_from", "id")
    return [_area_out(a) for a in qs[offset : offset + limit]]


@router.post("/risk-areas", response={201: RiskAreaOut})
@api_operation(SCREENING_RULES)
def create_risk_area(request, payload: RiskAreaIn):
    area = rules_admin.create_risk_area(actor=request.actor, **payload.dict())
    return Status(201, _area_out(area))


@router.patch(
    "/risk-areas/{int:risk_area_id}",
    response=RiskAreaOut,
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": RiskAreaPatch.model_json_schema()}},
            "required": True,
        }
    },
)
@api_operation(SCREENING_RULES)
def update_risk_area(request, risk_area_id: Id):
    """Change a listing (send only the fields to change; "valid_to" ends it). District only: the
    body is read after the role and the level are checked, so others get 403 whatever they send."""
    rules_admin.require_district_editor(request.actor)
    area = get_object_or_404(RiskArea, pk=risk_area_id)
    try:
        payload = RiskAreaPatch.model_validate(json.loads(request.body or b"{}"))
    except (ValueError, pydantic.ValidationError) as exc:
        raise ValidationError(_("The body is not a valid change of a risk area.")) from exc
    changes = payload.model_dump(exclude_unset=True)
    area = rules_admin.update_risk_area(actor=request.actor, risk_area=area, **changes)
    return _area_out(area)


@router.get("/rules", response=list[PolicyOut])
@api_operation(SCREENING_VIEW)
def list_rules(request, on: date | None = None, in_force_only: bool = False):
    """Every rule with its phases; `in_force` says whether it is in force on the date (today)."""
    on = on or timezone.localdate()
    qs = MeasurePolicy.objects.select_related("category").prefetch_related("phases")
    if in_force_only:
        qs = rules.valid_on(qs, on)
    return [_policy_out(p, on) for p in qs.order_by("-valid_from", "name", "id")]


@router.post("/rules", response={201: PolicyOut})
@api_operation(SCREENING_RULES)
def create_rule(request, payload: PolicyIn):
    rules_admin.require_district_editor(request.actor)
    data = payload.dict()
    category_id = data.pop("category_id")
    replaces_id = data.pop("replaces_id")
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    if category_id and category is None:
        raise ValidationError({"category_id": _("Unknown category.")})
    replaces = MeasurePolicy.objects.filter(pk=replaces_id).first() if replaces_id else None
    if replaces_id and replaces is None:
        raise ValidationError({"replaces_id": _("Unknown rule.")})
    phases = [rules_admin.PhaseInput(**p) for p in data.pop("phases")]
    policy = rules_admin.create_policy(
        actor=request.actor, category=category, replaces=replaces, phases=phases, **data
    )
    policy = MeasurePolicy.objects.select_related("category").prefetch_related("phases").get(pk=policy.pk)
    return Status(201, _policy_out(policy, timezone.localdate()))
