"""The demo district's planned round, run in real Chromium by its own demo accounts: the district
opens it and sends the notices, 冢刘村's registrar fills and seals a tube and ships it, the lab's
file says positive, the re-test list and the alert appear, and coverage shows who is missing."""

import functools

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.browser import apply_lab_file, box_and_hand_over, chromium_page, screenshot
from tests.browser import login as login_as
from wangge.demo.builder import DEFAULT_SEED, build_demo
from wangge.demo.logins import DEMO_PASSWORD
from wangge.testing.models import (
    Alert,
    Box,
    Due,
    DueStatus,
    NoticeDelivery,
    Retest,
    Round,
    RoundStatus,
    Site,
    Tube,
    TubeStatus,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


login = functools.partial(login_as, password=DEMO_PASSWORD)


@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
def test_the_demo_districts_planned_round_runs_in_the_browser(live_server, tmp_path):
    build_demo(seed=DEFAULT_SEED, people=3000)
    rnd = Round.objects.get(status=RoundStatus.PLANNING)
    site = Site.objects.get(round=rnd, unit__code="GK-ZG-ZL")
    people = [
        d.person
        for d in Due.objects.filter(round=rnd, grid__in=site.grids.all(), status=DueStatus.DUE)
        .select_related("person")
        .order_by("id")[:3]
    ]
    base = live_server.url
    with chromium_page() as page:
        login(page, base, "admin")
        page.goto(base + reverse("testing:round", kwargs={"round_id": rnd.pk}))
        page.click("[data-testid=status-button]")
        page.wait_for_load_state("networkidle")
        rnd.refresh_from_db()
        assert rnd.status == RoundStatus.OPEN
        page.goto(base + reverse("testing:plan", kwargs={"round_id": rnd.pk}))
        page.click("[data-testid=plan-notices]")
        page.wait_for_load_state("networkidle")
        assert NoticeDelivery.objects.filter(notice__slot__round=rnd, status="sent").exists()

        login(page, base, "caiyang")
        page.goto(base + reverse("testing:table", kwargs={"site_id": site.pk}) + "?table=1")
        page.wait_for_selector("#net-status[data-state=online]")
        page.fill("#tube-input", "DEMO-0001")
        page.press("#tube-input", "Enter")
        for person in people:
            page.fill("#person-input", person.id_number)
            page.press("#person-input", "Enter")
        page.wait_for_selector("#queue-count[data-count='0']")
        page.wait_for_selector("#tube-members li[data-status=accepted] >> nth=2")
        page.click("#seal-btn")
        page.wait_for_selector("#queue-count[data-count='0']")
        tube = Tube.objects.get(round=rnd, barcode="DEMO-0001")
        assert (tube.filled, tube.status) == (3, TubeStatus.SEALED)

        box_and_hand_over(
            page,
            base,
            rnd.pk,
            site.pk,
            "DEMO-BOX-1",
            "DEMO-0001",
            (("登记扫码员", "转运员"), ("转运员", "检测基地收样员")),
        )
        box = Box.objects.get(round=rnd, code="DEMO-BOX-1")
        box.refresh_from_db()
        assert box.status == "received"

        login(page, base, "jiance")
        lab_file = tmp_path / "lab.csv"
        lab_file.write_text("管码,检测结果\nDEMO-0001,阳性\n", encoding="gbk")
        apply_lab_file(page, base, rnd.pk, lab_file)
        assert Retest.objects.filter(origin_tube=tube).count() == 3
        assert Alert.objects.filter(tube=tube).exists()

        login(page, base, "caiyang")
        page.goto(base + reverse("testing:retests", kwargs={"round_id": rnd.pk}))
        text = page.inner_text("main")
        assert all(p.name in text for p in people)
        page.goto(base + reverse("testing:alerts"))
        assert "DEMO-0001" in page.inner_text("main")

        login(page, base, "zhenggang")
        page.goto(base + reverse("testing:untested", kwargs={"round_id": rnd.pk}))
        missing = Due.objects.filter(round=rnd, grid__in=site.grids.all(), status=DueStatus.DUE).count()
        assert missing > 0
        assert people[0].name not in page.inner_text("main")
        page.goto(base + reverse("testing:coverage", kwargs={"round_id": rnd.pk}))
        page.wait_for_load_state("networkidle")
        screenshot(page, "demo-round-coverage")
