"""HTTP tests of the places and people pages: scoping, masking, audited views, the forms
behind the services, search."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from stdnum.cn import ric

from tests.factories import make_user
from tests.factories.reveal import revealed
from wangge.audit.models import Action, AuditEvent
from wangge.core.access import SYSTEM
from wangge.registry import services
from wangge.registry.models import Building, Household, Person, PersonMove

pytestmark = pytest.mark.django_db


def resident_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


ID_A = resident_id("41010219900307001")
ID_B = resident_id("41010219850101002")
MASKED_A = ID_A[:6] + "********" + ID_A[-4:]
PHONE = "13812345678"
MASKED_PHONE = "138****5678"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_household(grid, building="1号楼", number="101", unit_label="1单元", address="航空港路1号"):
    b = Building.objects.filter(grid=grid, name=building).first() or services.create_building(
        actor=SYSTEM, grid=grid, name=building, address=address
    )
    room = services.get_or_create_room(actor=SYSTEM, building=b, number=number, unit_label=unit_label)
    return services.create_household(actor=SYSTEM, room=room)


def register(household, name, id_number, **kw):
    return services.register_person(
        actor=SYSTEM, household=household, name=name, id_type="resident_id", id_number=id_number, **kw
    )


@pytest.fixture
def town(world):
    """Grid A: one household with 张海婷 (head) and 李四; grid B: one household with 王五."""
    h_a = make_household(world.grid_a)
    zht = register(h_a, "张海婷", ID_A, relation="head", phone=PHONE)
    lisi = register(h_a, "李四", ID_B, relation="spouse", phone="13900002222")
    h_b = make_household(world.grid_b, building="乙楼", address="乙格路9号")
    wangwu = register(h_b, "王五", resident_id("41010219700101003"), relation="head")
    return {"h_a": h_a, "zht": zht, "lisi": lisi, "h_b": h_b, "wangwu": wangwu}


@pytest.fixture
def worker_a(world):
    """A grid worker: may edit and see phones, not full ID numbers."""
    return make_user("worker_a", world.grid_a, "grid_worker")


# --- people list -------------------------------------------------------------------------


def test_people_list_is_scoped_and_masked_per_permission(world, town, worker_a, grid_leader_a):
    text = client_for(worker_a).get(reverse("registry:people")).content.decode()
    assert "张海婷" in text and "李四" in text
    assert "王五" not in text and "乙网格" not in text
    assert MASKED_A in text and ID_A not in text  # no REGISTRY_VIEW_IDS
    worker = client_for(worker_a)
    assert PHONE not in text and PHONE in revealed(worker, text)  # grid workers may see phones
    leader = client_for(grid_leader_a)
    text = leader.get(reverse("registry:people")).content.decode()
    assert ID_A not in text and PHONE not in text  # masked for every role, revealed on demand
    shown = revealed(leader, text)
    assert ID_A in shown and PHONE in shown


def test_people_list_masks_phones_without_the_permission(world, town):
    staff = make_user("dept", world.grid_a, "department_staff")
    text = client_for(staff).get(reverse("registry:people")).content.decode()
    assert MASKED_PHONE in text and PHONE not in text and ID_A not in text


def test_people_list_filters_and_counts(world, town, office_leader):
    services.record_departure(actor=SYSTEM, person=town["lisi"])
    client = client_for(office_leader)
    url = reverse("registry:people")

    def names(**params):
        response = client.get(url, params)
        return {p.name for p in response.context["page_obj"]}, response.context["active_count"]

    assert names() == ({"张海婷", "王五"}, 2)
    assert names(departed="on") == ({"张海婷", "李四", "王五"}, 2)
    assert names(unit=world.grid_b.pk) == ({"王五"}, 1)
    assert names(building=town["h_a"].room.building_id, departed="on") == ({"张海婷", "李四"}, 1)
    assert names(q="zht") == ({"张海婷"}, 1)
    assert names(q="乙格路") == ({"王五"}, 1)  # address
    assert names(status="migrant") == (set(), 0)


def test_people_list_ignores_a_foreign_unit_filter(world, town, grid_leader_a):
    response = client_for(grid_leader_a).get(reverse("registry:people"), {"unit": world.grid_b.pk})
    assert {p.name for p in response.context["page_obj"]} == {"张海婷", "李四"}
    assert "王五" not in response.content.decode()


def test_people_list_htmx_returns_the_table_only(world, town, grid_leader_a):
    response = client_for(grid_leader_a).get(
        reverse("registry:people"), {"q": "张"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="people-results"
    )
    text = response.content.decode()
    assert 'data-testid="people-table"' in text and "<html" not in text
    assert "张海婷" in text and "李四" not in text


def test_people_list_queries_do_not_grow_with_rows(world, town, grid_leader_a):
    client = client_for(grid_leader_a)
    url = reverse("registry:people")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(8):
        register(town["h_a"], f"新人{i}", resident_id(f"4101021995011{i}001"))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# --- person pages ----------------------------------------------------------------------


def test_person_detail_is_audited_and_shows_history(world, town, grid_leader_a):
    zht = town["zht"]
    leader = client_for(grid_leader_a)
    response = leader.get(reverse("registry:person_detail", kwargs={"person_id": zht.pk}))
    text = response.content.decode()
    assert response.status_code == 200
    assert ID_A not in text and ID_A in revealed(leader, text) and "李四" in text
    assert 'data-testid="moves-table"' in text
    assert AuditEvent.objects.filter(
        action=Action.VIEW, model="registry.person", object_id=str(zht.pk), actor=grid_leader_a
    ).exists()


def test_person_detail_masks_for_a_worker(world, town, worker_a):
    text = (
        client_for(worker_a)
        .get(reverse("registry:person_detail", kwargs={"person_id": town["zht"].pk}))
        .content.decode()
    )
    assert MASKED_A in text and ID_A not in text
    assert "1990-03-07" not in text  # the birth date would reveal the masked digits


def test_foreign_person_is_404_like_missing(world, town, grid_leader_a):
    client = client_for(grid_leader_a)
    for name in ("person_detail", "person_edit", "person_transfer", "person_depart"):
        foreign = client.get(reverse(f"registry:{name}", kwargs={"person_id": town["wangwu"].pk}))
        missing = client.get(reverse(f"registry:{name}", kwargs={"person_id": 987654}))
        assert foreign.status_code == missing.status_code == 404
    assert not AuditEvent.objects.filter(action=Action.VIEW, object_id=str(town["wangwu"].pk)).exists()


def test_register_a_person_at_a_household(world, town, worker_a):
    h = town["h_a"]
    url = reverse("registry:person_create") + f"?household={h.pk}"
    new_id = resident_id("41010220000101004")
    response = client_for(worker_a).post(
        url,
        {
            "household": h.pk,
            "name": "赵六",
            "id_type": "resident_id",
            "id_number": new_id,
            "relation": "child",
            "phone": "",
            "status": "registered",
        },
    )
    person = Person.objects.get(name="赵六")
    assert response.status_code == 302 and response.url == reverse(
        "registry:person_detail", kwargs={"person_id": person.pk}
    )
    assert (person.household_id, person.sex, str(person.birth_date)) == (h.pk, "F", "2000-01-01")


def test_register_shows_a_wrong_check_digit_on_the_field_and_keeps_the_input(world, town, worker_a):
    h = town["h_a"]
    wrong = ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")
    response = client_for(worker_a).post(
        reverse("registry:person_create"),
        {
            "household": h.pk,
            "name": "赵六",
            "id_type": "resident_id",
            "id_number": wrong,
            "status": "registered",
        },
    )
    assert response.status_code == 200
    assert "check digit" in " ".join(response.context["form"].errors["id_number"])
    text = response.content.decode()
    assert 'value="赵六"' in text
    assert not Person.objects.filter(name="赵六").exists()


def test_register_a_duplicate_says_where_the_record_is(world, town, grid_leader_a):
    h = town["h_a"]
    response = client_for(grid_leader_a).post(
        reverse("registry:person_create"),
        {
            "household": h.pk,
            "name": "张海亭",
            "id_type": "resident_id",
            "id_number": ID_A,
            "status": "registered",
        },
    )
    errors = " ".join(response.context["form"].errors["id_number"])
    assert "张海婷" in errors and "transfer" in errors
    assert Person.objects.filter(id_number=ID_A).count() == 1


def test_register_at_a_foreign_household_is_refused(world, town, grid_leader_a):
    response = client_for(grid_leader_a).post(
        reverse("registry:person_create"),
        {
            "household": town["h_b"].pk,
            "name": "赵六",
            "id_type": "resident_id",
            "id_number": resident_id("41010220000101004"),
            "status": "registered",
        },
    )
    assert response.status_code == 200
    assert "Choose a household" in " ".join(response.context["form"].non_field_errors())
    assert not Person.objects.filter(name="赵六").exists()
    assert "乙格路" not in response.content.decode()


def test_household_picker_finds_households_of_the_scope_by_address(world, town, grid_leader_a):
    response = client_for(grid_leader_a).get(
        reverse("registry:person_create"),
        {"q": "航空港"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="household-choices",
    )
    text = response.content.decode()
    assert "航空港路1号" in text and "乙格路" not in text
    assert f'value="{town["h_a"].pk}"' in text


def test_edit_a_person_without_id_permission_cannot_touch_the_number(world, town, worker_a):
    zht = town["zht"]
    url = reverse("registry:person_edit", kwargs={"person_id": zht.pk})
    client = client_for(worker_a)
    page = client.get(url).content.decode()
    assert ID_A not in page
    response = client.post(
        url,
        {
            "name": "张海婷",
            "id_number": ID_B,
            "relation": "head",
            "phone": "13900003333",
            "status": "migrant",
        },
    )
    assert response.status_code == 302
    zht.refresh_from_db()
    assert (zht.id_number, zht.phone, zht.status) == (ID_A, "13900003333", "migrant")


def test_transfer_to_another_household_keeps_history(world, town, grid_leader_a):
    zht = town["zht"]
    h2 = make_household(world.grid_a, number="202")
    response = client_for(grid_leader_a).post(
        reverse("registry:person_transfer", kwargs={"person_id": zht.pk}),
        {"household": h2.pk, "relation": "head", "reason": "换房"},
    )
    assert response.status_code == 302
    zht.refresh_from_db()
    assert zht.household_id == h2.pk
    assert PersonMove.objects.filter(
        person=zht, kind="move", from_household=town["h_a"], to_household=h2
    ).exists()


def test_transfer_to_a_foreign_household_is_refused(world, town, grid_leader_a):
    zht = town["zht"]
    response = client_for(grid_leader_a).post(
        reverse("registry:person_transfer", kwargs={"person_id": zht.pk}), {"household": town["h_b"].pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    zht.refresh_from_db()
    assert zht.household_id == town["h_a"].pk


def test_depart_then_return_reactivates_the_same_record(world, town, grid_leader_a):
    lisi = town["lisi"]
    client = client_for(grid_leader_a)
    response = client.post(
        reverse("registry:person_depart", kwargs={"person_id": lisi.pk}),
        {"on": "2026-02-01", "reason": "外出务工"},
    )
    assert response.status_code == 302
    lisi.refresh_from_db()
    assert not lisi.is_active
    h2 = make_household(world.grid_a, number="303")
    response = client.post(
        reverse("registry:person_transfer", kwargs={"person_id": lisi.pk}), {"household": h2.pk}
    )
    assert response.status_code == 302
    lisi.refresh_from_db()
    assert lisi.is_active and lisi.household_id == h2.pk
    assert Person.objects.filter(id_number=ID_B).count() == 1


# --- buildings and households ------------------------------------------------------------


def test_buildings_list_counts(world, town, office_leader):
    services.record_departure(actor=SYSTEM, person=town["lisi"])
    response = client_for(office_leader).get(reverse("registry:buildings"))
    rows = {b.name: (b.room_count, b.household_count, b.people_count) for b in response.context["page_obj"]}
    assert rows == {"1号楼": (1, 1, 1), "乙楼": (1, 1, 1)}


def test_buildings_list_is_scoped(world, town, grid_leader_a):
    text = client_for(grid_leader_a).get(reverse("registry:buildings")).content.decode()
    assert "1号楼" in text and "乙楼" not in text


def test_building_detail_groups_rooms_by_unit_and_floor(world, town, grid_leader_a):
    b = town["h_a"].room.building
    make_household(world.grid_a, number="1202", unit_label="2单元")
    response = client_for(grid_leader_a).get(
        reverse("registry:building_detail", kwargs={"building_id": b.pk})
    )
    units = response.context["units"]
    assert [label for label, _floors in units] == ["1单元", "2单元"]
    assert [floor for floor, _rooms in units[1][1]] == [12]
    assert response.context["totals"] == {"rooms": 2, "households": 2, "people": 2}
    assert "张海婷" in response.content.decode()  # the head names the household


def test_create_building_in_a_foreign_grid_is_refused(world, grid_leader_a):
    leader = make_user("leader_editor", world.grid_a, "village_cadre")
    response = client_for(leader).post(
        reverse("registry:building_create"),
        {
            "grid": world.grid_b.pk,
            "name": "HOSTILE",
            "kind": "residential",
            "unit_count": 1,
            "floor_count": 1,
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["grid"]
    assert not Building.objects.filter(name="HOSTILE").exists()
    response = client_for(leader).post(
        reverse("registry:building_create"),
        {"grid": world.grid_a.pk, "name": "2号楼", "kind": "dormitory", "unit_count": 2, "floor_count": 6},
    )
    assert response.status_code == 302
    assert Building.objects.get(name="2号楼").path == world.grid_a.path


def test_move_building_moves_its_people(world, town, office_leader):
    b = town["h_a"].room.building
    response = client_for(office_leader).post(
        reverse("registry:building_move", kwargs={"building_id": b.pk}), {"grid": world.grid_b.pk}
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=town["zht"].pk).path == world.grid_b.path


def test_add_a_household_with_a_new_room(world, town, worker_a):
    b = town["h_a"].room.building
    response = client_for(worker_a).post(
        reverse("registry:household_create", kwargs={"building_id": b.pk}),
        {"room": "", "unit_label": "3单元", "number": "502", "floor": ""},
    )
    h = Household.objects.latest("id")
    assert response.status_code == 302 and response.url == reverse(
        "registry:household_detail", kwargs={"household_id": h.pk}
    )
    assert (h.room.unit_label, h.room.number, h.room.floor, h.path) == ("3单元", "502", 5, world.grid_a.path)


def test_add_a_household_requires_a_room(world, town, worker_a):
    b = town["h_a"].room.building
    response = client_for(worker_a).post(
        reverse("registry:household_create", kwargs={"building_id": b.pk}), {}
    )
    assert response.status_code == 200 and "number" in response.context["form"].errors


def test_household_detail_shows_members_masked(world, town, worker_a):
    text = (
        client_for(worker_a)
        .get(reverse("registry:household_detail", kwargs={"household_id": town["h_a"].pk}))
        .content.decode()
    )
    assert "张海婷" in text and "李四" in text and MASKED_A in text and ID_A not in text


# --- search ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q, expected",
    [
        ("zht", {"张海婷"}),
        ("ZH", {"张海婷"}),
        ("张海婷", {"张海婷"}),
        ("张", {"张海婷"}),
        (ID_A, {"张海婷"}),
        (ID_A[-6:], {"张海婷"}),
        (ID_A[-4:], {"张海婷"}),
        (PHONE, {"张海婷"}),
        ("5678", {"张海婷"}),
        ("航空港路", {"张海婷", "李四"}),
        ("王五", set()),  # grid B
        ("乙格路", set()),
    ],
)
def test_search_finds_people_in_scope(world, town, worker_a, q, expected):
    response = client_for(worker_a).get(reverse("registry:search"), {"q": q})
    assert {p.name for p in response.context["results"].people} == expected
    text = response.content.decode()
    assert "乙网格" not in text and "乙楼" not in text


def test_search_finds_households_by_address_and_masks(world, town, worker_a):
    response = client_for(worker_a).get(
        reverse("registry:search"),
        {"q": "航空港路1号"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="search-results",
    )
    text = response.content.decode()
    assert "<html" not in text
    assert 'data-testid="search-households"' in text
    assert MASKED_A in text and ID_A not in text


def test_search_too_few_digits_asks_for_more(world, town, worker_a):
    response = client_for(worker_a).get(reverse("registry:search"), {"q": "12"})
    assert response.context["results"].kind == "too_short"
    assert "at least 4 digits" in response.content.decode()


def test_search_strategies(world, town, grid_leader_a):
    from wangge.core.access import scope_of
    from wangge.registry.people import search

    scope = scope_of(grid_leader_a)
    passport = services.register_person(
        actor=SYSTEM, household=town["h_a"], name="Anna Smith", id_type="passport", id_number="E98765432"
    )

    def found(q):
        return {p.name for p in search.search(scope, q).people}

    assert found("110105491231002") == set()  # a 15-digit number is compared upgraded, exactly
    old = register(town["h_a"], "老张", "110105491231002")
    assert old.id_number == "11010519491231002X"
    assert found("110105491231002") == {"老张"}
    assert found("11010519491231002x") == {"老张"}
    assert found("E98765432") == found("98765432") == {"Anna Smith"}
    assert found("smi") == {"Anna Smith"}  # a latin name, three letters or more
    assert found("138 1234 5678") == {"张海婷"}  # spaces inside a number are ignored
    assert search.search(scope, "12").kind == search.TOO_SHORT
    assert passport.pk in {p.pk for p in search.search(scope, "as").people}  # initials of "Anna Smith"


def test_search_indexes_exist_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the trigram indexes are PostgreSQL-only (the migration is a no-op elsewhere)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('registry_person', 'registry_household')"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "person_name_trgm",
        "person_id_number_trgm",
        "person_phone_trgm",
        "person_name_prefix",
        "household_address_trgm",
    } <= names


def test_a_long_list_is_shown_newest_first(world, town, grid_leader_a, monkeypatch):
    from wangge.registry.places import views as views_places

    monkeypatch.setattr(views_places, "LARGE_LIST", 1)
    response = client_for(grid_leader_a).get(reverse("registry:people"))
    assert [p.name for p in response.context["page_obj"]] == ["李四", "张海婷"]
    assert response.context["page_obj"].newest_first


def test_every_page_renders_for_an_editor(world, town, grid_leader_a):
    services.record_departure(actor=SYSTEM, person=town["lisi"])
    zht, lisi, h = town["zht"], town["lisi"], town["h_a"]
    b = h.room.building
    client = client_for(grid_leader_a)
    urls = [
        reverse("registry:people"),
        reverse("registry:people") + "?departed=on&q=李",
        reverse("registry:search"),
        reverse("registry:person_create"),
        reverse("registry:person_create") + f"?household={h.pk}",
        reverse("registry:person_edit", kwargs={"person_id": zht.pk}),
        reverse("registry:person_transfer", kwargs={"person_id": zht.pk}),
        reverse("registry:person_transfer", kwargs={"person_id": lisi.pk}),  # a return
        reverse("registry:person_depart", kwargs={"person_id": zht.pk}),
        reverse("registry:person_detail", kwargs={"person_id": lisi.pk}),
        reverse("registry:buildings") + "?q=1号",
        reverse("registry:building_create"),
        reverse("registry:building_move", kwargs={"building_id": b.pk}),
        reverse("registry:household_create", kwargs={"building_id": b.pk}),
        reverse("registry:household_detail", kwargs={"household_id": h.pk}) + "?departed=on",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "乙格路" not in response.content.decode(), url


def test_pages_need_the_registry_permission(world, town):
    volunteer = make_user("volunteer_a", world.grid_a, "volunteer")
    client = client_for(volunteer)
    assert client.get(reverse("registry:people")).status_code == 403
    viewer = make_user("viewer_a", world.grid_a, "department_staff")
    client = client_for(viewer)
    assert client.get(reverse("registry:people")).status_code == 200
    assert client.get(reverse("registry:person_create")).status_code == 403
    response = client.post(
        reverse("registry:person_depart", kwargs={"person_id": town["zht"].pk}), {"on": "2026-01-01"}
    )
    assert response.status_code == 403
    assert Person.objects.get(pk=town["zht"].pk).is_active
