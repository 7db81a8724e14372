"""The done-when path on a 390x844 phone: a volunteer signs up on the public form, the village vets
them and puts them on a night shift; at the checkpoint's page an arrival from a high-risk area is
logged offline, syncs once, and appears as a screening record. The page is reloaded while offline
(the service worker serves it): the queued entry and a sign-in queued there survive the reload and
reach the server once when the network returns."""

import pytest
from django.utils import timezone

from tests.browser import chromium_page, login, screenshot
from tests.factories.accounts import make_user
from tests.factories.duty import make_checkpoint, vetted
from tests.factories.registry import rid
from wangge.duty.models import Duty, Entry, Shift, Volunteer
from wangge.duty.shifts import services as roster
from wangge.screening.models import ScreeningRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}
ARRIVAL_ID = rid(321, "19900505")


def test_volunteer_to_night_shift_and_an_offline_arrival_becomes_a_screening_record(
    world, screening, live_server
):
    cp = make_checkpoint(world.grid_a, name="八千村口卡点", days=3)
    cadre = make_user("duty_cadre", world.village, "village_cadre")
    make_user("duty_logger", world.grid_a, "volunteer")
    # Someone on the shift under way, who signs in at the checkpoint's page.
    now = timezone.now()
    current = Shift.objects.get(checkpoint=cp, starts_at__lte=now, ends_at__gt=now)
    on_now = roster.assign(actor=cadre, shift=current, volunteer=vetted(world.village, cadre, 5))
    with chromium_page(viewport=PHONE) as page:
        # 1. A volunteer signs up on the public form (no account).
        page.context.clear_cookies()
        page.goto(live_server.url + "/s/volunteer/")
        page.fill("#id_name", "青年志愿者")
        page.fill("#id_phone", "13812345678")
        page.fill("#id_id_number", rid(123, "19990909"))
        page.select_option("#id_village", str(world.village.pk))
        page.check("input[name=is_party_member]")
        page.check("input[name=availability][value=weekday_nights]")
        page.click("[data-testid=signup-form] button[type=submit]")
        page.wait_for_selector("[data-testid=signup-done]")
        volunteer = Volunteer.objects.get(name="青年志愿者")
        assert volunteer.status == "pending"

        # 2. The village vets them and puts them on tonight's night shift.
        login(page, live_server.url, "duty_cadre")
        page.goto(f"{live_server.url}/duty/volunteers/{volunteer.pk}/")
        page.select_option("#id_decision", "accept")
        page.click("[data-testid=vet-form] button[type=submit]")
        page.wait_for_selector("[data-testid=volunteer-status]")
        volunteer.refresh_from_db()
        assert volunteer.status == "vetted"
        night = next(
            s
            for s in Shift.objects.filter(checkpoint=cp, ends_at__gt=timezone.now()).order_by("starts_at")
            if s.is_night
        )
        page.goto(f"{live_server.url}/duty/shifts/{night.pk}/assign/")
        page.select_option("#id_who", f"v{volunteer.pk}")
        page.click("[data-testid=assign-form] button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert Duty.objects.filter(shift=night, volunteer=volunteer).exists()
        screenshot(page, "duty-night-shift")

        # 3. At the checkpoint: an arrival from a high-risk area logged with no network.
        login(page, live_server.url, "duty_logger")
        post_url = f"{live_server.url}/duty/post/{cp.pk}/"
        page.goto(post_url)
        page.wait_for_selector("#queue-count")
        page.wait_for_selector("html[data-offline-ready='1']")  # the service worker keeps the page
        page.context.set_offline(True)
        page.wait_for_selector("#net-status[data-state=offline]")
        # The volunteer on duty signs in with no network: queued, shown as waiting to send.
        duty_row = f"#duty-list li[data-duty-id='{on_now.pk}']"
        page.click(f"{duty_row} button[type=submit]")
        page.wait_for_selector(f"{duty_row}[data-sign=in][data-sign-state=queued]")
        assert "待上传" in page.inner_text(f"{duty_row} [data-testid=sign-state]")
        tapped = timezone.now()
        page.fill("#entry-id-number", ARRIVAL_ID)
        page.fill("#entry-name", "返乡人员")
        page.fill("#entry-origin", "北京市朝阳区")
        page.fill("#entry-temp", "36.5")
        page.click("#entry-submit")
        page.wait_for_selector("#queue-count[data-count='2']")
        assert page.locator("#entry-recent li[data-status=queued]").count() == 1
        assert Entry.objects.count() == 0
        screenshot(page, "duty-entry-offline")

        # Reloaded with no network: the service worker serves the page; the queue is still there.
        response = page.reload()
        assert response is not None and response.from_service_worker
        page.wait_for_selector("#net-status[data-state=offline]")
        page.wait_for_selector("#queue-count[data-count='2']")
        assert page.locator("#entry-recent li[data-status=queued]").count() == 1
        page.wait_for_selector(f"{duty_row}[data-sign=in][data-sign-state=queued]")
        assert page.locator("#entry-form").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert Entry.objects.count() == 0 and Duty.objects.get(pk=on_now.pk).signed_in_at is None
        screenshot(page, "duty-entry-offline-reloaded")

        # The network returns: the queue drains once.
        page.context.set_offline(False)
        page.wait_for_selector("#queue-count[data-count='0']")
        page.wait_for_selector("#entry-recent li[data-status=accepted]")
        page.wait_for_selector(f"{duty_row}[data-sign=in][data-sign-state=sent]")
        signed = Duty.objects.get(pk=on_now.pk)
        assert signed.signed_in_at is not None and signed.sign_in_token is not None
        assert signed.signed_in_at <= tapped  # the time it was tapped offline, not the upload's
        # A replay of the same entry (a retry after a lost answer) stores nothing twice.
        sent = page.evaluate("window.wanggeCheckpoint.state().recent[0].client_id")
        again = page.evaluate(
            """([cid, idn]) => fetch(document.getElementById('checkpoint-app').dataset.uploadUrl, {method: 'POST',
                 credentials: 'same-origin', headers: {'Content-Type': 'application/json',
                 'X-CSRFToken': document.getElementById('checkpoint-app').dataset.csrf},
                 body: JSON.stringify({entries: [{client_id: cid, id_number: idn, name: '返乡人员',
                 origin: '北京市朝阳区'}]})}).then(r => r.json())""",
            [sent, ARRIVAL_ID],
        )
        assert again["results"][0]["status"] == "duplicate"
        assert Entry.objects.count() == 1
        entry = Entry.objects.get()
        assert entry.risk_level == "high" and entry.screening_id
        record = ScreeningRecord.objects.get(pk=entry.screening_id)
        assert record.source == "checkpoint" and record.person.id_number == ARRIVAL_ID
        assert ScreeningRecord.objects.filter(person__id_number=ARRIVAL_ID).count() == 1
        screenshot(page, "duty-entry-synced")

        # 4. It appears as a screening record to the village.
        login(page, live_server.url, "duty_cadre")
        page.goto(f"{live_server.url}/screening/records/{record.pk}/")
        assert "返乡人员" in page.content()
