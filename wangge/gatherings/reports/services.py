"""Gatherings reported (报备): by the family on the public form (PUBLIC_ACTOR, a village chosen) or
by a grid worker (a grid in scope). The rules valid on the event's date answer at once: a banned
kind is refused in the rule's own words; otherwise the size band decides who files or approves it.
A retried submission (the same client token) is the same report."""

from __future__ import annotations

import datetime
import secrets
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import PUBLIC_ACTOR, Actor, require, scope_of, user_or_none
from wangge.gatherings import notices
from wangge.gatherings.models import (
    ApprovalStep,
    Band,
    CatererKind,
    Gathering,
    GatheringKind,
    Meal,
    PlaceKind,
    ReportedBy,
    Status,
    StepAction,
)
from wangge.gatherings.permissions import GATHERINGS_REPORT
from wangge.gatherings.rules.selectors import Verdict, evaluate
from wangge.org.models import Level, OrgUnit
from wangge.registry import services as registry
from wangge.registry.identity import check_document, normalise_phone

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
MAX_MEALS = 10


@dataclass
class MealIn:
    on: datetime.date
    diners: int
    tables: int = 0
    label: str = ""


def new_lookup_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def check_meals(meals: list[MealIn], starts_on: datetime.date, ends_on: datetime.date) -> None:
    if not meals:
        raise ValidationError({"diners": _("Give at least one meal with its expected diners.")})
    if len(meals) > MAX_MEALS:
        raise ValidationError({"diners": _("At most %(n)s meals.") % {"n": MAX_MEALS}})
    for meal in meals:
        if meal.diners < 1:
            raise ValidationError({"diners": _("Each meal needs its expected diners (1 or more).")})
        if not starts_on <= meal.on <= ends_on:
            raise ValidationError({"diners": _("Each meal falls between the first and the last day.")})


def verdict_for(*, kind: GatheringKind, starts_on: datetime.date, meals: list[MealIn]) -> Verdict:
    return evaluate(kind=kind, starts_on=starts_on, diners=[m.diners for m in meals])


def _check_input(
    *, kind, host_name, host_id_type, host_id_number, host_phone, starts_on, ends_on, meals, plan, verdict
) -> tuple[str, str]:
    if not (host_name or "").strip():
        raise ValidationError({"host_name": _("A name is required.")})
    checked = registry.on_field("host_id_number", check_document, host_id_type, host_id_number)
    phone = registry.on_field("host_phone", normalise_phone, host_phone)
    if not phone:
        raise ValidationError(
            {"host_phone": _("A phone number is required, so that the community can reach you.")}
        )
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day is before the first.")})
    if (ends_on - starts_on).days > 6:
        raise ValidationError({"ends_on": _("A gathering lasts a week at most.")})
    check_meals(meals, starts_on, ends_on)
    if verdict.errors:
        raise ValidationError(dict(verdict.errors))
    if verdict.needs_plan and not verdict.banned and not (plan or "").strip():
        raise ValidationError(
            {"plan": " ".join([*verdict.messages[-1:], _("Describe your prevention plan below.")])}
        )
    return checked.number, phone


