"""A venue's manager, on a phone, logs in with their phone number and records today's
disinfection: the home shows it as waiting, the log page takes it, the home shows it done."""

import pytest

from tests.browser import chromium_page, login, screenshot
from tests.factories.venues import make_venue, make_venue_account
from wangge.venues.models import DisinfectionEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_venue_manager_logs_todays_disinfection_on_a_phone(world, live_server):
    venue = make_venue(world.grid_a, name="清河宾馆")
    user, password = make_venue_account(venue, phone="13912345678")
    base = live_server.url
    with chromium_page(viewport={"width": 390, "height": 844}) as page:
        login(page, base, user.username, password)
        item = page.locator("[data-item=venues-own-disinfection]")
        assert item.count() == 1 and item.locator(".n").inner_text().strip() == "1"
        item.click()
        page.wait_for_load_state("networkidle")
        assert "清河宾馆" in page.inner_text("[data-testid=own-venue]")
        assert page.locator("[data-testid=not-logged-today]").count() == 1
        page.click("[data-testid=log-disinfection]")
        page.fill("#id_area", "大堂、客房走廊")
        page.fill("#id_agent", "84消毒液")
        page.fill("#id_done_by", "王伟")
        page.click("[data-testid=record-form] button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-testid=logged-today]").count() == 1
        assert "大堂、客房走廊" in page.inner_text("[data-testid=disinfection-log]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "venues-own-disinfection-phone")
        page.goto(base + "/")
        assert page.locator("[data-item=venues-own-disinfection]").count() == 1
        assert page.locator(".today-items [data-item=venues-own-disinfection]").count() == 0
    [entry] = DisinfectionEntry.objects.all()
    assert entry.venue_id == venue.pk and entry.recorded_by_id == user.pk and entry.agent == "84消毒液"
