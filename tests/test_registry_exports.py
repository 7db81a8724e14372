"""Exports of registry lists: masked per permission, formula cells neutralised, audited,
scoped, filtered, and re-importable (the rental roll comes back out as xlsx)."""

import io
import zipfile

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.factories import make_user
from tests.factories.registry import csv_bytes, rental_roll, rid, run, tenant_roll
from wangge.audit.models import AuditEvent
from wangge.core.access import SYSTEM
from wangge.registry import services
from wangge.registry.imports.exports import safe_text
from wangge.registry.models import Person, Tenancy

pytestmark = pytest.mark.django_db

EXPORT = "registry:export"


def sheet_of(response) -> list[list]:
    data = b"".join(response.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def raw_xml(response) -> str:
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))


@pytest.fixture
def people(world):
    building = services.create_building(actor=SYSTEM, grid=world.grid_a, name="1号楼")
    room = services.get_or_create_room(actor=SYSTEM, building=building, number="101")
    hh = services.create_household(actor=SYSTEM, room=room)
    a = services.register_person(
        actor=SYSTEM,
        household=hh,
        name="张海婷",
        id_type="resident_id",
        id_number=rid(1),
        phone="13812345678",
        relation="head",
    )
    other = services.create_building(actor=SYSTEM, grid=world.grid_b, name="2号楼")
    room_b = services.get_or_create_room(actor=SYSTEM, building=other, number="201")
    hh_b = services.create_household(actor=SYSTEM, room=room_b)
    b = services.register_person(
        actor=SYSTEM, household=hh_b, name="乙格人", id_type="resident_id", id_number=rid(2)
    )
    return a, b


def test_full_numbers_only_for_roles_that_may_see_them(client, world, people):
    cadre = make_user("cadre", world.village, "village_cadre")
    client.force_login(cadre)
    rows = sheet_of(client.get(reverse(EXPORT), {"list": "people"}))
    header, *data = rows
    assert header[:5] == ["姓名", "性别", "证件类型", "证件号码", "手机号"]
    zhang = next(r for r in data if r[0] == "张海婷")
    assert zhang[3] == rid(1) and zhang[4] == "13812345678"

    lead = make_user("lead", world.village, "working_group_lead")  # may export, may not see numbers
    client.force_login(lead)
    response = client.get(reverse(EXPORT), {"list": "people"})
    text = raw_xml(response)
    assert rid(1) not in text and "13812345678" not in text
    rows = sheet_of(client.get(reverse(EXPORT), {"list": "people"}))
    zhang = next(r for r in rows if r[0] == "张海婷")
    assert zhang[3] == rid(1)[:6] + "********" + rid(1)[-4:]
    assert zhang[4] == "138****5678"


def test_formula_cells_are_neutralised(client, world, people):
    a, _b = people
    services.update_person(
        actor=SYSTEM,
        person=a,
        employer="=cmd|' /C calc'!A0",
        hukou_place="@SUM(1+1)*cmd|' /C calc'!A0",
        origin="+1+1",
    )
    cadre = make_user("cadre", world.village, "village_cadre")
    client.force_login(cadre)
    response = client.get(reverse(EXPORT), {"list": "people"})
    xml = raw_xml(response)
    assert "<f>" not in xml  # no formula anywhere in the workbook
    rows = sheet_of(client.get(reverse(EXPORT), {"list": "people"}))
    header = rows[0]
    zhang = dict(zip(header, next(r for r in rows if r[0] == "张海婷"), strict=True))
    assert zhang["工作单位"] == "'=cmd|' /C calc'!A0"
    assert zhang["户籍地"].startswith("'@")
    assert zhang["来源地"] == "'+1+1"
    assert safe_text("-2") == "'-2" and safe_text("\tx") == "'\tx" and safe_text("张三") == "张三"


