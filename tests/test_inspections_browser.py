"""The done-when path on a 390x844 phone: an inspection answered offline (a failing critical
item with a photo), sent when back online, the order with its deadline, a re-inspection that
closes it, and the office reading the campaign's summary sentence."""

import pytest
from django.urls import reverse

from tests.browser import chromium_page, login, screenshot
from tests.factories.inspections import jpeg_bytes, make_inspections, photograph_failures
from wangge.core.access import scope_of
from wangge.inspections.inspecting import services as inspecting
from wangge.inspections.models import Answer, Inspection, Order, Photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FAIL = "消杀记录是否完整"
SENTENCE = (
    "此次活动共督查酒店2家、饭店3家、超市2家、中学1所、小学1所。从检查结果来看，整体情况较好，"
    "但也存在个别场所消杀记录不详等问题，对此，督查人员均责令其立即整改。"
)


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.WANGGE_PRIVATE_ROOT = tmp_path / "private"


def _answer_card(page, text, result):
    card = page.locator(f'.insp-item[data-text="{text}"]')
    card.locator(f'.insp-answer[data-result="{result}"]').click()
    return card


def test_offline_inspection_order_reinspection_and_summary(world, live_server):
    s = make_inspections(world)
    first = s.campaign.inspections.order_by("id").first()  # a hotel
    with chromium_page(viewport={"width": 390, "height": 844}) as page:
        login(page, live_server.url, "team_leader")
        page.goto(live_server.url + reverse("inspections:inspect", kwargs={"inspection_id": first.pk}))
        page.wait_for_selector("#net-status[data-state=online]")

        page.context.set_offline(True)
        page.wait_for_selector("#net-status[data-state=offline]")
        texts = page.eval_on_selector_all(".insp-item", "els => els.map(e => e.dataset.text)")
        for text in texts:
            if text != FAIL:
                _answer_card(page, text, "pass")
        card = _answer_card(page, FAIL, "fail")
        card.locator(".insp-note").fill("消杀记录不详")
        card.locator(".insp-note").dispatch_event("change")
        card.locator(".insp-photo").set_input_files(
            {"name": "wall.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(2400, 1800, exif=True)}
        )
        card.locator(".insp-photo-state[data-state=kept]").wait_for()
        page.click("#submit-inspection")
        assert page.get_attribute("#result", "data-state") == "queued", page.inner_text("#result")
        assert int(page.get_attribute("#queue-count", "data-count")) >= len(texts) + 2
        assert Answer.objects.filter(inspection=first).exclude(result="").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "inspection-offline")

        page.context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_selector("#queue-count[data-count='0']", timeout=30000)
        page.wait_for_selector("#order-info[data-state=open]")
        order = Order.objects.get(inspection=first)
        assert order.deadline.isoformat() in page.inner_text("#order-info")
        assert order.notice_no in page.inner_text("#order-info")
        photo = Photo.objects.get(answer__inspection=first)
        assert photo.width <= 1600 and b"Exif" not in photo.file.read()
        first.refresh_from_db()
        assert first.verdict == "fail"
        screenshot(page, "inspection-order")

        # The order's page shows its deadline; the re-inspection of the failed item closes it.
        page.goto(live_server.url + reverse("inspections:order", kwargs={"rectification_id": order.pk}))
        assert page.inner_text("[data-testid=order-deadline]").startswith(order.deadline.isoformat())
        page.click("[data-testid=reinspect]")
        page.wait_for_selector("#net-status[data-state=online]")
        assert page.locator(".insp-item").count() == 1
        _answer_card(page, FAIL, "pass")
        page.click("#submit-inspection")
        page.wait_for_selector("#order-info[data-state=closed]")
        order.refresh_from_db()
        assert order.status == "closed"
        assert Inspection.objects.filter(order=order, verdict="pass").count() == 1
        page.goto(live_server.url + reverse("inspections:order", kwargs={"rectification_id": order.pk}))
        assert page.get_attribute("[data-testid=order-status]", "data-status") == "closed"
        assert page.locator("[data-testid=reinspect]").count() == 0

        # The rest of the campaign, answered by the team (one restaurant fails too).
        scope = scope_of(s.inspector)
        for i in s.campaign.inspections.exclude(pk=first.pk).order_by("id"):
            failing = i.venue == s.venues[2]
            if failing:
                photograph_failures(i, s.inspector, (FAIL,))
            for a in i.answers.all():
                bad = failing and a.text == FAIL
                inspecting.answer_now(actor=s.inspector, scope=scope, inspection=i, item_id=a.item_id,
                                      result="fail" if bad else "pass", note="消杀记录不详" if bad else "")  # fmt: skip
            assert inspecting.submit_now(actor=s.inspector, scope=scope, inspection=i)["ok"]

        page.goto(live_server.url + reverse("inspections:campaign", kwargs={"campaign_id": s.campaign.pk}))
        assert page.inner_text("[data-testid=summary-zh]") == SENTENCE
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "inspection-summary")
