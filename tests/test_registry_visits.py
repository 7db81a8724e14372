"""Visits (走访, 扫楼), the "not visited in N days" lists, follow-ups and party-member links
(党员联户); and the scoping of every route of this part (rentals included)."""

import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import make_user
from tests.factories.reveal import revealed
from tests.factories.scoping import all_routes, hostile_payload, violations
from tests.factories.visits import make_household, visit
from wangge.audit.models import Action, AuditEvent
from wangge.core.access import SYSTEM, scope_of
from wangge.registry.models import PartyLink, Visit
from wangge.registry.rentals import services as rentals
from wangge.registry.visits import services as visits
from wangge.roster.models import StaffMember

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the Chinese catalogue is produced separately)."""
    with translation.override("en"):
        yield


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def party_member(grid, name, active=True, party=True):
    return StaffMember.objects.create(
        name=name, unit=grid, path=grid.path, kind="party_member", is_party_member=party, is_active=active
    )


# --- visits ---------------------------------------------------------------------------------


def test_record_visit_names_the_visitor_from_the_roster_and_is_audited(world, grid_leader_a):
    household = make_household(world.grid_a, "甲1楼", "101")
    staff = StaffMember.objects.create(
        name="张网格员", unit=world.grid_a, path=world.grid_a.path, kind="grid_staff"
    )
    grid_leader_a.staff = staff
    grid_leader_a.save()
    client = client_for(grid_leader_a)
    url = reverse("registry:visit_create") + f"?household={household.pk}"
    r = client.post(
        url,
        {
            "outcome": "issue_found",
            "visited_at": "2026-11-20T10:00",
            "notes": "门口堆放杂物",
            "follow_up_needed": "on",
        },
    )
    assert r.status_code == 302
    v = Visit.objects.get()
    assert (v.visitor_name, v.visitor, v.household, v.path) == (
        "张网格员",
        grid_leader_a,
        household,
        household.path,
    )
    assert v.follow_up_needed and v.follow_up_done_at is None
    assert AuditEvent.objects.filter(
        model="registry.visit", object_id=str(v.pk), action=Action.CREATE
    ).exists()


def test_visit_page_refuses_a_foreign_or_missing_place(world, grid_leader_a):
    foreign = make_household(world.grid_b, "乙楼", "1")
    client = client_for(grid_leader_a)
    base = reverse("registry:visit_create")
    assert client.get(f"{base}?household={foreign.pk}").status_code == 404
    assert client.get(f"{base}?household=987654").status_code == 404
    assert (
        client.post(
            f"{base}?household={foreign.pk}", {"outcome": "met", "visited_at": "2026-11-20T10:00"}
        ).status_code
        == 404
    )
    assert not Visit.objects.exists()


def test_visit_in_the_future_is_refused_and_nothing_is_lost(world, grid_leader_a):
    household = make_household(world.grid_a, "甲1楼", "101")
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = client_for(grid_leader_a).post(
        reverse("registry:visit_create") + f"?household={household.pk}",
        {"outcome": "met", "visited_at": future, "notes": "记下的情况"},
    )
    assert r.status_code == 200 and "future" in r.content.decode() and "记下的情况" in r.content.decode()
    assert not Visit.objects.exists()


def test_a_visit_has_exactly_one_target(world):
    with pytest.raises(ValidationError):
        visits.record_visit(actor=SYSTEM, outcome="met", visitor_name="x")


def test_unvisited_lists_never_and_long_ago_per_grid(world, office_leader):
    never = make_household(world.grid_a, "甲1楼", "101")
    long_ago = make_household(world.grid_a, "甲1楼", "102")
    recent = make_household(world.grid_a, "甲1楼", "103")
    other_grid = make_household(world.grid_b, "乙1楼", "201")
    visit(long_ago, days_ago=40)
    visit(recent, days_ago=5)
    visit(other_grid, days_ago=1)
    scope = scope_of(office_leader)
    assert list(visits.unvisited_households(scope)) == [never, long_ago]
    assert set(visits.unvisited_households(scope, days=3)) == {never, long_ago, recent}
    assert list(visits.unvisited_households(scope, days=3, under_path=world.grid_b.path)) == []
    # Sorted by grid, the longest unvisited first within it.
    b_never = make_household(world.grid_b, "乙1楼", "202")
    assert list(visits.unvisited_households(scope)) == [never, long_ago, b_never]
    assert list(visits.unvisited_households(scope, sort="oldest"))[-1] == long_ago
    page = client_for(office_leader).get(reverse("registry:unvisited"), {"days": 30}).content.decode()
    assert str(never) in page and str(long_ago) in page and "103" not in page


def test_unvisited_rentals_and_a_grid_worker_sees_only_their_grid(world, grid_leader_a):
    household = make_household(world.grid_a, "甲1楼", "101", head_name="房东甲")
    rentals.create_rental(
        actor=SYSTEM, building=household.room.building, landlord=household.head, name="未走访出租屋"
    )
    visited = rentals.create_rental(
        actor=SYSTEM, building=household.room.building, landlord=household.head, name="已走访出租屋"
    )
    visit(rental=visited, days_ago=2)
    foreign = make_household(world.grid_b, "乙1楼", "1")
    page = client_for(grid_leader_a).get(reverse("registry:unvisited"), {"what": "rentals"}).content.decode()
    assert "未走访出租屋" in page and "已走访出租屋" not in page
    page = client_for(grid_leader_a).get(reverse("registry:unvisited")).content.decode()
    assert str(household) in page and str(foreign) not in page and "乙网格" not in page


def test_unvisited_list_makes_a_fixed_number_of_queries(world, office_leader):
    client = client_for(office_leader)
    url = reverse("registry:unvisited")
    make_household(world.grid_a, "甲1楼", "100", head_name="户主0")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(1, 6):
        h = make_household(world.grid_a, "甲1楼", f"10{i}", head_name=f"户主{i}")
        visit(h, days_ago=60)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_follow_ups_are_listed_until_done(world, office_leader):
    household = make_household(world.grid_a, "甲1楼", "101")
    v = visit(household, days_ago=1, outcome="issue_found", follow_up_needed=True)
    client = client_for(office_leader)
    assert "走访员" in client.get(reverse("registry:follow_ups")).content.decode()
    assert client.post(reverse("registry:follow_up_done", kwargs={"visit_id": v.pk})).status_code == 302
    v.refresh_from_db()
    assert v.follow_up_done_at is not None
    assert "走访员" not in client.get(reverse("registry:follow_ups")).content.decode()
    with pytest.raises(ValidationError):
        visits.complete_follow_up(actor=SYSTEM, visit=v)


# --- party-member links ---------------------------------------------------------------------


def test_party_coverage_per_grid_and_members_over_ten(world, office_leader):
    a_households = [make_household(world.grid_a, "甲1楼", f"1{i:02d}") for i in range(12)]
    b_households = [make_household(world.grid_b, "乙1楼", f"2{i:02d}") for i in range(2)]
    busy = party_member(world.grid_a, "党员忙")
    idle = party_member(world.grid_a, "党员闲")
    for h in a_households[:11]:
        visits.link_household(actor=SYSTEM, member=busy, household=h)
    visits.link_household(actor=SYSTEM, member=idle, household=b_households[0])
    coverage = {r["room__building__grid__name"]: r for r in visits.coverage_by_grid(scope_of(office_leader))}
    assert (coverage["甲网格"]["households"], coverage["甲网格"]["uncovered"]) == (12, 1)
    assert (coverage["乙网格"]["households"], coverage["乙网格"]["uncovered"]) == (2, 1)
    members = {m.name: m.household_count for m in visits.party_members(scope_of(office_leader))}
    assert members == {"党员忙": 11, "党员闲": 1}
    page = client_for(office_leader).get(reverse("registry:party_links")).content.decode()
    assert page.count('data-testid="too-many"') == 1
    total = re.search(r'data-testid="coverage-total">([^<]*)<', page).group(1)
    assert re.findall(r"\d+", total) == ["2", "14"]


def test_link_rules_one_member_per_household_party_members_only_and_ending(world):
    household = make_household(world.grid_a, "甲1楼", "101")
    member = party_member(world.grid_a, "党员甲")
    other = party_member(world.grid_a, "党员乙")
    not_party = party_member(world.grid_a, "群众", party=False)
    with pytest.raises(ValidationError, match="not a party member"):
        visits.link_household(actor=SYSTEM, member=not_party, household=household)
    link = visits.link_household(actor=SYSTEM, member=member, household=household)
    with pytest.raises(ValidationError, match="already linked"):
        visits.link_household(actor=SYSTEM, member=other, household=household)
    visits.end_link(actor=SYSTEM, link=link)
    assert list(visits.uncovered_households(scope_of(make_user("v", world.grid_a, "grid_leader")))) == [
        household
    ]
    # Ended today: another member can take it over from today.
    visits.link_household(actor=SYSTEM, member=other, household=household)
    assert PartyLink.objects.filter(household=household).count() == 2


def test_member_households_page_lists_heads_phones_masked_by_role(world, grid_leader_a):
    household = make_household(world.grid_a, "甲1楼", "101", head_name="户主甲", phone="13811112222")
    member = party_member(world.grid_a, "党员甲")
    visits.link_household(actor=SYSTEM, member=member, household=household)
    url = reverse("registry:party_member_households") + f"?member={member.pk}"
    leader = client_for(grid_leader_a)
    page = leader.get(url).content.decode()
    assert "户主甲" in page and "13811112222" not in page and "13811112222" in revealed(leader, page)
    viewer = make_user("viewer_a", world.grid_a, "department_staff")
    page = client_for(viewer).get(url).content.decode()
    assert "户主甲" in page and "13811112222" not in page and "138****2222" in page
    # A member of another grid answers 404 like a missing one.
    foreign = party_member(world.grid_b, "乙党员")
    base = reverse("registry:party_member_households")
    assert client_for(grid_leader_a).get(f"{base}?member={foreign.pk}").status_code == 404
    assert client_for(grid_leader_a).get(f"{base}?member=987654").status_code == 404


def test_link_page_resolves_household_and_member_in_scope(world, grid_leader_a):
    own = make_household(world.grid_a, "甲1楼", "101")
    foreign = make_household(world.grid_b, "乙1楼", "201")
    member = party_member(world.grid_a, "党员甲")
    foreign_member = party_member(world.grid_b, "乙党员")
    client = client_for(grid_leader_a)
    url = reverse("registry:link_create")
    today = timezone.localdate().isoformat()
    r = client.post(url, {"member": member.pk, "household": foreign.pk, "start_date": today})
    assert r.status_code == 200 and not PartyLink.objects.exists()
    r = client.post(url, {"member": foreign_member.pk, "household": own.pk, "start_date": today})
    assert r.status_code == 200 and not PartyLink.objects.exists()
    r = client.post(url, {"member": member.pk, "household": own.pk, "start_date": today})
    assert r.status_code == 302
    link = PartyLink.objects.get()
    assert (link.member, link.household, link.path) == (member, own, own.path)
    r = client.post(reverse("registry:link_end", kwargs={"link_id": link.pk}), {"end_date": today})
    assert r.status_code == 302
    link.refresh_from_db()
    assert link.end_date == timezone.localdate()


# --- API ----------------------------------------------------------------------------------------


def test_api_visits_unvisited_and_party_links(world, grid_leader_a):
    household = make_household(world.grid_a, "甲1楼", "101", head_name="户主甲", phone="13811112222")
    quiet = make_household(world.grid_a, "甲1楼", "102")
    client = client_for(grid_leader_a)
    base = "/api/v1/registry/rentals"
    r = client.post(
        f"{base}/visits",
        json.dumps({"household_id": household.pk, "outcome": "met", "notes": "正常"}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert client.get(f"{base}/visits").json()["count"] == 1
    unvisited = client.get(f"{base}/unvisited").json()
    assert [i["id"] for i in unvisited["items"]] == [quiet.pk]
    foreign = make_household(world.grid_b, "乙1楼", "201")
    r = client.post(
        f"{base}/visits",
        json.dumps({"household_id": foreign.pk, "outcome": "met"}),
        content_type="application/json",
    )
    assert r.status_code == 404
    member = party_member(world.grid_a, "党员甲")
    r = client.post(
        f"{base}/party-links",
        json.dumps({"member_id": member.pk, "household_id": household.pk}),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["head_phone"] == "13811112222"
    link_id = r.json()["id"]
    assert [link["id"] for link in client.get(f"{base}/party-links").json()] == [link_id]
    r = client.post(f"{base}/party-links/{link_id}/end", json.dumps({}), content_type="application/json")
    assert r.status_code == 200 and r.json()["end_date"] == timezone.localdate().isoformat()
    assert client.get(f"{base}/party-links").json() == []


# --- scoping of every route of this part ---------------------------------------------------------


def test_rental_visit_and_link_routes_do_not_cross_grids(world, setting):
    foreign, _own = setting
    actor = make_user("grid_a_everything", world.grid_a, "district_admin")
    mine = [
        (route, p)
        for route, p in all_routes()
        if route.startswith("registry/rentals/") or route.startswith("api/v1/registry/rentals")
    ]
    assert len(mine) >= 17 + 10
    assert violations(mine, actor, world.grid_a, foreign, hostile_payload(world, foreign)) == []
