"""Campaigns (督查活动) and joint patrols (联合巡查): a date, a leader, the departments of the team
and the venues on the route; each venue gets its open inspection at once (the phones answer it)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from wangge.audit import services as audit
from wangge.audit.models import Action
from wangge.core.access import Actor, Scope, require, user_or_none
from wangge.inspections.inspecting.services import start_inspection
from wangge.inspections.models import Campaign, CampaignKind, CampaignStop, InspectionKind
from wangge.inspections.permissions import INSPECTIONS_LEAD
from wangge.org.models import OrgUnit
from wangge.venues.models import Venue


@transaction.atomic
def create_campaign(
    *,
    actor: Actor,
    scope: Scope,
    unit: OrgUnit,
    name: str,
    on_date: date,
    venues: list[Venue],
    departments=(),
    leader=None,
    leader_account=None,
    kind: str = CampaignKind.INSPECTION,
    check_data: bool = True,
) -> Campaign:
    require(actor, INSPECTIONS_LEAD)
    scope.require_unit(unit)
    if not name.strip():
        raise ValidationError(_("Give the campaign a name."))
    if not venues:
        raise ValidationError(_("Choose at least one venue."))
    for v in venues:
        scope.require_path(v.path)
        if not v.path.startswith(unit.path):
            raise ValidationError(
                _("%(venue)s is not under %(unit)s.") % {"venue": v.name, "unit": unit.name}
            )
    if kind == CampaignKind.PATROL and len({d.kind for d in departments}) < 2:
        raise ValidationError(_("A joint patrol needs a team from at least two departments."))
    campaign = Campaign.objects.create(
        unit=unit,
        path=unit.path,
        kind=kind,
        name=name.strip()[:120],
        on_date=on_date,
        leader=leader,
        leader_account=leader_account,
        created_by=user_or_none(actor),
    )
    campaign.departments.set(list(departments))
    CampaignStop.objects.bulk_create(
        [CampaignStop(campaign=campaign, venue=v, position=i) for i, v in enumerate(venues)]
    )
    for v in venues:
        start_inspection(
            actor=actor,
            venue=v,
            on=on_date,
            campaign=campaign,
            kind=InspectionKind.PLANNED,
            check_data=check_data,
        )
    audit.record(
        actor=actor,
        action=Action.CREATE,
        obj=campaign,
        after={"kind": kind, "date": on_date.isoformat(), "venues": [v.pk for v in venues]},
    )
    return campaign
