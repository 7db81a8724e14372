"""A round from plan to results in real Chromium: the plan is built and noticed, a registrar
fills and seals a tube at the table, the box goes to the lab, the lab's file says positive, the
pool's members land on the re-test list with an alert, and the coverage page shows who is missing."""

import pytest
from django.urls import reverse

from tests.browser import apply_lab_file, box_and_hand_over, chromium_page, login, screenshot
from wangge.testing.models import (
    Alert,
    Box,
    CallSlot,
    NoticeDelivery,
    Retest,
    Sample,
    Tube,
    TubeStatus,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_round_runs_from_plan_to_results_in_the_browser(testing, live_server, tmp_path):
    base = live_server.url
    rnd = testing.round
    with chromium_page() as page:
        # 1. The plan: built, then noticed batch by batch.
        login(page, base, "district_admin")
        page.goto(base + reverse("testing:plan", kwargs={"round_id": rnd.pk}))
        page.click("[data-testid=plan-build]")
        page.wait_for_load_state("networkidle")
        assert CallSlot.objects.filter(round=rnd).exists()
        page.click("[data-testid=plan-notices]")
        page.wait_for_load_state("networkidle")
        assert NoticeDelivery.objects.filter(notice__slot__round=rnd, status="sent").count() >= 18
        screenshot(page, "round-plan")

        # 2. At the table: five people into a 5-in-1 tube, sealed.
        login(page, base, "registrar")
        page.goto(base + reverse("testing:table", kwargs={"site_id": testing.site.pk}) + "?table=1")
        page.wait_for_selector("#net-status[data-state=online]")
        page.select_option("#pool-size", "5")
        page.fill("#tube-input", "POS-0001")
        page.press("#tube-input", "Enter")
        for person in testing.people_a[:5]:
            page.fill("#person-input", person.id_number)
            page.press("#person-input", "Enter")
        page.wait_for_selector("#tube-full:not([hidden])")
        page.wait_for_selector("#queue-count[data-count='0']")
        page.click("#seal-next")
        page.wait_for_selector("#queue-count[data-count='0']")
        tube = Tube.objects.get(round=rnd, barcode="POS-0001")
        tube.refresh_from_db()
        assert (tube.filled, tube.status) == (5, TubeStatus.SEALED)

        # 3. Transport: a box, the tube in it, handed to the transporter and then to the lab.
        box_and_hand_over(
            page,
            base,
            rnd.pk,
            testing.site.pk,
            "BOX-01",
            "POS-0001",
            (("登记员", "转运员"), ("转运员", "检测机构收样员")),
        )
        box = Box.objects.get(round=rnd, code="BOX-01")
        box.refresh_from_db()
        assert box.status == "received"

        # 4. The lab's file: the pool is positive.
        login(page, base, "lab")
        lab_file = tmp_path / "lab.csv"
        lab_file.write_text("管码,检测结果\nPOS-0001,阳性\nNOPE-9,阴性\n", encoding="utf-8")
        apply_lab_file(page, base, rnd.pk, lab_file)
        assert page.inner_text("[data-testid=applied]") == "1"
        assert page.inner_text("[data-testid=errors]") == "1"
        tube.refresh_from_db()
        assert tube.result == "positive"
        assert Retest.objects.filter(origin_tube=tube).count() == 5
        assert Alert.objects.filter(tube=tube).count() == 1

        # 5. The re-test list and the alert, as the village's people see them.
        login(page, base, "registrar")
        page.goto(base + reverse("testing:retests", kwargs={"round_id": rnd.pk}))
        text = page.inner_text("main")
        assert all(p.name in text for p in testing.people_a[:5])
        page.goto(base + reverse("testing:alerts"))
        assert "POS-0001" in page.inner_text("main")
        screenshot(page, "round-alerts")

        # 6. Coverage: who is still missing.
        login(page, base, "district_admin")
        page.goto(base + reverse("testing:untested", kwargs={"round_id": rnd.pk}))
        text = page.inner_text("main")
        assert testing.people_a[6].name in text
        assert testing.people_a[0].name not in text
        page.goto(base + reverse("testing:coverage", kwargs={"round_id": rnd.pk}))
        page.wait_for_load_state("networkidle")
        screenshot(page, "round-coverage")
        assert Sample.objects.filter(round=rnd).count() == 5
