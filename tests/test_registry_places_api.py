"""The places and people API: scoping, masking, audited views, the services behind it."""

import json

import pytest
from django.test import Client
from stdnum.cn import ric

from tests.factories import make_user
from wangge.audit.models import Action, AuditEvent
from wangge.core.access import SYSTEM
from wangge.registry import services
from wangge.registry.models import Building, Household, Person, PersonMove

pytestmark = pytest.mark.django_db

BASE = "/api/v1/registry"


def resident_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


ID_A = resident_id("41010219900307001")
ID_B = resident_id("41010219850101002")
PHONE = "13812345678"


def api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, url, payload):
    return client.post(url, json.dumps(payload), content_type="application/json")


def household_at(grid, building, number="101", address=""):
    b = Building.objects.filter(grid=grid, name=building).first() or services.create_building(
        actor=SYSTEM, grid=grid, name=building, address=address
    )
    room = services.get_or_create_room(actor=SYSTEM, building=b, number=number)
    return services.create_household(actor=SYSTEM, room=room)


@pytest.fixture
def town(world):
    h_a = household_at(world.grid_a, "1号楼", address="航空港路1号")
    zht = services.register_person(
        actor=SYSTEM,
        household=h_a,
        name="张海婷",
        id_type="resident_id",
        id_number=ID_A,
        relation="head",
        phone=PHONE,
    )
    h_b = household_at(world.grid_b, "乙楼", address="乙格路9号")
    wangwu = services.register_person(
        actor=SYSTEM, household=h_b, name="王五", id_type="resident_id", id_number=ID_B, phone="13900002222"
    )
    return {"h_a": h_a, "zht": zht, "h_b": h_b, "wangwu": wangwu}


def test_people_list_is_scoped_and_masked(world, town):
    worker = make_user("worker_a", world.grid_a, "grid_worker")
    r = api(worker).get(f"{BASE}/people")
    assert r.status_code == 200
    data = r.json()
    assert data["count"] == 1
    (row,) = data["items"]
    assert row["name"] == "张海婷"
    assert row["id_number"] == ID_A[:6] + "********" + ID_A[-4:]
    assert row["birth_date"] is None and row["birth_year"] == 1990
    assert row["phone"] == PHONE  # grid workers may see phones
    staff = make_user("dept", world.grid_a, "department_staff")
    row = api(staff).get(f"{BASE}/people").json()["items"][0]
    assert row["phone"] == "138****5678"


def test_people_list_full_numbers_for_a_leader_and_search(world, town, office_leader):
    client = api(office_leader)
    data = client.get(f"{BASE}/people", {"q": "zht"}).json()
    assert [p["id_number"] for p in data["items"]] == [ID_A]
    assert client.get(f"{BASE}/people", {"q": ID_B[-4:]}).json()["items"][0]["name"] == "王五"
    assert client.get(f"{BASE}/people", {"unit_id": world.grid_b.pk}).json()["count"] == 1


def test_foreign_ids_answer_404_like_missing(world, town, grid_leader_a):
    client = api(grid_leader_a)
    foreign, missing = town["wangwu"].pk, 987654
    for path in ("people/{}", "households/{}", "buildings/{}"):
        pk = {
            "people/{}": foreign,
            "households/{}": town["h_b"].pk,
            "buildings/{}": town["h_b"].room.building_id,
        }[path]
        assert client.get(f"{BASE}/{path.format(pk)}").status_code == 404
        assert client.get(f"{BASE}/{path.format(missing)}").status_code == 404
    assert client.get(f"{BASE}/people", {"unit_id": world.grid_b.pk}).status_code == 404
    assert client.get(f"{BASE}/people", {"building_id": town["h_b"].room.building_id}).status_code == 404


def test_get_person_is_audited(world, town, grid_leader_a):
    r = api(grid_leader_a).get(f"{BASE}/people/{town['zht'].pk}")
    assert r.status_code == 200 and r.json()["id_number"] == ID_A
    assert r.json()["household_address"].startswith("航空港路1号")
    assert AuditEvent.objects.filter(
        action=Action.VIEW, model="registry.person", object_id=str(town["zht"].pk), channel="api"
    ).exists()