@transaction.atomic
def submit(
    *,
    actor: Actor,
    client_token: uuid.UUID,
    kind: GatheringKind,
    host_name: str,
    host_id_number: str,
    host_phone: str,
    unit: OrgUnit,
    starts_on: datetime.date,
    ends_on: datetime.date,
    meals: list[MealIn],
    host_id_type: str = "resident_id",
    place_kind: str = PlaceKind.ADDRESS,
    address: str = "",
    venue=None,
    caterer_kind: str = CatererKind.VILLAGE_CHEF,
    caterer: str = "",
    outside_guests: bool = False,
    outside_from: str = "",
    plan: str = "",
    note: str = "",
    title: str = "",
) -> Gathering:
    """Report a gathering. The same client token sent again gives the same report, unchanged."""
    existing = Gathering.objects.filter(client_token=client_token).first()
    if existing is not None:
        return existing
    public = actor is PUBLIC_ACTOR
    if not public:
        require(actor, GATHERINGS_REPORT)
    scope = scope_of(actor)
    if venue is not None:
        if not public and not scope.covers_path(venue.path):
            raise ValidationError({"venue": _("Choose a venue in your area.")})
        unit = venue.grid
        place_kind = PlaceKind.VENUE
        address = address or venue.address or venue.name
    if unit is None or unit.closed_at is not None:
        raise ValidationError({"unit": _("Choose an open village, community or grid.")})
    if public and unit.level != Level.VILLAGE and venue is None:
        raise ValidationError({"unit": _("Choose your village or community.")})
    if not public:
        if unit.level not in (Level.VILLAGE, Level.WORKSTATION, Level.GRID):
            raise ValidationError({"unit": _("Choose a village, community or grid.")})
        if not scope.covers(unit):
            raise PermissionDenied(_("This place is outside your area."))
    if not (address or "").strip():
        raise ValidationError({"address": _("Say where it is held.")})
    verdict = verdict_for(kind=kind, starts_on=starts_on, meals=meals)
    id_number, phone = _check_input(
        kind=kind, host_name=host_name, host_id_type=host_id_type, host_id_number=host_id_number,
        host_phone=host_phone, starts_on=starts_on, ends_on=ends_on, meals=meals, plan=plan, verdict=verdict,
    )  # fmt: skip
    host = None
    if not public:
        found = registry.find_by_document(host_id_type, id_number)
        if found is not None and scope.covers_path(found.path):
            host = found
    gathering = Gathering(
        lookup_code=new_lookup_code(),
        client_token=client_token,
        kind=kind,
        rule=verdict.rule,
        title=(title or "").strip()[:100],
        host=host,
        host_name=host_name.strip()[:60],
        host_id_type=host_id_type,
        host_id_number=id_number,
        host_phone=phone,
        unit=unit,
        path=unit.path,
        place_kind=place_kind,
        household=host.household if (host is not None and place_kind == PlaceKind.HOUSEHOLD) else None,
        venue=venue,
        address=(address or "").strip()[:250],
        starts_on=starts_on,
        ends_on=ends_on,
        caterer_kind=caterer_kind,
        caterer=(caterer or "").strip()[:100],
        outside_guests=outside_guests,
        outside_from=(outside_from or "").strip()[:200],
        plan=(plan or "").strip(),
        note=(note or "").strip(),
        max_diners=max(m.diners for m in meals),
        band=verdict.band,
        stage=Band.VILLAGE,
        verdict=verdict.messages,
        conditions=verdict.conditions,
        reported_by=ReportedBy.FAMILY if public else ReportedBy.STAFF,
        reporter=user_or_none(actor),
    )
    if verdict.banned:
        gathering.status = Status.REFUSED
        gathering.stage = ""
        gathering.refused_by_rule = True
        gathering.refusal = verdict.refusal
        gathering.decided_at = timezone.now()
    try:
        with transaction.atomic():
            gathering.save()
    except IntegrityError:  # the same token sent twice at once
        return Gathering.objects.get(client_token=client_token)
    Meal.objects.bulk_create(
        [
            Meal(gathering=gathering, on=m.on, diners=m.diners, tables=m.tables, label=(m.label or "")[:20])
            for m in meals
        ]
    )
    if verdict.banned:
        ApprovalStep.objects.create(
            gathering=gathering, level=Band.VILLAGE, action=StepAction.RULE, note=verdict.refusal
        )
        notices.tell_family(
            gathering,
            _("[Wangge] Your %(kind)s on %(date)s (code %(code)s) is refused: %(words)s")
            % {
                "kind": kind.name,
                "date": starts_on.isoformat(),
                "code": gathering.lookup_code,
                "words": verdict.refusal,
            },
        )
    else:
        notices.tell_family(
            gathering,
            _("[Wangge] Your %(kind)s on %(date)s is reported (code %(code)s). %(verdict)s")
            % {
                "kind": kind.name,
                "date": starts_on.isoformat(),
                "code": gathering.lookup_code,
                "verdict": " ".join(verdict.messages),
            },
        )
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=gathering,
        after={
            "kind": kind.name,
            "starts_on": starts_on.isoformat(),
            "max_diners": gathering.max_diners,
            "band": gathering.band,
            "status": gathering.status,
            "reported_by": gathering.reported_by,
        },
    )
    return gathering
