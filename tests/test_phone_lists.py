"""Phone-first lists: each row carries the actions a field role takes there (visit, call, exempt,
home sampling, record a check) where the role may take them; the call button dials without the
page ever holding the full number and the call is audited; the untested list filters by grid;
two buildings of one name are told apart; every list a field role uses comes a page at a time."""

import re

import pytest
from django.urls import reverse

from tests.factories import make_user
from tests.factories.visits import make_household, visit
from wangge.audit.models import AuditEvent
from wangge.registry.models import Building
from wangge.testing.models import Due

pytestmark = pytest.mark.django_db

CALL_TOKEN = re.compile(r'data-testid="call">.*?name="t" value="([^"]+)"', re.S)


def untested_url(t):
    return reverse("testing:untested", kwargs={"round_id": t.round.pk})


def test_a_grid_worker_calls_from_the_untested_list_and_the_call_is_audited(client, testing, world):
    worker = make_user("worker_call", world.grid_a, "grid_worker")
    client.force_login(worker)
    body = client.get(untested_url(testing)).content.decode()
    person = testing.people_a[0]
    assert person.phone not in body  # not in the text, not in a link
    tokens = CALL_TOKEN.findall(body)
    assert len(tokens) == len(testing.people_a)
    before = AuditEvent.objects.filter(action="view").count()
    response = client.post(reverse("audit:call"), {"t": tokens[0]}, HTTP_REFERER=untested_url(testing))
    assert response.status_code == 302 and response["Location"].startswith("tel:138")
    assert AuditEvent.objects.filter(action="view").count() == before + 1
    event = AuditEvent.objects.filter(action="view").latest("pk")
    assert event.actor == worker and response["Location"][4:] not in str(event.after)
    # A forged token, or another account's, dials nothing.
    assert client.post(reverse("audit:call"), {"t": "forged.0"}).status_code == 410
    client.force_login(make_user("worker_call_2", world.grid_a, "grid_worker"))
    assert client.post(reverse("audit:call"), {"t": tokens[0]}).status_code == 410


def test_a_role_without_phones_gets_no_call_button(client, testing, world):
    client.force_login(testing.registrar)
    body = client.get(untested_url(testing), {"unit": world.grid_a.pk}).content.decode()
    assert 'data-testid="call"' not in body and "tel:" not in body


def test_the_untested_rows_carry_exempt_and_home_sampling_for_a_manager(client, testing, world):
    client.force_login(testing.manager)
    url = untested_url(testing) + f"?unit={world.grid_a.pk}"
    body = client.get(url).content.decode()
    assert body.count('data-testid="exempt"') == len(testing.people_a)
    assert body.count('data-testid="home-toggle"') == len(testing.people_a)
    due = Due.objects.get(round=testing.round, person=testing.people_a[0])
    response = client.post(reverse("testing:due_home", kwargs={"due_id": due.pk}), {"home": "1", "next": url})
    assert response.status_code == 302 and response["Location"] == url  # back to the same list
    due.refresh_from_db()
    assert due.home_sampling
    # A grid worker views the list but manages nothing: no exempt, no home-sampling buttons.
    client.force_login(make_user("worker_view", world.grid_a, "grid_worker"))
    body = client.get(untested_url(testing)).content.decode()
    assert 'data-testid="exempt"' not in body and 'data-testid="home-toggle"' not in body


def test_the_untested_list_filters_by_grid(client, testing, world):
    client.force_login(testing.manager)
    page = client.get(untested_url(testing), {"unit": world.village.pk})
    assert {g["grid_id"] for g in page.context["list_unit"]["grids"]} == {world.grid_a.pk, world.grid_b.pk}
    assert 'data-testid="grid-filter"' in page.content.decode()
    page = client.get(untested_url(testing), {"unit": world.village.pk, "grid": world.grid_b.pk})
    assert page.status_code == 200
    assert {d.person_id for d in page.context["page_obj"].object_list} == {p.pk for p in testing.people_b}
    # A grid outside the unit, or a unit that is not a grid, is not found.
    assert (
        client.get(untested_url(testing), {"unit": world.village.pk, "grid": world.other_grid.pk}).status_code
        == 404
    )
    assert (
        client.get(untested_url(testing), {"unit": world.office.pk, "grid": world.village.pk}).status_code
        == 404
    )
    # A grid leader of A cannot filter to grid B.
    client.force_login(make_user("leader_filter", world.grid_a, "grid_leader"))
    assert client.get(untested_url(testing), {"grid": world.grid_b.pk}).status_code == 404


