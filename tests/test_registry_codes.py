"""Personal codes: signed, revocable tokens; printable cards and sheets; the scanner and the API
resolve only inside the actor's scope, and out of scope answers exactly like unknown."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from stdnum.cn import ric

from tests.factories import make_user
from wangge.audit.models import Action, AuditEvent
from wangge.core.access import SYSTEM, scope_of
from wangge.registry import services as registry
from wangge.registry.codes import services as codes
from wangge.registry.models import Person

pytestmark = pytest.mark.django_db


def rid(body: str) -> str:
    """A valid resident ID from its first 17 digits."""
    return body + ric.calc_check_digit(body + "0")


def household_in(grid, name="楼"):
    building = registry.create_building(actor=SYSTEM, grid=grid, name=name)
    room = registry.get_or_create_room(actor=SYSTEM, building=building, number="101")
    return registry.create_household(actor=SYSTEM, room=room)


def person_in(household, name, body, **extra) -> Person:
    return registry.register_person(
        actor=SYSTEM, household=household, name=name, id_type="resident_id", id_number=rid(body), **extra
    )


@pytest.fixture
def people(world):
    own = household_in(world.grid_a, "甲楼")
    foreign = household_in(world.grid_b, "乙楼")
    return {
        "own": own,
        "a": person_in(own, "张海婷", "11010519900101002", relation="head"),
        "a2": person_in(own, "张小明", "11010520150101003", relation="child"),
        "b": person_in(foreign, "李四", "11010519800101004"),
    }


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def resolve_page(client, **data):
    response = client.post(reverse("registry:resolve"), data)
    return response.status_code, response.content.decode()


def result_block(html: str) -> str:
    start = html.index('<div id="scan-result"')
    return html[start : html.index("</div>", start)]


def test_token_round_trip_identifies_the_person_without_the_id_number(people, grid_leader_a):
    token = codes.make_token(people["a"])
    assert people["a"].id_number not in token
    assert len(token) < 64  # it is printed as a small QR
    result = codes.resolve_token(scope_of(grid_leader_a), token)
    assert result.outcome == codes.FOUND
    assert result.person == people["a"]


def test_a_tampered_or_foreign_token_does_not_resolve(people, grid_leader_a):
    token = codes.make_token(people["a"])
    prefix, _value, signature = token.split(":")
    forged = f"{prefix}:zz.1:{signature}"  # another person's number under this signature
    scope = scope_of(grid_leader_a)
    assert codes.resolve_token(scope, forged).outcome == codes.NOT_FOUND
    assert codes.resolve_token(scope, token[:-2]).outcome == codes.NOT_FOUND
    from django.core import signing

    # Signed with the same key but for another purpose: refused.
    other = "WG1:" + signing.Signer(salt="something.else", algorithm="sha256").sign(_value)
    assert codes.resolve_token(scope, other).outcome == codes.NOT_FOUND


def test_a_revoked_token_is_refused_and_the_new_one_works(people, grid_leader_a):
    old = codes.make_token(people["a"])
    person = registry.revoke_code(actor=grid_leader_a, person=people["a"])
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, model="registry.person", object_id=str(person.pk)
    ).exists()
    client = login(grid_leader_a)
    status, html = resolve_page(client, token=old)
    assert status == 200
    assert "has been revoked" in result_block(html)
    assert people["a"].name not in result_block(html)
    status, html = resolve_page(client, token=codes.make_token(person))
    assert 'data-outcome="found"' in html and person.name in html


def test_revoke_page_requires_post_and_edit_right(people, grid_leader_a, world):
    url = reverse("registry:code_revoke", kwargs={"person_id": people["a"].pk})
    assert login(grid_leader_a).get(url).status_code == 405
    viewer = make_user("viewer_a", world.grid_a, "department_staff")
    assert login(viewer).post(url).status_code == 403
    response = login(grid_leader_a).post(url)
    assert response.status_code == 302
    people["a"].refresh_from_db()
    assert people["a"].code_version == 2


def test_out_of_scope_token_answers_exactly_like_garbage(people, grid_leader_a):
    client = login(grid_leader_a)
    foreign = codes.make_token(people["b"])
    garbage_status, garbage = resolve_page(client, token="WG1:not-a-real-code")
    foreign_status, foreign_html = resolve_page(client, token=foreign)
    assert garbage_status == foreign_status == 200
    assert result_block(garbage) == result_block(foreign_html)
    assert "Not found in your jurisdiction." in result_block(garbage)
    assert people["b"].name not in foreign_html
    # A revoked code of someone outside the scope does not even say it was revoked.
    registry.revoke_code(actor=SYSTEM, person=people["b"])
    revoked_status, revoked_html = resolve_page(client, token=foreign)
    assert revoked_status == 200 and result_block(revoked_html) == result_block(garbage)
    # The office above both grids finds the same person.
    office = make_user("office_both", people["b"].grid.parent, "office_leader")
    assert codes.resolve_token(
        scope_of(office), codes.make_token(Person.objects.get(pk=people["b"].pk))
    ).person


def test_api_out_of_scope_token_answers_exactly_like_garbage(people, grid_leader_a):
    client = login(grid_leader_a)
    url = "/api/v1/registry/codes/resolve"

    def post(payload):
        return client.post(url, data=json.dumps(payload), content_type="application/json")

    garbage, foreign = post({"token": "garbage"}), post({"token": codes.make_token(people["b"])})
    assert garbage.status_code == foreign.status_code == 404
    assert garbage.json() == foreign.json() == {"detail": "Not found in your jurisdiction."}
    found = post({"token": codes.make_token(people["a"])})
    assert found.status_code == 200
    body = found.json()
    assert body["id"] == people["a"].pk and body["name"] == "张海婷"
    assert body["id_masked"] != people["a"].id_number and body["id_masked"].endswith(
        people["a"].id_number[-4:]
    )
    registry.revoke_code(actor=SYSTEM, person=people["a"])
    revoked = post({"token": codes.make_token(people["a"])})  # the stale in-memory version
    assert revoked.status_code == 410


def test_a_typed_id_number_with_a_wrong_check_digit_gets_a_clear_error(people, grid_leader_a):
    number = people["a"].id_number
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    client = login(grid_leader_a)
    status, html = resolve_page(client, id_number=wrong, id_type="resident_id")
    assert status == 200
    assert "check digit of this ID number is wrong" in html
    assert f'value="{wrong}"' in html  # what was typed is kept for correction
    api = client.post(
        "/api/v1/registry/codes/resolve",
        data=json.dumps({"id_number": wrong}),
        content_type="application/json",
    )
    assert api.status_code == 422
    assert "check digit" in json.dumps(api.json(), ensure_ascii=False)


def test_a_typed_id_number_resolves_in_scope_only_and_is_audited(people, grid_leader_a):
    client = login(grid_leader_a)
    status, html = resolve_page(client, id_number=people["a"].id_number)
    assert 'data-outcome="found"' in html
    assert people["a"].id_number not in result_block(html)  # masked
    assert reverse("registry:person_detail", kwargs={"person_id": people["a"].pk}) in html
    assert AuditEvent.objects.filter(
        action=Action.VIEW, model="registry.person", object_id=str(people["a"].pk), actor=grid_leader_a
    ).exists()
    _status, foreign = resolve_page(client, id_number=people["b"].id_number)
    _status, unknown = resolve_page(client, id_number=rid("11010519700101005"))
    assert result_block(foreign) == result_block(unknown)
    assert not AuditEvent.objects.filter(action=Action.VIEW, object_id=str(people["b"].pk)).exists()


def test_the_scan_page_loads_the_vendored_scanner(people, grid_leader_a):
    html = login(grid_leader_a).get(reverse("registry:scan")).content.decode()
    assert "vendor/html5-qrcode-2.3.8.min.js" in html
    assert reverse("registry:resolve") in html


def test_the_household_sheet_holds_each_members_qr(people, grid_leader_a):
    url = reverse("registry:household_codes", kwargs={"household_id": people["own"].pk})
    html = login(grid_leader_a).get(url).content.decode()
    for p in (people["a"], people["a2"]):
        assert f'data-person-id="{p.pk}"' in html
        assert codes.qr_svg(codes.make_token(p)) in html
        assert p.id_number not in html  # cards never show the full number
    assert html.count('data-testid="code-card"') == 2


def test_the_person_card_masks_the_id_even_for_those_who_may_see_it(people, admin_user):
    url = reverse("registry:person_code", kwargs={"person_id": people["a"].pk})
    response = login(admin_user).get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert people["a"].id_number not in html and "<svg" in html


def test_the_building_sheet_is_paginated_and_holds_only_active_people(people, grid_leader_a, monkeypatch):
    from wangge.registry.codes import views as views_codes

    monkeypatch.setattr(views_codes, "SHEET_PAGE_SIZE", 2)
    own = people["own"]
    extra = person_in(own, "王五", "11010519600101006")
    registry.record_departure(actor=SYSTEM, person=extra)
    third = person_in(own, "赵六", "11010519600101007")
    url = reverse("registry:building_codes", kwargs={"building_id": own.room.building_id})
    client = login(grid_leader_a)
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert first.count('data-testid="code-card"') == 2
    assert second.count('data-testid="code-card"') == 1
    both = first + second
    assert f'data-person-id="{third.pk}"' in both
    assert f'data-person-id="{extra.pk}"' not in both


def test_sheets_and_cards_of_another_grid_answer_404(people, grid_leader_a):
    client = login(grid_leader_a)
    b = people["b"]
    for url in (
        reverse("registry:person_code", kwargs={"person_id": b.pk}),
        reverse("registry:household_codes", kwargs={"household_id": b.household_id}),
        reverse("registry:building_codes", kwargs={"building_id": b.household.room.building_id}),
        f"/api/v1/registry/codes/{b.pk}",
    ):
        assert client.get(url).status_code == 404, url


def test_api_gives_the_token_for_printing(people, grid_leader_a):
    response = login(grid_leader_a).get(f"/api/v1/registry/codes/{people['a'].pk}")
    assert response.status_code == 200
    token = response.json()["token"]
    assert codes.resolve_token(scope_of(grid_leader_a), token).person == people["a"]


def test_a_merged_records_code_leads_to_the_kept_record(people, grid_leader_a):
    from wangge.registry.people.dedupe import merge_people

    twin = person_in(people["own"], "张海婷", "11010519900101010")
    token = codes.make_token(twin)
    merge_people(actor=grid_leader_a, keep=people["a"], drop=twin, confirm_different_ids=True)
    result = codes.resolve_token(scope_of(grid_leader_a), token)
    assert result.outcome == codes.FOUND and result.person == people["a"] and result.via_merge


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_a_phone_a_typed_number_finds_the_person_and_the_card_prints(world, live_server):
    from tests.browser import chromium_page, screenshot

    make_user("worker_a", world.grid_a, "grid_worker")
    home = household_in(world.grid_a, "甲楼")
    person = person_in(home, "张海婷", "11010519900101002", relation="head")
    wrong = person.id_number[:17] + ("0" if person.id_number[17] != "0" else "1")
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(live_server.url + "/")
        page.fill("#id_username", "worker_a")
        page.fill("#id_password", "pass-word-123")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(live_server.url + reverse("registry:scan"))
        page.fill("#scan-id-number", wrong)
        page.click("#scan-form button[type=submit]")
        page.wait_for_selector("[data-outcome=invalid]")
        assert page.input_value("#scan-id-number") == wrong  # nothing typed is lost
        page.fill("#scan-id-number", person.id_number)
        page.click("#scan-form button[type=submit]")
        page.wait_for_selector("[data-outcome=found]")
        assert "张海婷" in page.inner_text("#scan-result")
        assert page.input_value("#scan-id-number") == ""  # the number leaves the screen
        assert not page.locator("#scan-stop").is_visible()
        screenshot(page, "registry-scan-found-phone")
        page.goto(live_server.url + reverse("registry:person_code", kwargs={"person_id": person.pk}))
        assert page.locator("[data-testid=code-card] svg").count() == 1
        screenshot(page, "registry-person-code-phone")
        page.emulate_media(media="print")
        assert not page.locator(".topbar").is_visible()
