"""The inspection page's offline photos on a 390x844 phone: kept in IndexedDB, the queue in
localStorage only naming them (a few full photos no longer overflow localStorage), sent and
removed when back online; a queue written by the previous version (photos inline, as data: URLs)
is moved on load and loses nothing."""

import base64
import json
import uuid

import pytest
from django.urls import reverse

from tests.browser import chromium_page, login
from tests.factories.inspections import jpeg_bytes, make_inspections
from wangge.inspections.models import Photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FAIL = "消杀记录是否完整"
KEY = "wangge.inspect.v1"


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.WANGGE_PRIVATE_ROOT = tmp_path / "private"


def _queue(page) -> list[dict]:
    return page.evaluate(f"() => JSON.parse(localStorage.getItem('{KEY}') || '{{\"queue\": []}}').queue")


def test_offline_photos_are_kept_in_indexeddb(world, live_server):
    s = make_inspections(world)
    first = s.campaign.inspections.order_by("id").first()
    with chromium_page(viewport={"width": 390, "height": 844}) as page:
        login(page, live_server.url, "team_leader")
        page.goto(live_server.url + reverse("inspections:inspect", kwargs={"inspection_id": first.pk}))
        page.wait_for_selector("#net-status[data-state=online]")
        page.context.set_offline(True)
        page.wait_for_selector("#net-status[data-state=offline]")
        card = page.locator(f'.insp-item[data-text="{FAIL}"]')
        card.locator('.insp-answer[data-result="fail"]').click()
        for n in range(4):
            card.locator(".insp-photo").set_input_files(
                {"name": f"p{n}.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(2400, 1800, exif=True)}
            )
            page.wait_for_function(
                f"() => JSON.parse(localStorage.getItem('{KEY}')).queue.filter(o => o.kind === 'photo').length === {n + 1}"
            )
        photos = [op for op in _queue(page) if op["kind"] == "photo"]
        assert len(photos) == 4
        # The queue names the photos; their bytes are in IndexedDB, not in localStorage.
        assert all("data" not in op and op["stored"] == "idb" for op in photos)
        assert page.evaluate(f"localStorage.getItem('{KEY}').length") < 10000
        for op in photos:
            assert page.evaluate(f"window.wanggeInspect.photo('{op['client_id']}')") > 1000
        assert Photo.objects.count() == 0

        page.context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_function(
            f"() => JSON.parse(localStorage.getItem('{KEY}')).queue.filter(o => o.kind === 'photo').length === 0",
            timeout=30000,
        )
        assert set(Photo.objects.values_list("client_id", flat=True)) == {
            uuid.UUID(op["client_id"]) for op in photos
        }
        # Sent photos leave the phone.
        for op in photos:
            assert page.evaluate(f"window.wanggeInspect.photo('{op['client_id']}')") is None


def test_a_queue_of_the_previous_version_is_moved_not_dropped(world, live_server):
    s = make_inspections(world)
    first = s.campaign.inspections.order_by("id").first()
    item = first.answers.get(text=FAIL).item_id
    photo_id = str(uuid.uuid4())
    data = "data:image/jpeg;base64," + base64.b64encode(jpeg_bytes(320, 240)).decode()
    old = {
        "format": 1,
        "queue": [
            {"kind": "photo", "item": item, "client_id": photo_id, "data": data, "opid": str(uuid.uuid4()),
             "at": "2022-03-29T09:00:00Z", "inspection": first.pk},
        ],
        "answers": {},
        "photos": {str(first.pk): {str(item): 1}},
        "done": {},
        "problems": [],
    }  # fmt: skip
    url = live_server.url + reverse("inspections:inspect", kwargs={"inspection_id": first.pk})
    with chromium_page(viewport={"width": 390, "height": 844}) as page:
        login(page, live_server.url, "team_leader")
        page.evaluate(f"localStorage.setItem('{KEY}', {json.dumps(json.dumps(old))})")
        # The photo upload fails at first: the moved photo waits in IndexedDB.
        page.route("**/photos", lambda route: route.abort())
        page.goto(url)
        page.wait_for_function(f"() => JSON.parse(localStorage.getItem('{KEY}')).format === 2")
        queue = _queue(page)
        assert len(queue) == 1 and "data" not in queue[0] and queue[0]["stored"] == "idb"
        assert page.evaluate(f"window.wanggeInspect.photo('{photo_id}')") > 1000
        assert Photo.objects.count() == 0

        page.unroute("**/photos")
        page.evaluate("window.wanggeInspect.flush()")
        page.wait_for_function(
            f"() => JSON.parse(localStorage.getItem('{KEY}')).queue.length === 0", timeout=30000
        )
        assert Photo.objects.get().client_id == uuid.UUID(photo_id)
