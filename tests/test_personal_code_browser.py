"""A resident looks up their own measure in real Chromium: with the short code typed as it is on
the card, and with the card's QR shown to the camera (Chromium's fake camera plays a video of the
QR made here with segno). The card itself at phone and desk width, and printed."""

import re
from pathlib import Path

import pytest
import segno
from django.urls import reverse

from tests.browser import SHOTS, chromium_page, fake_camera_args, screenshot
from tests.factories import make_user
from tests.factories.screening import proposed
from wangge.registry import shortcode as short
from wangge.registry.codes import services as codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTH, HEIGHT = 640, 480


def screenshot_dir() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def qr_video(text: str, path: Path, frames: int = 20) -> Path:
    """A YUV4MPEG2 (y4m) video of the QR of `text`, black on white, centred, for the fake camera."""
    matrix = [list(row) for row in segno.make(text, error="m").matrix_iter(scale=1, border=4)]
    scale = min(WIDTH, HEIGHT) * 6 // 10 // len(matrix)  # a card held at arm's length
    size = scale * len(matrix)
    left, top = (WIDTH - size) // 2, (HEIGHT - size) // 2
    luma = bytearray(b"\xeb" * (WIDTH * HEIGHT))  # white (235)
    for y in range(size):
        row = matrix[y // scale]
        line = bytes(16 if row[x // scale] else 235 for x in range(size))
        start = (top + y) * WIDTH + left
        luma[start : start + size] = line
    chroma = b"\x80" * (WIDTH // 2 * HEIGHT // 2)
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path


def test_a_resident_looks_up_their_measure_with_the_typed_short_code(screening, live_server):
    measure = proposed(screening)
    person = measure.person
    typed = short.display(person.short_code).lower().replace("-", " ")
    with chromium_page() as page:
        page.goto(live_server.url + reverse("public:my_measure"))
        assert page.locator("[data-testid=scan-start]").is_visible()
        # a typing mistake first: told to check the code
        wrong = person.short_code[:3] + ("0" if person.short_code[3] != "0" else "1") + person.short_code[4:]
        page.fill("#id_code", wrong)
        page.fill("#id_id_tail", person.id_number[-4:])
        page.click("[data-testid=lookup-form] button[type=submit]")
        assert page.locator("[data-testid=my-check-code]").is_visible()
        page.fill("#id_code", typed)
        page.fill("#id_id_tail", person.id_number[-4:])
        page.click("[data-testid=lookup-form] button[type=submit]")
        page.wait_for_selector("[data-testid=my-measure]")
        assert measure.ends_on.isoformat() in page.text_content("[data-testid=my-end]")
        screenshot(page, "my-measure-typed")


def test_a_resident_looks_up_their_measure_with_the_camera(screening, live_server, tmp_path):
    measure = proposed(screening)
    person = measure.person
    video = qr_video(codes.make_token(person), tmp_path / "qr.y4m")
    with chromium_page(extra_args=fake_camera_args(video), viewport={"width": 390, "height": 844}) as page:
        page.goto(live_server.url + reverse("public:my_measure"))
        page.fill("#id_id_tail", person.id_number[-4:])
        page.click("[data-testid=scan-start]")
        # the scanner reads the QR, fills the code and sends the form
        page.wait_for_selector(
            "[data-testid=my-measure]", timeout=60000
        )  # a loaded CI machine decodes slowly
        assert measure.ends_on.isoformat() in page.text_content("[data-testid=my-end]")
        screenshot(page, "my-measure-camera")


def test_the_card_fits_a_phone_and_a_desk_and_prints_one_to_a_page(screening, world, live_server):
    person = screening.people_a[0]
    leader = make_user("card_leader", world.grid_a, "grid_leader")
    url = live_server.url + reverse("registry:person_code", kwargs={"person_id": person.pk})
    for width, name in ((375, "phone"), (1280, "desk")):
        with chromium_page(viewport={"width": width, "height": 900}) as page:
            page.goto(live_server.url + "/")
            page.fill("#id_username", leader.username)
            page.fill("#id_password", "pass-word-123")
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            page.goto(url)
            card = page.locator("[data-testid=code-card]")
            code = page.locator("[data-testid=short-code]")
            assert code.text_content().strip() == short.display(person.short_code)
            assert person.id_number not in page.content()
            box, qr, code_box = (
                card.bounding_box(),
                page.locator(".code-card .qr svg").bounding_box(),
                code.bounding_box(),
            )
            # nothing sticks out of the card or the page; the code is under the QR
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert code_box["y"] >= qr["y"] + qr["height"] - 1
            assert (
                code_box["x"] >= box["x"] and code_box["x"] + code_box["width"] <= box["x"] + box["width"] + 1
            )
            assert qr["width"] >= 120
            # the QR fills its box (it scales: a viewBox, no fixed size)
            assert page.locator(".code-card .qr svg").get_attribute("viewBox")
            # the name and the masked ID read as lines, not a column of single characters
            name_box = page.locator(".code-card .holder .name").bounding_box()
            assert name_box["height"] < 40 and name_box["width"] > 40
            holder = page.locator(".code-card .holder").bounding_box()
            if name == "desk":  # beside the QR
                assert holder["x"] >= qr["x"] + qr["width"] and holder["y"] < qr["y"] + qr["height"]
            else:  # under the QR and its code
                assert holder["y"] >= code_box["y"] + code_box["height"] - 1
            screenshot(page, f"personal-code-card-{name}")
            # the household's sheet: every card whole, the code under each QR
            page.goto(
                live_server.url
                + reverse("registry:household_codes", kwargs={"household_id": person.household_id})
            )
            cards = page.locator("[data-testid=code-sheet] [data-testid=code-card]")
            assert cards.count() >= 1
            for i in range(cards.count()):
                one = cards.nth(i).bounding_box()
                assert one["x"] >= 0 and one["x"] + one["width"] <= width
                assert cards.nth(i).locator(".holder .name").bounding_box()["height"] < 40
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            screenshot(page, f"personal-code-sheet-{name}")
            page.goto(url)
            if name == "desk":
                page.emulate_media(media="print")
                style = page.evaluate(
                    "(() => { const c = document.querySelector('.code-sheet.single .code-card');"
                    " const s = getComputedStyle(c); const q = c.querySelector('.qr svg').getBoundingClientRect();"
                    " const k = getComputedStyle(c.querySelector('.short-code'));"
                    " return {after: s.breakAfter, qr: q.width, font: parseFloat(k.fontSize), family: k.fontFamily,"
                    " top: getComputedStyle(document.querySelector('.topbar')).display}; })()"
                )
                assert style["after"] == "page" and style["top"] == "none"
                assert style["qr"] >= 200  # 60 mm
                assert style["font"] >= 28 and "mono" in style["family"].lower()
                screenshot(page, "personal-code-card-print")
                pdf = page.pdf(format="A4", path=str(screenshot_dir() / "personal-code-card.pdf"))
                assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one card, one page
