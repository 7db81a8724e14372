"""The look in real Chromium (Bootstrap, vendored): the top bar is one compact row on a phone
whose menu opens as a panel, with the task groups as dropdowns on a desk and the account, tokens
and language in one menu; a form that asks before it is sent asks in Bootstrap's dialog; forms
carry Bootstrap's classes from the form renderer."""

import pytest
from django.urls import reverse

from tests.browser import chromium_page, login, screenshot
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_top_bar_on_a_phone_and_a_desk(world, live_server):
    make_user("office_leader", world.office, "office_leader")
    with chromium_page(viewport={"width": 390, "height": 844}) as page:
        login(page, live_server.url, "office_leader")
        header = page.locator("header.topbar").bounding_box()
        assert header["height"] <= 64  # one row: the name and the menu button
        assert not page.locator("nav.mainnav").is_visible()
        page.click(".navbar-toggler")
        page.wait_for_selector("#nav-panel.show")
        group = page.locator("nav.mainnav .navgroup").first
        group.locator(".dropdown-toggle").click()
        assert group.locator(".dropdown-item").first.is_visible()
        assert page.locator("[data-testid=who]").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "look-phone-menu")

        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(live_server.url + "/")
        assert page.locator("nav.mainnav").is_visible()
        assert page.locator("header.topbar").bounding_box()["height"] <= 64
        group = page.locator("nav.mainnav .navgroup").first
        group.locator(".dropdown-toggle").click()
        assert group.locator(".dropdown-menu").is_visible()
        page.click("[data-testid=who]")
        menu = page.locator(".who .dropdown-menu")
        assert menu.locator(f"a[href='{reverse('accounts:tokens')}']").is_visible()
        assert menu.locator("select[name=language]").is_visible()
        screenshot(page, "look-desk-menu")


def test_a_confirmation_asks_in_a_dialog(world, live_server, staff_factory):
    from wangge.roster.models import StaffMember

    make_user("office_leader", world.office, "office_leader")
    staff = staff_factory(unit=world.grid_a, name="待停用同事")
    url = live_server.url + reverse("roster:staff_detail", kwargs={"staff_id": staff.pk})
    with chromium_page() as page:
        login(page, live_server.url, "office_leader")
        page.goto(url)
        form = page.locator("form[data-confirm]")
        if form.count() == 0:
            pytest.skip("this role may not mark people inactive")
        form.locator("button[type=submit]").click()
        dialog = page.locator("#confirm-dialog")
        dialog.wait_for(state="visible")
        assert dialog.locator("[data-confirm-text]").inner_text() == form.get_attribute("data-confirm")
        screenshot(page, "look-confirm")
        dialog.locator("[data-bs-dismiss=modal].btn").click()
        dialog.wait_for(state="hidden")
        assert StaffMember.objects.get(pk=staff.pk).is_active
        form.locator("button[type=submit]").click()
        dialog.wait_for(state="visible")
        with page.expect_navigation():
            dialog.locator("[data-confirm-ok]").click()
        assert not StaffMember.objects.get(pk=staff.pk).is_active


def test_forms_carry_bootstrap_classes(world, live_server):
    make_user("office_leader", world.office, "office_leader")
    with chromium_page() as page:
        login(page, live_server.url, "office_leader")
        page.goto(live_server.url + f"/org/{world.grid_a.pk}/edit/")
        field = page.locator("input[name=name]")
        assert "form-control" in field.get_attribute("class")
        label = page.locator(f"label[for='{field.get_attribute('id')}']")
        assert "form-label" in label.get_attribute("class")
