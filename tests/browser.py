"""Launching Debian's Chromium for the Playwright tests (no browser download is possible here)."""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("WANGGE_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__wanggeCspViolation(
    e.effectiveDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.documentURI
      + " (" + e.sourceFile + ":" + e.lineNumber + ")");
});
"""
SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def require_browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("WANGGE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing; run scripts/ensure-system-deps.sh")
        pytest.skip(f"{CHROMIUM} is missing; run scripts/ensure-system-deps.sh")


def fake_camera_args(video: Path) -> list[str]:
    """Chromium flags that answer getUserMedia with `video` (a .y4m or .mjpeg file, looped) and
    grant the camera without asking."""
    return [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]


@contextmanager
def chromium_page(locale: str = "zh-CN", extra_args: list[str] | None = None, viewport: dict | None = None):
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=ARGS + list(extra_args or [])
        )
        context = browser.new_context(locale=locale, viewport=viewport or {"width": 1280, "height": 900})
        # A script the Content-Security-Policy blocks fails silently: every page reports its
        # violations, and a test that saw one fails.
        violations: list[str] = []
        context.expose_function("__wanggeCspViolation", lambda text: violations.append(text))
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            yield page
            assert violations == [], f"Content-Security-Policy violations: {violations}"
        finally:
            context.close()
            browser.close()


@contextmanager
def chromium_profile(user_data_dir: Path, locale: str = "zh-CN", viewport: dict | None = None):
    """A browser with a profile kept in `user_data_dir`: close it and open it again with the same
    folder, and it is the same phone after a restart (cookies, storage, service workers)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            locale=locale,
            viewport=viewport or {"width": 1280, "height": 900},
        )
        violations: list[str] = []
        context.expose_function("__wanggeCspViolation", lambda text: violations.append(text))
        context.add_init_script(CSP_LISTENER)
        context.set_default_timeout(15000)
        try:
            yield context
            assert violations == [], f"Content-Security-Policy violations: {violations}"
        finally:
            context.close()


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, base_url: str, username: str, password: str = "pass-word-123") -> None:
    """Log in through the login form (as the person would), starting from no session."""
    page.context.clear_cookies()
    page.goto(base_url + "/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def box_and_hand_over(
    page, base_url: str, round_id: int, site_id: int, box_code: str, barcode: str, hands
) -> None:
    """On the transport pages: a box of a site, one tube put in it, then handed from giver to
    taker for each (giver, taker) of `hands`."""
    from django.urls import reverse

    from wangge.testing.models import Box

    page.goto(base_url + reverse("testing:boxes", kwargs={"round_id": round_id}))
    page.select_option("select[name=site]", str(site_id))
    page.fill("input[name=code]", box_code)
    page.click("form[action$='/boxes/new/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    box = Box.objects.get(round_id=round_id, code=box_code)
    page.goto(base_url + reverse("testing:box", kwargs={"box_id": box.pk}))
    page.fill("textarea[name=tubes]", barcode)
    page.click("form[action$='/add/'] button[type=submit] >> nth=0")
    page.wait_for_selector(f"text={barcode}")
    for giver, taker in hands:
        page.fill("[data-testid=handover-form] input[name=from_name]", giver)
        page.fill("[data-testid=handover-form] input[name=to_name]", taker)
        page.click("[data-testid=handover-form] button[type=submit]")
        page.wait_for_load_state("networkidle")


def apply_lab_file(page, base_url: str, round_id: int, lab_file: Path) -> None:
    """On the results page: the lab's file uploaded, its preview shown, then applied."""
    from django.urls import reverse

    page.goto(base_url + reverse("testing:results", kwargs={"round_id": round_id}))
    page.set_input_files("input[name=file]", str(lab_file))
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector("[data-testid=preview]")
    page.click("form[action$='/results/apply/'] button[type=submit]")
    page.wait_for_selector("[data-testid=summary]")
