"""Offline-first field pages in real Chromium, on a phone's screen: the service worker keeps the
sampling table's page, which then opens with no network in a new tab; scans made there reach the
server exactly once when the network returns; a queue written by the page's previous version is
carried over and sent; a page that is not offline-capable shows a short message instead."""

import threading
import time
import uuid

import pytest
from django.urls import reverse

from tests.browser import chromium_page, chromium_profile, login, screenshot
from tests.factories.table_page import queue_count, type_person, wait_queue_empty
from wangge.core import offline
from wangge.testing.checkin import views
from wangge.testing.models import Sample, Tube

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
API = "**/api/v1/testing/**"


def table_url(base_url, site, table=1):
    return base_url + reverse("testing:table", kwargs={"site_id": site.pk}) + f"?table={table}"


def test_the_table_page_opens_with_no_network_and_its_scans_are_stored_exactly_once(testing, live_server):
    people = testing.people_a[:3]
    url = table_url(live_server.url, testing.site)
    tubes_url = live_server.url + reverse("testing:tubes", kwargs={"site_id": testing.site.pk})
    with chromium_page(viewport=PHONE) as page:
        context = page.context
        login(page, live_server.url, "registrar")
        page.goto(url)  # loaded once, online
        page.wait_for_selector("#net-status[data-state=online]")
        page.wait_for_selector("html[data-offline-ready='1']")
        page.goto(tubes_url)  # a page that is not offline-capable, seen online too
        page.wait_for_selector("[data-testid=tube-table]")

        # The network goes away; the tab is closed and a new one opened on the table's address.
        context.set_offline(True)
        page.close()
        page = context.new_page()
        response = page.goto(url)
        assert response is not None and response.from_service_worker
        page.wait_for_selector("#net-status[data-state=offline]")
        assert page.locator("#tube-form").is_visible()

        page.fill("#tube-input", "OFF-TAB-01")
        page.press("#tube-input", "Enter")
        for p in people:
            type_person(page, p.id_number)
        assert queue_count(page) == 3
        status = page.inner_text("#queue-count")
        assert status.startswith("3 条待上传，最早 ") and ":" in status, status
        assert page.inner_text("#queue-detail") == "待上传：扫码 3 条，移出 0 条，封管或开管 0 条"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert Sample.objects.count() == 0
        screenshot(page, "offline-table-queued")

        # Closed and opened once more, still with no network: the queue and the tube are there.
        page.close()
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("#tube-members li >> nth=2")
        assert queue_count(page) == 3
        assert page.inner_text("#tube-barcode") == "OFF-TAB-01"
        stored = page.evaluate("JSON.parse(localStorage.getItem(window.wanggeTable.storageKey))")
        assert stored["format"] == 2
        assert stored["ctx"]["site"] == str(testing.site.pk) and stored["ctx"]["table"] == 1
        assert stored["ctx"]["round"] == str(testing.round.pk) and stored["ctx"]["tube"] == "OFF-TAB-01"
        assert all(op["at"] for op in stored["queue"])
        sent = {op["scan"]["client_id"] for op in stored["queue"]}

        # A page that is not offline-capable shows the short message (and the pages kept here).
        other = context.new_page()
        other.goto(tubes_url)
        other.wait_for_selector("[data-testid=offline-message]")
        assert "网络" in other.inner_text("[data-testid=offline-message]")
        other.wait_for_selector("#offline-pages a")
        assert url in [a.get_attribute("href") for a in other.query_selector_all("#offline-pages a")]
        assert other.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(other, "offline-message")
        other.close()

        # The network returns: the queue is sent, each scan stored exactly once.
        context.set_offline(False)
        wait_queue_empty(page)
        page.wait_for_selector("#tube-members li[data-status=accepted] >> nth=2")
        samples = list(Sample.objects.filter(tube__barcode="OFF-TAB-01"))
        assert len(samples) == 3 == Sample.objects.count()
        assert {str(s.client_id) for s in samples} == sent
        assert {s.person_id for s in samples} == {p.pk for p in people}
        assert Tube.objects.get(barcode="OFF-TAB-01").filled == 3
        assert page.inner_text("#queue-count") == "已全部上传" or queue_count(page) == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_queue_written_by_the_previous_version_of_the_page_is_carried_over_and_sent_once(
    testing, live_server
):
    site = testing.site
    people = testing.people_a[:2]
    scans = [
        {
            "client_id": str(uuid.uuid4()),
            "tube": "OLD-V1-01",
            "scanned_at": "2026-12-06T02:02:00.000Z",
            "capacity": 10,
            "retest": False,
            "id_type": "resident_id",
            "id_number": p.id_number,
        }
        for p in people
    ]
    # What the page wrote before: key v1, no format, actions without the time they were queued.
    v1 = {
        "queue": [{"kind": "scan", "scan": s, "opid": str(uuid.uuid4())} for s in scans],
        "tube": {
            "barcode": "OLD-V1-01",
            "capacity": 10,
            "retest": False,
            "members": [
                {
                    "client_id": s["client_id"],
                    "key": "i:" + s["id_number"],
                    "name": "",
                    "pid": "",
                    "status": "queued",
                    "message": "",
                }
                for s in scans
            ],
        },
        "problems": [],
        "sealed": [],
        "retest": False,
        "poolSize": 10,
    }
    old_key = f"wangge.table.v1.{site.pk}.1"
    with chromium_page(viewport=PHONE) as page:
        login(page, live_server.url, "registrar")
        page.evaluate("([k, v]) => localStorage.setItem(k, JSON.stringify(v))", [old_key, v1])
        page.route(API, lambda route: route.abort())  # the new page first shows the queue unsent
        page.goto(table_url(live_server.url, site))
        page.wait_for_selector("#tube-members li >> nth=1")
        assert queue_count(page) == 2
        assert page.evaluate(f"localStorage.getItem('{old_key}')") is None
        stored = page.evaluate("JSON.parse(localStorage.getItem(window.wanggeTable.storageKey))")
        assert stored["format"] == 2 and len(stored["queue"]) == 2
        assert [op["at"] for op in stored["queue"]] == [s["scanned_at"] for s in scans]
        assert "最早" in page.inner_text("#queue-count")
        assert Sample.objects.count() == 0

        page.unroute(API)
        page.evaluate("window.wanggeTable.flush()")
        wait_queue_empty(page)
        samples = list(Sample.objects.filter(tube__barcode="OLD-V1-01"))
        assert {str(s.client_id) for s in samples} == {s["client_id"] for s in scans}
        assert Sample.objects.count() == 2
        page.reload()
        page.wait_for_selector("#net-status[data-state=online]")
        assert queue_count(page) == 0 and Sample.objects.count() == 2


