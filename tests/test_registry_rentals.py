"""Rentals and shops: the reporting and occupation rules as data, pledges and placards,
tenants, the pages and the API, and their scoping."""

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from stdnum.cn import ric

from tests.factories import make_user
from tests.factories.reveal import revealed
from wangge.audit.models import Action, AuditEvent
from wangge.core.access import SYSTEM, scope_of
from wangge.registry import services as registry
from wangge.registry.models import Person, Rental, RentalPolicy, Tenancy
from wangge.registry.rentals import services as rentals

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 11, 20)
MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

_seq = iter(range(100, 999))


def new_id() -> str:
    body = f"11010519900101{next(_seq):03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the Chinese catalogue is produced separately)."""
    with translation.override("en"):
        yield


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def place(world):
    building = registry.create_building(actor=SYSTEM, grid=world.grid_a, name="甲1号楼", address="甲路1号")
    room = registry.get_or_create_room(actor=SYSTEM, building=building, number="101")
    household = registry.create_household(actor=SYSTEM, room=room)
    landlord = registry.register_person(
        actor=SYSTEM,
        household=household,
        name="王房东",
        id_type="resident_id",
        id_number=new_id(),
        relation="head",
        phone="13812345678",
    )
    return building, room, household, landlord


def make_rental(place, **kw):
    building, room, _household, landlord = place
    kw.setdefault("capacity", 4)
    return rentals.create_rental(actor=SYSTEM, building=building, room=room, landlord=landlord, **kw)


def make_person(household, name="租客", **kw):
    return registry.register_person(
        actor=SYSTEM, household=household, name=name, id_type="resident_id", id_number=new_id(), **kw
    )


def tenancy(rental, person, move_in, reported_on, risk=False):
    return rentals.add_tenant(
        actor=SYSTEM,
        rental=rental,
        person=person,
        move_in=move_in,
        reported_on=reported_on,
        from_risk_area=risk,
    )


def late_in_db(t: Tenancy) -> bool:
    return rentals.with_late_flag(Tenancy.objects.filter(pk=t.pk)).get().reported_late


# --- rules as data -------------------------------------------------------------------------


def test_friday_move_in_reported_monday_is_on_time_tuesday_is_late(place):
    rental = make_rental(place)
    household = place[2]
    on_time = tenancy(rental, make_person(household, "甲"), FRIDAY, MONDAY)
    late = tenancy(rental, make_person(household, "乙"), FRIDAY, TUESDAY)
    assert FRIDAY.weekday() == 4
    assert rentals.report_deadline(FRIDAY) == MONDAY
    assert not rentals.is_late(on_time) and not late_in_db(on_time)
    assert rentals.is_late(late) and late_in_db(late)


def test_weekend_move_in_counts_from_the_next_working_day(place):
    rental = make_rental(place)
    saturday = FRIDAY + timedelta(days=1)
    t = tenancy(rental, make_person(place[2]), saturday, MONDAY)
    assert not rentals.is_late(t) and not late_in_db(t)
    # Every weekday agrees between Python and the database.
    for offset in range(7):
        move_in = MONDAY - timedelta(days=14) + timedelta(days=offset)
        deadline = rentals.report_deadline(move_in)
        assert deadline.weekday() < 5 and deadline > move_in
        Tenancy.objects.filter(pk=t.pk).update(move_in=move_in, reported_on=deadline)
        assert not late_in_db(t)
        Tenancy.objects.filter(pk=t.pk).update(reported_on=deadline + timedelta(days=1))
        assert late_in_db(t)


def test_risk_area_tenant_must_be_reported_the_same_day(place):
    rental = make_rental(place)
    same_day = tenancy(rental, make_person(place[2], "甲"), MONDAY, MONDAY, risk=True)
    next_day = tenancy(rental, make_person(place[2], "乙"), MONDAY, TUESDAY, risk=True)
    ordinary = tenancy(rental, make_person(place[2], "丙"), MONDAY, TUESDAY)
    assert not rentals.is_late(same_day) and not late_in_db(same_day)
    assert rentals.is_late(next_day) and late_in_db(next_day)
    assert not rentals.is_late(ordinary) and not late_in_db(ordinary)


