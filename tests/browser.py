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
