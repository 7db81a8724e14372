"""The registrar's phone page in real Chromium: scans made offline survive a reload and reach
the server exactly once; a replayed batch changes nothing; a full tube is called out."""

import pytest
from stdnum.cn import ric

from tests.browser import chromium_page, login, screenshot
from tests.factories.table_page import open_table, queue_count, type_person, wait_queue_empty
from wangge.registry.codes.services import make_token
from wangge.testing.models import Due, DueStatus, Sample, SampleMethod, Tube, TubeStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

API = "**/api/v1/testing/**"
WALK_IN_ID = "41018419900101900" + ric.calc_check_digit("41018419900101900" + "0")


def test_offline_scans_survive_a_reload_and_are_stored_exactly_once(testing, live_server):
    people = testing.people_a[:4]
    with chromium_page() as page:
        context = page.context
        page.set_viewport_size({"width": 360, "height": 760})
        login(page, live_server.url, "registrar")
        open_table(page, live_server.url, testing.site)

        context.set_offline(True)
        page.wait_for_selector("#net-status[data-state=offline]")
        page.fill("#tube-input", "tube-off 01")
        page.press("#tube-input", "Enter")
        assert page.inner_text("#tube-barcode") == "TUBE-OFF01"
        for p in people:
            type_person(page, p.id_number)
        assert queue_count(page) == 4
        assert page.get_attribute("#tube-places", "data-left") == "6"
        assert page.locator("#tube-members li[data-status=queued]").count() == 4
        assert page.get_attribute("#last-result", "data-status") == "queued"
        # the same person twice in the tube is caught on the phone
        type_person(page, people[0].id_number)
        assert queue_count(page) == 4
        screenshot(page, "table-offline-queued")

        # The server stays unreachable while the page is reloaded (a reload needs the page itself).
        page.route(API, lambda route: route.abort())
        context.set_offline(False)
        page.reload()
        page.wait_for_selector("#tube-members li")
        assert queue_count(page) == 4
        assert page.inner_text("#tube-barcode") == "TUBE-OFF01"
        assert page.locator("#tube-members li[data-status=queued]").count() == 4
        page.wait_for_selector("#net-status[data-state=unreachable]")
        sent_scans = page.evaluate("window.wanggeTable.state().queue.map(function (op) { return op.scan; })")
        assert Sample.objects.count() == 0

        page.unroute(API)
        wait_queue_empty(page)
        page.wait_for_selector("#tube-members li[data-status=accepted] >> nth=3")
        members = page.inner_text("#tube-members")
        assert all(p.name in members for p in people)
        assert people[0].id_number not in page.content()
        screenshot(page, "table-online-sent")

        samples = list(Sample.objects.filter(tube__barcode="TUBE-OFF01"))
        assert len(samples) == 4 == Sample.objects.count()
        assert len({s.client_id for s in samples}) == 4
        assert {str(s.client_id) for s in samples} == {s["client_id"] for s in sent_scans}
        assert {s.person_id for s in samples} == {p.pk for p in people}
        assert all(
            d.status == DueStatus.TESTED for d in Due.objects.filter(round=testing.round, person__in=people)
        )
        assert Tube.objects.get(barcode="TUBE-OFF01").filled == 4

        # A replay of the very same batch (a phone re-sending after a lost answer) stores nothing new.
        answer = page.evaluate("(scans) => window.wanggeTable.post({table_no: 1, scans: scans})", sent_scans)
        assert [r["status"] for r in answer["results"]] == ["duplicate"] * 4
        assert Sample.objects.count() == 4
        assert Tube.objects.get(barcode="TUBE-OFF01").filled == 4
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        # Taking someone out of the open tube needs a reason and reaches the server once.
        wrong = Sample.objects.get(person=people[3])
        page.click(f"#tube-members li[data-client-id='{wrong.client_id}'] .ta-remove-btn")
        page.fill("#remove-reason", "扫错了人")
        page.click("#remove-form button[type=submit]")
        wait_queue_empty(page)
        wrong.refresh_from_db()
        assert wrong.removed_reason == "扫错了人" and wrong.removed_at is not None
        assert page.get_attribute("#tube-places", "data-left") == "7"
        assert Tube.objects.get(barcode="TUBE-OFF01").filled == 3
        assert Due.objects.get(round=testing.round, person=people[3]).status == DueStatus.DUE


