"""The short personal code a resident types (registry/shortcode.py): its format and check
character, normalisation, uniqueness, rotation on revoke, nothing of the ID number inside; every
way people are created gives one; the data migration's backfill; the kernel's rate limit on the
shared cache; and /s/my-measure/ with a typed code, a mistyped one, an unknown one, and limits."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import client_for, make_user
from tests.factories.registry import csv_bytes, rental_roll, rid, run
from tests.factories.screening import proposed
from wangge.core.access import SYSTEM
from wangge.core.cache import AtomicDatabaseCache
from wangge.core.ratelimit import client_address, hit, rate_limit
from wangge.registry import services as registry
from wangge.registry import shortcode as short
from wangge.registry.codes import services as codes
from wangge.registry.identity import check_document
from wangge.registry.imports.provisional import NewPerson, register_provisional_people
from wangge.registry.models import Person
from wangge.screening.public import views_lookup

CANONICAL = re.compile(r"^[0-9A-HJKMNP-TV-Z]{12}$")
PRINTED = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


# --- the code itself ------------------------------------------------------------------------
def test_format_alphabet_and_display():
    for _ in range(200):
        code = short.new_short_code()
        assert CANONICAL.match(code) and short.is_consistent(code)
        assert not set(code) & set("ILOU")
        assert PRINTED.match(short.display(code))
        assert short.parse(short.display(code)) == (short.VALID, code)


def test_the_check_character_catches_every_substitution_and_adjacent_transposition():
    codes_seen = [short.new_short_code() for _ in range(40)]
    # and a few chosen payloads: all zeros, repeated characters
    for payload in ("0" * 11, "Z" * 11, "0123456789A"):
        codes_seen.append(payload + short.check_char(payload))
    for code in codes_seen:
        for i in range(len(code)):
            for c in short.ALPHABET:
                if c != code[i]:
                    typo = code[:i] + c + code[i + 1 :]
                    assert short.parse(typo)[0] == short.BAD_CHECK, (code, typo)
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
                assert short.parse(swapped)[0] == short.BAD_CHECK, (code, swapped)


def test_normalisation_of_what_people_type():
    code = short.new_short_code()
    shown = short.display(code)
    full_width = "".join(chr(ord(c) + 0xFEE0) if c != "-" else "－" for c in shown)
    for typed in (
        shown,
        shown.lower(),
        code,
        f"  {code[:4]} {code[4:8]} {code[8:]} ",
        full_width,
        shown.replace("-", "—"),
    ):
        assert short.parse(typed) == (short.VALID, code), typed
    # Crockford's look-alikes: O is 0, I and L are 1
    with_zero = "0" * 11 + short.check_char("0" * 11)
    assert short.parse(with_zero.replace("0", "o"))[1] == with_zero
    assert short.normalise("il") == "11"
    assert short.parse(code[:-1])[0] == short.MALFORMED
    assert short.parse(code + "0")[0] == short.MALFORMED
    assert short.parse(code[:-1] + "U")[0] == short.MALFORMED


def test_fresh_codes_avoid_those_taken():
    taken_once = set()

    def taken(batch):
        # the first batch is all "taken": fresh_codes must draw again
        if not taken_once:
            taken_once.update(batch)
            return batch
        return set()

    out = short.fresh_codes(50, taken)
    assert len(set(out)) == 50 and not set(out) & taken_once


# --- people get codes -----------------------------------------------------------------------
def household_in(grid, name="码楼"):
    building = registry.create_building(actor=SYSTEM, grid=grid, name=name)
    room = registry.get_or_create_room(actor=SYSTEM, building=building, number="101")
    return registry.create_household(actor=SYSTEM, room=room)


def register(household, name, seed) -> Person:
    return registry.register_person(
        actor=SYSTEM, household=household, name=name, id_type="resident_id", id_number=rid(seed)
    )


@pytest.mark.django_db
def test_every_way_of_creating_people_gives_a_unique_code_with_nothing_of_the_id(world):
    household = household_in(world.grid_a)
    one = register(household, "甲", 901)
    walk_in = registry.register_provisional(
        actor=SYSTEM, grid=world.grid_a, name="乙", id_type="resident_id", id_number=rid(902)
    )
    listed = register_provisional_people(
        actor=SYSTEM,
        people=[
            NewPerson(
                "丙", check_document("resident_id", rid(903)), "", "北京", date(2022, 6, 1), world.grid_a
            ),
            NewPerson("丁", check_document("resident_id", rid(904)), "", "上海", None, world.grid_a),
        ],
        reason="list",
    )
    cadre = make_user("cadre_code", world.village, "village_cadre")
    job = run(cadre, "rentals", csv_bytes(rental_roll(world), "gbk"), "出租屋台账.csv")
    assert job.status == "done", job.message
    people = list(Person.objects.all())
    assert len(people) >= 6 and {one.pk, walk_in.pk, *(p.pk for p in listed)} <= {p.pk for p in people}
    codes_ = [p.short_code for p in people]
    assert all(c and CANONICAL.match(c) and short.is_consistent(c) for c in codes_)
    assert len(set(codes_)) == len(codes_)
    for p in people:
        digits = re.sub(r"\D", "", p.id_number)
        # no run of the ID's digits (the birth date, the tail) in the code
        assert not any(digits[i : i + 4] in p.short_code for i in range(len(digits) - 3))
    # Not the record's number either (a single digit may match it by chance, not every code).
    assert not all(str(p.pk) == re.sub(r"\D", "", p.short_code) for p in people)


@pytest.mark.django_db
def test_revoking_rotates_the_short_code_and_the_old_one_stops_working(world):
    person = register(household_in(world.grid_a), "戊", 905)
    old = person.short_code
    assert codes.current_person(codes.read_personal_code(short.display(old))) == person
    registry.revoke_code(actor=SYSTEM, person=person)
    person.refresh_from_db()
    assert person.short_code != old and short.is_consistent(person.short_code)
    assert codes.current_person(codes.read_personal_code(old)) is None
    assert codes.current_person(codes.read_personal_code(person.short_code)) == person


@pytest.mark.django_db
def test_a_row_without_a_code_gets_one_when_its_card_is_shown(world, admin_user):
    person = register(household_in(world.grid_a), "己", 906)
    Person.objects.filter(pk=person.pk).update(short_code=None)  # as if written by raw SQL
    page = client_for(admin_user).get(reverse("registry:person_code", kwargs={"person_id": person.pk}))
    person.refresh_from_db()
    assert person.short_code and short.display(person.short_code) in page.content.decode()


@pytest.mark.django_db
def test_the_card_prints_the_short_code_under_the_qr_and_masks_the_id(world, admin_user):
    person = register(household_in(world.grid_a), "庚", 907)
    page = client_for(admin_user).get(reverse("registry:person_code", kwargs={"person_id": person.pk}))
    html = page.content.decode()
    assert f'data-testid="short-code" aria-label="Code to type">{short.display(person.short_code)}<' in html
    assert person.name in html and person.id_number not in html
    assert "@media print" in html and "code-sheet single" in html


# --- the data migration's backfill --------------------------------------------------------
@pytest.mark.django_db
def test_backfill_gives_every_person_without_a_code_a_unique_one_in_batches(world):
    household = household_in(world.grid_a)
    people = [register(household, f"人{i}", 910 + i) for i in range(23)]
    keep = people[0].short_code
    Person.objects.exclude(pk=people[0].pk).update(short_code=None)
    done = short.backfill(Person, connection, batch_size=5)
    assert done == 22
    given = list(Person.objects.values_list("short_code", flat=True))
    assert all(c and short.is_consistent(c) for c in given) and len(set(given)) == len(given)
    assert Person.objects.get(pk=people[0].pk).short_code == keep  # a code once given stays
    assert short.backfill(Person, connection) == 0


@pytest.mark.django_db
def test_backfill_uses_a_few_statements_per_batch(world, django_assert_max_num_queries):
    household = household_in(world.grid_a)
    for i in range(30):
        register(household, f"批{i}", 950 + i)
    Person.objects.update(short_code=None)
    # 30 people in batches of 10: per batch one SELECT of keys, one check, one UPDATE; then the end
    with django_assert_max_num_queries(3 * 3 + 1):
        assert short.backfill(Person, connection, batch_size=10) == 30


# --- the kernel's rate limit -----------------------------------------------------------------
def two_workers():
    """Two cache clients of the shared database cache, as two worker processes hold."""
    params = {"OPTIONS": {"MAX_ENTRIES": 1000}}
    return AtomicDatabaseCache("wangge_shared_cache", params), AtomicDatabaseCache(
        "wangge_shared_cache", params
    )


@pytest.mark.django_db
def test_the_rate_limit_is_shared_by_two_workers():
    a, b = two_workers()
    assert [hit("k", 60, cache=a), hit("k", 60, cache=b), hit("k", 60, cache=a)] == [1, 2, 3]
    allowed = [rate_limit("lim", 4, 60, cache=worker) for worker in (a, b, a, b, a, b)]
    assert allowed == [True, True, True, True, False, False]
    # other keys are counted apart
    assert rate_limit("other", 4, 60, cache=b)


@pytest.mark.django_db
def test_an_expired_counter_is_not_counted_on():
    a, b = two_workers()
    a.set("probe", 5, timeout=-1)
    with pytest.raises(ValueError):
        b.incr("probe")
    a.set("probe", 5, timeout=60)
    assert b.incr("probe") == 6 and a.get("probe") == 6


def test_the_default_shared_cache_is_the_database_or_redis(settings):
    backend = settings.CACHES["shared"]["BACKEND"]
    assert backend in ("wangge.core.cache.AtomicDatabaseCache", "django.core.cache.backends.redis.RedisCache")


# --- /s/my-measure/ ---------------------------------------------------------------------------
def look_up(client, code, tail, **extra):
    return client.post("/s/my-measure/", {"code": code, "id_tail": tail}, **extra)


@pytest.mark.django_db
def test_a_resident_types_the_short_code_in_any_form(screening):
    measure = proposed(screening)
    person = measure.person
    shown = short.display(person.short_code)
    tail = person.id_number[-4:]
    for typed in (
        shown,
        shown.lower().replace("-", " "),
        "".join(chr(ord(c) + 0xFEE0) for c in person.short_code),
    ):
        page = look_up(Client(), typed, tail).content.decode()
        assert 'data-testid="my-measure"' in page and measure.ends_on.isoformat() in page, typed


@pytest.mark.django_db
def test_a_wrong_check_character_says_check_the_code_and_unknown_says_not_found(screening):
    measure = proposed(screening)
    person = measure.person
    tail = person.id_number[-4:]
    code = person.short_code
    typo = code[:5] + ("0" if code[5] != "0" else "1") + code[6:]
    page = look_up(Client(), typo, tail).content.decode()
    assert 'data-testid="my-check-code"' in page and "Check the code" in page
    assert 'data-testid="my-not-found"' not in page and measure.basis_text not in page
    payload = "Z" * 11 if not code.startswith("ZZZ") else "Y" * 11
    unknown = payload + short.check_char(payload)
    page = look_up(Client(), unknown, tail).content.decode()
    assert 'data-testid="my-not-found"' in page and 'data-testid="my-check-code"' not in page
    # the right code with a wrong ID tail answers like an unknown code
    page = look_up(Client(), code, "0000" if tail != "0000" else "1111").content.decode()
    assert 'data-testid="my-not-found"' in page and measure.basis_text not in page


@pytest.mark.django_db
def test_the_scanned_qr_token_still_works(screening):
    measure = proposed(screening)
    person = measure.person
    page = look_up(Client(), codes.make_token(person), person.id_number[-4:]).content.decode()
    assert 'data-testid="my-measure"' in page


@pytest.mark.django_db
@pytest.mark.chinese_default
def test_lookups_are_limited_per_address_with_a_chinese_429(screening):
    measure = proposed(screening)
    client = Client()
    for _ in range(views_lookup.LOOKUPS_PER_ADDRESS):
        assert look_up(client, measure.person.short_code, "0000").status_code == 200
    r = look_up(client, measure.person.short_code, measure.person.id_number[-4:])
    assert r.status_code == 429 and r["Retry-After"] == str(views_lookup.WINDOW_SECONDS)
    html = r.content.decode()
    assert 'data-testid="too-many"' in html and "查询次数过多" in html
    # another address is not limited by this one
    other = next(p for p in screening.people_a if p.pk != measure.person_id)
    assert look_up(Client(), other.short_code, "0000", REMOTE_ADDR="10.0.0.9").status_code == 200


@pytest.mark.django_db
def test_lookups_are_limited_per_code_across_addresses(screening):
    measure = proposed(screening)
    code = short.display(measure.person.short_code)
    for i in range(views_lookup.LOOKUPS_PER_CODE):
        r = look_up(Client(), code, "0000", REMOTE_ADDR=f"10.0.1.{i}")
        assert r.status_code == 200
    # the same code typed differently is the same code
    r = look_up(
        Client(), code.lower().replace("-", ""), measure.person.id_number[-4:], REMOTE_ADDR="10.0.2.1"
    )
    assert r.status_code == 429
    # another code from a fresh address goes through
    other = next(p for p in screening.people_a if p.pk != measure.person_id)
    assert look_up(Client(), other.short_code, "0000", REMOTE_ADDR="10.0.2.2").status_code == 200


# --- staff: the short code resolves like the QR, in scope only ---------------------------------
@pytest.mark.django_db
def test_staff_resolve_a_typed_short_code_in_their_scope_only(world):
    own = register(household_in(world.grid_a), "辛", 920)
    foreign = register(household_in(world.grid_b, "外楼"), "壬", 921)
    leader = make_user("leader_short", world.grid_a, "grid_leader")
    client = client_for(leader)

    def post(token):
        return client.post(
            "/api/v1/registry/codes/resolve", {"token": token}, content_type="application/json"
        )

    found = post(short.display(own.short_code).lower())
    assert found.status_code == 200 and found.json()["id"] == own.pk
    typo = own.short_code[:-1] + ("0" if own.short_code[-1] != "0" else "1")
    mistyped = post(typo)
    assert mistyped.status_code == 404 and "Check the code" in mistyped.json()["detail"]
    assert (
        post(foreign.short_code).json()
        == post("garbage").json()
        == {"detail": "Not found in your jurisdiction."}
    )
    registry.revoke_code(actor=SYSTEM, person=own)
    assert post(own.short_code).status_code == 404  # the replaced code


def test_the_client_address_behind_trusted_proxies(settings, rf):
    spoofed = "6.6.6.6, 203.0.113.7, 10.0.0.2"  # the client wrote 6.6.6.6 itself
    request = rf.post("/s/my-measure/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=spoofed)
    settings.WANGGE_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.1"
    settings.WANGGE_PROXY_COUNT = 2
    assert client_address(request) == "203.0.113.7"
    settings.WANGGE_PROXY_COUNT = 5  # fewer hops than proxies: the header is not trusted
    assert client_address(request) == "10.0.0.1"


@pytest.mark.django_db
def test_the_staff_scan_page_takes_the_short_code_typed_in_the_number_field(world):
    own = register(household_in(world.grid_a), "癸", 922)
    client = client_for(make_user("leader_scan", world.grid_a, "grid_leader"))
    url = reverse("registry:resolve")
    found = client.post(
        url, {"id_number": short.display(own.short_code), "id_type": "resident_id"}
    ).content.decode()
    assert 'data-outcome="found"' in found and own.name in found
    typo = own.short_code[:2] + ("0" if own.short_code[2] != "0" else "1") + own.short_code[3:]
    mistyped = client.post(url, {"id_number": typo, "id_type": "resident_id"}).content.decode()
    assert 'data-outcome="mistyped"' in mistyped and "Check the code" in mistyped


@pytest.mark.django_db
def test_twelve_digits_on_the_scan_page_are_an_id_number_cut_short_not_a_code(world):
    client = client_for(make_user("leader_cut", world.grid_a, "grid_leader"))
    for digits in ("410184198503", "410184198504"):  # one of them has a matching check character
        html = client.post(
            reverse("registry:resolve"), {"id_number": digits, "id_type": "resident_id"}
        ).content.decode()
        assert 'data-outcome="mistyped"' not in html and 'data-outcome="invalid"' in html
