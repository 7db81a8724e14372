"""On a phone, a village cadre imports the village's rental roll as the village keeps it (a title
row, a house with two tenants, a group no rule places yet), places the waiting houses of that group
in a grid on one page, and finds the rentals with their tenants on the village's rental list."""

import io

import pytest
import xlsxwriter
from django.urls import reverse

from tests.browser import chromium_page, login, screenshot
from tests.factories import make_user
from tests.factories.registry import rid
from wangge.registry.models import AddressRule, AddressRuleKind, HeldRow, Rental, Tenancy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HEADER = [
    "房屋地址",
    "房东姓名",
    "身份证号码",
    "联系电话",
    "房屋状态",
    "租户姓名",
    "身份证号",
    "电话",
    "入住日期",
    "户籍地",
    "工作单位",
]


def roll_xlsx() -> bytes:
    rows = [
        [
            "3组12号",
            "刘建国",
            rid(1, "19600101"),
            "13812345678",
            "出租",
            "王小明",
            rid(2, "19950505"),
            "13912345678",
            "2022/3/28",
            "河南省周口市",
            "富士康",
        ],
        ["3组12号", "", "", "", "", "李娜", rid(3, "19960606"), "", "2022年4月1日", "", ""],
        [
            "8组5号",
            "赵六",
            rid(4, "19550101"),
            "",
            "出租",
            "孙七",
            rid(5, "19900101"),
            "",
            "20220402",
            "",
            "",
        ],
        ["8组6号", "钱八", rid(6, "19550101"), "", "空置", "", "", "", "", "", ""],
    ]
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("出租屋登记表")
    sheet.write_string(0, 0, "冢刘村出租屋登记表")
    for c, h in enumerate(HEADER):
        sheet.write_string(1, c, h)
    for r, row in enumerate(rows, start=2):
        for c, v in enumerate(row):
            sheet.write_string(r, c, v)
    book.close()
    return out.getvalue()


def test_a_cadre_imports_a_roll_and_places_its_houses_on_a_phone(world, live_server, tmp_path):
    cadre = make_user("cadre_phone", world.village, "village_cadre")
    AddressRule.objects.create(
        village=world.village,
        path=world.village.path,
        kind=AddressRuleKind.GROUP,
        group_no=3,
        grid=world.grid_a,
    )
    roll = tmp_path / "冢刘村出租屋登记表.xlsx"
    roll.write_bytes(roll_xlsx())
    base = live_server.url
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 844})
        login(page, base, cadre.username)
        page.goto(base + reverse("registry:import_new") + "?kind=rental_roll")
        page.set_input_files("#id_file", str(roll))
        page.click("[data-testid=import-upload] button[type=submit]")
        page.wait_for_selector("[data-testid=import-preview]")
        page.click("[data-testid=import-confirm] button[type=submit]")
        page.wait_for_selector("[data-testid=import-held]")
        assert Tenancy.objects.count() == 2  # group 3 placed by its rule
        assert HeldRow.objects.filter(status="waiting").count() == 2  # group 8 waits
        screenshot(page, "roll-imported-phone")

        page.click("[data-testid=import-held] a.button")
        card = page.locator("[data-testid=held-group]", has_text="8组")
        card.locator("select[name=grid]").select_option(str(world.grid_b.pk))
        card.locator("[data-testid=held-place]").click()
        page.wait_for_selector("[data-testid=held-empty]")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the held page is {width}px wide on a 390px phone"
        screenshot(page, "roll-placed-phone")

        page.goto(base + reverse("registry:rental_list") + f"?unit={world.village.pk}")
        table = page.locator("[data-testid=rental-table]")
        assert table.locator("tr[data-rental-id]").count() == 3
        row = table.locator("tr[data-rental-id]", has_text="3组12号")
        assert "2 / 2" in row.inner_text()  # two tenants; the roll gives no capacity: no false alarm
        row.locator("a").first.click()
        page.wait_for_load_state("networkidle")
        text = page.inner_text("main")
        assert "王小明" in text and "李娜" in text
        assert rid(2, "19950505") not in text  # masked for the cadre
        assert rid(1, "19600101") not in text  # the landlord's too, until asked for
        page.locator("[data-testid=landlord] button.reveal").first.click()
        page.wait_for_selector("[data-testid=landlord] .revealed")
        assert rid(1, "19600101") in page.inner_text("[data-testid=landlord]")
        screenshot(page, "roll-rental-phone")
    assert Rental.objects.get(building__name="8组5号").building.grid == world.grid_b
    from wangge.audit.models import AuditEvent

    assert AuditEvent.objects.filter(
        action="view", object_repr__startswith="id ", actor__username="cadre_phone"
    ).exists()
