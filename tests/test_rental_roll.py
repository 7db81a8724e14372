"""A village's rental roll in one pass: houses found by address or placed by the village's rules
(else held for the village to place), landlords and co-landlords, rentals with their status,
tenants; conflicts inside the file and against the registry; transfers to confirm; re-imports."""

import datetime
import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import files, make_user
from tests.factories.registry import csv_bytes, rid
from wangge.audit.models import AuditEvent
from wangge.core.access import SYSTEM
from wangge.registry import services
from wangge.registry.imports import engine, holding
from wangge.registry.models import (
    AddressRule,
    AddressRuleKind,
    Building,
    HeldRow,
    HeldRowReason,
    HeldRowStatus,
    ImportJob,
    Person,
    Rental,
    RentalStatus,
    Tenancy,
)
from wangge.registry.places import addressing

pytestmark = pytest.mark.django_db

ROLL_HEADER = [
    "房屋地址",
    "房东姓名",
    "身份证号码",
    "联系电话",
    "房屋状态",
    "出租间数",
    "租户姓名",
    "身份证号",
    "电话",
    "入住日期",
    "户籍地",
    "工作单位",
    "承诺书签订日期",
    "是否张贴两码",
]


def roll_row(address, landlord, landlord_id, status="出租", tenant="", tenant_id="", move_in="", **extra):
    return [
        address,
        landlord,
        landlord_id,
        extra.get("landlord_phone", "13812345678"),
        status,
        extra.get("rooms", "2"),
        tenant,
        tenant_id,
        extra.get("tenant_phone", ""),
        move_in,
        extra.get("hukou", ""),
        extra.get("employer", ""),
        extra.get("pledge", ""),
        extra.get("placards", ""),
    ]


@pytest.fixture
def cadre(world):
    return make_user("cadre_roll", world.village, "village_cadre")


@pytest.fixture
def rules(world):
    AddressRule.objects.create(
        village=world.village,
        path=world.village.path,
        kind=AddressRuleKind.GROUP,
        group_no=3,
        grid=world.grid_a,
    )
    AddressRule.objects.create(
        village=world.village,
        path=world.village.path,
        kind=AddressRuleKind.STREET,
        street="建设路",
        number_from=1,
        number_to=99,
        grid=world.grid_b,
    )


def run_roll(actor, rows, name="roll.csv", encoding="gbk", unit=None, mode="valid_rows", data=None):
    payload = (
        data if data is not None else csv_bytes([["冢刘村出租屋登记表"], ROLL_HEADER, *rows, []], encoding)
    )
    job = engine.create_job(
        actor=actor, kind="rental_roll", upload=SimpleUploadedFile(name, payload), mode=mode, unit=unit
    )
    return engine.start(actor=actor, job=job)


def test_addresses_are_keyed_whichever_way_they_are_written():
    key = addressing.parse_address("3组12号", "冢刘村").key
    for written in ("冢刘村三组12号", "第3组12号", "河南省郑州市冢刘村 3组 12号", "三组１２号", "3组12"):
        assert addressing.parse_address(written, "冢刘村").key == key, written
    a = addressing.parse_address("建设路15号", "冢刘村")
    assert (a.street, a.number, a.group_no) == ("建设路", 15, None)
    assert addressing.parse_address("十二组5号").group_no == 12


