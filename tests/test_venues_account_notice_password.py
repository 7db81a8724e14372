"""A venue's own account prints its own rectification notice (责令整改通知书, the same printable
notice as the office's; another venue's is a missing one) and changes its own password (the old
one first; audited under its venue, without the password; still logged in afterwards)."""

import pytest
from django.test import Client

from tests.factories.accounts import client_for
from tests.factories.inspections import make_order, make_venue
from tests.factories.venues import make_venue_account
from wangge.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_venue_prints_its_own_notice_only(world, office_leader):
    mine = make_venue(world.grid_a, "hotel", "我的酒店")
    order = make_order(world.grid_a, mine, what="消杀记录不详")
    other = make_order(world.grid_a, what="别家整改事项")
    foreign = make_order(world.grid_b, what="外格整改事项")
    user, _pw = make_venue_account(mine, phone="13912340000")
    c = client_for(user)

    page = c.get(f"/inspections/mine/orders/{order.pk}/").content.decode()
    assert f"/inspections/mine/orders/{order.pk}/notice" in page
    r = c.get(f"/inspections/mine/orders/{order.pk}/notice")
    assert r.status_code == 200
    notice = r.content.decode()
    assert 'data-testid="notice"' in notice and order.notice_no in notice and "我的酒店" in notice
    assert "消杀记录不详" in notice and "data-print" in notice
    assert (
        f"/inspections/mine/orders/{order.pk}/" in notice and f"/inspections/orders/{order.pk}/" not in notice
    )
    assert AuditEvent.objects.filter(
        model="inspections.order", object_id=str(order.pk), action="view"
    ).exists()

    missing = c.get("/inspections/mine/orders/987654/notice").status_code
    assert missing == 404
    for o in (other, foreign):
        r = c.get(f"/inspections/mine/orders/{o.pk}/notice")
        assert r.status_code == missing
        assert "整改事项" not in r.content.decode()
    # An office account is not a venue account: it prints from the office's page.
    assert client_for(office_leader).get(f"/inspections/mine/orders/{order.pk}/notice").status_code in (
        403,
        404,
    )


def test_the_venue_changes_its_own_password(world):
    venue = make_venue(world.grid_a, "hotel", "我的酒店")
    user, password = make_venue_account(venue, phone="13912340000")
    c = Client()
    c.force_login(user)
    home = c.get("/venues/mine/").content.decode()
    assert "/venues/mine/password/" in home
    assert c.get("/venues/mine/password/").status_code == 200

    wrong = c.post(
        "/venues/mine/password/",
        {"old_password": "not-it", "new_password1": "Qinghe-2022-new", "new_password2": "Qinghe-2022-new"},
    )
    assert wrong.status_code == 200
    user.refresh_from_db()
    assert user.check_password(password)

    r = c.post(
        "/venues/mine/password/",
        {"old_password": password, "new_password1": "Qinghe-2022-new", "new_password2": "Qinghe-2022-new"},
    )
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Qinghe-2022-new") and not user.check_password(password)
    # Still logged in on this phone.
    assert c.get("/venues/mine/").status_code == 200
    event = AuditEvent.objects.filter(model="accounts.user", object_id=str(user.pk), action="update").get()
    assert event.path == venue.path and event.after == {"password_changed": True}
    assert "Qinghe" not in str(event.before) + str(event.after)
    # The new password logs in; the old one no longer does.
    login = {"username": user.username, "password": "Qinghe-2022-new"}
    assert Client().post("/accounts/login/", login).status_code == 302
    assert Client().post("/accounts/login/", {**login, "password": password}).status_code == 200


def test_an_office_account_has_no_venue_password_page(world, office_leader):
    assert client_for(office_leader).get("/venues/mine/password/").status_code in (403, 404)
