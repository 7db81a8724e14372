"""A campaign's team (督查活动: "an inspection team drawn from several departments, one leader"):
roster staff, each with their department, the leader one of them; the campaign's departments
follow from the team; the form, the page and the API show and edit it; the team's members answer
the campaign's inspections."""

import uuid
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tests.factories.accounts import client_for, make_user
from tests.factories.inspections import all_kinds, make_department, make_staff, make_venue
from wangge.audit.models import AuditEvent
from wangge.core.access import SYSTEM, scope_of
from wangge.inspections.campaigns.services import create_campaign, set_team
from wangge.inspections.models import Campaign, CampaignMember
from wangge.roster.models import DepartmentKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(world):
    all_kinds()
    supervision = make_department(world.office, DepartmentKind.SUPERVISION, "督查办")
    market = make_department(world.office, DepartmentKind.MARKET_REGULATION, "市场监管所")
    police = make_department(world.office, DepartmentKind.POLICE_STATION, "派出所")
    return {
        "zhang": make_staff(world.office, "张组长", supervision),
        "li": make_staff(world.office, "李队员", market),
        "wang": make_staff(world.office, "王民警", police),
        "nodept": make_staff(world.office, "赵无部门"),
        "foreign": make_staff(
            world.other_office,
            "外办队员",
            make_department(world.other_office, DepartmentKind.OTHER, "外办科"),
        ),
        "departments": (supervision, market, police),
    }


def _campaign(world, **kw):
    args = {
        "actor": SYSTEM,
        "scope": scope_of(SYSTEM),
        "unit": world.office,
        "name": "三月督查",
        "on_date": date(2022, 3, 29),
        "venues": [
            make_venue(world.grid_a, "hotel", "甲酒店"),
            make_venue(world.grid_b, "restaurant", "乙饭店"),
        ],
    }
    args.update(kw)
    return create_campaign(**args)


def test_the_team_names_the_leader_and_its_departments_follow(world, team):
    c = _campaign(world, team=[team["zhang"], team["li"], team["wang"]], leader=team["zhang"])
    members = list(c.members.order_by("id"))
    assert [m.staff.name for m in members] == ["张组长", "李队员", "王民警"]
    assert [m.is_leader for m in members] == [True, False, False]
    assert [m.department.name for m in members] == ["督查办", "市场监管所", "派出所"]
    assert c.leader == team["zhang"]
    assert sorted(c.departments.values_list("name", flat=True)) == sorted(["督查办", "市场监管所", "派出所"])


def test_the_team_is_checked(world, team):
    with pytest.raises(ValidationError, match="must be one of the team"):
        _campaign(world, team=[team["li"], team["wang"]], leader=team["zhang"])
    with pytest.raises(ValidationError, match="leader"):
        _campaign(world, team=[team["li"], team["wang"]], leader=None)
    with pytest.raises(ValidationError, match="no department"):
        _campaign(world, team=[team["zhang"], team["nodept"]], leader=team["zhang"])
    with pytest.raises((ValidationError, PermissionDenied, Http404)):
        leader = make_user("lead_a", world.office, "office_leader")
        create_campaign(
            actor=leader, scope=scope_of(leader), unit=world.office, name="x", on_date=date(2022, 3, 29),
            venues=[make_venue(world.grid_a)], team=[team["zhang"], team["foreign"]], leader=team["zhang"],
        )  # fmt: skip
    # A joint patrol: the team's departments, two kinds at least.
    with pytest.raises(ValidationError, match="at least two departments"):
        _campaign(world, kind="patrol", team=[team["zhang"]], leader=team["zhang"])
    patrol = _campaign(world, kind="patrol", team=[team["zhang"], team["wang"]], leader=team["zhang"])
    assert patrol.departments.count() == 2
    assert Campaign.objects.count() == 1


def test_changing_the_team_moves_the_departments_and_is_audited(world, team):
    c = _campaign(world, team=[team["zhang"], team["li"]], leader=team["zhang"])
    set_team(
        actor=SYSTEM, scope=scope_of(SYSTEM), campaign=c, team=[team["wang"], team["li"]], leader=team["wang"]
    )
    c.refresh_from_db()
    assert c.leader == team["wang"]
    assert sorted(c.departments.values_list("name", flat=True)) == sorted(["市场监管所", "派出所"])
    assert CampaignMember.objects.get(campaign=c, is_leader=True).staff == team["wang"]
    event = AuditEvent.objects.filter(model="inspections.campaign", action="update").get()
    assert event.after["leader"] == team["wang"].pk


