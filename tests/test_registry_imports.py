"""Imports of the registry: reading (xlsx, GBK/UTF-8 CSV), header synonyms, row errors, the two
modes, the error file round trip, re-imports without duplicates, scope per row, pages and API."""

import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.factories import make_user
from tests.factories.registry import (
    TENANT_HEADER,
    csv_bytes,
    rental_roll,
    rid,
    run,
    tenant_roll,
    upload,
)
from wangge.audit.models import AuditEvent
from wangge.core.access import SYSTEM
from wangge.registry import services
from wangge.registry.imports import engine
from wangge.registry.imports.fields import detect_mapping, normalise_header
from wangge.registry.models import (
    Building,
    Household,
    ImportJob,
    Person,
    PersonMove,
    Rental,
    Room,
    Tenancy,
)

pytestmark = pytest.mark.django_db


def xlsx_bytes(rows: list[list], title_row: str | None = None) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    offset = 0
    if title_row:
        sheet.write_string(0, 0, title_row)
        offset = 1
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r + offset, c, value)
    book.close()
    return out.getvalue()


def read_xlsx(data: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


@pytest.fixture
def cadre(world):
    return make_user("cadre_zl", world.village, "village_cadre")


def error_rows(job) -> list[list]:
    job.errors_file.open("rb")
    try:
        return read_xlsx(job.errors_file.read())
    finally:
        job.errors_file.close()


def test_header_synonyms_map_despite_marks_and_full_width():
    headers = ["*姓名", "公民身份号码", "联系电话", "所属网格", "楼号", "门牌号", "单元 ", "备注"]
    mapping = detect_mapping("people", headers)
    assert mapping == {"name": 0, "id_number": 1, "phone": 2, "grid": 3, "building": 4, "room": 5, "unit": 6}
    assert normalise_header("＊身份证号（必填）") == "身份证号"
    assert detect_mapping("people", ["名字", "身份证号", "手机"]) == {"name": 0, "id_number": 1, "phone": 2}
    assert detect_mapping("people", ["人员姓名", "证件号", "电话"]) == {"name": 0, "id_number": 1, "phone": 2}


def test_rental_roll_in_gbk_csv_goes_in_with_row_errors_and_nothing_lost(world, cadre):
    job = run(cadre, "rentals", csv_bytes(rental_roll(world), "gbk"), "出租屋台账.csv")
    assert job.status == "done", job.message
    assert job.encoding == "gb18030"
    assert (job.created_rows, job.error_rows) == (3, 0)
    assert Rental.objects.count() == 3
    landlord = Person.objects.get(id_number=rid(11, "19600101"))
    assert landlord.name == "刘建国" and landlord.path == world.grid_a.path
    assert Rental.objects.filter(landlord=landlord).count() == 2
    assert Rental.objects.get(room__number="201").status == "vacant"

    rows, good, bad = tenant_roll()
    job = run(cadre, "tenants", csv_bytes(rows, "gbk"), "租户名单.csv")
    assert job.status == "done", job.message
    assert (job.total_rows, job.created_rows, job.error_rows) == (8, 4, 4)
    assert Tenancy.objects.count() == 4
    zhang = Person.objects.get(id_number=rid(21))
    assert zhang.name == "张海婷" and zhang.status == "tenant"
    assert Tenancy.objects.get(person__id_number=rid(23)).from_risk_area is True
    # One audit row per created record, written by the import.
    created = AuditEvent.objects.filter(channel="import", action="create", request_id=f"import-{job.pk}")
    assert created.filter(model="registry.tenancy").count() == 4
    assert created.filter(model="registry.person").count() == 4

    sheet = error_rows(job)
    assert sheet[0] == [*TENANT_HEADER, "错误原因"]
    reasons = {r[2] or "(no name)": r[-1] for r in sheet[1:]}
    assert len(reasons) == 4
    assert "check digit" in reasons["钱多"]
    assert "name" in reasons["(no name)"] and "missing" in reasons["(no name)"]
    assert "2022-13-45" in reasons["周周"] and "not a date" in reasons["周周"]
    assert "row 2" in reasons["张海婷二"]
    # The bad rows keep their original values (IDs as text, nothing rounded).
    assert [r[:8] for r in sheet[1:]] == bad

    # Fixed in the error file and imported as it is: the set is complete.
    fixed = [sheet[0]]
    for r in sheet[1:]:
        r = list(r)
        if r[2] == "钱多":
            r[3] = rid(25)
        elif not r[2]:
            r[2] = "吴芳"
        elif r[2] == "周周":
            r[5] = "2022-05-07"
        elif r[2] == "张海婷二":
            r[2], r[3] = "张海婷妹", rid(28)  # a mistyped ID: it was her sister
        fixed.append(r)
    job2 = run(cadre, "tenants", xlsx_bytes(fixed), "errors-fixed.xlsx")
    assert job2.status == "done", job2.message
    assert (job2.created_rows, job2.error_rows) == (4, 0)
    assert not job2.errors_file
    assert Tenancy.objects.count() == 8
    assert Person.objects.get(id_number=rid(26)).name == "吴芳"


def test_importing_the_same_file_again_creates_no_duplicates(world, cadre):
    run(cadre, "rentals", csv_bytes(rental_roll(world), "gbk"), "roll.csv")
    rows, _good, _bad = tenant_roll()
    data = csv_bytes(rows, "gbk")
    run(cadre, "tenants", data, "roll.csv")
    counts = (
        Person.objects.count(),
        Tenancy.objects.count(),
        Rental.objects.count(),
        PersonMove.objects.count(),
    )
    audits = AuditEvent.objects.count()
    again = run(cadre, "tenants", data, "roll.csv")
    assert again.status == "done"
    assert (again.created_rows, again.updated_rows, again.unchanged_rows, again.error_rows) == (0, 0, 4, 4)
    rentals_again = run(cadre, "rentals", csv_bytes(rental_roll(world), "gbk"), "roll.csv")
    assert (rentals_again.created_rows, rentals_again.unchanged_rows) == (0, 3)
    assert (
        Person.objects.count(),
        Tenancy.objects.count(),
        Rental.objects.count(),
        PersonMove.objects.count(),
    ) == counts
    # Nothing changed, so nothing was audited except the two uploads themselves.
    assert AuditEvent.objects.count() == audits + 2


def test_all_or_nothing_writes_nothing_when_one_row_is_bad(world, cadre):
    run(cadre, "rentals", csv_bytes(rental_roll(world), "gbk"), "roll.csv")
    rows, _good, _bad = tenant_roll()
    before = (Person.objects.count(), Tenancy.objects.count(), AuditEvent.objects.count())
    job = run(cadre, "tenants", csv_bytes(rows, "gbk"), "roll.csv", mode="all_or_nothing")
    assert job.status == "rejected"
    assert job.error_rows == 4
    assert (Person.objects.count(), Tenancy.objects.count(), AuditEvent.objects.count()) == (
        before[0],
        before[1],
        before[2] + 1,  # the upload only
    )
    # The error file holds every row, so that fixing it gives the whole file back.
    sheet = error_rows(job)
    assert len(sheet) == 9
    assert sum(1 for r in sheet[1:] if r[-1]) == 4

    # The same file without the bad rows goes in whole.
    clean = [rows[0], *[r for r in rows[1:] if r in tenant_roll()[1]]]
    ok = run(cadre, "tenants", csv_bytes(clean, "gbk"), "clean.csv", mode="all_or_nothing")
    assert ok.status == "done" and ok.created_rows == 4
    assert Tenancy.objects.count() == 4


def people_rows(world):
    a, b = world.grid_a.code, world.grid_b.name
    return [
        [
            "姓名",
            "证件号码",
            "手机号",
            "人员类型",
            "来源地",
            "到达日期",
            "网格",
            "楼栋",
            "单元",
            "房号",
            "与户主关系",
        ],
        ["张三", rid(31), "13900001111", "户籍", "", "", a, "1号楼", "1单元", 101, "户主"],
        ["李四", rid(32), "13900001112", "户籍", "", "", a, "1号楼", "1单元", 101, "配偶"],
        ["王五", rid(33), "", "流动人口", "河南周口", "2022-03-01", b, "2号楼", "", "302", "户主"],
        ["赵六", rid(34), "", "流动人口", "", "", "D-ZZ-ZZ-C", "3号楼", "", "1", ""],
    ]


def test_people_from_xlsx_with_title_row_create_places_and_households(world, cadre):
    job = run(cadre, "people", xlsx_bytes(people_rows(world), title_row="冢刘村人口台账"), "人口.xlsx")
    assert job.status == "done", job.message
    assert job.mapping["header_row"] == 2
    assert (job.created_rows, job.error_rows) == (3, 1)
    # The other office's grid is refused per row, like an unknown one.
    assert "outside your jurisdiction" in error_rows(job)[1][-1]
    zhang = Person.objects.get(id_number=rid(31))
    assert zhang.household is not None and zhang.household.head_id == zhang.pk
    assert zhang.household.room.number == "101" and zhang.household.room.unit_label == "1单元"
    assert Person.objects.get(id_number=rid(32)).household_id == zhang.household_id
    wang = Person.objects.get(id_number=rid(33))
    assert wang.path == world.grid_b.path and wang.status == "migrant" and wang.origin == "河南周口"
    assert str(wang.arrival_date) == "2022-03-01"
    assert Building.objects.count() == 2 and Room.objects.count() == 2 and Household.objects.count() == 2
    assert PersonMove.objects.filter(kind="arrive").count() == 3
    for model in ("registry.person", "registry.building", "registry.room", "registry.household"):
        assert AuditEvent.objects.filter(model=model, channel="import").exists(), model


def test_people_reimport_updates_changed_fields_and_counts_unchanged(world, cadre):
    rows = people_rows(world)[:4]
    run(cadre, "people", xlsx_bytes(rows), "p.xlsx")
    rows[1][2] = "13900002222"  # a new phone for 张三
    rows[3][9] = "303"  # 王五 moved next door
    job = run(cadre, "people", xlsx_bytes(rows), "p.xlsx")
    assert (job.created_rows, job.updated_rows, job.unchanged_rows) == (0, 2, 1)
    assert Person.objects.get(id_number=rid(31)).phone == "13900002222"
    wang = Person.objects.get(id_number=rid(33))
    assert wang.household.room.number == "303"
    assert PersonMove.objects.filter(person=wang, kind="move").count() == 1
    change = AuditEvent.objects.get(model="registry.person", object_id=str(wang.pk), action="update")
    assert change.before["household_id"] != change.after["household_id"]
    assert Person.objects.count() == 3


def test_id_active_in_another_jurisdiction_is_refused_without_saying_where(world, cadre):
    other = services.create_building(actor=SYSTEM, grid=world.other_grid, name="张庄1号")
    room = services.get_or_create_room(actor=SYSTEM, building=other, number="1")
    hh = services.create_household(actor=SYSTEM, room=room)
    services.register_person(
        actor=SYSTEM, household=hh, name="外人", id_type="resident_id", id_number=rid(41)
    )
    rows = [["姓名", "身份证号", "网格编码"], ["外人", rid(41), world.grid_a.code]]
    job = run(cadre, "people", csv_bytes(rows, "utf-8"), "p.csv")
    assert job.error_rows == 1 and job.created_rows == 0
    reason = error_rows(job)[1][-1]
    assert "another jurisdiction" in reason
    assert "张庄" not in reason and "外人" not in reason
    assert Person.objects.filter(id_number=rid(41)).count() == 1


def test_utf8_csv_with_bom_and_buildings(world, cadre):
    rows = [
        ["网格编码", "楼栋名称", "类型", "地址", "单元数", "层数"],
        [world.grid_a.code, "鑫荣公寓", "宿舍", "郑港四街1号", "2", "6"],
        [world.grid_a.code, "鑫荣公寓", "宿舍", "郑港四街1号", "2", "6"],
        [world.grid_a.name, "1号楼", "住宅楼", "", "x", ""],
    ]
    job = run(cadre, "buildings", csv_bytes(rows, "utf-8-sig"), "楼栋.csv")
    assert job.encoding == "utf-8-sig"
    assert (job.created_rows, job.error_rows) == (1, 2)
    b = Building.objects.get(name="鑫荣公寓")
    assert (b.kind, b.unit_count, b.floor_count, b.grid_id) == ("dormitory", 2, 6, world.grid_a.pk)
    reasons = [r[-1] for r in error_rows(job)[1:]]
    assert "row 2" in reasons[0] and "whole number" in reasons[1]


def test_households_with_heads(world, cadre):
    rows = [
        ["网格", "楼栋", "单元", "房号", "户主姓名", "户主身份证号", "户主电话"],
        [world.grid_a.code, "5号楼", "", "101", "陈一", rid(51), "13700000001"],
        [world.grid_a.code, "5号楼", "", "102", "", "", ""],
    ]
    job = run(cadre, "households", csv_bytes(rows, "gbk"), "户.csv")
    assert job.created_rows == 2, job.message
    chen = Person.objects.get(id_number=rid(51))
    assert chen.household.head_id == chen.pk and chen.relation == "head"
    again = run(cadre, "households", csv_bytes(rows, "gbk"), "户.csv")
    assert (again.created_rows, again.unchanged_rows) == (0, 2)
    assert Household.objects.count() == 2


def test_a_grid_leader_cannot_import_into_a_sibling_grid(world):
    leader = make_user("importer_a", world.grid_a, "village_cadre")
    rows = [
        ["姓名", "身份证号", "网格编码", "楼栋", "房号"],
        ["某人", rid(61), world.grid_b.code, "1号楼", "1"],
    ]
    job = run(leader, "people", csv_bytes(rows, "utf-8"), "p.csv")
    assert job.error_rows == 1 and Person.objects.count() == 0
    # With the grid left empty, a single-grid jurisdiction fills in its own grid.
    rows[1][2] = ""
    job = run(leader, "people", csv_bytes(rows, "utf-8"), "p.csv")
    assert job.created_rows == 1
    assert Person.objects.get().path == world.grid_a.path


def test_unreadable_and_headerless_files_get_a_clear_error(cadre):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="header row"):
        upload(cadre, "people", csv_bytes([["a", "b"], ["1", "2"]], "utf-8"), "x.csv")
    with pytest.raises(ValidationError, match="spreadsheet"):
        upload(cadre, "people", b"PK\x03\x04 not really a zip", "x.xlsx")
    with pytest.raises(ValidationError):
        upload(cadre, "people", b"data", "x.exe")