def test_create_building_household_and_person(world, grid_leader_a):
    editor = make_user("cadre", world.grid_a, "village_cadre")
    client = api(editor)
    r = post(
        client, f"{BASE}/buildings", {"grid_id": world.grid_a.pk, "name": "鑫荣公寓", "kind": "dormitory"}
    )
    assert r.status_code == 201, r.content
    building_id = r.json()["id"]
    r = post(client, f"{BASE}/households", {"building_id": building_id, "number": "305", "unit_label": "A座"})
    assert r.status_code == 201, r.content
    household = r.json()
    assert household["floor"] == 3 and household["building_name"] == "鑫荣公寓"
    r = post(
        client,
        f"{BASE}/people",
        {
            "household_id": household["id"],
            "name": "赵六",
            "id_number": resident_id("41010220000101004"),
            "relation": "head",
            "status": "migrant",
            "origin": "河南周口",
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["sex"] == "F"
    assert Household.objects.get(pk=household["id"]).head.name == "赵六"
    listed = client.get(f"{BASE}/buildings").json()["items"]
    assert [(b["name"], b["household_count"], b["people_count"]) for b in listed] == [("鑫荣公寓", 1, 1)]


def test_register_errors_are_clear_and_nothing_is_written(world, town, grid_leader_a):
    client = api(grid_leader_a)
    wrong = ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")
    r = post(client, f"{BASE}/people", {"household_id": town["h_a"].pk, "name": "赵六", "id_number": wrong})
    assert r.status_code == 422
    assert any(e["loc"] == ["id_number"] and "check digit" in e["msg"] for e in r.json()["errors"])
    r = post(client, f"{BASE}/people", {"household_id": town["h_a"].pk, "name": "赵六", "id_number": ID_A})
    assert r.status_code == 422 and "张海婷" in r.json()["detail"]
    r = post(
        client,
        f"{BASE}/people",
        {"household_id": town["h_b"].pk, "name": "赵六", "id_number": resident_id("41010220000101004")},
    )
    assert r.status_code == 404
    assert not Person.objects.filter(name="赵六").exists()


def test_foreign_building_id_in_payload_is_404(world, town, grid_leader_a):
    r = post(
        api(grid_leader_a), f"{BASE}/households", {"building_id": town["h_b"].room.building_id, "number": "9"}
    )
    assert r.status_code == 404
    assert Household.objects.count() == 2


def test_patch_person_and_the_id_permission(world, town, grid_leader_a):
    worker = make_user("worker_a", world.grid_a, "grid_worker")
    url = f"{BASE}/people/{town['zht'].pk}"
    r = api(worker).patch(url, json.dumps({"id_number": ID_B}), content_type="application/json")
    assert r.status_code == 403
    r = api(worker).patch(
        url, json.dumps({"employer": "富士康", "phone": "13900003333"}), content_type="application/json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["employer"] == "富士康" and r.json()["phone"] == "13900003333"
    r = api(grid_leader_a).patch(url, json.dumps({"phone": "123"}), content_type="application/json")
    assert r.status_code == 422 and r.json()["detail"].startswith("phone:")


def test_transfer_and_depart(world, town, grid_leader_a):
    client = api(grid_leader_a)
    h2 = household_at(world.grid_a, "1号楼", number="202")
    pk = town["zht"].pk
    r = post(client, f"{BASE}/people/{pk}/transfer", {"household_id": town["h_b"].pk})
    assert r.status_code == 404
    r = post(client, f"{BASE}/people/{pk}/transfer", {"household_id": h2.pk, "reason": "换房"})
    assert r.status_code == 200 and r.json()["household_id"] == h2.pk
    r = post(client, f"{BASE}/people/{pk}/depart", {"on": "2026-03-01"})
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert client.get(f"{BASE}/people").json()["count"] == 0
    assert client.get(f"{BASE}/people", {"include_departed": True}).json()["count"] == 1
    assert list(PersonMove.objects.filter(person_id=pk).values_list("kind", flat=True)) == [
        "depart",
        "move",
        "arrive",
    ]


def test_move_building_through_the_api(world, town, office_leader):
    b = town["h_a"].room.building
    r = post(api(office_leader), f"{BASE}/buildings/{b.pk}/move", {"grid_id": world.grid_b.pk})
    assert r.status_code == 200 and r.json()["grid_id"] == world.grid_b.pk
    assert Person.objects.get(pk=town["zht"].pk).path == world.grid_b.path


def test_search_endpoint(world, town, grid_leader_a):
    data = api(grid_leader_a).get(f"{BASE}/search", {"q": "航空港路"}).json()
    assert [p["name"] for p in data["people"]] == ["张海婷"]
    assert len(data["households"]) == 1 and data["kind"] == "text"
    data = api(grid_leader_a).get(f"{BASE}/search", {"q": "王五"}).json()
    assert data["people"] == []