def test_scans_made_offline_after_a_browser_restart_are_sent_once_when_the_network_returns(
    testing, live_server, tmp_path
):
    """The whole browser closes (the phone killed it in the background) and starts again with no
    network: the table page opens from the worker, scans are queued, the browser closes again,
    and when it next opens with the network the queue is sent once."""
    profile = tmp_path / "profile"
    url = table_url(live_server.url, testing.site, table=2)
    people = testing.people_a[3:5]
    with chromium_profile(profile, viewport=PHONE) as context:
        page = context.pages[0] if context.pages else context.new_page()
        login(page, live_server.url, "registrar")
        page.goto(url)
        page.wait_for_selector("html[data-offline-ready='1']")

    with chromium_profile(profile, viewport=PHONE) as context:  # restarted, no network
        context.set_offline(True)
        page = context.new_page()
        assert page.goto(url).from_service_worker
        page.wait_for_selector("#net-status[data-state=offline]")
        page.fill("#tube-input", "RESTART-01")
        page.press("#tube-input", "Enter")
        for p in people:
            type_person(page, p.id_number)
        assert queue_count(page) == 2
        sent = page.evaluate(
            "window.wanggeTable.state().queue.map(function (op) { return op.scan.client_id; })"
        )
    assert Sample.objects.count() == 0

    with chromium_profile(profile, viewport=PHONE) as context:  # restarted, the network is back
        page = context.new_page()
        page.goto(url)
        wait_queue_empty(page)
        page.wait_for_selector("#tube-members li[data-status=accepted] >> nth=1")
        assert page.inner_text("#tube-barcode") == "RESTART-01"
    samples = list(Sample.objects.filter(tube__barcode="RESTART-01"))
    assert sorted(str(s.client_id) for s in samples) == sorted(sent)
    assert Sample.objects.count() == 2 and Tube.objects.get(barcode="RESTART-01").filled == 2