def test_the_policy_valid_on_the_move_in_date_applies(place):
    RentalPolicy.objects.create(
        name="宽松", report_within_working_days=3, valid_from=date(2026, 1, 1), valid_to=date(2026, 10, 31)
    )
    RentalPolicy.objects.create(name="严格", report_within_working_days=1, valid_from=date(2026, 11, 1))
    assert rentals.current_policy(date(2026, 5, 1)).name == "宽松"
    assert rentals.current_policy(date(2026, 11, 2)).name == "严格"
    default = rentals.current_policy(date(2025, 12, 31))
    assert default.pk is None and default.report_within_working_days == 1
    rental = make_rental(place)
    # Friday 2026-10-23 + 3 working days = Wednesday 10-28: on time under the old policy.
    old = tenancy(rental, make_person(place[2], "甲"), date(2026, 10, 23), date(2026, 10, 28))
    new = tenancy(rental, make_person(place[2], "乙"), FRIDAY, date(2026, 11, 25))
    assert not rentals.is_late(old) and not late_in_db(old)
    assert rentals.is_late(new) and late_in_db(new)


def test_over_occupation_by_capacity_then_by_rooms_policy(place):
    rental = make_rental(place, capacity=2, rooms=2)
    household = place[2]
    people = [make_person(household, n) for n in "甲乙丙"]
    for p in people:
        tenancy(rental, p, MONDAY, MONDAY)
    flagged = rentals.with_flags(Rental.objects.filter(pk=rental.pk)).get()
    assert (flagged.current_tenants, flagged.occupancy_limit, flagged.over_occupied) == (3, 2, True)
    # A tenant who moved out no longer counts.
    rentals.end_tenancy(actor=SYSTEM, tenancy=Tenancy.objects.get(person=people[0]), move_out=TUESDAY)
    flagged = rentals.with_flags(Rental.objects.filter(pk=rental.pk)).get()
    assert (flagged.current_tenants, flagged.over_occupied) == (2, False)
    # A policy of at most one person per room: 2 rooms hold 2 people... and 3 do not.
    tenancy(rental, make_person(household, "丁"), MONDAY, MONDAY)
    RentalPolicy.objects.create(name="每间2人", max_people_per_room=2, valid_from=date(2026, 1, 1))
    flagged = rentals.with_flags(Rental.objects.filter(pk=rental.pk)).get()
    assert (flagged.current_tenants, flagged.occupancy_limit, flagged.over_occupied) == (3, 4, False)
    RentalPolicy.objects.update(max_people_per_room=1)
    flagged = rentals.with_flags(Rental.objects.filter(pk=rental.pk)).get()
    assert (flagged.occupancy_limit, flagged.over_occupied) == (2, True)


def test_rental_list_filters_flags_per_grid(world, place, office_leader):
    late_one = make_rental(place, name="迟报屋")
    tenancy(late_one, make_person(place[2]), FRIDAY, TUESDAY)
    fine = make_rental(place, name="合规屋")
    rentals.record_pledge(actor=SYSTEM, rental=fine, signed_on=MONDAY)
    client = client_for(office_leader)
    url = reverse("registry:rental_list")
    page = client.get(url, {"flag": "late"}).content.decode()
    assert "迟报屋" in page and "合规屋" not in page
    page = client.get(url, {"flag": "no_pledge"}).content.decode()
    assert "迟报屋" in page and "合规屋" not in page
    counts = {r["building__grid__name"]: r for r in rentals.flag_counts_by_grid(scope_of(office_leader))}
    assert (
        counts["甲网格"]["total"] == 2
        and counts["甲网格"]["late"] == 1
        and counts["甲网格"]["no_pledge"] == 1
    )


