import json

import pytest
from django.utils import timezone

from tests.factories import client_for, make_user
from tests.factories.files import gbk_csv, xls
from tests.factories.registry import rid
from tests.factories.venues import make_venue, make_venue_account, uscc_code, wrong_check
from wangge.venues.models import DisinfectionEntry, Venue, VenueStaff


@pytest.fixture
def office(world):
    return make_user("office_pages", world.office, "office_leader")


def test_list_filters_and_masks_phones(world, office):
    make_venue(world.grid_a, name="甲酒店", responsible_phone="13812345678")
    make_venue(world.grid_b, name="乙饭店", kind_code="restaurant", risk_level="high")
    c = client_for(office)
    page = c.get("/venues/").content.decode()
    assert "甲酒店" in page and "乙饭店" in page and "13812345678" not in page
    page = c.get("/venues/", {"risk": "high"}).content.decode()
    assert "乙饭店" in page and "甲酒店" not in page
    page = c.get("/venues/", {"unit": world.grid_a.pk}).content.decode()
    assert "甲酒店" in page and "乙饭店" not in page
    leader_a = client_for(make_user("leader_pa", world.grid_a, "grid_leader"))
    assert "乙饭店" not in leader_a.get("/venues/").content.decode()


def test_detail_create_and_foreign_is_404(world, office):
    c = client_for(office)
    r = c.post(
        "/venues/new/",
        {"kind": make_venue(world.grid_a).kind_id, "name": "新超市", "grid": world.grid_a.pk, "risk_level": "low",
         "staff_count": 3, "enterprise_code": wrong_check(uscc_code(3))},
    )  # fmt: skip
    assert r.status_code == 200 and "统一社会信用代码" in r.content.decode() or r.status_code == 200
    assert not Venue.objects.filter(name="新超市").exists()
    venue = make_venue(world.grid_b, name="乙网格酒店")
    leader_a = client_for(make_user("leader_pb", world.grid_a, "grid_leader"))
    assert leader_a.get(f"/venues/{venue.pk}/").status_code == 404
    assert leader_a.get("/venues/999999/").status_code == 404
    page = c.get(f"/venues/{venue.pk}/").content.decode()
    assert "乙网格酒店" in page and "disinfection-log" in page


def test_disinfection_form_posted_twice_stores_one(world, office):
    venue = make_venue(world.grid_a)
    c = client_for(office)
    form = c.get(f"/venues/{venue.pk}/disinfection/new/").content.decode()
    assert 'name="client_id"' in form
    data = {
        "done_on": timezone.localdate().isoformat(),
        "area": "大堂",
        "client_id": "6f1c1f7e-1111-4a55-8d77-0123456789ab",
    }
    assert c.post(f"/venues/{venue.pk}/disinfection/new/", data).status_code == 302
    assert c.post(f"/venues/{venue.pk}/disinfection/new/", data).status_code == 302
    assert DisinfectionEntry.objects.filter(venue=venue).count() == 1


def test_venue_account_sees_only_its_venue(world, office):
    mine = make_venue(world.grid_a, name="我的酒店")
    other = make_venue(world.grid_a, name="别家酒店")
    c = client_for(office)
    r = c.post(f"/venues/{mine.pk}/account/new/", {"phone": "13912340000"})
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    user, _pw = make_venue_account(other, phone="13912340001")
    from wangge.accounts.models import User

    me = User.objects.get(username="13912340000")
    assert me.jurisdiction is None
    mc = client_for(me)
    home = mc.get("/venues/mine/").content.decode()
    assert "我的酒店" in home and "别家酒店" not in home
    # Home page: today's items of the venue, not "no jurisdiction".
    assert "venues-own-disinfection" in mc.get("/").content.decode()
    # Nothing else: office pages, the API, a foreign staff line.
    assert mc.get("/venues/").status_code == 403
    assert mc.get(f"/venues/{other.pk}/").status_code == mc.get("/venues/999999/").status_code
    assert mc.get("/api/v1/venues").status_code == 403
    assert (
        mc.get("/registry/").status_code in (403, 404)
        or "我的酒店" not in mc.get("/registry/").content.decode()
    )
    staff_other = VenueStaff.objects.create(venue=other, person=_person(world))
    assert mc.post(f"/venues/mine/staff/{staff_other.pk}/end/").status_code == 404
    assert mc.post("/venues/mine/staff/999999/end/").status_code == 404
    # It writes its own log.
    r = mc.post(
        "/venues/mine/disinfection/new/", {"done_on": timezone.localdate().isoformat(), "area": "客房"}
    )
    assert r.status_code == 302
    assert DisinfectionEntry.objects.get().venue_id == mine.pk
    r = mc.post(
        "/venues/mine/staff/new/", {"name": "前台甲", "id_type": "resident_id", "id_number": rid(402)}
    )
    assert r.status_code == 302 and VenueStaff.objects.filter(venue=mine).count() == 1


