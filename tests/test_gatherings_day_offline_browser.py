"""The supervisor's page on the day works offline (390x844, real Chromium): the service worker keeps
it, a check recorded with no network waits on the phone with its client id, survives a reload made
offline (the page served by the worker), and is stored exactly once when the network returns."""

import pytest
from django.urls import reverse

from tests.browser import chromium_page, login, screenshot
from tests.factories.gatherings import family_report, make_gatherings
from wangge.gatherings.approvals import services as approvals
from wangge.gatherings.models import DayCheck

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 390, "height": 844}


def test_a_check_on_the_day_recorded_offline_is_stored_once(world, live_server):
    g = make_gatherings(world)
    funeral = family_report(world, kind_code="funeral", days_ahead=0, diners=20, plan="")
    approvals.approve(actor=g.cadre, gathering=funeral, grid=world.grid_a, supervisor=g.leader)
    url = live_server.url + reverse("gatherings:day", kwargs={"gathering_id": funeral.pk})
    with chromium_page(viewport=PHONE) as page:
        login(page, live_server.url, g.leader.username)
        response = page.goto(url)
        assert response is not None and response.headers.get("x-wangge-offline") == "1"
        page.wait_for_selector("html[data-offline-ready='1']")
        page.context.set_offline(True)
        page.wait_for_selector("#day-net[data-state=offline]")

        page.fill("#id_actual_diners", "18")
        page.click("[data-testid=day-submit]")
        page.wait_for_selector("#day-queue-count[data-count='1']")
        assert page.locator("#day-queue li[data-status=queued]").count() == 1
        queued = page.evaluate("window.wanggeDay.state().queue[0].client_id")
        assert DayCheck.objects.count() == 0
        # A second check gets its own id.
        assert page.input_value("input[name=client_id]") != queued

        # Reloaded with no network: the worker serves the page; the check is still waiting.
        response = page.reload()
        assert response is not None and response.from_service_worker
        page.wait_for_selector("#day-queue-count[data-count='1']")
        assert page.input_value("input[name=client_id]") != queued  # not the kept copy's id
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "gatherings-day-offline")

        # The network returns: sent once.
        page.context.set_offline(False)
        page.wait_for_selector("#day-queue-count[data-count='0']")
        page.wait_for_selector("#day-check-list li[data-status=accepted]")
        check = DayCheck.objects.get()
        assert str(check.client_id) == queued and check.actual_diners == 18 and check.by == g.leader
        # The same check sent again (its answer lost) is not stored twice.
        again = page.evaluate(
            """(cid) => fetch(document.getElementById('day-app').dataset.checkUrl, {method: 'POST',
                 credentials: 'same-origin', headers: {'Content-Type': 'application/json', 'X-CSRFToken':
                 document.querySelector('form[data-testid=day-form] input[name=csrfmiddlewaretoken]').value},
                 body: JSON.stringify({client_id: cid, actual_diners: 18})}).then(r => r.status)""",
            queued,
        )
        assert again in (200, 201) and DayCheck.objects.count() == 1
