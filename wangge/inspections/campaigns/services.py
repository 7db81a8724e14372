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
from wangge.inspections.models import Campaign, CampaignKind, CampaignMember, CampaignStop, InspectionKind
from wangge.inspections.permissions import INSPECTIONS_LEAD
from wangge.org.models import OrgUnit
from wangge.roster.models import StaffMember
from wangge.venues.models import Venue


def _check_team(scope: Scope, unit: OrgUnit, team, leader) -> list[StaffMember]:
    """The team as given (each once), checked: in scope, under the campaign's unit, each with a
    department of the roster, the leader one of them."""
    members: list[StaffMember] = []
    for staff in team:
        if staff.pk not in {m.pk for m in members}:
            members.append(staff)
    for staff in members:
        scope.require_path(staff.path)
        if not staff.path.startswith(unit.path) or not staff.is_active:
            raise ValidationError(
                _("%(staff)s is not on the roster of %(unit)s.") % {"staff": staff.name, "unit": unit.name}
            )
        if staff.department_id is None:
            raise ValidationError(
                _("%(staff)s has no department in the roster: a team is drawn from departments.")
                % {"staff": staff.name}
            )
    if leader is None:
        raise ValidationError(_("Choose the team's leader."))
    if leader.pk not in {m.pk for m in members}:
        raise ValidationError(_("The team leader must be one of the team."))
    return members


def _team_departments(members: list[StaffMember]) -> list:
    seen: dict[int, object] = {}
    for m in members:
        if m.department_id is not None and m.department_id not in seen:
            seen[m.department_id] = m.department
    return list(seen.values())


def _patrol_needs_departments(kind: str, departments) -> None:
    if kind == CampaignKind.PATROL and len({d.kind for d in departments}) < 2:
        raise ValidationError(_("A joint patrol needs a team from at least two departments."))


def _write_team(campaign: Campaign, members: list[StaffMember], leader) -> None:
    campaign.members.all().delete()
    CampaignMember.objects.bulk_create(
        [
            CampaignMember(
                campaign=campaign, staff=m, department_id=m.department_id, is_leader=m.pk == leader.pk
            )
            for m in members
        ]
    )
    campaign.departments.set(_team_departments(members))


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
    team=(),
) -> Campaign:
    """A campaign over `venues`. Given a `team` (roster staff, the leader one of them), its
    departments are the team's; without one, the `departments` given (a team not yet named)."""
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
    members = _check_team(scope, unit, team, leader) if team else []
    if members:
        departments = _team_departments(members)
    _patrol_needs_departments(kind, departments)
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
    if members:
        _write_team(campaign, members, leader)
    else:
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
        after={
            "kind": kind,
            "date": on_date.isoformat(),
            "venues": [v.pk for v in venues],
            "team": [m.pk for m in members],
            "leader": leader.pk if leader is not None else None,
        },
    )
    return campaign


@transaction.atomic
def set_team(*, actor: Actor, scope: Scope, campaign: Campaign, team, leader) -> Campaign:
    """Name or change the campaign's team and its leader; its departments follow from the team."""
    require(actor, INSPECTIONS_LEAD)
    scope.require_path(campaign.path)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    before = {
        "team": sorted(campaign.members.values_list("staff_id", flat=True)),
        "leader": campaign.leader_id,
        "departments": sorted(campaign.departments.values_list("pk", flat=True)),
    }
    members = _check_team(scope, campaign.unit, team, leader)
    _patrol_needs_departments(campaign.kind, _team_departments(members))
    campaign.leader = leader
    campaign.save(update_fields=["leader"])
    _write_team(campaign, members, leader)
    audit.record(
        actor=actor,
        action=Action.UPDATE,
        obj=campaign,
        before=before,
        after={
            "team": sorted(m.pk for m in members),
            "leader": leader.pk,
            "departments": sorted(d.pk for d in _team_departments(members)),
        },
    )
    return campaign