def _person(world):
    from wangge.core.access import SYSTEM
    from wangge.registry import services as registry

    return registry.register_provisional(
        actor=SYSTEM, grid=world.grid_a, name="员工丙", id_type="resident_id", id_number=rid(403)
    )


def test_kinds_page_for_the_district_only(world):
    district = client_for(make_user("district_pk", world.district, "district_admin"))
    r = district.post("/venues/kinds/new/", {"code": "gym", "name": "健身房", "order": 5, "active": "on"})
    assert r.status_code == 302
    office = client_for(make_user("office_pk", world.office, "district_admin"))
    assert office.post("/venues/kinds/new/", {"code": "pool", "name": "泳池", "order": 5}).status_code == 403


def test_api_lists_masked_and_creates(world, office):
    venue = make_venue(world.grid_a, responsible_phone="13812345678")
    staff = client_for(make_user("dept_api", world.office, "department_staff"))
    data = staff.get("/api/v1/venues").json()
    assert data["count"] == 1 and data["items"][0]["responsible_phone"] != "13812345678"
    c = client_for(office)
    assert c.get("/api/v1/venues").json()["items"][0]["responsible_phone"] == "13812345678"
    r = c.post(
        f"/api/v1/venues/{venue.pk}/disinfections",
        data=json.dumps(
            {
                "done_on": timezone.localdate().isoformat(),
                "area": "大堂",
                "client_id": "6f1c1f7e-2222-4a55-8d77-0123456789ab",
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 201
    r = c.post(
        "/api/v1/venues",
        data=json.dumps(
            {
                "kind_id": venue.kind_id,
                "grid_id": world.grid_a.pk,
                "name": "坏代码",
                "enterprise_code": wrong_check(uscc_code(9)),
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 422
    foreign = make_venue(world.grid_b)
    leader_a = client_for(make_user("leader_api", world.grid_a, "grid_leader"))
    assert leader_a.get(f"/api/v1/venues/{foreign.pk}").status_code == 404


HEADER = ["场所名称", "类型", "网格", "地址", "负责人", "电话", "信用代码", "员工人数", "风险等级"]


def test_import_gbk_csv_and_xls_with_error_rows(world, office):
    rows = [
        ["老王饭店", "饭店", world.grid_a.code, "一路1号", "王", "13800000001", uscc_code(11), "5", "中"],
        ["坏代码超市", "超市", world.grid_a.code, "", "", "", wrong_check(uscc_code(12)), "", ""],
        ["无网格酒店", "酒店", "不存在", "", "", "", "", "", ""],
    ]
    c = client_for(office)
    data = gbk_csv(HEADER, rows, title="清河办事处重点场所台账")
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = c.post("/venues/import/", {"file": SimpleUploadedFile("场所.csv", data, content_type="text/csv")})
    page = r.content.decode()
    assert "import-result" in page and "venues-errors.xlsx" in page
    assert Venue.objects.filter(name="老王饭店", risk_level="medium").exists()
    assert not Venue.objects.filter(name="坏代码超市").exists()
    # Again: nothing doubled.
    c.post("/venues/import/", {"file": SimpleUploadedFile("场所.csv", data, content_type="text/csv")})
    assert Venue.objects.filter(name="老王饭店").count() == 1
    old = xls(HEADER, [["小学甲", "小学", world.grid_a.code, "", "", "", "", "", ""]], title="台账")
    c.post("/venues/import/", {"file": SimpleUploadedFile("场所.xls", old)})
    assert Venue.objects.filter(name="小学甲", kind__code="primary_school").exists()


def test_export_is_xlsx_and_masked(world, office):
    make_venue(world.grid_a, name="导出酒店", responsible_phone="13812345678")
    r = client_for(make_user("dept_export", world.office, "department_staff")).get("/venues/export/")
    content = b"".join(r.streaming_content)
    assert r.status_code == 200 and content[:2] == b"PK"
    import io

    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[1][0] == "导出酒店" and rows[1][5] != "13812345678"
