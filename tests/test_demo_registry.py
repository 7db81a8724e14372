"""The demo district's registry (wangge/demo/registry_builder.py): what the services would write.

Built once for the module at 2,000 people inside a transaction rolled back at the end; each
test runs in a savepoint within it.
"""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F
from django.test.utils import override_settings
from django.utils import timezone

from tests.factories.demo import FAST_HASHERS, wipe_demo
from wangge.demo.builder import DEFAULT_SEED, PAGE_PEOPLE, build_demo, demo_counts
from wangge.demo.meta import PEOPLE_PER_SCALE, planned_people
from wangge.demo.registry_builder import registry_digest
from wangge.org.models import Level, OrgUnit
from wangge.registry import shortcode
from wangge.registry.identity import check_resident_id, normalise_phone
from wangge.registry.models import (
    Building,
    BuildingKind,
    Household,
    PartyLink,
    Person,
    PersonMove,
    Relation,
    Rental,
    RentalKind,
    ResidentStatus,
    Room,
    Tenancy,
    Visit,
)
from wangge.registry.services import address_of, initials
from wangge.roster.models import Assignment, AssignmentRole

PEOPLE = 2000


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        result = build_demo(seed=DEFAULT_SEED, people=PEOPLE, testing=False)
        result.registry_digest = registry_digest()
        yield result
        transaction.set_rollback(True)


def test_the_default_demo_has_at_least_20000_people():
    assert planned_people(1) == PEOPLE_PER_SCALE >= 20_000
    assert planned_people(3) == 3 * PEOPLE_PER_SCALE
    assert planned_people(1, 1_000_000) == 1_000_000


@pytest.mark.django_db
def test_exactly_the_people_asked_for(demo):
    assert Person.objects.count() == PEOPLE == demo.counts["people"]
    assert demo.counts["households"] > PEOPLE / 6
    assert all(
        demo.counts[k] > 0 for k in ("buildings", "rooms", "rentals", "tenancies", "visits", "party_links")
    )


@pytest.mark.django_db
def test_every_resident_id_is_valid_and_agrees_with_sex_and_birth_date(demo):
    for number, sex, birth, warning in Person.objects.values_list(
        "id_number", "sex", "birth_date", "id_warning"
    ):
        checked = check_resident_id(number)
        assert checked.number == number
        assert checked.sex == sex and checked.birth_date == birth
        assert checked.warning == "" and warning == ""
        assert birth.year >= 1920


