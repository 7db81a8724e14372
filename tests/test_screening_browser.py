"""The path people click every day, in real Chromium: a returnee reports themselves on the public
form, the village places them in a grid and the rule proposes 7+3, the village decides, the office
approves, the tests appear as due in testing, the grid team records the daily check, and when the
measure has run its course with negative tests it ends with a printable release notice."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser import chromium_page, login, screenshot
from tests.factories import testing_rid as rid
from wangge.screening.models import DailyCheck, Measure, MeasureStatus, MeasureTest, SelfReport
from wangge.testing.models import Due

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_returnee_goes_from_self_report_to_release_in_the_browser(screening, world, live_server):
    base = live_server.url
    id_number = rid(777)
    with chromium_page() as page:
        # 1. The returnee reports themselves: no account, a receipt.
        page.goto(base + reverse("public:self_report"))
        page.fill("#id_name", "返乡人")
        page.fill("#id_id_number", id_number)
        page.fill("#id_phone", "13812345678")
        page.fill("#id_came_from", "北京市朝阳区望京街道")
        page.fill("#id_arrival_date", timezone.localdate().isoformat())
        page.select_option("#id_village", str(world.village.pk))
        page.fill("#id_address", "冢刘村二组12号")
        page.check("#id_pledge")
        page.click("[data-testid=self-report-form] button[type=submit]")
        receipt = page.text_content("[data-testid=receipt]").strip()
        assert SelfReport.objects.get(receipt=receipt).record_id is None
        screenshot(page, "screening-self-report")

        # 2. The village places them in a grid: a screening record, and the rule proposes 7+3.
        login(page, base, screening.cadre.username)
        page.goto(base + reverse("screening:self_reports"))
        page.click("[data-testid=self-reports] a.button")
        page.select_option("#id_grid", str(world.grid_a.pk))
        page.click("form.card button[type=submit]")
        page.wait_for_load_state("networkidle")
        measure = Measure.objects.get(person__id_number=id_number)
        assert measure.status == MeasureStatus.PROPOSED
        assert [(p.kind, (p.ends_on - p.starts_on).days + 1) for p in measure.phases.all()] == [
            ("centralised", 7),
            ("home_monitoring", 3),
        ]

        # 3. The village decides; it confines, so it waits for the office.
        measure_url = base + reverse("screening:measure", kwargs={"measure_id": measure.pk})
        page.goto(measure_url)
        assert "7+3" in page.text_content("[data-testid=basis]")
        page.fill("#id_place", "港区集中隔离点")
        page.click("[data-testid=decide]")
        page.wait_for_load_state("networkidle")
        measure.refresh_from_db()
        assert measure.status == MeasureStatus.AWAITING_APPROVAL
        assert page.locator("[data-testid=approve]").count() == 0

        # 4. The office approves: in force, and the tests are due in testing.
        login(page, base, screening.approver.username)
        page.goto(measure_url)
        page.click("[data-testid=approve]")
        page.wait_for_load_state("networkidle")
        measure.refresh_from_db()
        assert measure.status == MeasureStatus.ACTIVE and measure.approved_by == screening.approver
        due = Due.objects.get(pk=MeasureTest.objects.get(measure=measure, day_no=1).due_id)
        page.goto(base + reverse("testing:dues", kwargs={"round_id": due.round_id}))
        assert "返乡人" in page.content()
        screenshot(page, "screening-tests-due")

        # 5. The grid team records today's check on the follow-up page.
        login(page, base, screening.grid_leader.username)
        page.goto(base + reverse("screening:followup"))
        card = page.locator(f"#card-{measure.pk}")
        card.locator("input[name=temperature]").fill("36.5")
        card.locator("[data-testid=check-submit]").click()
        page.wait_for_load_state("networkidle")
        assert DailyCheck.objects.filter(measure=measure, temperature="36.5").count() == 1
        screenshot(page, "screening-follow-up")

        # 6. Ten days pass; every test comes back negative (typed in on the measure page).
        shift = timedelta(days=10)
        Measure.objects.filter(pk=measure.pk).update(
            starts_on=measure.starts_on - shift, ends_on=measure.ends_on - shift
        )
        for test in MeasureTest.objects.filter(measure=measure):
            MeasureTest.objects.filter(pk=test.pk).update(on_date=test.on_date - shift)
        for _ in range(6):
            page.goto(measure_url)
            row = page.locator("[data-testid=tests] tr:has([data-testid=record-result])").first
            row.locator("select[name=result]").select_option("negative")
            row.locator("[data-testid=record-result]").click()
            page.wait_for_load_state("networkidle")
        assert MeasureTest.objects.filter(measure=measure, result="negative").count() == 6

        # 7. The village releases them with a notice.
        login(page, base, screening.cadre.username)
        page.goto(measure_url)
        page.click("[data-testid=release]")
        page.wait_for_selector("[data-testid=release-notice]")
        measure.refresh_from_db()
        assert measure.status == MeasureStatus.RELEASED
        assert page.text_content("[data-testid=notice-no]").strip() == measure.release_notice_no
        screenshot(page, "screening-release-notice")