# --- pages and API -----------------------------------------------------------------------


def test_upload_preview_correct_mapping_and_run_through_the_pages(client, world, cadre):
    client.force_login(cadre)
    rows = [
        ["名字", "证件", "所属网格", "楼号", "门牌号"],  # 证件 is not a known header: mapped by hand
        ["张三", rid(71), world.grid_a.code, "1号楼", "101"],
        ["李四", rid(72), world.grid_a.code, "1号楼", "102"],
    ]
    response = client.post(
        reverse("registry:import_new"),
        {"kind": "people", "mode": "valid_rows", "file": SimpleUploadedFile("p.csv", csv_bytes(rows, "gbk"))},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("registry:import_detail", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "张三" in page and rid(71) in page  # the uploader may see full numbers
    assert "证件号码" in page  # required column not found yet
    assert job.mapping["fields"] == {"name": 0, "grid": 2, "building": 3, "room": 4}
    response = client.post(
        response.url,
        {
            "col_0": "name",
            "col_1": "id_number",
            "col_2": "grid",
            "col_3": "building",
            "col_4": "room",
            "mode": "valid_rows",
        },
    )
    job.refresh_from_db()
    assert job.status == "done" and job.created_rows == 2
    assert Person.objects.filter(household__room__building__name="1号楼").count() == 2
    page = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert "import-counts" in page and "hx-trigger" not in page


def test_preview_masks_numbers_for_a_role_that_may_not_see_them(client, world):
    from wangge.accounts.models import Role

    role = Role.objects.create(code="importer_only", name="Importer", permissions=["registry.import"])
    user = make_user("imp", world.grid_a)
    user.roles.set([role])
    client.force_login(user)
    rows = [["姓名", "身份证号", "手机号"], ["张三", rid(73), "13912345678"]]
    client.post(
        reverse("registry:import_new"),
        {
            "kind": "people",
            "mode": "valid_rows",
            "file": SimpleUploadedFile("p.csv", csv_bytes(rows, "utf-8")),
        },
    )
    page = client.get(reverse("registry:import_detail", args=[ImportJob.objects.get().pk])).content.decode()
    assert "张三" in page
    assert rid(73) not in page and "13912345678" not in page
    assert rid(73)[-4:] in page


def test_bad_upload_is_refused_with_the_reason_and_no_job(client, cadre):
    client.force_login(cadre)
    response = client.post(
        reverse("registry:import_new"),
        {"kind": "people", "mode": "valid_rows", "file": SimpleUploadedFile("p.csv", b"a,b\n1,2\n")},
    )
    assert response.status_code == 200
    assert "header row" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_jobs_and_error_files_are_the_uploaders_own(client, world, cadre):
    rows, _good, _bad = tenant_roll()
    job = run(cadre, "tenants", csv_bytes(rows, "gbk"), "roll.csv")
    assert job.errors_file
    client.force_login(cadre)
    response = client.get(reverse("registry:import_errors", args=[job.pk]))
    assert response.status_code == 200
    assert read_xlsx(b"".join(response.streaming_content))[0][-1] == "错误原因"
    assert "roll.csv" in client.get(reverse("registry:import_list")).content.decode()
    # A colleague with the same jurisdiction sees neither the job nor its rows.
    colleague = make_user("cadre_2", world.village, "village_cadre")
    client.force_login(colleague)
    assert client.get(reverse("registry:import_errors", args=[job.pk])).status_code == 404
    assert client.get(reverse("registry:import_detail", args=[job.pk])).status_code == 404
    assert "roll.csv" not in client.get(reverse("registry:import_list")).content.decode()


def test_templates_have_the_chinese_headers_and_instructions(client, cadre):
    client.force_login(cadre)
    response = client.get(reverse("registry:import_template"), {"kind": "tenants"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert len(book.sheet_names) == 2
    headers = book.get_sheet_by_index(0).to_python()[0]
    assert headers[:2] == ["出租屋地址", "网格编码"] and "*姓名" in headers and "*证件号码" in headers
    assert "是否来自中高风险地区" in headers
    assert client.get(reverse("registry:import_template"), {"kind": "nope"}).status_code == 404
    # The blank template imports as it is: every header is recognised.
    for kind in ("buildings", "households", "people", "rentals", "tenants"):
        data = b"".join(client.get(reverse("registry:import_template"), {"kind": kind}).streaming_content)
        headers = read_xlsx(data)[0]
        assert len(detect_mapping(kind, headers)) == len(headers), kind


def test_large_files_are_queued_and_show_progress(
    client, world, cadre, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(engine, "QUEUE_ABOVE_ROWS", 2)
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    rows = [
        ["姓名", "身份证号", "网格编码"],
        *[[f"人{i}", rid(100 + i), world.grid_a.code] for i in range(5)],
    ]
    job = upload(cadre, "people", csv_bytes(rows, "utf-8"), "big.csv")
    client.force_login(cadre)
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=2)
    response = client.get(
        reverse("registry:import_detail", args=[job.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="import-progress",
    )
    text = response.content.decode()
    assert 'hx-trigger="every 2s"' in text and "2 of 5" in text and "<html" not in text
    ImportJob.objects.filter(pk=job.pk).update(status="previewed", processed_rows=0)
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        started = engine.start(actor=cadre, job=job)
        assert started.status == "queued"
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.created_rows) == ("done", 5, 5)
    response = client.get(
        reverse("registry:import_detail", args=[job.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="import-progress",
    )
    assert response["HX-Refresh"] == "true"


def test_api_upload_status_and_run(client, world, cadre):
    client.force_login(cadre)
    rows = [
        ["姓名", "身份证号", "网格编码"],
        ["张三", rid(81), world.grid_a.code],
        ["", rid(82), world.grid_a.code],
    ]
    response = client.post(
        "/api/v1/registry/imports",
        {"kind": "people", "mode": "valid_rows", "file": SimpleUploadedFile("p.csv", csv_bytes(rows, "gbk"))},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["total_rows"], body["encoding"]) == ("previewed", 2, "gb18030")
    assert body["mapping"] == {"name": 0, "id_number": 1, "grid": 2}
    response = client.post(f"/api/v1/registry/imports/{body['id']}/run", content_type="application/json")
    assert response.status_code == 200, response.content
    done = client.get(f"/api/v1/registry/imports/{body['id']}").json()
    assert (done["status"], done["created_rows"], done["error_rows"], done["has_errors_file"]) == (
        "done",
        1,
        1,
        True,
    )
    again = client.post(f"/api/v1/registry/imports/{body['id']}/run", content_type="application/json")
    assert again.status_code == 422
    bad = client.post(
        "/api/v1/registry/imports",
        {"kind": "people", "file": SimpleUploadedFile("p.csv", b"x,y\n1,2\n")},
    )
    assert bad.status_code == 422 and "header row" in str(bad.json()["detail"])


def xls_bytes(rows: list[list]) -> bytes:
    """An old-format .xls workbook (BIFF8), as villages still keep them."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("人员")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_old_xls_files_are_read(world, cadre):
    rows = [
        ["网格编码", "楼栋名称", "类型", "地址", "单元数", "层数"],
        [world.grid_a.code, "老村委楼", "自建房", "张庄村1号", "1", "3"],
        [world.grid_a.code, "", "住宅楼", "", "1", "1"],
    ]
    job = run(cadre, "buildings", xls_bytes(rows), "楼栋.xls")
    assert (job.created_rows, job.error_rows) == (1, 1), job.message
    b = Building.objects.get(name="老村委楼")
    assert (b.kind, b.floor_count) == ("village_house", 3)


def test_a_tenant_at_an_address_of_two_landlords_is_placed_by_the_landlords_id(world, cadre):
    a = world.grid_a.code
    first, second = rid(201, "19600101"), rid(202, "19610101")
    rentals = [
        ["网格编码", "楼栋", "地址", "房东姓名", "房东身份证号", "状态"],
        [a, "双房东楼", "冢刘村双房东楼", "甲", first, "出租"],
        [a, "双房东楼", "冢刘村双房东楼", "乙", second, "出租"],
    ]
    assert run(cadre, "rentals", csv_bytes(rentals, "gbk"), "r.csv").error_rows == 0
    tenants = [
        ["出租屋地址", "姓名", "身份证号码", "入住日期", "房东身份证号码"],
        ["冢刘村双房东楼", "租客甲", rid(203, "19900101"), "2022-03-01", second],
        ["冢刘村双房东楼", "租客乙", rid(204, "19900101"), "2022-03-01", ""],
    ]
    job = run(cadre, "tenants", csv_bytes(tenants, "gbk"), "t.csv")
    assert job.error_rows == 1
    assert Tenancy.objects.get().rental.landlord.id_number == second


def test_the_same_tenant_living_at_two_rentals_in_one_file_is_a_conflict(world, cadre):
    run(cadre, "rentals", csv_bytes(rental_roll(world), "gbk"), "roll.csv")
    _rows, good, _bad = tenant_roll()
    first = good[0]
    twice = [TENANT_HEADER, first, ["冢刘村15号", "201", *first[2:5], "2022-06-01", *first[6:]]]
    job = run(cadre, "tenants", csv_bytes(twice, "gbk"), "t.csv")
    assert job.error_rows == 1
    assert Tenancy.objects.count() == 1