def test_a_roll_lands_in_one_pass(world, cadre, rules):
    rows = [
        roll_row(
            "3组12号",
            "刘建国",
            rid(1, "19600101"),
            "出租",
            "王小明",
            rid(2, "19950505"),
            "2022/3/28",
            hukou="河南省周口市",
            employer="富士康",
            pledge="2022年3月1日",
            placards="是",
        ),
        # A second tenant of the same house: the house's cells left empty (merged in Excel).
        ["3组12号", "", "", "", "", "", "李娜", rid(3, "19960606"), "", "20220401", "", "", "", ""],
        roll_row("建设路15号", "赵六", rid(4, "19550101"), "空置"),
        roll_row("3组20号", "孙七", rid(5, "19580101"), "自用"),
    ]
    job = run_roll(cadre, rows)
    assert job.status == "done", job.message
    assert job.error_rows == 0, job.message
    house = Building.objects.get(name="3组12号")
    assert house.grid == world.grid_a
    assert Building.objects.get(name="建设路15号").grid == world.grid_b
    rental = Rental.objects.get(building=house)
    assert rental.landlord.name == "刘建国"
    assert rental.status == RentalStatus.LET
    assert rental.pledge_signed_on == datetime.date(2022, 3, 1)
    assert rental.placards_posted is True and rental.placards_posted_on is None
    tenants = {t.person.name: t for t in Tenancy.objects.filter(rental=rental)}
    assert set(tenants) == {"王小明", "李娜"}
    assert tenants["王小明"].move_in == datetime.date(2022, 3, 28)
    assert tenants["李娜"].move_in == datetime.date(2022, 4, 1)
    wang = Person.objects.get(name="王小明")
    assert (wang.hukou_place, wang.employer, wang.grid) == ("河南省周口市", "富士康", world.grid_a)
    assert wang.id_number == rid(2, "19950505")
    assert Rental.objects.get(building__name="建设路15号").status == RentalStatus.VACANT
    assert Rental.objects.get(building__name="3组20号").status == RentalStatus.SELF_USE
    assert AuditEvent.objects.filter(model="registry.tenancy", channel="import").count() == 2

    # Re-importing the same roll changes nothing.
    counts = (
        Building.objects.count(),
        Rental.objects.count(),
        Tenancy.objects.count(),
        Person.objects.count(),
    )
    again = run_roll(cadre, rows)
    assert again.status == "done" and again.created_rows == 0 and again.updated_rows == 0, again.message
    assert counts == (
        Building.objects.count(),
        Rental.objects.count(),
        Tenancy.objects.count(),
        Person.objects.count(),
    )


def test_unplaced_houses_wait_and_are_placed_by_group(world, cadre):
    rows = [
        roll_row("5组1号", "周一", rid(11, "19600101"), "出租", "吴二", rid(12, "19900101"), "2022-03-01"),
        roll_row("5组2号", "郑三", rid(13, "19600101"), "空置"),
        roll_row("6组1号", "冯四", rid(14, "19600101"), "空置"),
    ]
    job = run_roll(cadre, rows)
    assert job.status == "done" and job.error_rows == 0, job.message
    assert not Building.objects.exists()
    held = HeldRow.objects.filter(status=HeldRowStatus.WAITING)
    assert held.count() == 3 and {h.group_no for h in held} == {5, 6}
    assert "3" in job.message  # the result says rows wait
    # Importing the same roll again holds nothing twice.
    run_roll(cadre, rows)
    assert HeldRow.objects.filter(status=HeldRowStatus.WAITING).count() == 3

    result = holding.place_group(
        actor=cadre, village=world.village, group_no=5, grid=world.grid_b, save_rule=True
    )
    assert result.placed == 2 and not result.errors
    assert set(Building.objects.values_list("name", flat=True)) == {"5组1号", "5组2号"}
    assert Tenancy.objects.get().person.name == "吴二"
    assert Building.objects.get(name="5组1号").grid == world.grid_b
    assert AddressRule.objects.filter(village=world.village, group_no=5, grid=world.grid_b).exists()
    assert HeldRow.objects.filter(status=HeldRowStatus.WAITING).count() == 1
    # The rule now places group 5 directly.
    run_roll(cadre, [roll_row("5组3号", "陈五", rid(15, "19600101"), "空置")])
    assert Building.objects.get(name="5组3号").grid == world.grid_b


def test_conflicts_in_the_file_are_reported(world, cadre, rules):
    tenant = rid(22, "19900101")
    rows = [
        roll_row("3组1号", "甲", rid(20, "19600101"), "出租", "租客", tenant, "2022-03-01"),
        roll_row("3组2号", "乙", rid(21, "19600101"), "出租", "租客", tenant, "2022-03-01"),
        roll_row("3组1号", "丙", rid(23, "19600101"), "空置"),
    ]
    job = run_roll(cadre, rows)
    assert job.error_rows == 2, job.message
    assert Tenancy.objects.count() == 1
    assert Rental.objects.get(building__name="3组1号").landlord.name == "甲"


def test_co_landlords_when_the_file_says_so(world, cadre, rules):
    rows = [
        roll_row("3组1号", "甲、乙", f"{rid(30, '19600101')}、{rid(31, '19600101')}", "空置"),
    ]
    job = run_roll(cadre, rows)
    assert job.error_rows == 0, job.message
    rental = Rental.objects.get()
    assert rental.landlord.name == "甲"
    assert [p.name for p in rental.co_landlords.all()] == ["乙"]