def test_a_full_tube_is_called_out_and_sealed_to_open_the_next(testing, world, live_server):
    with chromium_page() as page:
        login(page, live_server.url, "registrar")
        open_table(page, live_server.url, testing.site, table=2)
        page.select_option("#pool-size", "5")
        page.fill("#tube-input", "P5-0001")
        page.press("#tube-input", "Enter")
        assert page.get_attribute("#tube-places", "data-capacity") == "5"

        # someone from another office: refused by the server, shown in red, kept as a problem
        type_person(page, testing.people_other[0].id_number)
        page.wait_for_selector("#last-result[data-status=refused]")
        page.wait_for_selector("#problems:not([hidden]) li")
        assert page.get_attribute("#tube-places", "data-left") == "5"

        # a personal code (QR text, the scanner's path), typed ID numbers, and a walk-in
        type_person(page, make_token(testing.people_a[0]))
        for p in testing.people_a[1:4]:
            type_person(page, p.id_number)
        page.click("#walkin-toggle")
        page.fill("#walkin-name", "临时来客")
        page.fill("#walkin-id", WALK_IN_ID)
        page.fill("#walkin-phone", "13912345678")
        page.select_option("#walkin-grid", str(world.grid_b.pk))
        page.click("#walkin-form button[type=submit]")
        assert page.locator("#walkin-form").is_hidden()
        callout = page.wait_for_selector("#tube-full:not([hidden])")
        assert "P5-0001" in callout.inner_text()
        assert page.get_attribute("#tube-places", "data-left") == "0"
        type_person(page, testing.people_a[5].id_number)  # no sixth place: refused on the phone
        assert page.locator("#tube-members li:not([data-status=refused])").count() == 5
        assert testing.people_a[5].id_number not in page.evaluate(
            "JSON.stringify(window.wanggeTable.state())"
        )
        wait_queue_empty(page)
        page.wait_for_selector("#tube-members li[data-status=accepted] >> nth=4")
        screenshot(page, "table-tube-full")

        tube = Tube.objects.get(barcode="P5-0001")
        assert (tube.capacity, tube.filled, tube.table_no, tube.status) == (5, 5, 2, TubeStatus.OPEN)
        page.click("#seal-next")
        assert page.locator("#tube-info").is_hidden()
        assert page.evaluate("document.activeElement.id") == "tube-input"
        wait_queue_empty(page)
        tube.refresh_from_db()
        assert tube.status == TubeStatus.SEALED
        assert not Sample.objects.filter(person=testing.people_a[5]).exists()
        assert Sample.objects.get(person=testing.people_a[0]).method == SampleMethod.CODE
        walk_in = Sample.objects.get(person__id_number=WALK_IN_ID)
        assert (walk_in.person.name, walk_in.person.grid_id, walk_in.tube_id) == (
            "临时来客",
            world.grid_b.pk,
            tube.pk,
        )
        assert not Sample.objects.filter(person=testing.people_other[0]).exists()


def test_a_late_answer_about_open_tubes_does_not_drop_the_tube(testing, live_server):
    """Opening a tube asks the server for the table's open tubes. When that answer comes back
    after the scans made meanwhile were stored, it predates them: the page must not take it as
    "this tube is not open on the server" and drop the tube it is filling."""
    held = []

    def hold_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    with chromium_page() as page:
        login(page, live_server.url, "registrar")
        open_table(page, live_server.url, testing.site, table=2)
        page.route("**/tubes?table_no=2", hold_first)
        page.fill("#tube-input", "LATE-0001")
        page.press("#tube-input", "Enter")
        for p in testing.people_a[:3]:
            type_person(page, p.id_number)
        wait_queue_empty(page)
        page.wait_for_selector("#tube-members li[data-status=accepted] >> nth=2")
        assert len(held) == 1
        held[0].fulfill(status=200, content_type="application/json", body="[]")  # the stale answer
        page.wait_for_timeout(500)
        page.wait_for_load_state("networkidle")
        assert page.locator("#tube-info").is_visible()
        assert page.inner_text("#tube-barcode") == "LATE-0001"
        assert page.locator("#tube-members li[data-status=accepted]").count() == 3
        assert page.get_attribute("#tube-places", "data-left") == "7"
        type_person(page, testing.people_a[3].id_number)
        wait_queue_empty(page)
        assert Tube.objects.get(barcode="LATE-0001").filled == 4