def test_a_new_version_replaces_the_caches_and_keeps_the_pages(testing, live_server, tmp_path, monkeypatch):
    """A deploy that changes a precached file gives a new worker: it installs a new cache,
    carries the kept pages over and deletes the old caches."""
    url = table_url(live_server.url, testing.site)
    with chromium_page(viewport=PHONE) as page:
        login(page, live_server.url, "registrar")
        page.goto(url)
        page.wait_for_selector("html[data-offline-ready='1']")
        first = page.get_attribute("html", "data-offline-version")
        names = page.evaluate("caches.keys()")
        assert sorted(names) == [f"wangge-pages-{first}", f"wangge-shell-{first}"]

        # the deploy: app.js changed (the live server runs in this process)
        asset = tmp_path / "app.js"
        asset.write_text("/* the next version */")
        real = offline._source_file
        monkeypatch.setattr(
            offline, "_source_file", lambda n: str(asset) if n == "wangge/app.js" else real(n)
        )
        second = offline.version()
        assert second != first
        page.evaluate("navigator.serviceWorker.getRegistration().then(function (r) { return r.update(); })")
        for _ in range(100):  # the new worker installs, then activates and cleans up
            if sorted(page.evaluate("caches.keys()")) == [f"wangge-pages-{second}", f"wangge-shell-{second}"]:
                break
            page.wait_for_timeout(200)
        assert sorted(page.evaluate("caches.keys()")) == [f"wangge-pages-{second}", f"wangge-shell-{second}"]
        kept = page.evaluate(
            "(v) => caches.open('wangge-pages-' + v).then(function (c) { return c.keys(); })"
            ".then(function (rs) { return rs.map(function (r) { return r.url; }); })",
            second,
        )
        assert url in kept

        page.context.set_offline(True)
        other = page.context.new_page()
        assert other.goto(url).from_service_worker
        other.wait_for_selector("#net-status[data-state=offline]")
        other.close()
        page.context.set_offline(False)


def test_a_failing_server_shows_the_kept_page_and_logging_out_forgets_the_kept_pages(
    testing, live_server, monkeypatch
):
    url = table_url(live_server.url, testing.site)
    with chromium_page(viewport=PHONE) as page:
        login(page, live_server.url, "registrar")
        page.goto(url)
        page.wait_for_selector("html[data-offline-ready='1']")
        page.wait_for_function("navigator.serviceWorker.controller !== null")

        # The server answers 500 (its database is down, say): the kept copy is better than an error.
        def broken():
            raise RuntimeError("the database is down")

        monkeypatch.setattr(views, "_strings", broken)
        response = page.goto(url)
        assert response.from_service_worker and response.status == 200
        page.wait_for_selector("#tube-form")
        monkeypatch.undo()

        # The server is silent (overloaded): after a few seconds the kept copy answers.
        release = threading.Event()
        real = views._strings

        def slow():
            release.wait(30)
            return real()

        monkeypatch.setattr(views, "_strings", slow)
        started = time.monotonic()
        response = page.goto(url)
        waited = time.monotonic() - started
        assert response.from_service_worker and response.status == 200
        assert 5 < waited < 12, waited
        page.wait_for_selector("#tube-form")
        release.set()
        monkeypatch.undo()

        # Logging out: the login page tells the worker to drop the kept pages.
        page.goto(live_server.url + "/")
        page.click(".navbar-toggler")  # the phone's menu
        page.wait_for_selector("#nav-panel.show")
        page.click("[data-testid=who]")
        page.click("form[action$='/logout/'] button")
        page.wait_for_selector("#id_username")
        for _ in range(50):
            kept = page.evaluate(
                "caches.keys().then(function (k) { return k.filter(function (n) { return n.indexOf('wangge-pages-') === 0; }); })"
            )
            if not kept:
                break
            page.wait_for_timeout(100)
        assert kept == []
        assert len(page.evaluate("caches.keys()")) == 1  # the app shell stays


def test_the_site_is_installable_to_the_home_screen(testing, live_server, tmp_path):
    with chromium_profile(tmp_path / "profile", viewport=PHONE) as context:  # not incognito
        page = context.new_page()
        login(page, live_server.url, "registrar")
        page.goto(table_url(live_server.url, testing.site))
        page.wait_for_selector("html[data-offline-ready='1']")
        cdp = context.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"].endswith("/manifest.webmanifest")
        assert manifest["errors"] == []
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
