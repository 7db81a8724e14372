"""After a visit, the next door: the page after saving offers the next unvisited household of the
same building (in the order of its rooms), then of the same grid, with one tap; never a household
of another grid, and nothing when all are visited."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories.visits import make_household, visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def record(client, household, nxt=""):
    url = reverse("registry:visit_create") + f"?household={household.pk}" + (f"&next={nxt}" if nxt else "")
    return client.post(url, {"outcome": "met", "visited_at": "2026-11-20T10:00", "notes": ""})


def test_saving_a_visit_offers_the_next_door_in_the_same_building(world, grid_leader_a):
    h101 = make_household(world.grid_a, "甲1楼", "101", head_name="甲一")
    h102 = make_household(world.grid_a, "甲1楼", "102", head_name="甲二")
    h103 = make_household(world.grid_a, "甲1楼", "103")
    visit(h102)  # visited today: not next
    client = client_for(grid_leader_a)
    r = record(client, h101, nxt="unvisited")
    assert r.status_code == 302
    assert r["Location"] == reverse("registry:visit_done") + f"?household={h101.pk}&next=unvisited"
    page = client.get(r["Location"])
    assert page.status_code == 200
    assert page.context["next_place"] == h103 and page.context["same_building"]
    html = page.content.decode()
    assert 'data-testid="visit-next"' in html
    assert f"?household={h103.pk}&amp;next=unvisited" in html
    assert reverse("registry:unvisited") in html  # back to the list it came from


def test_the_next_door_wraps_round_then_moves_on_to_the_grid_never_to_another(world, grid_leader_a):
    h201 = make_household(world.grid_a, "甲2楼", "201")
    h202 = make_household(world.grid_a, "甲2楼", "202")
    other_building = make_household(world.grid_a, "甲3楼", "301")
    foreign = make_household(world.grid_b, "乙1楼", "101")
    client = client_for(grid_leader_a)
    # 202 first: the next door wraps round to 201 in the same building.
    page = client.get(record(client, h202)["Location"])
    assert page.context["next_place"] == h201
    # 201 done too: the building is finished, the grid's next building follows.
    page = client.get(record(client, h201)["Location"])
    assert page.context["next_place"] == other_building and not page.context["same_building"]
    page = client.get(record(client, other_building)["Location"])
    assert page.context["next_place"] is None  # grid B's household is never offered
    assert 'data-testid="next-door-none"' in page.content.decode()
    assert str(foreign) not in page.content.decode()


def test_the_next_door_page_refuses_another_grids_household(world, grid_leader_a):
    foreign = make_household(world.grid_b, "乙1楼", "101")
    client = client_for(grid_leader_a)
    assert client.get(reverse("registry:visit_done") + f"?household={foreign.pk}").status_code == 404
    assert client.get(reverse("registry:visit_done")).status_code == 404


def test_a_rental_visit_offers_the_next_rental(world, grid_leader_a):
    from wangge.core.access import SYSTEM
    from wangge.registry.rentals import services as rentals

    household = make_household(world.grid_a, "甲1楼", "101", head_name="房东甲")
    building, landlord = household.room.building, household.head
    first = rentals.create_rental(actor=SYSTEM, building=building, landlord=landlord, name="出租屋一")
    second = rentals.create_rental(actor=SYSTEM, building=building, landlord=landlord, name="出租屋二")
    client = client_for(grid_leader_a)
    url = reverse("registry:visit_create") + f"?rental={first.pk}"
    r = client.post(url, {"outcome": "met", "visited_at": "2026-11-20T10:00", "notes": ""})
    page = client.get(r["Location"])
    assert page.context["next_place"] == second
    assert f"?rental={second.pk}" in page.content.decode()