def test_rental_list_makes_a_fixed_number_of_queries(place, office_leader):
    client = client_for(office_leader)
    url = reverse("registry:rental_list")
    make_rental(place)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        r = make_rental(place, name=f"屋{i}")
        tenancy(r, make_person(place[2], f"租{i}"), MONDAY, MONDAY)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


# --- pledge and placards -----------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def test_pledge_upload_refuses_an_exe_and_a_disguised_file(place, office_leader, media):
    rental = make_rental(place)
    client = client_for(office_leader)
    url = reverse("registry:rental_pledge", kwargs={"rental_id": rental.pk})
    exe = SimpleUploadedFile("pledge.exe", b"MZ\x90\x00binary", content_type="application/octet-stream")
    r = client.post(url, {"signed_on": MONDAY.isoformat(), "file": exe})
    assert r.status_code == 200 and "PDF, JPEG or PNG" in r.content.decode()
    fake = SimpleUploadedFile("pledge.pdf", b"MZ\x90\x00binary", content_type="application/pdf")
    r = client.post(url, {"signed_on": MONDAY.isoformat(), "file": fake})
    assert r.status_code == 200
    rental.refresh_from_db()
    assert not rental.pledge_file and rental.pledge_signed_on is None
    assert list(media.rglob("*")) == [] or not any(p.is_file() for p in media.rglob("*"))


