"""The charts draw in real Chromium under the Content-Security-Policy: the round's progress (a
time axis, and the heatmap of tables with short labels) and the screening overview's day-by-day
trend; on a phone neither page scrolls sideways."""

import uuid

import pytest
from django.urls import reverse

from tests.browser import chromium_page, login, screenshot
from wangge.registry.codes.services import make_token
from wangge.testing.checkin import services as checkin
from wangge.testing.checkin.services import ScanIn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def scan(t, people, table):
    tube = f"T{uuid.uuid4().hex[:8]}"
    scans = [ScanIn(client_id=uuid.uuid4(), tube=tube, code=make_token(p)) for p in people]
    checkin.ingest(actor=t.registrar, site=t.site, table_no=table, scans=scans)


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
def test_the_charts_draw(testing, world, live_server, viewport):
    scan(testing, testing.people_a[:3], table=1)
    scan(testing, testing.people_a[3:5], table=2)
    base = live_server.url
    with chromium_page(viewport=viewport) as page:
        login(page, base, "district_admin")
        page.goto(
            base
            + reverse("testing:progress", kwargs={"round_id": testing.round.pk})
            + f"?unit={world.village.pk}"
        )
        for chart in ("chart-progress", "chart-sites", "chart-tables"):
            page.wait_for_selector(f"#{chart} canvas")
        # The heatmap's rows: one per table, the labels short (the site's name is in the tooltip).
        labels = page.evaluate(
            "window.echarts.getInstanceByDom(document.getElementById('chart-tables'))"
            ".getOption().yAxis[0].data"
        )
        assert labels == ["1 号台", "2 号台"]
        x_type = page.evaluate(
            "window.echarts.getInstanceByDom(document.getElementById('chart-progress'))"
            ".getOption().xAxis[0].type"
        )
        assert x_type == "time"
        assert not scrolls_sideways(page)
        screenshot(page, f"chart-progress-{viewport['width']}")

        page.goto(base + reverse("screening:overview"))
        page.wait_for_selector("#chart-trend canvas")
        days = page.evaluate(
            "window.echarts.getInstanceByDom(document.getElementById('chart-trend'))"
            ".getOption().series[0].data.length"
        )
        assert days == 14
        assert not scrolls_sideways(page)
        screenshot(page, f"chart-trend-{viewport['width']}")