def test_export_is_scoped_filtered_and_audited_without_contents(client, world, people):
    cadre = make_user("cadre_a", world.grid_a, "village_cadre")
    client.force_login(cadre)
    names = [r[0] for r in sheet_of(client.get(reverse(EXPORT), {"list": "people"}))[1:]]
    assert names == ["张海婷"]
    # Another grid as a filter answers like a missing one.
    assert client.get(reverse(EXPORT), {"list": "people", "grid": world.grid_b.pk}).status_code == 404
    assert client.get(reverse(EXPORT), {"list": "nope"}).status_code == 404
    rows = sheet_of(client.get(reverse(EXPORT), {"list": "people", "q": "zht", "grid": world.grid_a.pk}))
    assert [r[0] for r in rows[1:]] == ["张海婷"]
    assert len(sheet_of(client.get(reverse(EXPORT), {"list": "people", "status": "migrant"}))) == 1
    event = AuditEvent.objects.filter(model="registry.export.people").order_by("-id").first()
    assert event.actor == cadre and event.action == "view" and event.path == world.grid_a.path
    assert event.after == {"list": "people", "rows": 0, "filters": {"status": "migrant"}, "format": "xlsx"}
    everything = " ".join(
        str(v)
        for e in AuditEvent.objects.filter(model__startswith="registry.export")
        for v in (e.after, e.object_repr)
    )
    assert "张海婷" not in everything and rid(1) not in everything and "zht" not in everything
    assert AuditEvent.objects.filter(model="registry.export.people").count() == 3  # not the refused one


def test_export_needs_the_export_permission(client, world, people):
    worker = make_user("worker", world.grid_a, "grid_worker")
    client.force_login(worker)
    assert client.get(reverse(EXPORT), {"list": "people"}).status_code == 403


def test_rental_roll_comes_back_out_as_xlsx_and_reimports_without_duplicates(client, world):
    cadre = make_user("cadre", world.village, "village_cadre")
    run(cadre, "rentals", csv_bytes(rental_roll(world), "gbk"), "roll.csv")
    rows, good, _bad = tenant_roll()
    run(cadre, "tenants", csv_bytes(rows, "gbk"), "tenants.csv")
    client.force_login(cadre)
    rentals = sheet_of(client.get(reverse(EXPORT), {"list": "rentals"}))
    assert len(rentals) == 4
    by_room = {r[3]: dict(zip(rentals[0], r, strict=True)) for r in rentals[1:]}
    assert by_room["201"]["房东姓名"] == "王秀英" and by_room["201"]["状态"] == "空置"
    assert by_room["101"]["承诺书签订日期"] == "2022-05-01" and by_room["101"]["可住人数"] == 6
    response = client.get(reverse(EXPORT), {"list": "tenants"})
    data = b"".join(response.streaming_content)
    tenants = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert sorted(r[5] for r in tenants[1:]) == sorted(g[2] for g in good)
    assert {r[7] for r in tenants[1:]} == {g[3] for g in good}
    # The exported roll goes back in as it is: everything is recognised as unchanged.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wangge.registry.imports import engine

    job = engine.create_job(actor=cadre, kind="tenants", upload=SimpleUploadedFile("export.xlsx", data))
    job = engine.start(actor=cadre, job=job)
    assert (job.created_rows, job.unchanged_rows, job.error_rows) == (0, 4, 0), job.message
    assert Tenancy.objects.count() == 4 and Person.objects.filter(status="tenant").count() == 4


def test_every_list_exports_without_a_query_per_row(client, world, django_assert_max_num_queries):
    cadre = make_user("cadre", world.village, "village_cadre")
    run(cadre, "rentals", csv_bytes(rental_roll(world), "gbk"), "roll.csv")
    run(cadre, "tenants", csv_bytes(tenant_roll()[0], "gbk"), "tenants.csv")
    people = [["姓名", "身份证号", "网格编码", "楼栋", "房号"]]
    people += [[f"人{i}", rid(300 + i), world.grid_a.code, f"{i % 3}号楼", str(100 + i)] for i in range(12)]
    run(cadre, "people", csv_bytes(people, "utf-8"), "people.csv")
    client.force_login(cadre)
    for name in ("people", "households", "buildings", "rentals", "tenants"):
        with django_assert_max_num_queries(12):
            response = client.get(reverse(EXPORT), {"list": name})
            rows = sheet_of(response)
        assert len(rows) > 1, name