def test_a_tenant_living_elsewhere_is_a_transfer_to_confirm(world, cadre, rules):
    building = services.create_building(actor=SYSTEM, grid=world.grid_b, name="乙1栋")
    room = services.get_or_create_room(actor=SYSTEM, building=building, number="101")
    household = services.create_household(actor=SYSTEM, room=room)
    person = services.register_person(
        actor=SYSTEM, household=household, name="老住户", id_type="resident_id", id_number=rid(40, "19800101")
    )
    rows = [roll_row("3组9号", "房东", rid(41, "19600101"), "出租", "老住户", person.id_number, "2022-05-01")]
    job = run_roll(cadre, rows)
    assert job.error_rows == 0, job.message
    assert Rental.objects.filter(building__name="3组9号").exists()
    assert not Tenancy.objects.exists()
    held = HeldRow.objects.get(reason=HeldRowReason.TRANSFER)
    result = holding.confirm_transfers(actor=cadre, village=world.village, ids=[held.pk])
    assert result.placed == 1, result.errors
    person.refresh_from_db()
    assert person.grid == world.grid_a and person.household_id is None
    assert Tenancy.objects.get().person == person
    assert Person.objects.filter(id_number=person.id_number).count() == 1


def test_a_roll_needs_a_village(world):
    admin = make_user("office_imp", world.office, "office_leader")
    data = csv_bytes([ROLL_HEADER, roll_row("3组1号", "甲", rid(50, "19600101"), "空置")], "utf-8")
    with pytest.raises(Exception) as exc:
        engine.create_job(actor=admin, kind="rental_roll", upload=SimpleUploadedFile("r.csv", data))
    assert "village" in str(exc.value) or "村" in str(exc.value)
    job = engine.create_job(
        actor=admin, kind="rental_roll", upload=SimpleUploadedFile("r.csv", data), unit=world.village
    )
    assert job.scope_unit == world.village


def test_xlsx_roll_with_id_cells_as_text_and_title(world, cadre, rules):
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("出租屋")
    sheet.write_string(0, 0, "冢刘村出租屋登记表（2022年3月）")
    for c, h in enumerate(ROLL_HEADER):
        sheet.write_string(1, c, h)
    row = roll_row("3组7号", "钱八", rid(60, "19600101"), "出租", "孙九", rid(61, "19900101"), "")
    for c, v in enumerate(row):
        sheet.write_string(2, c, v)
    sheet.write_datetime(
        2,
        ROLL_HEADER.index("入住日期"),
        datetime.datetime(2022, 3, 28),
        book.add_format({"num_format": "yyyy-mm-dd"}),
    )
    book.close()
    job = run_roll(cadre, [], name="roll.xlsx", data=out.getvalue())
    assert job.error_rows == 0, job.message
    assert Tenancy.objects.get().move_in == datetime.date(2022, 3, 28)


