"""On a 390 px phone, a grid leader taps "Visit" on the first unvisited household, saves the visit,
and reaches the next door of the same building with one tap; no page scrolls sideways."""

import pytest
from django.urls import reverse

from tests.browser import chromium_page, login, screenshot
from tests.factories import make_user
from tests.factories.visits import make_household
from wangge.registry.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def no_sideways_scroll(page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{where} is {width}px wide on a 390px phone"


def test_a_grid_leader_visits_and_goes_next_door_on_a_phone(world, live_server):
    leader = make_user("leader_next_door", world.grid_a, "grid_leader")
    first = make_household(world.grid_a, "甲1楼", "101", head_name="户主一", phone="13900000011")
    second = make_household(world.grid_a, "甲1楼", "102", head_name="户主二", phone="13900000012")
    make_household(world.grid_b, "乙1楼", "101", head_name="外格户主")
    base = live_server.url
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 844})
        login(page, base, leader.username)
        page.goto(base + reverse("registry:unvisited") + "?sort=grid")
        no_sideways_scroll(page, "the unvisited list")
        assert "13900000011" not in page.content()  # the call button holds no number
        row = page.locator("[data-testid=unvisited] tbody tr", has_text="101")
        row.locator("[data-testid=visit]").click()
        page.wait_for_selector("form.card.form")
        page.click("form.card.form button[type=submit]")
        page.wait_for_selector("[data-testid=next-door]")
        no_sideways_scroll(page, "the next-door page")
        assert "102" in page.locator("[data-testid=next-door-place]").inner_text()
        screenshot(page, "next-door-phone")
        page.click("[data-testid=visit-next]")
        page.wait_for_selector("form.card.form")
        assert f"household={second.pk}" in page.url
        page.click("form.card.form button[type=submit]")
        page.wait_for_selector("[data-testid=next-door-none]")
    assert set(Visit.objects.values_list("household_id", flat=True)) == {first.pk, second.pk}


def test_the_untested_cards_with_their_actions_fit_a_phone(world, live_server, testing):
    make_user("manager_phone", world.village, "district_admin")
    base = live_server.url
    url = (
        base
        + reverse("testing:untested", kwargs={"round_id": testing.round.pk})
        + f"?unit={world.village.pk}"
    )
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 844})
        login(page, base, "manager_phone")
        page.goto(url)
        page.wait_for_selector("[data-testid=row-actions] [data-testid=call]")
        no_sideways_scroll(page, "the untested list")
        assert page.locator("[data-testid=grid-filter]").is_visible()
        screenshot(page, "untested-actions-phone")
