"""Every demo login, on a phone and on a desk: it lands on its own home, with its items and no
error, and no home scrolls sideways."""

import functools

import pytest
from django.test import override_settings

from tests.browser import chromium_page, screenshot
from tests.browser import login as login_as
from wangge.demo.builder import DEFAULT_SEED, build_demo
from wangge.demo.logins import DEMO_LOGINS, DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


login = functools.partial(login_as, password=DEMO_PASSWORD)


@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
def test_every_demo_login_lands_on_its_home_on_a_phone_and_a_desk(live_server):
    build_demo(seed=DEFAULT_SEED, people=3000)
    problems = []
    with chromium_page() as page:
        for width, height in ((390, 844), (1280, 900)):
            page.set_viewport_size({"width": width, "height": height})
            for demo in DEMO_LOGINS:
                if demo.unit_code is None:
                    continue
                login(page, live_server.url, demo.username)
                text = page.inner_text("body")
                if "Server Error" in text or "服务器错误" in text:
                    problems.append(f"{demo.username}@{width}: server error")
                    continue
                if page.locator("[data-testid=home-today]").count() != 1:
                    problems.append(f"{demo.username}@{width}: no 'today' on the home")
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > width:
                    problems.append(f"{demo.username}@{width}: the home is {scroll}px wide")
                if width == 390:
                    screenshot(page, f"home-{demo.username}-phone")
    assert problems == []


LIST_PAGES = [
    "registry:people",
    "registry:buildings",
    "registry:rental_list",
    "registry:follow_ups",
    "registry:unvisited",
    "registry:party_links",
    "registry:my_grid",
    "screening:measures",
    "screening:records",
    "testing:alerts",
]


@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
def test_the_lists_field_roles_use_fit_a_phone(live_server):
    from django.urls import reverse

    build_demo(seed=DEFAULT_SEED, people=3000)
    problems = []
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 844})
        for username in ("wanggezhang", "wanggeyuan", "cunganbu"):
            login(page, live_server.url, username)
            for name in LIST_PAGES:
                response = page.goto(live_server.url + reverse(name))
                if response.status in (403, 404):
                    continue  # not this role's list
                if response.status != 200:
                    problems.append(f"{username} {name}: HTTP {response.status}")
                    continue
                width = page.evaluate("document.documentElement.scrollWidth")
                height = page.evaluate("document.documentElement.scrollHeight")
                if width > 390:
                    problems.append(f"{username} {name}: {width}px wide")
                if height > 20 * 844:
                    problems.append(f"{username} {name}: {height}px tall ({height / 844:.0f} screens)")
    assert problems == []