def test_pages_upload_a_roll_for_a_village_and_place_its_houses(world, client):
    admin = make_user("office_roll", world.district, "office_leader")
    client.force_login(admin)
    page = client.get(reverse("registry:import_new"))
    assert "id_unit" in page.content.decode()  # an office chooses the village
    data = csv_bytes(
        [
            ROLL_HEADER,
            roll_row("7组1号", "甲", rid(70, "19600101"), "出租", "乙", rid(71, "19900101"), "2022-03-01"),
        ],
        "gbk",
    )
    response = client.post(
        reverse("registry:import_new"),
        {
            "kind": "rental_roll",
            "unit": world.village.pk,
            "mode": "valid_rows",
            "file": SimpleUploadedFile("roll.csv", data),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.get()
    assert job.scope_unit == world.village
    fields = {f"col_{i}": k for k, i in job.mapping["fields"].items()}
    response = client.post(reverse("registry:import_detail", args=[job.pk]), {**fields, "mode": "valid_rows"})
    detail = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert reverse("registry:held_rows", args=[world.village.pk]) in detail
    held_page = client.get(reverse("registry:held_rows", args=[world.village.pk])).content.decode()
    assert "7组" in held_page and rid(71, "19900101") not in held_page
    client.post(
        reverse("registry:held_rows", args=[world.village.pk]),
        {"action": "place_group", "group_no": "7", "grid": world.grid_a.pk, "save_rule": "1"},
    )
    assert Tenancy.objects.get().rental.building.grid == world.grid_a
    assert "7组" in client.get(reverse("registry:address_rules", args=[world.village.pk])).content.decode()
    home = client.get("/").content.decode()
    assert "home-held" not in home  # nothing waits any more


def test_held_rows_of_another_village_are_not_found(world, client):
    outsider = make_user("other_cadre", world.other_village, "village_cadre")
    client.force_login(outsider)
    assert client.get(reverse("registry:held_rows", args=[world.village.pk])).status_code == 404
    response = client.post(
        reverse("registry:held_rows", args=[world.village.pk]),
        {"action": "place_group", "group_no": "1", "grid": world.grid_a.pk},
    )
    assert response.status_code == 404


def test_the_api_imports_a_roll_for_a_village_and_places_its_houses(world):
    from django.test import Client

    from wangge.accounts.services import issue_token

    admin = make_user("api_roll", world.district, "office_leader")
    _token, raw = issue_token(actor=admin, name="roll")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    data = csv_bytes(
        [
            ROLL_HEADER,
            roll_row("9组1号", "甲", rid(80, "19600101"), "出租", "乙", rid(81, "19900101"), "2022-03-01"),
        ],
        "gbk",
    )
    response = api.post(
        "/api/v1/registry/imports",
        {"kind": "rental_roll", "unit_id": world.village.pk, "file": SimpleUploadedFile("roll.csv", data)},
    )
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["unit_id"] == world.village.pk
    assert (
        api.post(f"/api/v1/registry/imports/{job['id']}/run", content_type="application/json").status_code
        == 200
    )
    held = api.get("/api/v1/registry/held-rows", {"village_id": world.village.pk}).json()
    assert [(h["group_no"], h["tenant_name"]) for h in held] == [(9, "乙")]
    assert rid(81, "19900101") not in str(held)
    placed = api.post(
        "/api/v1/registry/held-rows/place",
        {"village_id": world.village.pk, "grid_id": world.grid_b.pk, "group_no": 9},
        content_type="application/json",
    ).json()
    assert placed["placed"] == 1
    # A retried request places nothing twice.
    again = api.post(
        "/api/v1/registry/held-rows/place",
        {"village_id": world.village.pk, "grid_id": world.grid_b.pk, "group_no": 9},
        content_type="application/json",
    ).json()
    assert again["placed"] == 0
    assert Tenancy.objects.get().rental.building.grid == world.grid_b
    # Another village's grid is not found.
    response = api.post(
        "/api/v1/registry/held-rows/place",
        {"village_id": world.village.pk, "grid_id": world.other_grid.pk, "group_no": 9},
        content_type="application/json",
    )
    assert response.status_code == 404


# --- rolls as villages make them ------------------------------------------------------------------


def _job_for(cadre, data: bytes, name: str):
    from django.utils import translation

    with translation.override("zh-hans"):  # a village's cadre reads Chinese
        job = engine.create_job(actor=cadre, kind="rental_roll", upload=SimpleUploadedFile(name, data))
        return engine.start(actor=cadre, job=job)


def _error_rows(job) -> list[list]:
    from python_calamine import CalamineWorkbook

    job.errors_file.open("rb")
    try:
        return (
            CalamineWorkbook.from_filelike(io.BytesIO(job.errors_file.read()))
            .get_sheet_by_index(0)
            .to_python()
        )
    finally:
        job.errors_file.close()


def test_an_old_xls_roll_with_ids_typed_as_numbers(world, cadre, rules):
    good, mangled = rid(90, "19600101"), rid(91, "19900101")
    rows = [
        roll_row("3组1号", "甲", good, "出租", "乙", int(mangled), "2022-03-01"),
        roll_row("3组2号", "丙", rid(92, "19600101"), "空置"),
    ]
    job = _job_for(cadre, files.xls(ROLL_HEADER, rows, title="冢刘村出租屋登记表"), "roll.xls")
    assert job.error_rows == 1, job.message
    errors = _error_rows(job)
    assert "表格软件把该号码当成了数字，后几位已丢失；请把该列设为文本后重新填写" in errors[1][-1]
    assert not Person.objects.filter(name="乙").exists()
    assert (
        not Person.objects.filter(id_number__startswith=mangled[:15])
        .exclude(id_number=good)
        .exclude(name="丙")
        .exists()
    )
    assert Rental.objects.filter(building__name="3组2号").exists()


def test_an_xlsx_roll_with_merged_house_cells_a_title_and_a_notes_sheet(world, cadre, rules):
    tenant_a, tenant_b = rid(93, "19900101"), rid(94, "19910101")
    rows = [
        roll_row("3组5号", "丁", rid(95, "19600101"), "出租", "戊", tenant_a, "2022-03-01"),
        roll_row("3组5号", "丁", rid(95, "19600101"), "出租", "己", tenant_b, "2022-03-02"),
        # An ID typed into a General cell: Excel keeps 15 digits of it.
        roll_row(
            "3组8号",
            "壬",
            rid(98, "19600101"),
            "出租",
            "癸",
            int(rid(99, "19900101")[:17]) * 10,
            "2022-03-02",
        ),
    ]
    data = files.xlsx(
        files.Sheet("填表说明", ["请按村实际填写"], [["房屋地址写到门牌号"]]),
        files.Sheet(
            "出租屋",
            ROLL_HEADER,
            rows,
            title="冢刘村出租屋登记表",
            merges=[(0, c, 1, c) for c in range(6)],  # the house's cells merged over its two tenants
        ),
    )
    job = _job_for(cadre, data, "roll.xlsx")
    assert job.error_rows == 1, job.message
    assert "表格软件把该号码当成了数字" in _error_rows(job)[1][-1]
    assert not Person.objects.filter(name="癸").exists()
    rental = Rental.objects.get(building__name="3组5号")
    assert sorted(t.person.id_number for t in rental.tenancies.all()) == sorted([tenant_a, tenant_b])


def test_a_gbk_csv_roll_with_full_width_digits_and_a_two_level_header(world, cadre, rules):
    tenant = rid(96, "19900101")
    full_width = tenant.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    top = ["房屋地址", "房东", "", "", "房屋状态", "租户", "", "", "入住日期"]
    sub = ["", "姓名", "身份证号码", "电话", "", "姓名", "身份证号", "电话", ""]
    rows = [
        [
            "三组6号",
            "庚",
            rid(97, "19600101"),
            "13812345678",
            "出租",
            "辛",
            full_width,
            "13912345678",
            "2022年3月28日",
        ]
    ]
    data = files.gbk_csv(sub, rows, title=",".join(top))
    job = _job_for(cadre, data, "roll.csv")
    assert job.error_rows == 0, job.message
    assert job.mapping["fields"]["tenant_id"] == 6 and job.mapping["fields"]["landlord_id"] == 2
    person = Person.objects.get(name="辛")
    assert person.id_number == tenant  # as written, in half-width digits
    assert Tenancy.objects.get(person=person).move_in == datetime.date(2022, 3, 28)
    assert Building.objects.get().name == "三组6号" and Building.objects.get().grid == world.grid_a
    # The same roll again: nothing new.
    again = _job_for(cadre, data, "roll.csv")
    assert again.created_rows == 0 and Person.objects.count() == 2


def test_the_roll_template_can_be_filled_and_imported(world, cadre, client, rules):
    client.force_login(cadre)
    response = client.get(reverse("registry:import_template"), {"kind": "rental_roll"})
    assert response.status_code == 200
    from python_calamine import CalamineWorkbook

    header = (
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()[0]
    )
    assert header[:3] == ["*房屋地址", "组别", "网格编码"]  # * marks a required column


def test_hidden_rows_of_a_roll_are_imported_like_the_others(world, cadre, rules):
    """A row someone hid in Excel is still the village's data: nothing is lost silently."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("出租屋")
    for c, h in enumerate(ROLL_HEADER):
        sheet.write_string(0, c, h)
    for r, row in enumerate(
        [
            roll_row("3组30号", "甲", rid(110, "19600101"), "空置"),
            roll_row("3组31号", "乙", rid(111, "19600101"), "空置"),
        ],
        start=1,
    ):
        for c, v in enumerate(row):
            sheet.write_string(r, c, v)
    sheet.set_row(2, None, None, {"hidden": True})
    book.close()
    job = _job_for(cadre, out.getvalue(), "roll.xlsx")
    assert job.error_rows == 0 and job.total_rows == 2
    assert set(Building.objects.values_list("name", flat=True)) == {"3组30号", "3组31号"}
