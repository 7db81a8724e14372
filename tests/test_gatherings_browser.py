"""The done-when path on a phone (390x844, real Chromium): a family reports a wedding of 80 on
the public form and is told at once that it needs a plan and the office's approval; the village
forwards it with the grid; the office approves with conditions and names the grid's supervisor;
the supervisor records the day from the phone; the after-event record closes it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser import chromium_page, login, screenshot
from tests.factories.gatherings import kind, make_gatherings
from tests.factories.registry import rid
from wangge.gatherings.models import Gathering, Meal, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = {"width": 390, "height": 844}


def test_a_wedding_of_80_from_the_phone_form_to_closed(world, live_server):
    g = make_gatherings(world)
    base = live_server.url
    day = (timezone.localdate() + timedelta(days=10)).isoformat()
    with chromium_page(viewport=PHONE) as page:
        # 1. The family fills the form on the phone and asks what the rules say.
        page.goto(base + reverse("gatherings_public:report"))
        page.select_option("#id_kind", str(kind("wedding").pk))
        page.fill("#id_host_name", "张喜")
        page.fill("#id_host_id_number", rid(950))
        page.fill("#id_host_phone", "13912345678")
        page.select_option("#id_unit", str(world.village.pk))
        page.fill("#id_address", "冢刘村三组8号")
        page.fill("#id_starts_on", day)
        page.fill("#id_meal1_on", day)
        page.fill("#id_meal1_label", "午宴")
        page.fill("#id_meal1_diners", "80")
        page.fill("#id_meal1_tables", "8")
        page.check("#id_pledge")
        page.click("[data-testid=check]")
        verdict = page.text_content("[data-testid=verdict]")
        assert "就餐人数80人，超过50人：需提交方案并经办事处审批" in verdict
        assert "喜事缓办" in verdict
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "gatherings-verdict")

        # 2. It adds the plan and sends: a receipt with a look-up code.
        page.fill("#id_plan", "8桌，桌距1米以上，入口扫码测温，专人登记")
        page.check("#id_pledge")
        page.click("[data-testid=send]")
        code = page.text_content("[data-testid=lookup-code]").strip()
        gathering = Gathering.objects.get(lookup_code=code)
        assert gathering.band == "office" and gathering.stage == "village"
        screenshot(page, "gatherings-receipt")

        # 3. The village forwards it, naming the grid.
        detail = base + reverse("gatherings:detail", kwargs={"gathering_id": gathering.pk})
        login(page, base, g.cadre.username)
        page.goto(detail)
        page.select_option("#id_grid", str(world.grid_a.pk))
        page.fill("#id_note", "方案齐全，请办事处审批")
        page.click("[data-testid=forward]")
        page.wait_for_load_state("networkidle")
        gathering.refresh_from_db()
        assert gathering.stage == "office" and gathering.path == world.grid_a.path

        # 4. The office approves with conditions and the grid's supervisor.
        login(page, base, g.office.username)
        page.goto(detail)
        page.fill("#id_conditions", "桌距不少于1米\n不邀请中高风险地区人员")
        page.select_option("#id_supervisor", str(g.leader.pk))
        page.click("[data-testid=approve]")
        page.wait_for_load_state("networkidle")
        gathering.refresh_from_db()
        assert gathering.status == Status.APPROVED and gathering.supervisor == g.leader
        assert "桌距不少于1米" in page.text_content("[data-testid=conditions]")

        # The family sees the decision with its code.
        page.context.clear_cookies()
        page.goto(base + reverse("gatherings_public:lookup"))
        page.fill("#id_code", code)
        page.fill("#id_phone_tail", "5678")
        page.click("[data-testid=lookup-form] button[type=submit]")
        assert "不邀请中高风险地区人员" in page.text_content("[data-testid=conditions]")

        # 5. The day comes; the supervisor records it from the phone.
        today = timezone.localdate()
        Gathering.objects.filter(pk=gathering.pk).update(starts_on=today, ends_on=today)
        Meal.objects.filter(gathering=gathering).update(on=today)
        login(page, base, g.leader.username)
        page.goto(base + reverse("gatherings:day", kwargs={"gathering_id": gathering.pk}))
        page.fill("#id_actual_diners", "76")
        page.click("[data-testid=day-submit]")
        page.wait_for_selector("[data-testid=day-checks]")
        assert gathering.day_checks.get().actual_diners == 76
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "gatherings-day")

        # 6. The after-event record closes it.
        page.fill("#id_after-actual_diners", "78")
        page.click("[data-testid=after-submit]")
        page.wait_for_selector("[data-testid=after]")
        gathering.refresh_from_db()
        assert gathering.status == Status.CLOSED and gathering.after_record.actual_diners == 78
