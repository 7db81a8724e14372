"""The scoping walk run as a venue's own account (role venue_manager, no jurisdiction, linked to
a venue of grid A): on every route, page and API, with every method, it sees nothing of grid B,
the other office or the neighbour venue of its own grid; a neighbour's venue, order, inspection
or staff line answers exactly like a missing one; and it changes nothing but its own venue's
records. Its own pages still show its own venue's records."""

import pytest

from tests.factories.accounts import client_for
from tests.factories.scoping import (
    all_routes,
    hostile_payload,
    venue_account_fingerprint,
    venue_account_setting,
    violations,
)

pytestmark = pytest.mark.django_db


def test_venue_account_sees_and_changes_only_its_own_venue(world, setting):
    foreign, _own_staff = setting
    s = venue_account_setting(world, foreign)
    assert not s.actor.jurisdiction_id
    assert list(s.actor.roles.values_list("code", flat=True)) == ["venue_manager"]
    payload = hostile_payload(world, s.foreign)
    payload.update(venue=s.foreign.values["venue_id"], venue_id=s.foreign.values["venue_id"])
    found = violations(
        all_routes(),
        s.actor,
        world.grid_a,
        s.foreign,
        payload,
        fingerprint=lambda: venue_account_fingerprint(s.actor, s.venue),
    )
    assert found == []


def test_venue_account_still_sees_its_own_records(world, setting):
    foreign, _own_staff = setting
    s = venue_account_setting(world, foreign)
    c = client_for(s.actor)
    home = c.get("/venues/mine/").content.decode()
    for marker in s.own_markers[:-1]:
        assert marker in home, marker
    orders = c.get("/inspections/mine/orders/").content.decode()
    assert "本店甲整改事项" in orders
    for marker in s.foreign.markers:
        assert marker not in home + orders, marker


def test_the_venue_walk_catches_a_neighbours_record_shown(world, setting):
    """The walk is proven for this account: the neighbour's name, shown, is caught."""
    foreign, _own_staff = setting
    s = venue_account_setting(world, foreign)
    from wangge.venues.models import DisinfectionEntry

    DisinfectionEntry.objects.filter(venue=s.venue).update(area="邻店丁学校")
    mine = [r for r in all_routes() if r[0] == "venues/mine/"]
    found = violations(
        mine,
        s.actor,
        world.grid_a,
        s.foreign,
        {},
        fingerprint=lambda: venue_account_fingerprint(s.actor, s.venue),
    )
    assert found and "邻店丁学校" in found[0]


def test_the_venue_walk_catches_a_neighbours_record_changed(world, setting, monkeypatch):
    """…and a page of its own that touched the neighbour's records is caught too."""
    foreign, _own_staff = setting
    s = venue_account_setting(world, foreign)
    from wangge.venues.models import DisinfectionEntry

    neighbour = s.foreign.values["venue_id"]

    def touch(*args, **kwargs):
        DisinfectionEntry.objects.filter(venue_id=neighbour).update(area="改")

    monkeypatch.setattr("wangge.venues.own.views.selectors.venue_of_account", lambda user: touch() or s.venue)
    mine = [r for r in all_routes() if r[0] == "venues/mine/"]
    found = violations(
        mine,
        s.actor,
        world.grid_a,
        s.foreign,
        {},
        fingerprint=lambda: venue_account_fingerprint(s.actor, s.venue),
    )
    assert any("changed data outside" in f for f in found)
