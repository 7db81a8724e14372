import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import make_user
from tests.factories.registry import rid
from tests.factories.venues import kind, make_shop, make_venue, uscc_code, wrong_check
from wangge.audit.models import AuditEvent
from wangge.core.access import SYSTEM, scope_of
from wangge.venues import evidence
from wangge.venues.models import DisinfectionEntry, VenueKind, VenueStaff, VisitorEntry
from wangge.venues.places import services as places
from wangge.venues.records import services as records
from wangge.venues.selectors import venues_in_scope


def test_kinds_are_seeded_with_staff_categories(db):
    hotel = VenueKind.objects.get(code="hotel")
    assert hotel.staff_category.code == "hotel_staff"
    assert VenueKind.objects.get(code="primary_school").keeps_visitor_register
    assert not hotel.keeps_visitor_register
    assert {"middle_school", "kindergarten", "internet_cafe", "construction_site"} <= set(
        VenueKind.objects.values_list("code", flat=True)
    )


def test_create_copies_the_grid_path_and_is_audited(world):
    office = make_user("office_v", world.office, "office_leader")
    venue = places.create_venue(
        actor=office, kind=kind("restaurant"), grid=world.grid_a, name="老家饭店",
        responsible_phone="138 0013 8000", enterprise_code=uscc_code(5).lower(),
    )  # fmt: skip
    assert venue.path == world.grid_a.path
    assert venue.responsible_phone == "13800138000"
    assert venue.enterprise_code == uscc_code(5)
    assert AuditEvent.objects.filter(model="venues.venue", object_id=str(venue.pk), action="create").exists()
    assert list(venues_in_scope(scope_of(office))) == [venue]
    assert list(venues_in_scope(scope_of(make_user("nobody", None, "office_leader")))) == []


def test_a_grid_that_is_not_level_3_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        places.create_venue(actor=SYSTEM, kind=kind("hotel"), grid=world.village, name="村酒店")
    assert "grid" in exc.value.error_dict


def test_wrong_check_character_gets_a_clear_message(world):
    with pytest.raises(ValidationError) as exc:
        make_venue(world.grid_a, enterprise_code=wrong_check(uscc_code(7)))
    message = exc.value.error_dict["enterprise_code"][0].messages[0]
    assert uscc_code(7)[-1] in message


def test_bad_phone_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        make_venue(world.grid_a, responsible_phone="12345")
    assert "responsible_phone" in exc.value.error_dict


def test_a_shop_of_the_registry_is_the_same_place(world):
    shop = make_shop(world.grid_a)
    venue = places.create_venue(actor=SYSTEM, kind=kind("supermarket"), shop=shop)
    assert venue.grid_id == world.grid_a.pk and venue.name == shop.name
    assert venue.responsible_phone == "13800001111"
    with pytest.raises(ValidationError) as exc:
        places.create_venue(actor=SYSTEM, kind=kind("supermarket"), shop=shop, name="又一个")
    assert "shop" in exc.value.error_dict


def test_status_changes_and_scope(world):
    venue = make_venue(world.grid_b)
    leader_a = make_user("leader_va", world.grid_a, "office_leader")
    with pytest.raises(PermissionDenied):
        places.close_venue(actor=leader_a, venue=venue)
    office = make_user("office_v2", world.office, "office_leader")
    assert places.suspend_venue(actor=office, venue=venue, reason="整改").status == "suspended"
    with pytest.raises(ValidationError):
        places.suspend_venue(actor=office, venue=places.close_venue(actor=office, venue=venue))
    assert places.reopen_venue(actor=office, venue=venue).status == "open"


def test_only_the_district_edits_kinds(world):
    office = make_user("office_k", world.office, "district_admin")
    with pytest.raises(PermissionDenied):
        places.create_kind(actor=office, code="gym", name="健身房")
    district = make_user("district_k", world.district, "district_admin")
    gym = places.create_kind(actor=district, code="gym", name="健身房")
    places.update_kind(actor=district, kind=gym, name="健身场馆")
    gym.refresh_from_db()
    assert gym.name == "健身场馆"


def test_records_idempotent_by_client_id(world):
    venue = make_venue(world.grid_a, kind_code="primary_school", name="第一小学")
    worker = make_user("worker_v", world.grid_a, "grid_worker")
    key = uuid.uuid4()
    today = timezone.localdate()
    a = records.log_disinfection(actor=worker, venue=venue, done_on=today, area="教室", client_id=key)
    b = records.log_disinfection(actor=worker, venue=venue, done_on=today, area="教室", client_id=str(key))
    assert a.pk == b.pk and DisinfectionEntry.objects.count() == 1
    v1 = records.log_visitor(
        actor=worker, venue=venue, name="访客甲", code_colour="green", temperature="36.5", client_id=key
    )
    v2 = records.log_visitor(
        actor=worker, venue=venue, name="访客甲", code_colour="green", temperature="36.5", client_id=key
    )
    assert v1.pk == v2.pk and VisitorEntry.objects.count() == 1
    with pytest.raises(ValidationError) as exc:
        records.log_visitor(actor=worker, venue=venue, name="访客乙", code_colour="green", temperature="45")
    assert "temperature" in exc.value.error_dict
    assert evidence.missing_disinfection_days(venue, on=today, days=3) == [
        today - timezone.timedelta(days=2),
        today - timezone.timedelta(days=1),
    ]


def test_visitor_register_only_for_kinds_that_keep_one(world):
    hotel = make_venue(world.grid_a)
    with pytest.raises(ValidationError):
        records.log_visitor(actor=SYSTEM, venue=hotel, name="甲", code_colour="green", temperature="36.5")


def test_staff_added_by_document_or_provisionally(world):
    venue = make_venue(world.grid_a, kind_code="restaurant", name="饭店")
    worker = make_user("worker_s", world.grid_a, "grid_worker")
    staff = records.add_staff(actor=worker, venue=venue, name="厨师甲", id_number=rid(301), job="厨师")
    assert staff.person.status == "provisional" and staff.person.grid_id == world.grid_a.pk
    assert staff.category.code == "restaurant_staff"
    again = records.add_staff(actor=worker, venue=venue, name="厨师甲", id_number=rid(301))
    assert again.pk == staff.pk and VenueStaff.objects.count() == 1
    with pytest.raises(ValidationError) as exc:
        records.add_staff(actor=worker, venue=venue, name="别人", id_number=rid(301))
    assert "name" in exc.value.error_dict
    [line] = evidence.staff_testing(venue, on=timezone.localdate())
    assert not line.on_time and line.interval_days == 3
    records.end_staff(actor=worker, staff=staff)
    assert evidence.staff_testing(venue, on=timezone.localdate()) == []


def test_foreign_venue_records_are_refused(world):
    venue = make_venue(world.grid_b)
    worker = make_user("worker_f", world.grid_a, "grid_worker")
    with pytest.raises(PermissionDenied):
        records.log_disinfection(actor=worker, venue=venue, done_on=timezone.localdate(), area="大堂")
