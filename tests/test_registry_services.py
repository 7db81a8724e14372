"""Unit tests of the registry's identity checks and services: ID documents and phones, one
person one record, transfers with history, departures and returns, moving buildings."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from stdnum.cn import ric

from tests.factories import make_user
from wangge.audit.models import Action, AuditEvent
from wangge.core import masking
from wangge.core.access import SYSTEM, scope_of
from wangge.registry import identity, selectors, services
from wangge.registry.models import Household, Person, PersonMove, Rental, Room, Tenancy, Visit


def resident_id(body17: str) -> str:
    """A valid 18-digit number for the first 17 characters (stdnum wants a placeholder digit)."""
    return body17 + ric.calc_check_digit(body17 + "0")


ID_A = resident_id("11010519491231002")  # 11010519491231002X, a woman born 1949-12-31
ID_B = resident_id("41010219900307001")  # 中原区, a man born 1990-03-07
ID_C = resident_id("41010220010615004")


# --- identity ------------------------------------------------------------------------


def test_resident_id_check_digit_sex_and_birth_date():
    checked = identity.check_resident_id(ID_A.lower())
    assert checked.number == "11010519491231002X"  # the x is upper-cased
    assert checked.birth_date == date(1949, 12, 31)
    assert checked.sex == "F"
    assert checked.warning == ""
    assert identity.check_resident_id(ID_B).sex == "M"


def test_a_mistyped_digit_is_caught_by_the_check_digit():
    wrong = ID_B[:10] + str((int(ID_B[10]) + 1) % 10) + ID_B[11:]
    with pytest.raises(ValidationError, match="check digit"):
        identity.check_resident_id(wrong)


@pytest.mark.parametrize(
    "raw, message",
    [
        ("4101021990030700", "18 characters"),
        ("41010219900307001Y", "18 characters"),
        (resident_id("41010219901307001"), "impossible"),  # month 13
        (resident_id("41010230000101001"), "future"),
        ("410102901307001", "impossible"),  # 15 digits, month 13
    ],
)
def test_impossible_resident_ids_are_refused(raw, message):
    with pytest.raises(ValidationError, match=message):
        identity.check_resident_id(raw)


def test_old_15_digit_number_is_upgraded():
    checked = identity.check_resident_id("110105491231002")
    assert checked.number == "11010519491231002X"
    assert checked.upgraded_from == "110105491231002"
    assert checked.birth_date == date(1949, 12, 31)


def test_unknown_area_code_is_a_warning_not_an_error():
    checked = identity.check_resident_id(resident_id("99999919800101123"))
    assert "999999" in checked.warning
    assert checked.birth_date == date(1980, 1, 1)


def test_area_code_created_after_the_birth_year_is_not_flagged():
    # 新郑市 got 410184 in 1994; people born there earlier carry it all the same.
    assert identity.check_resident_id(resident_id("41018419900307001")).warning == ""


@pytest.mark.parametrize(
    "id_type, raw, number",
    [
        ("passport", "e 1234-5678", "E12345678"),
        ("hk_macao", "H12345678", "H12345678"),
        ("taiwan", "12345678", "12345678"),
        ("foreign_pr", "USA123456789012", "USA123456789012"),
    ],
)
def test_other_documents_are_normalised(id_type, raw, number):
    checked = identity.check_document(id_type, raw)
    assert (checked.id_type, checked.number, checked.birth_date) == (id_type, number, None)


@pytest.mark.parametrize(
    "id_type, raw", [("passport", "E1"), ("hk_macao", "X12345678"), ("taiwan", "123"), ("nonsense", "123456")]
)
def test_bad_other_documents_are_refused(id_type, raw):
    with pytest.raises(ValidationError):
        identity.check_document(id_type, raw)


def test_phones_are_normalised_and_validated():
    assert identity.normalise_phone("+86 138-1234-5678") == "13812345678"
    assert identity.normalise_phone("(0371) 6666 1234") == "037166661234"
    assert identity.normalise_phone("  ") == ""
    for bad in ("12345", "1381234567", "23812345678", "phone"):
        with pytest.raises(ValidationError):
            identity.normalise_phone(bad)


def test_mask_id_keeps_area_and_last_four():
    assert masking.mask_id("11010519491231002X") == "110105********002X"
    assert masking.mask_id("E1234567") == "E1******"


def test_initials_of_chinese_names():
    assert services.initials("张海婷") == "zht"
    assert services.initials("Anna 李") == "al"


# --- places --------------------------------------------------------------------------


@pytest.fixture
def place(world):
    building = services.create_building(actor=SYSTEM, grid=world.grid_a, name="1号楼", address="航空港路1号")
    room = services.get_or_create_room(actor=SYSTEM, building=building, number="1203", unit_label="2单元")
    household = services.create_household(actor=SYSTEM, room=room)
    return building, room, household


def register(household, name="张海婷", id_number=ID_A, **kw):
    return services.register_person(
        actor=SYSTEM, household=household, name=name, id_type="resident_id", id_number=id_number, **kw
    )


def test_a_building_belongs_to_a_level3_grid(world):
    with pytest.raises(ValidationError):
        services.create_building(actor=SYSTEM, grid=world.village, name="村委楼")


def test_rooms_are_found_again_and_floor_is_read_from_the_number(place):
    building, room, household = place
    assert room.floor == 12
    assert household.address == "航空港路1号 1号楼 2单元 1203"
    again = services.get_or_create_room(actor=SYSTEM, building=building, number="1203", unit_label="2单元")
    assert again.pk == room.pk


def test_grid_worker_cannot_create_in_another_grid(world):
    worker = make_user("worker_a", world.grid_a, "grid_worker")
    with pytest.raises(Http404):
        services.create_building(actor=worker, grid=world.grid_b, name="外格楼")
    viewer = make_user("viewer_a", world.grid_a, "department_staff")
    with pytest.raises(PermissionDenied):
        services.create_building(actor=viewer, grid=world.grid_a, name="本格楼")


# --- people --------------------------------------------------------------------------


def test_registration_derives_sex_birth_and_initials_and_keeps_history(place):
    _b, _r, household = place
    person = register(household, relation="head", phone="138 1234 5678")
    assert (person.sex, person.birth_date, person.name_initials) == ("F", date(1949, 12, 31), "zht")
    assert person.phone == "13812345678"
    assert person.path == household.path and person.grid_id == household.room.building.grid_id
    household.refresh_from_db()
    assert household.head_id == person.pk
    assert list(person.moves.values_list("kind", flat=True)) == ["arrive"]
    assert AuditEvent.objects.filter(
        action=Action.CREATE, model="registry.person", object_id=str(person.pk)
    ).exists()


def test_registration_of_bad_input_changes_nothing(place):
    _b, _r, household = place
    with pytest.raises(ValidationError):
        register(household, id_number=ID_A[:-1] + "1")
    with pytest.raises(ValidationError):
        register(household, phone="12345")
    assert not Person.objects.exists()


def test_one_person_one_record_active_document_refused_with_where(world, place):
    _b, _r, household = place
    register(household, name="张海婷")
    leader = make_user("leader_a2", world.grid_a, "grid_leader")
    with pytest.raises(ValidationError) as exc:
        services.register_person(
            actor=leader,
            household=household,
            name="张海亭",
            id_type="resident_id",
            id_number="110105491231002",
        )
    text = " ".join(exc.value.messages)
    assert "张海婷" in text and "transfer" in text  # the 15-digit form is the same person
    assert Person.objects.count() == 1


def test_a_foreign_duplicate_reveals_nothing(world, place):
    _b, _r, household = place
    register(household, name="张海婷")
    building_b = services.create_building(actor=SYSTEM, grid=world.grid_b, name="乙楼")
    room_b = services.get_or_create_room(actor=SYSTEM, building=building_b, number="101")
    household_b = services.create_household(actor=SYSTEM, room=room_b)
    leader_b = make_user("leader_b", world.grid_b, "grid_leader")
    with pytest.raises(ValidationError) as exc:
        services.register_person(
            actor=leader_b, household=household_b, name="某人", id_type="resident_id", id_number=ID_A
        )
    text = " ".join(exc.value.messages)
    assert "another jurisdiction" in text
    assert "张海婷" not in text and "1号楼" not in text


def test_transfer_keeps_history_and_moves_scope(world, place):
    _b, _r, household = place
    person = register(household, relation="head")
    building_b = services.create_building(actor=SYSTEM, grid=world.grid_b, name="乙楼")
    room_b = services.get_or_create_room(actor=SYSTEM, building=building_b, number="101")
    household_b = services.create_household(actor=SYSTEM, room=room_b)
    moved = services.transfer_person(
        actor=SYSTEM, person=person, household=household_b, relation="head", reason="搬家"
    )
    assert moved.pk == person.pk and moved.path == world.grid_b.path and moved.grid_id == world.grid_b.pk
    household.refresh_from_db()
    household_b.refresh_from_db()
    assert household.head_id is None and household_b.head_id == person.pk
    last = PersonMove.objects.filter(person=person).first()
    assert (last.kind, last.from_household_id, last.to_household_id, last.reason) == (
        "move",
        household.pk,
        household_b.pk,
        "搬家",
    )
    assert last.from_path == world.grid_a.path
    assert Person.objects.count() == 1
    leader_a = make_user("leader_a3", world.grid_a, "grid_leader")
    with pytest.raises(Http404):
        selectors.get_person(scope_of(leader_a), person.pk)


def test_transfer_out_of_scope_is_refused(world, place):
    _b, _r, household = place
    person = register(household)
    building_b = services.create_building(actor=SYSTEM, grid=world.grid_b, name="乙楼")
    room_b = services.get_or_create_room(actor=SYSTEM, building=building_b, number="101")
    household_b = services.create_household(actor=SYSTEM, room=room_b)
    worker = make_user("worker_a", world.grid_a, "grid_worker")
    with pytest.raises(Http404):
        services.transfer_person(actor=worker, person=person, household=household_b)
    person.refresh_from_db()
    assert person.household_id == household.pk


def test_departure_leaves_counts_but_stays_searchable(world, place):
    from wangge.registry.people import search

    _b, _r, household = place
    person = register(household, relation="head", phone="13812345678")
    register(household, name="李四", id_number=ID_B)
    scope = scope_of(make_user("leader_a4", world.grid_a, "grid_leader"))
    assert selectors.people(scope).count() == 2
    services.record_departure(actor=SYSTEM, person=person, on=date(2026, 1, 5), reason="回老家")
    person.refresh_from_db()
    assert not person.is_active and person.departure_date == date(2026, 1, 5)
    household.refresh_from_db()
    assert household.head_id is None
    assert selectors.people(scope).count() == 1
    assert [p.pk for p in search.search(scope, "zht").people] == [person.pk]
    assert [p.pk for p in search.search(scope, "5678").people] == [person.pk]
    with pytest.raises(ValidationError):
        services.record_departure(actor=SYSTEM, person=person)
    with pytest.raises(ValidationError, match="departed"):
        services.transfer_person(actor=SYSTEM, person=person, household=household)


def test_return_reactivates_the_same_record(world, place):
    building, _r, household = place
    person = register(household, phone="13812345678")
    services.record_departure(actor=SYSTEM, person=person)
    room2 = services.get_or_create_room(actor=SYSTEM, building=building, number="301")
    household2 = services.create_household(actor=SYSTEM, room=room2)
    back = services.register_person(
        actor=SYSTEM,
        household=household2,
        name="张海婷",
        id_type="resident_id",
        id_number=ID_A,
        relation="head",
        phone="13900001111",
    )
    assert back.pk == person.pk
    assert back.is_active and back.departure_date is None and back.household_id == household2.pk
    assert back.phone == "13900001111"
    assert Person.objects.count() == 1
    assert list(PersonMove.objects.filter(person=person).values_list("kind", flat=True)) == [
        "return",
        "depart",
        "arrive",
    ]
    household2.refresh_from_db()
    assert household2.head_id == person.pk


def test_update_person_validates_and_audits(place):
    _b, _r, household = place
    person = register(household)
    other = register(household, name="李四", id_number=ID_B)
    with pytest.raises(ValidationError):
        services.update_person(actor=SYSTEM, person=person, status="nonsense")
    with pytest.raises(ValidationError):
        services.update_person(actor=SYSTEM, person=person, id_number=ID_B)  # other's active document
    updated = services.update_person(actor=SYSTEM, person=person, name=" 张海亭 ", id_number=ID_C)
    assert (updated.name, updated.name_initials, updated.id_number) == ("张海亭", "zht", ID_C)
    assert updated.birth_date == date(2001, 6, 15)
    event = AuditEvent.objects.filter(action=Action.UPDATE, model="registry.person").latest("id")
    assert event.before["name"] == "张海婷" and event.after["name"] == "张海亭"
    n = AuditEvent.objects.count()
    services.update_person(actor=SYSTEM, person=other, name="李四")
    assert AuditEvent.objects.count() == n  # nothing changed, nothing written


def test_moving_a_building_moves_its_peoples_scope(world, place):
    building, room, household = place
    person = register(household)
    departed = register(household, name="李四", id_number=ID_B)
    services.record_departure(actor=SYSTEM, person=departed)
    rental = Rental.objects.create(building=building, room=room, landlord=person, path=building.path)
    tenancy = Tenancy.objects.create(
        rental=rental, person=person, move_in=date(2026, 1, 1), reported_on=date(2026, 1, 1), path=rental.path
    )
    visit = Visit.objects.create(
        household=household, visitor_name="走访员", outcome="met", path=household.path
    )
    office = make_user("office_mover", world.office, "office_leader")
    services.move_building(actor=office, building=building, grid=world.grid_b)
    b = world.grid_b.path
    assert Room.objects.get(pk=room.pk).path == b
    assert Household.objects.get(pk=household.pk).path == b
    for p in (person, departed):
        p.refresh_from_db()
        assert (p.path, p.grid_id) == (b, world.grid_b.pk)
    assert Rental.objects.get(pk=rental.pk).path == b
    assert Tenancy.objects.get(pk=tenancy.pk).path == b
    assert Visit.objects.get(pk=visit.pk).path == b
    leader_a = make_user("leader_a5", world.grid_a, "grid_leader")
    leader_b = make_user("leader_b5", world.grid_b, "grid_leader")
    assert not selectors.people(scope_of(leader_a)).exists()
    assert list(selectors.people(scope_of(leader_b))) == [person]
    assert AuditEvent.objects.filter(action=Action.MOVE, model="registry.building").exists()


def test_a_grid_worker_cannot_move_a_building_out_of_their_grid(world, place):
    building, _r, _h = place
    worker = make_user("worker_a", world.grid_a, "grid_worker")
    with pytest.raises(Http404):
        services.move_building(actor=worker, building=building, grid=world.grid_b)
    building.refresh_from_db()
    assert building.grid_id == world.grid_a.pk


def test_initials_of_latin_names_take_each_word():
    assert services.initials("Anna Smith") == "as"
    assert services.initials("阿依古丽·买买提") == "ayglmmt"


@pytest.mark.django_db
def test_the_lean_look_up_by_document_gives_the_record_find_by_document_gives(world):
    """find_holder_of_document (checkpoints link each entry through it) agrees with
    find_by_document: the active record first, a merged one never, nobody for an unknown number."""
    from tests.factories.registry import rid

    number = rid(424)
    assert services.find_holder_of_document("resident_id", number) is None
    old = services.register_provisional(
        actor=SYSTEM, grid=world.grid_a, name="旧记录", id_type="resident_id", id_number=number
    )
    Person.objects.filter(pk=old.pk).update(is_active=False)
    assert services.find_holder_of_document("resident_id", number) == (old.pk, "旧记录")
    new = services.register_provisional(
        actor=SYSTEM, grid=world.grid_b, name="新记录", id_type="resident_id", id_number=number
    )
    assert services.find_holder_of_document("resident_id", number) == (new.pk, "新记录")
    assert services.find_by_document("resident_id", number).pk == new.pk
    Person.objects.filter(pk=new.pk).update(merged_into=old)
    assert services.find_holder_of_document("resident_id", number) == (old.pk, "旧记录")
    assert services.find_by_document("resident_id", number).pk == old.pk
