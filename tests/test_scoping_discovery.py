"""Walks every URL pattern and API route and proves that an account of one grid cannot read
or change another grid's data, and that an account with no jurisdiction sees nothing.

New pages are covered automatically: a route with a URL parameter this file does not know
fails the test until a foreign value for it is added in tests/factories/scoping.py.
"""

import pytest
from django.test import Client
from django.urls import get_resolver

from tests.factories import make_user
from tests.factories.scoping import (
    all_routes,
    body,
    fill,
    hostile_payload,
    request,
    violations,
    walk,
)
from wangge.core.access import PUBLIC, SCOPED, declared_access
from wangge.org.models import OrgUnit
from wangge.roster.models import StaffMember

ALL_PERMISSION_ROLE = "district_admin"  # every permission: only the scope can protect grid B


def test_every_route_declares_its_scope():
    undeclared = [route for route, p in all_routes() if declared_access(p.callback) not in (SCOPED, PUBLIC)]
    # ninja's bare /api/v1/ root is not a page: undeclared, so it is refused like any other.
    assert undeclared == ["api/v1/"], undeclared


@pytest.mark.django_db
def test_grid_account_cannot_read_or_change_another_grids_data(world, setting):
    foreign, _own = setting
    actor = make_user("grid_a_all_perms", world.grid_a, ALL_PERMISSION_ROLE)
    assert violations(all_routes(), actor, world.grid_a, foreign, hostile_payload(world, foreign)) == []


@pytest.mark.django_db
def test_the_walk_catches_a_leaky_page(world, setting, settings):
    """The walk itself is proven: a page that forgets the scope is caught on every count."""
    foreign, _own = setting
    actor = make_user("grid_a_all_perms", world.grid_a, ALL_PERMISSION_ROLE)
    settings.ROOT_URLCONF = "tests.leaky_urls"
    leaky = list(walk(get_resolver("tests.leaky_urls").url_patterns))
    found = violations(leaky, actor, world.grid_a, foreign, hostile_payload(world, foreign))
    assert any("shows ['外格乙人员']" in f for f in found)
    assert any("a missing record" in f for f in found)
    assert any("changed data outside" in f for f in found)


def test_an_undeclared_view_is_refused(client, db, settings):
    settings.ROOT_URLCONF = "tests.undeclared_urls"
    response = client.get("/undeclared/")
    assert response.status_code == 403
    assert response.content != b"secret"


@pytest.mark.django_db
def test_account_without_jurisdiction_sees_nothing(world, setting):
    foreign, own = setting
    actor = make_user("nobody_all_perms", None, ALL_PERMISSION_ROLE)
    markers = [*foreign.markers, own.name, "甲网格", "郑港办事处", "冢刘村", "航空港区"]
    payload = hostile_payload(world, foreign)
    payload.update(
        unit=world.grid_a.pk, unit_id=world.grid_a.pk, parent=world.grid_a.pk, parent_id=world.grid_a.pk
    )
    unit_names = {"甲网格", "郑港办事处", "冢刘村", "航空港区"}
    for route, pattern in all_routes():
        values = dict(foreign.values, unit_id=world.grid_a.pk, staff_id=own.pk)
        url = fill(route, values)
        client = Client(raise_request_exception=False)
        client.force_login(actor)
        # The public self-report form lets a returnee pick their office and village: the names of
        # offices and villages are public (on every notice board). Nothing personal may show.
        public = declared_access(pattern.callback) == PUBLIC
        shown = [m for m in markers if not (public and m in unit_names)]
        for method in ("get", "post"):
            response = request(client, method, url, payload, route.startswith("api/"))
            assert response.status_code < 500, f"{method.upper()} {url} → {response.status_code}"
            text = body(response)
            leaked = [m for m in shown if m in text]
            assert not leaked, f"{method.upper()} {url} shows {leaked} to an account with no jurisdiction"
    assert not OrgUnit.objects.filter(name="HOSTILE").exists()
    assert not StaffMember.objects.filter(name="HOSTILE").exists()


def test_list_of_covered_routes(capsys):
    """Prints the routes the two tests above walk (for the record)."""
    routes = [r for r, _ in all_routes()]
    print("\n".join(routes))
    assert routes