def test_two_buildings_of_one_name_are_told_apart(client, testing, world, office_leader):
    Building.objects.filter(name="乙楼").update(name="甲楼")
    client.force_login(testing.manager)
    page = client.get(untested_url(testing), {"unit": world.village.pk})
    labels = [b["label"] for b in page.context["buildings"]]
    assert sorted(labels) == ["甲楼 · 乙网格", "甲楼 · 甲网格"]
    client.force_login(office_leader)
    body = client.get(reverse("registry:buildings")).content.decode()
    assert body.count('data-testid="tell-apart"') == 2
    assert "甲网格" in body and "乙网格" in body


def test_the_registry_rows_carry_visit_and_call(client, world, grid_leader_a):
    household = make_household(world.grid_a, "甲1楼", "101", head_name="户主甲", phone="13900000001")
    client.force_login(grid_leader_a)
    for name in ("registry:people", "registry:my_grid", "registry:unvisited"):
        body = client.get(reverse(name)).content.decode()
        assert f"?household={household.pk}" in body, name
        assert 'data-testid="call"' in body, name
        assert "13900000001" not in body, name
    # A visit with a follow-up: the follow-up row offers to visit again and to call.
    v = visit(household, follow_up_needed=True)
    assert v.follow_up_needed
    body = client.get(reverse("registry:follow_ups")).content.decode()
    assert 'data-testid="visit"' in body and 'data-testid="call"' in body


def test_the_measures_list_offers_to_record_a_check_and_to_call(client, world, screening):
    from tests.factories.screening import in_force

    measure = in_force(screening)
    client.force_login(screening.grid_leader)
    body = client.get(reverse("screening:measures")).content.decode()
    check_url = reverse("screening:measure_checks", kwargs={"measure_id": measure.pk})
    assert body.count('data-testid="record-check"') == 1 and check_url in body
    assert 'data-testid="call"' in body and measure.person.phone not in body


FIELD_LISTS = [
    ("registry:people", {}),
    ("registry:my_grid", {}),
    ("registry:unvisited", {}),
    ("registry:follow_ups", {}),
    ("registry:party_links", {}),
    ("testing:alerts", {}),
    ("screening:measures", {}),
    ("screening:followup", {}),
    ("screening:escalations", {}),
]


def test_every_list_a_field_role_uses_comes_a_page_at_a_time(client, testing, world):
    leader = make_user("leader_pages", world.grid_a, "grid_leader")
    client.force_login(leader)
    for name, params in [*FIELD_LISTS, ("untested", {})]:
        url = untested_url(testing) if name == "untested" else reverse(name)
        response = client.get(url, params)
        assert response.status_code == 200, name
        contexts = response.context if isinstance(response.context, list) else [response.context]
        pages = [
            v
            for ctx in contexts
            for v in ctx.flatten().values()
            if hasattr(v, "paginator") and hasattr(v, "number")
        ]
        assert pages, f"{name} is not paginated"
        assert all(p.paginator.per_page <= 100 for p in pages), name


def test_grids_of_one_name_are_told_apart_on_the_unvisited_list(client, world, admin_user):
    from wangge.org.models import OrgUnit

    OrgUnit.objects.filter(pk=world.other_grid.pk).update(name=world.grid_a.name)
    make_household(world.grid_a, "甲1楼", "101")
    make_household(world.other_grid, "丙1楼", "101")
    client.force_login(admin_user)
    body = client.get(reverse("registry:unvisited")).content.decode()
    assert f"{world.workstation.name} {world.grid_a.name}" in body
    assert f"{world.other_village.name} {world.grid_a.name}" in body
