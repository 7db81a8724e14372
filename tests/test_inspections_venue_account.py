"""A venue's own account and inspections: it sees and acknowledges its own venue's orders, from
its home; never plans, campaigns or the due list; another venue's order is a missing one."""

import pytest

from tests.factories.accounts import client_for
from tests.factories.inspections import make_order, make_venue
from tests.factories.venues import make_venue_account

pytestmark = pytest.mark.django_db


def test_venue_account_acknowledges_its_own_orders_only(world):
    mine = make_venue(world.grid_a, "hotel", "我的酒店")
    order = make_order(world.grid_a, mine, what="消杀记录不详")
    other = make_order(world.grid_a, what="别家整改事项")
    foreign = make_order(world.grid_b, what="外格整改事项")
    user, _pw = make_venue_account(mine, phone="13912340000")
    c = client_for(user)

    home = c.get("/").content.decode()
    assert "inspections-own-orders" in home and "/inspections/mine/orders/" in home
    page = c.get("/inspections/mine/orders/").content.decode()
    assert "消杀记录不详" in page and "别家整改事项" not in page and "外格整改事项" not in page

    assert c.get(f"/inspections/mine/orders/{order.pk}/").status_code == 200
    for o in (other, foreign):
        assert c.get(f"/inspections/mine/orders/{o.pk}/").status_code == 404
        assert c.post(f"/inspections/mine/orders/{o.pk}/acknowledge").status_code == 404
        o.refresh_from_db()
        assert o.acknowledged_at is None
    assert c.get("/inspections/mine/orders/999999/").status_code == 404

    r = c.post(f"/inspections/mine/orders/{order.pk}/acknowledge")
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.acknowledged_at is not None and order.acknowledged_by_id == user.pk
    # Acknowledged twice: one acknowledgement, the first.
    first = order.acknowledged_at
    c.post(f"/inspections/mine/orders/{order.pk}/acknowledge")
    order.refresh_from_db()
    assert order.acknowledged_at == first


def test_venue_account_never_sees_plans_campaigns_or_the_due_list(world):
    mine = make_venue(world.grid_a, "hotel", "我的酒店")
    order = make_order(world.grid_a, mine, name="突击检查计划")
    user, _pw = make_venue_account(mine, phone="13912340000")
    c = client_for(user)
    for url in [
        "/inspections/",
        "/inspections/due/",
        "/inspections/orders/",
        f"/inspections/orders/{order.pk}/",
        f"/inspections/campaigns/{order.inspection.campaign_id}/",
        f"/inspections/inspections/{order.inspection_id}/",
        "/inspections/disinfection/",
        "/inspections/checklists/",
        "/api/v1/inspections/campaigns",
        "/api/v1/inspections/due",
        "/api/v1/inspections/orders",
    ]:
        r = c.get(url)
        assert r.status_code in (403, 404), url
        assert "突击检查计划" not in r.content.decode(), url
    home = c.get("/").content.decode()
    assert "inspections-due" not in home and "突击检查计划" not in home


def test_staff_account_is_not_a_venue_account(world, office_leader):
    order = make_order(world.grid_a)
    c = client_for(office_leader)
    assert c.get("/inspections/mine/orders/").status_code in (403, 404)
    assert c.get(f"/inspections/mine/orders/{order.pk}/").status_code in (403, 404)


def test_the_venue_page_shows_its_inspections_and_open_orders(world, office_leader):
    venue = make_venue(world.grid_a, "hotel", "我的酒店")
    order = make_order(world.grid_a, venue, what="消杀记录不详", name="三月督查")
    c = client_for(office_leader)
    page = c.get(f"/venues/{venue.pk}/").content.decode()
    assert 'data-testid="venue-inspections"' in page
    assert order.notice_no in page and "三月督查" in page and "2022-03-29" in page
    assert f"/inspections/venues/{venue.pk}/inspect" in page
    # The venue's own account: its home has no inspection section (no plan, no campaign).
    user, _pw = make_venue_account(venue, phone="13912340000")
    own = client_for(user).get("/venues/mine/").content.decode()
    assert "venue-inspections" not in own and "三月督查" not in own
