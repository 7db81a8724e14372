"""The sample chain in real Chromium: taking a new tube while the open one holds people asks
first, and "seal it and open the new one" works offline (queued, then sent: nothing lost); the
lab's queue reads as cards on a 390 px phone."""

import uuid

import pytest
from django.urls import reverse

from tests.browser import chromium_page, login, screenshot
from tests.factories.testing import receive_at_lab
from wangge.registry.codes.services import make_token
from wangge.testing.checkin import services as checkin
from wangge.testing.models import Sample, Tube, TubeStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def type_into(page, selector, text):
    page.fill(selector, text)
    page.press(selector, "Enter")


def test_a_new_tube_asks_to_seal_the_open_one_and_works_offline(testing, live_server):
    people = testing.people_a[:4]
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 800})
        login(page, live_server.url, "registrar")
        page.goto(
            live_server.url + reverse("testing:table", kwargs={"site_id": testing.site.pk}) + "?table=1"
        )
        page.wait_for_selector("#net-status[data-state=online]")
        page.context.set_offline(True)
        page.wait_for_selector("#net-status[data-state=offline]")
        type_into(page, "#tube-input", "A-0001")
        for p in people[:2]:
            type_into(page, "#person-input", p.id_number)
        # another tube while A-0001 holds two people: asked first, nothing changes on "keep"
        type_into(page, "#tube-input", "B-0001")
        assert page.is_visible("#tube-switch")
        assert "A-0001" in page.inner_text("#tube-switch-text")
        page.click("#tube-switch-keep")
        assert page.inner_text("#tube-barcode") == "A-0001"
        type_into(page, "#tube-input", "B-0001")
        screenshot(page, "table-seal-and-open")
        page.click("#tube-switch-seal")
        assert page.inner_text("#tube-barcode") == "B-0001"
        for p in people[2:]:
            type_into(page, "#person-input", make_token(p))
        page.context.set_offline(False)
        page.wait_for_selector("#queue-count[data-count='0']", timeout=30000)
    old, new = Tube.objects.get(barcode="A-0001"), Tube.objects.get(barcode="B-0001")
    assert (old.status, old.filled) == (TubeStatus.SEALED, 2)
    assert (new.status, new.filled) == (TubeStatus.OPEN, 2)
    assert Sample.objects.count() == 4


def test_the_lab_queue_is_cards_on_a_phone(testing, live_server):
    for n, group in enumerate((testing.people_a[:2], testing.people_a[2:4])):
        scans = [checkin.ScanIn(client_id=uuid.uuid4(), tube=f"L{n}", code=make_token(p)) for p in group]
        checkin.ingest(actor=testing.registrar, site=testing.site, table_no=1, scans=scans)
        tube = Tube.objects.get(barcode=f"L{n}")
        checkin.seal_tube(actor=testing.registrar, tube=tube)
        receive_at_lab(testing.manager, tube)
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 800})
        login(page, live_server.url, "lab")
        page.goto(live_server.url + reverse("testing:lab_queue"))
        page.wait_for_selector("[data-testid=awaiting] li[data-tube-id]")
        assert page.locator("[data-testid=awaiting] li[data-tube-id]").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "lab-queue-phone")
