"""Pages of campaigns (督查活动) and joint patrols (联合巡查), their summaries, and the venues due."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wangge.core.access import has_permission, scoped_view
from wangge.core.forms import paginate
from wangge.inspections.campaigns import selectors
from wangge.inspections.campaigns.forms import CampaignForm, TeamForm
from wangge.inspections.campaigns.services import create_campaign, set_team
from wangge.inspections.campaigns.summary import summarise
from wangge.inspections.inspecting.selectors import venues_in_scope
from wangge.inspections.permissions import INSPECTIONS_INSPECT, INSPECTIONS_LEAD, INSPECTIONS_VIEW
from wangge.org.models import Level, OrgUnit


@scoped_view(INSPECTIONS_VIEW)
def campaigns(request):
    qs = selectors.campaigns(request.scope).order_by("-on_date", "-id")
    return render(request, "inspections/campaigns.html", {"page_obj": paginate(request, qs)})


@scoped_view(INSPECTIONS_VIEW)
def campaign(request, campaign_id: int):
    c = selectors.get_campaign(request.scope, campaign_id)
    inspections = list(selectors.campaign_inspections(c).select_related("rectification"))
    return render(
        request,
        "inspections/campaign.html",
        {
            "campaign": c,
            "inspections": inspections,
            "departments": list(c.departments.all()),
            "team": list(c.members.select_related("staff", "department")),
            "can_lead": has_permission(request.user, INSPECTIONS_LEAD),
            "summary": summarise(c),
        },
    )


@scoped_view(INSPECTIONS_LEAD)
def campaign_new(request):
    scope = request.scope
    units = scope.filter(OrgUnit.objects.filter(level__lte=Level.OFFICE, closed_at__isnull=True))
    kwargs = {
        "units": units,
        "staff": selectors.team_choices(scope),
        "venues": venues_in_scope(scope).exclude(status="closed").order_by("kind__order", "name"),
    }
    form = CampaignForm(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            c = create_campaign(
                actor=request.user, scope=scope, unit=d["unit"], name=d["name"], on_date=d["on_date"],
                venues=list(d["venues"]), team=list(d["team"]), leader=d["leader"],
                leader_account=request.user, kind=d["kind"],
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Campaign created: each venue has its inspection to answer."))
            return redirect("inspections:campaign", campaign_id=c.pk)
    return render(request, "inspections/campaign_form.html", {"form": form})


@scoped_view(INSPECTIONS_LEAD)
def campaign_team(request, campaign_id: int):
    """Name or change the campaign's team and its leader (phone-first: one checkbox per person)."""
    c = selectors.get_campaign(request.scope, campaign_id)
    staff = selectors.team_choices(request.scope, under=c.unit)
    initial = {"team": list(c.members.values_list("staff_id", flat=True)), "leader": c.leader_id}
    form = TeamForm(request.POST or None, staff=staff, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            set_team(
                actor=request.user, scope=request.scope, campaign=c, team=list(d["team"]), leader=d["leader"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The team is saved."))
            return redirect("inspections:campaign", campaign_id=c.pk)
    return render(request, "inspections/campaign_team.html", {"form": form, "campaign": c})


@scoped_view(INSPECTIONS_INSPECT)
def due(request):
    """Venues due for inspection: internal planning, never shown to a venue account."""
    return render(request, "inspections/due.html", {"rows": selectors.due_for_inspection(request.scope)})
