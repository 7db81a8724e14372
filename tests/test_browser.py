"""The paths people click every day, in real Chromium."""

import pytest

from tests.browser import chromium_page, login, screenshot
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_grid_leader_sees_their_grid_and_nothing_else(world, live_server, staff_factory):
    make_user("leader_a", world.grid_a, "grid_leader")
    staff_factory(unit=world.grid_a, name="本格甲同事")
    staff_factory(unit=world.grid_b, name="外格乙同事")
    with chromium_page() as page:
        login(page, live_server.url, "leader_a")
        home = page.content()
        assert "甲网格" in page.inner_text("[data-testid=unit-name]")
        assert "乙网格" not in home and "丙网格" not in home and "张庄办事处" not in home
        screenshot(page, "grid-leader-home")

        page.goto(live_server.url + "/org/")
        tree = page.inner_text("[data-testid=tree]")
        assert "甲网格" in tree
        assert "乙网格" not in page.content() and "冢刘村" not in tree

        page.goto(live_server.url + "/roster/")
        roster = page.inner_text("[data-testid=staff-table]")
        assert "本格甲同事" in roster and "外格乙同事" not in roster

        response = page.goto(f"{live_server.url}/org/{world.grid_b.pk}/")
        assert response.status == 404
        response = page.goto(f"{live_server.url}/api/v1/units/{world.grid_b.pk}")
        assert response.status == 404


def test_office_leader_sees_the_office_and_renames_a_grid(world, live_server):
    make_user("office_leader", world.office, "office_leader")
    with chromium_page() as page:
        login(page, live_server.url, "office_leader")
        assert "郑港办事处" in page.inner_text("[data-testid=unit-name]")
        children = page.inner_text("[data-testid=home-children]")
        assert "冢刘村" in children and "张庄" not in page.content()
        page.goto(f"{live_server.url}/org/{world.grid_a.pk}/edit/")
        page.fill("input[name=name]", "甲网格（东）")
        page.click("[data-testid=unit-edit-form] button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "甲网格（东）" in page.inner_text("[data-testid=unit-name]")
        screenshot(page, "office-leader-renamed")
    from wangge.audit.models import AuditEvent

    event = AuditEvent.objects.get(model="org.orgunit", object_id=str(world.grid_a.pk), action="update")
    assert event.after["name"] == "甲网格（东）" and event.channel == "web"


@pytest.mark.chinese_default
def test_language_switch_to_english(world, live_server):
    make_user("office_leader", world.office, "office_leader")
    with chromium_page() as page:
        login(page, live_server.url, "office_leader")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert "首页" in page.inner_text("nav.mainnav")
        page.click("[data-testid=who]")  # account, tokens and language: one menu
        with page.expect_navigation():
            page.select_option("select[name=language]", "en")
        assert page.locator("html").get_attribute("lang") == "en"
        assert "Home" in page.inner_text("nav.mainnav")
        page.click("[data-testid=who]")
        with page.expect_navigation():
            page.select_option("select[name=language]", "zh-hans")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