def test_pledge_pdf_is_stored_and_served_only_in_scope(world, place, office_leader, media):
    rental = make_rental(place)
    client = client_for(office_leader)
    upload = SimpleUploadedFile("王房东-110105.pdf", PDF, content_type="application/pdf")
    r = client.post(
        reverse("registry:rental_pledge", kwargs={"rental_id": rental.pk}),
        {"signed_on": MONDAY.isoformat(), "file": upload},
    )
    assert r.status_code == 302
    rental.refresh_from_db()
    assert rental.pledge_signed_on == MONDAY
    assert rental.pledge_file.name.startswith("pledge") and "王房东" not in rental.pledge_file.name
    assert AuditEvent.objects.filter(
        model="registry.rental", object_id=str(rental.pk), action=Action.UPDATE
    ).exists()
    file_url = reverse("registry:pledge_file", kwargs={"rental_id": rental.pk})
    r = client.get(file_url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert b"".join(r.streaming_content) == PDF
    detail = client.get(reverse("registry:rental_detail", kwargs={"rental_id": rental.pk})).content.decode()
    assert file_url in detail and rental.pledge_file.name not in detail
    # Another grid's account gets 404, exactly like a missing rental; so does an anonymous one.
    other = client_for(make_user("leader_b", world.grid_b, "grid_leader"))
    assert other.get(file_url).status_code == 404
    assert other.get(reverse("registry:pledge_file", kwargs={"rental_id": 987654})).status_code == 404
    assert Client().get(file_url).status_code == 302


def test_pledge_size_limit_and_future_date(place):
    rental = make_rental(place)
    big = SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf")
    big.size = rentals.PLEDGE_MAX_BYTES + 1
    with pytest.raises(ValidationError) as exc:
        rentals.record_pledge(actor=SYSTEM, rental=rental, signed_on=MONDAY, file=big)
    assert "too large" in str(exc.value)
    with pytest.raises(ValidationError):
        rentals.record_pledge(actor=SYSTEM, rental=rental, signed_on=timezone.localdate() + timedelta(days=1))


def test_placards_are_recorded_with_who_and_when(place, office_leader):
    rental = make_rental(place)
    client = client_for(office_leader)
    url = reverse("registry:rental_placards", kwargs={"rental_id": rental.pk})
    r = client.post(url, {"posted_on": MONDAY.isoformat(), "posted_by": ""})
    assert r.status_code == 200  # who posted them is required
    r = client.post(url, {"posted_on": MONDAY.isoformat(), "posted_by": "李网格员"})
    assert r.status_code == 302
    rental.refresh_from_db()
    assert (rental.placards_posted_on, rental.placards_posted_by) == (MONDAY, "李网格员")


# --- pages: rentals and tenants -------------------------------------------------------------


def test_create_rental_by_landlord_id_number_in_scope_only(world, place, office_leader):
    building, _room, _household, landlord = place
    client = client_for(office_leader)
    data = {
        "kind": "shop",
        "building": building.pk,
        "room_number": "102",
        "name": "沿街超市",
        "landlord_id_type": "resident_id",
        "landlord_id_number": landlord.id_number,
        "manager_phone": "",
        "status": "let",
        "rooms": 1,
        "capacity": 3,
    }
    r = client.post(reverse("registry:rental_create"), data)
    assert r.status_code == 302, r.content.decode()
    rental = Rental.objects.get(name="沿街超市")
    assert rental.landlord == landlord and rental.room.number == "102" and rental.path == world.grid_a.path
    # A landlord registered in another grid is not found; nothing is created.
    other_building = registry.create_building(actor=SYSTEM, grid=world.grid_b, name="乙楼")
    other_household = registry.create_household(
        actor=SYSTEM, room=registry.get_or_create_room(actor=SYSTEM, building=other_building, number="1")
    )
    foreign = make_person(other_household, "乙房东")
    r = client_for(make_user("leader_a2", world.grid_a, "grid_leader")).post(
        reverse("registry:rental_create"), {**data, "name": "第二家", "landlord_id_number": foreign.id_number}
    )
    assert r.status_code == 200 and "register the landlord first" in r.content.decode()
    assert not Rental.objects.filter(name="第二家").exists()


def test_edit_rental_is_audited(place, office_leader):
    rental = make_rental(place, name="旧名")
    r = client_for(office_leader).post(
        reverse("registry:rental_edit", kwargs={"rental_id": rental.pk}),
        {
            "kind": "dwelling",
            "name": "新名",
            "landlord_id_type": "resident_id",
            "status": "vacant",
            "rooms": 2,
            "capacity": 4,
        },
    )
    assert r.status_code == 302
    rental.refresh_from_db()
    assert (rental.name, rental.status, rental.rooms, rental.landlord_id) == (
        "新名",
        "vacant",
        2,
        place[3].pk,
    )
    event = AuditEvent.objects.get(model="registry.rental", object_id=str(rental.pk), action=Action.UPDATE)
    assert event.before["name"] == "旧名" and event.after["name"] == "新名"


def test_add_a_new_tenant_registers_them_and_flags_a_late_report(place, office_leader):
    rental = make_rental(place)
    client = client_for(office_leader)
    number = new_id()
    r = client.post(
        reverse("registry:tenant_add", kwargs={"rental_id": rental.pk}),
        {
            "id_type": "resident_id",
            "id_number": number,
            "name": "新租客",
            "phone": "13900001111",
            "origin": "河南商丘",
            "move_in": FRIDAY.isoformat(),
            "reported_on": TUESDAY.isoformat(),
        },
    )
    assert r.status_code == 302
    person = Person.objects.get(id_number=number)
    assert (person.status, person.relation, person.household_id) == ("tenant", "tenant", place[2].pk)
    t = Tenancy.objects.get(person=person)
    assert t.rental == rental
    detail = client.get(reverse("registry:rental_detail", kwargs={"rental_id": rental.pk})).content.decode()
    assert "新租客" in detail and 'data-testid="late"' in detail
    # The same person again is refused while they live there; nothing is lost from the form.
    r = client.post(
        reverse("registry:tenant_add", kwargs={"rental_id": rental.pk}),
        {
            "id_type": "resident_id",
            "id_number": number,
            "move_in": MONDAY.isoformat(),
            "reported_on": MONDAY.isoformat(),
        },
    )
    assert (
        r.status_code == 200 and "already lives here" in r.content.decode() and number in r.content.decode()
    )
    assert Tenancy.objects.filter(person=person).count() == 1


def test_unknown_tenant_without_a_name_gets_a_clear_error(place, office_leader):
    rental = make_rental(place)
    r = client_for(office_leader).post(
        reverse("registry:tenant_add", kwargs={"rental_id": rental.pk}),
        {"id_type": "resident_id", "id_number": new_id(), "move_in": MONDAY.isoformat()},
    )
    assert r.status_code == 200 and "enter their name" in r.content.decode()
    assert not Tenancy.objects.exists()


def test_end_tenancy_keeps_history(place, office_leader):
    rental = make_rental(place)
    t = tenancy(rental, make_person(place[2]), FRIDAY, FRIDAY)
    client = client_for(office_leader)
    url = reverse("registry:tenancy_end", kwargs={"tenancy_id": t.pk})
    r = client.post(url, {"move_out": (FRIDAY - timedelta(days=1)).isoformat()})
    assert r.status_code == 200 and "before the move-in" in r.content.decode()
    assert client.post(url, {"move_out": TUESDAY.isoformat()}).status_code == 302
    t.refresh_from_db()
    assert t.move_out == TUESDAY and t.person.is_active
    r = client.post(url, {"move_out": TUESDAY.isoformat()})
    assert "already moved out" in r.content.decode()


def test_detail_masks_ids_and_phones_for_roles_without_the_right(world, place):
    rental = make_rental(place)
    landlord = place[3]
    worker = make_user("worker_a", world.grid_a, "department_staff")
    page = (
        client_for(worker)
        .get(reverse("registry:rental_detail", kwargs={"rental_id": rental.pk}))
        .content.decode()
    )
    assert landlord.id_number not in page and landlord.id_number[-4:] in page
    assert "13812345678" not in page and "138****5678" in page
    leader = client_for(make_user("leader_full", world.grid_a, "grid_leader"))
    page = leader.get(reverse("registry:rental_detail", kwargs={"rental_id": rental.pk})).content.decode()
    assert landlord.id_number not in page  # masked for every role; revealed on demand
    shown = revealed(leader, page)
    assert landlord.id_number in shown and "13812345678" in shown
    assert AuditEvent.objects.filter(model="registry.rental", action=Action.VIEW).count() == 2


def test_read_only_role_cannot_change_rentals(world, place):
    rental = make_rental(place)
    viewer_user = make_user("viewer", world.grid_a, "department_staff")
    viewer = client_for(viewer_user)
    assert viewer.get(reverse("registry:rental_detail", kwargs={"rental_id": rental.pk})).status_code == 200
    r = viewer.post(
        reverse("registry:rental_placards", kwargs={"rental_id": rental.pk}),
        {"posted_on": "2026-11-23", "posted_by": "x"},
    )
    assert r.status_code == 403
    with pytest.raises(PermissionDenied):
        rentals.record_placards(actor=viewer_user, rental=rental, posted_on=MONDAY, posted_by="x")
    rental.refresh_from_db()
    assert rental.placards_posted_on is None


# --- API --------------------------------------------------------------------------------------


def test_api_rentals_list_get_create_and_tenants(world, place):
    building, room, household, landlord = place
    user = make_user("api_worker", world.grid_a, "grid_worker")  # phones yes, ID numbers no
    client = client_for(user)
    base = "/api/v1/registry/rentals"
    r = client.post(
        base,
        json.dumps(
            {"building_id": building.pk, "landlord_id": landlord.pk, "room_id": room.pk, "capacity": 1}
        ),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    rental_id = r.json()["id"]
    assert (
        r.json()["landlord_id_number"] != landlord.id_number and r.json()["landlord_phone"] == "13812345678"
    )
    tenant = make_person(household, "接口租客")
    r = client.post(
        f"{base}/{rental_id}/tenants",
        json.dumps(
            {"person_id": tenant.pk, "move_in": FRIDAY.isoformat(), "reported_on": TUESDAY.isoformat()}
        ),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["reported_late"] is True
    listing = client.get(base, {"flag": "late"}).json()
    assert listing["count"] == 1 and listing["items"][0]["late_report"] is True
    assert client.get(f"{base}/{rental_id}").json()["current_tenants"] == 1
    r = client.post(
        f"{base}/tenancies/{Tenancy.objects.get().pk}/end",
        json.dumps({"move_out": TUESDAY.isoformat()}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["move_out"] == TUESDAY.isoformat()
    # Bad input is a clear 422, a foreign building a 404.
    r = client.post(
        base,
        json.dumps({"building_id": building.pk, "landlord_id": landlord.pk, "rooms": 0}),
        content_type="application/json",
    )
    assert r.status_code == 422 and "room" in json.dumps(r.json(), ensure_ascii=False)
    other = registry.create_building(actor=SYSTEM, grid=world.grid_b, name="乙楼")
    r = client.post(
        base,
        json.dumps({"building_id": other.pk, "landlord_id": landlord.pk}),
        content_type="application/json",
    )
    assert r.status_code == 404


def test_district_sets_a_new_rule_version_and_it_applies_from_its_date(
    client, world, admin_user, office_leader
):
    from datetime import date

    from wangge.registry.models import RentalPolicy
    from wangge.registry.rentals import services as rules

    client.force_login(office_leader)
    assert client.get("/registry/rentals/rules/").status_code == 200
    assert client.post("/registry/rentals/rules/new/", {"name": "x"}).status_code == 403
    client.force_login(admin_user)
    r = client.post(
        "/registry/rentals/rules/new/",
        {
            "name": "2022年3月规定",
            "report_within_working_days": 2,
            "max_people_per_room": 4,
            "valid_from": "2022-03-01",
        },
    )
    assert r.status_code == 302
    client.post(
        "/registry/rentals/rules/new/",
        {
            "name": "2022年6月规定",
            "report_within_working_days": 1,
            "max_people_per_room": 0,
            "valid_from": "2022-06-01",
        },
    )
    assert rules.current_policy(date(2022, 4, 1)).report_within_working_days == 2
    assert rules.current_policy(date(2022, 7, 1)).report_within_working_days == 1
    assert RentalPolicy.objects.get(name="2022年3月规定").valid_to == date(2022, 5, 31)


def test_per_grid_flag_counts_and_the_home_late_count_agree_with_each_rentals_flags(place, office_leader):
    """The per-grid summary and the home's late count are counted from the tenancies' side (for
    a district of a million); they must say what the per-rental flags say."""
    RentalPolicy.objects.create(
        name="宽松", report_within_working_days=3, valid_from=date(2026, 1, 1), valid_to=date(2026, 10, 31)
    )
    household = place[2]
    crowded = make_rental(place, name="一", capacity=1)
    tenancy(crowded, make_person(household, "甲"), FRIDAY, TUESDAY)  # late
    tenancy(crowded, make_person(household, "乙"), MONDAY, MONDAY)  # and over its capacity of one
    risky = make_rental(place, name="二")
    tenancy(
        risky, make_person(household, "丙"), MONDAY, TUESDAY, risk=True
    )  # late: same day from a risk area
    lenient = make_rental(place, name="三")
    tenancy(lenient, make_person(household, "丁"), date(2026, 10, 23), date(2026, 10, 28))  # on time then
    make_rental(place, name="四")
    scope = scope_of(office_leader)
    flagged = list(rentals.with_flags(rentals.rentals(scope)))
    assert rentals.late_rental_count(scope) == sum(r.late_report for r in flagged) == 2
    (row,) = [r for r in rentals.flag_counts_by_grid(scope) if r["path"] == place[0].path]
    assert row["total"] == len(flagged) == 4
    assert row["late"] == 2
    assert row["over"] == sum(r.over_occupied for r in flagged) == 1
    assert row["unvisited"] == 4
    assert row["no_pledge"] == 4