def test_the_form_and_the_page_show_and_edit_the_team(world, team):
    leader = make_user("lead_a", world.office, "office_leader")
    c = client_for(leader)
    venue = make_venue(world.grid_a, "hotel", "甲酒店")
    form = c.get("/inspections/campaigns/new").content.decode()
    assert "张组长（督查办）" in form and "赵无部门" not in form and "外办队员" not in form
    r = c.post(
        "/inspections/campaigns/new",
        {"kind": "inspection", "name": "三月督查", "on_date": "2022-03-29", "unit": world.office.pk,
         "team": [team["zhang"].pk, team["li"].pk], "leader": team["zhang"].pk, "venues": [venue.pk]},
    )  # fmt: skip
    assert r.status_code == 302, r.content.decode()
    campaign = Campaign.objects.get()
    page = c.get(f"/inspections/campaigns/{campaign.pk}/").content.decode()
    assert 'data-testid="campaign-team"' in page and "张组长" in page and "李队员" in page
    assert "督查办" in page and "市场监管所" in page
    r = c.post(
        f"/inspections/campaigns/{campaign.pk}/team",
        {"team": [team["li"].pk, team["wang"].pk], "leader": team["li"].pk},
    )
    assert r.status_code == 302
    campaign.refresh_from_db()
    assert campaign.leader == team["li"]
    assert sorted(campaign.departments.values_list("name", flat=True)) == sorted(["市场监管所", "派出所"])
    # The leader outside the team: a clear message, nothing changed.
    r = c.post(
        f"/inspections/campaigns/{campaign.pk}/team", {"team": [team["wang"].pk], "leader": team["li"].pk}
    )
    assert r.status_code == 200 and "must be one of the team" in r.content.decode()
    assert campaign.members.count() == 2


def test_the_api_shows_and_sets_the_team(world, team):
    leader = make_user("lead_a", world.office, "office_leader")
    c = client_for(leader)
    campaign = _campaign(world, team=[team["zhang"], team["li"]], leader=team["zhang"])
    listed = c.get("/api/v1/inspections/campaigns").json()[0]
    assert [(m["name"], m["department"], m["leader"]) for m in listed["team"]] == [
        ("张组长", "督查办", True),
        ("李队员", "市场监管所", False),
    ]
    r = c.put(
        f"/api/v1/inspections/campaigns/{campaign.pk}/team",
        {"team": [team["wang"].pk, team["li"].pk], "leader": team["wang"].pk},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert sorted(r.json()["departments"]) == sorted(["市场监管所", "派出所"])
    bad = c.put(
        f"/api/v1/inspections/campaigns/{campaign.pk}/team",
        {"team": [team["foreign"].pk], "leader": team["foreign"].pk},
        content_type="application/json",
    )
    assert bad.status_code == 422
    missing = c.put(
        "/api/v1/inspections/campaigns/987654/team",
        {"team": [team["li"].pk], "leader": team["li"].pk},
        content_type="application/json",
    )
    assert missing.status_code == 404


def test_team_members_answer_the_campaigns_inspections(world, team):
    """A member of the team whose own jurisdiction is grid A answers the venue of grid B on the
    campaign; the same account off the team does not see it."""
    campaign = _campaign(world, team=[team["zhang"], team["li"]], leader=team["zhang"])
    inspection = campaign.inspections.get(venue__grid=world.grid_b)
    member = make_user("li_phone", world.grid_a, "department_staff")
    member.staff = team["li"]
    member.save()
    outsider = make_user("wang_phone", world.grid_a, "department_staff")
    outsider.staff = team["wang"]
    outsider.save()
    answer = inspection.answers.first()
    op = {"opid": "o1", "kind": "answer", "inspection": inspection.pk, "item": answer.item_id,
          "result": "pass", "note": "", "client_id": str(uuid.uuid4())}  # fmt: skip

    assert client_for(outsider).get(f"/inspections/inspections/{inspection.pk}/inspect").status_code == 404
    r = client_for(outsider).post("/api/v1/inspections/sync", {"ops": [op]}, content_type="application/json")
    assert r.json()["results"][0]["ok"] is False
    answer.refresh_from_db()
    assert answer.result == ""

    assert client_for(member).get(f"/inspections/inspections/{inspection.pk}/inspect").status_code == 200
    r = client_for(member).post("/api/v1/inspections/sync", {"ops": [op]}, content_type="application/json")
    assert r.json()["results"][0]["ok"] is True
    answer.refresh_from_db()
    assert answer.result == "pass" and answer.answered_by == member


def test_the_team_api_finds_the_campaign_first(world, team):
    """An unknown campaign answers 404 whatever is sent; a known one, without a team, 422."""
    leader = make_user("lead_a", world.office, "office_leader")
    c = client_for(leader)
    campaign = _campaign(world, team=[team["zhang"]], leader=team["zhang"])
    assert (
        c.put("/api/v1/inspections/campaigns/987654/team", {}, content_type="application/json").status_code
        == 404
    )
    r = c.put(f"/api/v1/inspections/campaigns/{campaign.pk}/team", {}, content_type="application/json")
    assert r.status_code == 422 and "team" in r.json()["detail"]
