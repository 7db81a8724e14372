"""The one import toolkit (wangge/registry/imports: reading, fields, values, ErrorBook) as every
importer uses it — registry, screening lists (协查), risk areas, lab results — with files built the
way users make them: GBK CSV with a title row, old .xls with IDs typed as numbers, .xlsx with
merged cells and two sheets, full-width digits, scientific notation, zero-tailed IDs, permits and
passports in the ID column, undecodable bytes."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from python_calamine import CalamineWorkbook
from stdnum.cn import ric

from tests.factories import client_for, make_user
from tests.factories.files import UNDECODABLE, Sheet, gbk_csv, named, xls, xlsx
from tests.factories.registry import rid, run
from wangge.registry.imports import engine, reading, values
from wangge.registry.imports.fields import Field
from wangge.registry.imports.processors import document as document_from_processors
from wangge.registry.imports.values import MANGLED, NumberCell, SuspectCell
from wangge.registry.models import IdType, ImportJob, ImportStatus, Person

MANGLED_EN = (
    "The spreadsheet turned this number into a figure and its last digits are lost; "
    "set the column to text and enter it again."
)
MANGLED_ZH = "表格软件把该号码当成了数字，后几位已丢失；请把该列设为文本后重新填写"
PEOPLE_HEADER = ["姓名", "证件号码", "手机号", "网格编码"]


def zero_tailed(valid: bool) -> str:
    """An 18-digit resident ID ending in 000 whose check digit is right (valid) or wrong."""
    day = datetime.date(1980, 1, 1)
    while True:
        for seq in range(0, 1000, 100):
            body = f"410102{day:%Y%m%d}{seq:03d}"
            ok = ric.calc_check_digit(body + "0") == "0"
            if ok == valid:
                return body + "0"
        day += datetime.timedelta(days=1)


def unknown_mobile() -> str:
    for prefix in range(130, 200):
        number = f"{prefix}00001234"
        if not values.mobile_prefix_known(number[:7]):
            return number
    raise AssertionError("every prefix is known")


def check(id_type, number, warnings=None):
    errors: list[str] = []
    checked = values.document(id_type, number, errors, "证件号码", warnings)
    return checked, errors


# --- values --------------------------------------------------------------------------------------


def test_values_stay_importable_from_processors():
    assert document_from_processors is values.document


def test_full_width_digits_letters_spaces_and_a_lower_case_x_are_normalised():
    number = rid(7)
    full = "".join(chr(ord(ch) + 0xFEE0) for ch in number)  # ４１０１…
    checked, errors = check("", full[:6] + " " + full[6:14] + "-" + full[14:])
    assert errors == [] and checked.number == number
    x_id = next(
        b + "X"
        for b in (f"41010219850312{n:03d}" for n in range(999))
        if ric.calc_check_digit(b + "0") == "X"
    )
    assert check("", x_id.lower())[0].number == x_id
    assert check("", x_id[:17] + "ｘ")[0].number == x_id
    assert values.phone("１３８ １２３４ ５６７８", [], "手机号") == "13812345678"


def test_an_old_15_digit_id_is_upgraded():
    checked, errors = check("", NumberCell("410102800101001"))  # a number cell: 15 digits are exact
    assert errors == [] and len(checked.number) == 18 and checked.upgraded_from == "410102800101001"


def test_numbers_mangled_by_a_spreadsheet_are_refused():
    number = rid(8)
    as_float = float(int(number))  # what calamine gives for an ID typed as a number
    cell = reading.cell_text(as_float)
    assert isinstance(cell, NumberCell) and cell != number
    for mangled in (
        cell,
        "4.10102E+17",
        "4.10101198503E+17",
        "４.１０１０２Ｅ＋１７",
        zero_tailed(valid=False),
    ):
        checked, errors = check("", mangled)
        assert checked is None and errors == ["证件号码: " + MANGLED_EN], mangled
    assert values.phone("1.38123E+10", errors := [], "手机号") == "" and errors == ["手机号: " + MANGLED_EN]
    assert (
        values.phone(NumberCell("4101011985031200"), errors := [], "手机号") == "" and MANGLED_EN in errors[0]
    )
    with translation.override("zh-hans"):
        assert check("", "4.10102E+17")[1] == ["证件号码: " + MANGLED_ZH]
        assert str(MANGLED) == MANGLED_ZH


def test_a_zero_tailed_id_with_a_right_check_digit_is_accepted_with_a_warning_unless_its_column_is_mangled():
    number = zero_tailed(valid=True)
    warnings: list[str] = []
    checked, errors = check("", number, warnings)
    assert errors == [] and checked.number == number and "000" in warnings[0]
    checked, errors = check("", SuspectCell(number))
    assert checked is None and errors == ["证件号码: " + MANGLED_EN]
    assert values.column_is_mangled(["", rid(1), zero_tailed(valid=False)])
    assert not values.column_is_mangled(["", rid(1), number, NumberCell("13812345678")])


def test_permits_and_passports_in_the_id_column_are_recognised_without_a_type():
    for number, kind in (
        ("H12345678", IdType.HK_MACAO),
        ("M1234567890", IdType.HK_MACAO),
        ("12345678", IdType.TAIWAN),
        ("1234567890", IdType.TAIWAN),
        ("E12345678", IdType.PASSPORT),
        ("ea1234567", IdType.PASSPORT),
        (rid(3), IdType.RESIDENT_ID),
    ):
        checked, errors = check("", number)
        assert errors == [] and checked.id_type == kind, number
    assert "18 characters" in check("", "12345")[1][0]  # still a resident ID, badly typed


def test_a_doubtful_phone_is_a_warning_not_a_lost_row():
    odd = unknown_mobile()
    warnings: list[str] = []
    errors: list[str] = []
    assert values.phone(odd, errors, "手机号", warnings) == odd and errors == [] and odd in warnings[0]
    warnings = []
    assert (
        values.phone("12345", errors, "手机号", warnings) == "" and errors == [] and "left out" in warnings[0]
    )
    assert values.phone(NumberCell("13812345678"), errors, "手机号", warnings) == "13812345678"
    values.phone("12345", errors, "手机号")  # without a list for warnings, as before: an error
    assert errors and "手机号" in errors[0]


def test_dates_written_five_ways_and_date_cells():
    want = datetime.date(2022, 3, 28)
    for value in (
        "2022-03-28",
        "2022/3/28",
        "2022年3月28日",
        "20220328",
        "44648",
        NumberCell("44648"),
        "２０２２－０３－２８",
        datetime.datetime(2022, 3, 28),
        want,
    ):
        errors: list[str] = []
        assert values.parse_date(value, errors, "到达日期") == want and errors == [], value
    errors = []
    assert values.parse_date("2022-13-45", errors, "到达日期") is None and "到达日期" in errors[0]


# --- reading -------------------------------------------------------------------------------------

LIST_FIELDS = [
    Field("name", "姓名", ("名字",)),
    Field("id_number", "证件号码", ("身份证号",)),
    Field("phone", "手机号"),
]


def test_a_gbk_csv_with_a_title_row_and_a_trailing_empty_row():
    data = gbk_csv(["姓名", "身份证号", "手机号"], [["张三", rid(1), "=1+1"]], title="冢刘村人员名单")
    table = reading.open_table(named(data, "a.csv"), "a.csv", LIST_FIELDS)
    assert table.encoding == "gb18030" and table.header_row == 2
    assert list(table.rows()) == [(3, ["张三", rid(1), "=1+1"])]  # a formula in a CSV stays text


def test_an_old_xls_keeps_number_cells_marked():
    data = xls(["姓名", "证件号码", "手机号"], [["李四", float(int(rid(2))), 13812345678]], title="名单")
    table = reading.open_table(named(data, "a.xls"), "a.xls", LIST_FIELDS)
    ((_n, (name, number, phone)),) = list(table.rows())
    assert name == "李四" and isinstance(number, NumberCell) and number != rid(2)
    assert isinstance(phone, NumberCell) and phone == "13812345678"
    assert table.scan([1]) == (1, [1])


def test_xlsx_with_two_sheets_a_title_and_merged_cells():
    data = xlsx(
        Sheet("说明", ["本表填写说明"], [["请用文本格式填写证件号码"]]),
        Sheet(
            "名单",
            ["姓名", "证件号码", "手机号", "楼栋"],
            [["王五", rid(4), "13812345670", "冢刘村12号"], ["赵六", rid(5), "13812345671", ""]],
            title="冢刘村名单",
            merges=[(0, 3, 1, 3)],  # the building, merged down over two rows
        ),
    )
    fields = [*LIST_FIELDS, Field("building", "楼栋")]
    table = reading.open_table(named(data, "a.xlsx"), "a.xlsx", fields)
    assert table.sheet == "名单" and table.sheet_names == ["说明", "名单"] and table.header_row == 2
    assert [cells[3] for _n, cells in table.rows()] == ["冢刘村12号", "冢刘村12号"]
    assert reading.sheet_names(named(data, "a.xlsx"), "a.xlsx") == ["说明", "名单"]
    assert reading.open_table(named(data, "a.xlsx"), "a.xlsx", fields, sheet=1).sheet == "名单"
    with pytest.raises(ValidationError):
        reading.open_table(named(data, "a.xlsx"), "a.xlsx", fields, sheet="说明")
    with pytest.raises(ValidationError):
        reading.open_table(named(data, "a.xlsx"), "a.xlsx", fields, sheet="没有")


def test_an_undecodable_file_is_a_clear_error_in_the_users_language():
    with pytest.raises(ValidationError) as caught:
        reading.open_table(named(UNDECODABLE, "a.csv"), "a.csv", LIST_FIELDS)
    assert "UTF-8 or GBK" in caught.value.messages[0]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        reading.open_table(named(UNDECODABLE, "a.csv"), "a.csv", LIST_FIELDS)
    assert "GBK" in caught.value.messages[0] and "UTF-8 or GBK" not in caught.value.messages[0]


# --- the registry's imports ----------------------------------------------------------------------


@pytest.fixture
def cadre(world):
    return make_user("toolkit_cadre", world.village, "village_cadre")


def error_file(job: ImportJob) -> list[list]:
    job.errors_file.open("rb")
    try:
        return (
            CalamineWorkbook.from_filelike(io.BytesIO(job.errors_file.read()))
            .get_sheet_by_index(0)
            .to_python()
        )
    finally:
        job.errors_file.close()


def people_workbook(world):
    g = world.grid_a.code
    good_zero = zero_tailed(valid=True)
    odd = unknown_mobile()
    rows = [
        ["甲", rid(101), "13812345678", g],  # 3 fine
        ["乙", float(int(rid(102))), 13812345679, g],  # 4 the ID typed as a number: mangled
        ["丙", "4.10102E+17", "", g],  # 5 scientific notation
        ["丁", zero_tailed(valid=False), "", g],  # 6 zero-tailed, wrong check digit
        ["戊", good_zero, "", g],  # 7 zero-tailed, right check digit: refused, the column is mangled
        ["己", "".join(chr(ord(c) + 0xFEE0) for c in rid(106)), "１３８１２３４５６７０", g],  # 8 full width
        ["庚", "H12345678", odd, g],  # 9 a Hong Kong permit, a mobile of an unknown prefix
        ["辛", "E12345678", "12345", g],  # 10 a passport, an unreadable phone: left out
        ["壬", "12345678", 13812345671, g],  # 11 a Taiwan permit, a mobile typed as a number
    ]
    return xlsx(Sheet("人口", PEOPLE_HEADER, rows, title="冢刘村人口台账")), good_zero, odd


def test_registry_import_refuses_mangled_numbers_keeps_warned_rows_and_reimports_nothing_new(world, cadre):
    data, good_zero, odd = people_workbook(world)
    job = run(cadre, "people", data, "人口.xlsx")
    assert job.status == ImportStatus.DONE
    assert (job.created_rows, job.error_rows, job.warned_rows) == (5, 4, 2)
    assert job.mapping["mangled_columns"] == [1]
    stored = set(Person.objects.filter(grid=world.grid_a).values_list("id_type", "id_number", "phone"))
    assert stored >= {
        (IdType.RESIDENT_ID, rid(101), "13812345678"),
        (IdType.RESIDENT_ID, rid(106), "13812345670"),
        (IdType.HK_MACAO, "H12345678", odd),
        (IdType.PASSPORT, "E12345678", ""),
        (IdType.TAIWAN, "12345678", "13812345671"),
    }
    written = {n for _t, n, _p in stored}
    assert (
        not any(n.startswith("41010219") and n.endswith("000") for n in written) and good_zero not in written
    )
    assert (
        not Person.objects.filter(id_number__startswith="410101")
        .exclude(id_number__in=[rid(101), rid(106)])
        .filter(grid=world.grid_a, name__in=["乙", "丙", "丁", "戊"])
        .exists()
    )
    sheet = error_file(job)
    assert sheet[0][-1] == "错误原因"
    reasons = {row[0]: row[-1] for row in sheet[1:]}
    for name in ("乙", "丙", "丁", "戊"):
        assert MANGLED_EN in reasons[name], name
    assert reasons["庚"].startswith("Imported; ") and reasons["辛"].startswith("Imported; ")
    # Importing the same file again, or the error file, changes nothing.
    before = Person.objects.count()
    again = run(cadre, "people", data, "人口.xlsx")
    assert (again.created_rows, again.updated_rows, again.unchanged_rows) == (0, 0, 5)
    fixed = io.BytesIO()
    job.errors_file.open("rb")
    fixed.write(job.errors_file.read())
    job.errors_file.close()
    back = run(cadre, "people", fixed.getvalue(), "errors.xlsx")
    assert back.created_rows == 0 and back.updated_rows == 0 and back.unchanged_rows == 2
    assert Person.objects.count() == before


def test_a_zero_tailed_id_in_a_clean_column_is_imported_with_a_warning(world, cadre):
    number = zero_tailed(valid=True)
    data = gbk_csv(PEOPLE_HEADER, [["癸", number, "", world.grid_a.code]], title="名单")
    job = run(cadre, "people", data, "p.csv")
    assert (job.created_rows, job.warned_rows, job.mapping["mangled_columns"]) == (1, 1, [])
    assert Person.objects.get(name="癸").id_number == number
    assert error_file(job)[1][-1].startswith("Imported; ")


def test_the_spreadsheet_message_is_chinese_for_a_chinese_user(world, cadre, client):
    data = xls(
        PEOPLE_HEADER,
        [
            ["乙", float(int(rid(102))), "", world.grid_a.code],
            ["辛", "E12345678", "12345", world.grid_a.code],
        ],
    )
    with translation.override("zh-hans"):
        job = engine.start(
            actor=cadre,
            job=engine.create_job(actor=cadre, kind="people", upload=SimpleUploadedFile("p.xls", data)),
        )
    assert (job.error_rows, job.warned_rows) == (1, 1)
    sheet = error_file(job)
    assert MANGLED_ZH in sheet[1][-1]
    assert sheet[2][-1].startswith("已导入；")


def test_the_job_shows_warned_rows_on_its_page_and_in_the_api(world, cadre):
    data = gbk_csv(PEOPLE_HEADER, [["辛", "E12345678", "12345", world.grid_a.code]])
    job = run(cadre, "people", data, "p.csv")
    c = client_for(cadre)
    page = c.get(f"/registry/imports/{job.pk}/").content.decode()
    assert 'data-testid="import-warned"' in page
    api = c.get(f"/api/v1/registry/imports/{job.pk}").json()
    assert api["warned_rows"] == 1 and api["has_errors_file"] is True


def test_a_workbook_sheet_can_be_chosen_and_the_sheets_are_listed(world, cadre):
    g = world.grid_a.code
    data = xlsx(
        Sheet("一组", PEOPLE_HEADER, [["甲", rid(201), "", g]]),
        Sheet("二组", PEOPLE_HEADER, [["乙", rid(202), "", g], ["丙", rid(203), "", g]]),
    )
    first = engine.create_job(actor=cadre, kind="people", upload=SimpleUploadedFile("p.xlsx", data))
    assert (first.total_rows, first.mapping["sheet"], first.sheet_names) == (1, "一组", ["一组", "二组"])
    second = engine.create_job(
        actor=cadre, kind="people", upload=SimpleUploadedFile("p.xlsx", data), sheet="二组"
    )
    second = engine.start(actor=cadre, job=second)
    assert second.created_rows == 2 and Person.objects.filter(name__in=["乙", "丙"]).count() == 2


def test_registry_upload_of_an_undecodable_file_is_a_form_error(world, cadre):
    c = client_for(cadre)
    r = c.post(
        "/registry/imports/new/",
        {"kind": "people", "mode": "valid_rows", "file": named(UNDECODABLE, "p.csv")},
    )
    assert r.status_code == 200 and "UTF-8 or GBK" in r.content.decode()
    assert not ImportJob.objects.exists()


# --- screening lists, risk areas, lab results ----------------------------------------------------


def test_screening_list_upload_of_an_undecodable_file_is_not_a_server_error(screening):
    c = client_for(screening.cadre)
    r = c.post(
        "/screening/imports/new/", {"name": "协查", "reference": "", "file": named(UNDECODABLE, "l.csv")}
    )
    assert r.status_code == 200 and "UTF-8 or GBK" in r.content.decode()
    for junk, name in (
        (b"\x00\x01\x02\x00" * 50, "l.csv"),
        (b"PK\x03\x04broken", "l.xlsx"),
        (UNDECODABLE, "l.xls"),
    ):
        r = c.post("/screening/imports/new/", {"name": "协查", "reference": "", "file": named(junk, name)})
        assert r.status_code == 200 and 'class="errorlist' in r.content.decode(), name


def test_screening_list_refuses_mangled_ids_from_an_old_xls(screening, world):
    from wangge.screening.intake import lists

    a0 = screening.people_a[0]
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    data = xls(
        ["姓名", "身份证号", "手机号", "来自", "抵达日期"],
        [
            [a0.name, a0.id_number, "", "北京市朝阳区", yesterday],
            ["某某", float(int(rid(301))), "", "北京市朝阳区", yesterday],
            [a0.name, a0.id_number, "12345", "北京市朝阳区", yesterday],
        ],
        title="协查名单",
    )
    with translation.override("zh-hans"):
        analysis = lists.analyse(actor=screening.cadre, raw=named(data, "l.xls"), name="l.xls")
    errors = {e["row"]: e["error"] for e in analysis.error_list()}
    assert MANGLED_ZH in errors[4]
    assert errors[5].startswith("Imported; ")  # the unreadable phone is left out, the row imported
    assert analysis.counts["matched"] == 2 and analysis.counts["error"] == 1
    batch = lists.run_import(actor=screening.cadre, analysis=analysis, name="x")
    book = (
        CalamineWorkbook.from_filelike(io.BytesIO(lists.error_file(batch))).get_sheet_by_index(0).to_python()
    )
    assert book[0][-1] == "错误原因" and len(book) == 3


def test_risk_area_files_use_the_toolkit(screening, world):
    from wangge.screening.rules import services as rules_admin

    district = make_user("toolkit_district", world.district, "district_admin")
    with pytest.raises(ValidationError) as caught:
        rules_admin.preview_risk_area_file(actor=district, raw=named(UNDECODABLE, "a.csv"), name="a.csv")
    assert "UTF-8 or GBK" in caught.value.messages[0]
    data = xlsx(
        Sheet("说明", ["填写说明"], [["风险等级写 高 或 中"]]),
        Sheet(
            "风险地区",
            ["省", "市", "县(区)", "乡镇(街道)", "风险等级", "起始日期", "截止日期"],
            [
                ["河南省", "郑州市", "金水区", "", "高", datetime.datetime(2022, 3, 28), ""],
                ["河南省", "郑州市", "中原区", "", "高", 44648, ""],  # a serial day number
                ["河南省", "郑州市", "二七区", "", "中", "2022年3月28日", "x"],
            ],
            title="中高风险地区",
        ),
    )
    preview = rules_admin.preview_risk_area_file(actor=district, raw=named(data, "a.xlsx"), name="a.xlsx")
    assert [r["valid_from"] for r in preview.rows] == ["2022-03-28", "2022-03-28"]
    assert preview.errors[0]["row"] == 5 and preview.errors[0]["error"].startswith("截止日期:")
    c = client_for(district)
    sheet = (
        CalamineWorkbook.from_filelike(
            io.BytesIO(c.get(f"/screening/risk-areas/import/?errors={preview.sha256}").content)
        )
        .get_sheet_by_index(0)
        .to_python()
    )
    assert sheet[0][-1] == "错误原因" and sheet[1][2] == "二七区"


def test_lab_files_use_the_toolkit(testing):
    from wangge.testing.results import lab_files

    c = client_for(testing.lab)
    r = c.post(
        f"/testing/rounds/{testing.round.pk}/results/", {"file": named(UNDECODABLE, "lab.csv"), "lab": ""}
    )
    assert r.status_code == 200 and "UTF-8 or GBK" in r.content.decode()
    data = xlsx(
        Sheet("封面", ["检测报告"], [["第一检测所"]]),
        Sheet(
            "结果",
            ["样本编号", "检测结果", "检测时间"],
            [["ｔ001", "阴性", ""], ["T002", "不知道", ""], [123456789012345678, "阴性", ""]],
            title="结果",
        ),
    )
    rows = lab_files.parse_file(named(data, "lab.xlsx"), "lab.xlsx")
    assert [(r.row_no, r.barcode, r.result, r.error.split(":")[0]) for r in rows] == [
        (3, "T001", "negative", ""),
        (4, "T002", "", "检测结果"),
        (5, rows[2].barcode, "", "管码"),
    ]
    assert MANGLED_EN in rows[2].error  # a long barcode typed as a number: its last digits are lost
    with pytest.raises(ValidationError):
        lab_files.apply_rows(actor=testing.lab, round=testing.round, rows=rows, all_or_nothing=True)


def test_a_formula_is_never_evaluated_the_saved_value_is_read():
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "证件号码", "手机号"])
    sheet.write_row(1, 0, ["张三", rid(9)])
    sheet.write_formula(1, 2, "=1+1", None, "13812345678")  # the value Excel saved with the formula
    book.close()
    table = reading.open_table(named(out.getvalue(), "f.xlsx"), "f.xlsx", LIST_FIELDS)
    assert list(table.rows()) == [(2, ["张三", rid(9), "13812345678"])]


def test_a_screening_list_sheet_can_be_chosen_on_the_page(screening):
    a0, a1 = screening.people_a[0], screening.people_a[1]
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    header = ["姓名", "证件号码", "来自", "抵达日期"]
    data = xlsx(
        Sheet("一组", header, [[a0.name, a0.id_number, "北京市朝阳区", yesterday]]),
        Sheet(
            "二组", header, [[a1.name, a1.id_number, "河南省开封市", yesterday], ["坏号", "12345", "", ""]]
        ),
    )
    c = client_for(screening.cadre)
    r = c.post("/screening/imports/new/", {"name": "协查", "sheet": "二组", "file": named(data, "l.xlsx")})
    body = r.content.decode()
    assert r.status_code == 200 and 'data-testid="preview-sheet">二组' in body and "一组、二组" in body
    assert 'data-testid="preview-total">2<' in body
    token = body.split('name="token" value="')[1].split('"')[0]
    c.post("/screening/imports/confirm/", {"token": token, "mode": "valid"})
    from wangge.screening.models import ScreeningBatch

    batch = ScreeningBatch.objects.get()
    assert batch.total_rows == 2 and batch.matched_rows == 1 and batch.error_rows == 1


def test_arrival_dates_written_every_way_land_as_the_same_date(world, cadre):
    g = world.grid_a.code
    ways = [
        "2022-03-28",
        "2022/3/28",
        "2022年3月28日",
        "20220328",
        44648,
        "44648",
        datetime.date(2022, 3, 28),
    ]
    rows = [[f"日{i}", rid(400 + i), "", g, way] for i, way in enumerate(ways)]
    job = run(cadre, "people", xls([*PEOPLE_HEADER, "到达日期"], rows, title="名单"), "dates.xls")
    assert (job.created_rows, job.error_rows) == (len(ways), 0)
    dates = set(Person.objects.filter(name__startswith="日").values_list("arrival_date", flat=True))
    assert dates == {datetime.date(2022, 3, 28)}