@pytest.mark.django_db
def test_no_active_document_twice_and_names_not_from_the_page(demo):
    dupes = (
        Person.objects.filter(is_active=True)
        .values("id_type", "id_number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not dupes.exists()
    assert Person.objects.values("id_number").distinct().count() == PEOPLE
    assert not Person.objects.filter(name__in=PAGE_PEOPLE).exists()
    # a surname and a given name of one or two characters
    assert {len(n) for n in Person.objects.values_list("name", flat=True)} <= {2, 3, 4}


@pytest.mark.django_db
def test_every_person_has_a_unique_short_code(demo):
    codes = list(Person.objects.values_list("short_code", flat=True))
    assert len(codes) == PEOPLE and None not in codes and len(set(codes)) == len(codes)
    assert all(shortcode.parse(c) == (shortcode.VALID, c) for c in codes)


@pytest.mark.django_db
def test_rows_are_what_the_services_would_write(demo):
    grids = {g.pk: g for g in OrgUnit.objects.filter(level=Level.GRID)}
    for b in Building.objects.all():
        assert b.path == grids[b.grid_id].path
    assert not Room.objects.exclude(path=F("building__path")).exists()
    assert not Household.objects.exclude(path=F("room__path")).exists()
    for h in Household.objects.select_related("room__building"):
        assert h.address == address_of(h.room)
    people = Person.objects.select_related("household__room__building")
    for p in people:
        assert p.path == p.household.path == grids[p.grid_id].path
        assert p.grid_id == p.household.room.building.grid_id
        assert p.name_initials == initials(p.name)
        if p.phone:
            assert normalise_phone(p.phone) == p.phone
    assert not Rental.objects.exclude(path=F("building__path")).exists()
    assert not Tenancy.objects.exclude(path=F("rental__path")).exists()
    assert not Visit.objects.filter(household__isnull=False).exclude(path=F("household__path")).exists()
    assert not Visit.objects.filter(rental__isnull=False).exclude(path=F("rental__path")).exists()
    assert not PartyLink.objects.exclude(path=F("household__path")).exists()
    for r in Rental.objects.select_related("room__building", "building"):
        assert r.address == (address_of(r.room) if r.room else r.building.address or r.building.name)
    # every registered person arrived once (register_person), the departed left (record_departure)
    arrivals = Counter(PersonMove.objects.filter(kind="arrive").values_list("person_id", flat=True))
    assert set(arrivals.values()) == {1} and len(arrivals) == PEOPLE
    assert PersonMove.objects.filter(kind="move").exists()


@pytest.mark.django_db
def test_households_have_an_active_head_among_their_members(demo):
    assert not Household.objects.filter(head__isnull=True).exists()
    assert not Household.objects.exclude(head__household=F("id")).exists()
    assert not Household.objects.filter(head__is_active=False).exists()
    assert set(Household.objects.values_list("head__relation", flat=True)) == {Relation.HEAD}
    sizes = Counter(Household.objects.annotate(n=Count("members")).values_list("n", flat=True))
    assert min(sizes) >= 1 and max(sizes) <= 8


@pytest.mark.django_db
def test_it_park_dormitories_have_rooms_of_co_workers(demo):
    dorm = Household.objects.filter(
        room__building__kind=BuildingKind.DORMITORY, path__startswith=OrgUnit.objects.get(code="GK-IT").path
    )
    sizes = list(dorm.annotate(n=Count("members")).values_list("n", flat=True))
    assert sizes and sum(1 for n in sizes if n >= 4) > 0.8 * len(sizes)
    workers = Person.objects.filter(household__in=dorm)
    assert set(workers.values_list("status", flat=True)) == {ResidentStatus.MIGRANT}
    assert not workers.filter(employer="").exists() and not workers.filter(origin="").exists()
    assert not workers.filter(arrival_date__isnull=True).exists()
    assert Building.objects.filter(name__startswith="鑫荣公寓", kind=BuildingKind.DORMITORY).exists()


@pytest.mark.django_db
def test_statuses_phones_and_departures(demo):
    statuses = Counter(Person.objects.values_list("status", flat=True))
    # every status but provisional (people registered at a sampling site, not in the demo registry)
    assert all(statuses[s] > 0 for s in ResidentStatus.values if s != ResidentStatus.PROVISIONAL)
    with_phone = Person.objects.exclude(phone="").count()
    assert with_phone > 0.6 * PEOPLE
    migrants = Person.objects.filter(status=ResidentStatus.MIGRANT)
    assert not migrants.filter(origin="").exists()
    departed = Person.objects.filter(is_active=False)
    assert 0 < departed.count() < 0.1 * PEOPLE
    assert not departed.filter(departure_date__isnull=True).exists()
    assert not departed.filter(household__isnull=True).exists()  # still present, still searchable
    assert PersonMove.objects.filter(kind="depart").count() == departed.count()
    assert demo.counts["people_active"] == PEOPLE - departed.count()


@pytest.mark.django_db
def test_rentals_and_shops_with_late_reports_and_over_occupation(demo):
    assert Rental.objects.filter(kind=RentalKind.SHOP).exists()
    assert Rental.objects.filter(kind=RentalKind.DWELLING).exists()
    assert not Rental.objects.exclude(landlord__status=ResidentStatus.REGISTERED).exists()
    late = [t for t in Tenancy.objects.all() if t.reported_on - t.move_in > timedelta(days=2)]
    assert late
    over = Rental.objects.annotate(n=Count("tenancies")).filter(n__gt=F("capacity"))
    assert over.exists()
    assert not Tenancy.objects.filter(reported_on__lt=F("move_in")).exists()
    assert not Tenancy.objects.filter(reported_on__gt=timezone.localdate()).exists()


@pytest.mark.django_db
def test_visits_spread_over_sixty_days_and_some_never(demo):
    now = timezone.now()
    last = Household.objects.annotate(n=Count("visits")).values_list("n", flat=True)
    assert 0 in last and any(n > 0 for n in last)
    latest = Visit.objects.filter(household__isnull=False).order_by("household", "-visited_at")
    seen = {}
    for v in latest:
        seen.setdefault(v.household_id, v.visited_at)
    ages = [(now - at).days for at in seen.values()]
    assert min(ages) <= 3 and 50 <= max(ages) <= 61


@pytest.mark.django_db
def test_party_members_link_about_ten_households_and_leave_some_uncovered(demo):
    members = set(
        Assignment.objects.filter(role=AssignmentRole.PARTY_MEMBER).values_list("staff_id", flat=True)
    )
    linked = Counter(PartyLink.objects.values_list("member_id", flat=True))
    assert linked and set(linked) <= members
    assert max(linked.values()) <= 12
    assert not PartyLink.objects.exclude(member__is_party_member=True).exists()
    assert Household.objects.filter(party_links__isnull=True).exists()


@pytest.mark.django_db
def test_same_seed_same_registry_other_seed_other_registry(demo):
    wipe_demo()
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        build_demo(seed=DEFAULT_SEED, people=PEOPLE, testing=False)
        assert registry_digest() == demo.registry_digest
        wipe_demo()
        build_demo(seed=DEFAULT_SEED + 1, people=PEOPLE, testing=False)
        assert registry_digest() != demo.registry_digest


@pytest.mark.django_db
def test_seed_demo_people_option(demo):
    wipe_demo()
    out = StringIO()
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        call_command("seed_demo", "--people", "300", stdout=out)
    # The registry's 300, plus the arrivals from risk areas that the checkpoints' demo registers
    # provisionally (they are not in the registry's plan).
    planned = Person.objects.exclude(status=ResidentStatus.PROVISIONAL, screenings__isnull=False)
    assert planned.count() == 300 and demo_counts()["people"] == Person.objects.count()
    assert f"Registry: {Person.objects.count()} people" in out.getvalue()
