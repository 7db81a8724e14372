"""Exports of registry lists through the API (/api/v1/registry/exports/<list>): the same file as
the page's "Export to Excel" — same rows, masking by role, formula cells neutralised, one audit
row per export, the caller's jurisdiction only — as xlsx, or as CSV in UTF-8 with a BOM."""

import csv
import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.factories import make_user
from tests.factories.registry import csv_bytes, rental_roll, rid, run, tenant_roll
from wangge.accounts.services import issue_token
from wangge.audit.models import AuditEvent
from wangge.core.access import SYSTEM
from wangge.registry import services
from wangge.registry.imports.exports import CSV, XLSX
from wangge.registry.models import Rental
from wangge.registry.visits.services import record_visit

pytestmark = pytest.mark.django_db

BASE = "/api/v1/registry/exports"
LISTS = ("people", "households", "buildings", "rentals", "tenants", "visits")
PHONE = "13900001111"


def token_client(user) -> Client:
    """A client that authenticates with a bearer token, as an API caller does (no session)."""
    _token, raw = issue_token(actor=user, name="export")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def data_of(response) -> bytes:
    return b"".join(response.streaming_content)


def sheet(response) -> list[list]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XLSX
    return CalamineWorkbook.from_filelike(io.BytesIO(data_of(response))).get_sheet_by_index(0).to_python()


def raw_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))


def person(grid, building: str, name: str, seed: int, **fields):
    b = services.create_building(actor=SYSTEM, grid=grid, name=building)
    room = services.get_or_create_room(actor=SYSTEM, building=b, number="101")
    hh = services.create_household(actor=SYSTEM, room=room)
    return services.register_person(
        actor=SYSTEM,
        household=hh,
        name=name,
        id_type="resident_id",
        id_number=rid(seed),
        relation="head",
        **fields,
    )


@pytest.fixture
def village(world):
    """Rentals with their tenants in grid A, a household in grid B, one in the other village."""
    cadre = make_user("cadre", world.village, "village_cadre")
    run(cadre, "rentals", csv_bytes(rental_roll(world), "gbk"), "roll.csv")
    run(cadre, "tenants", csv_bytes(tenant_roll()[0], "gbk"), "tenants.csv")
    person(world.grid_b, "乙楼", "乙格人", 2, phone=PHONE)
    person(world.other_grid, "丙楼", "外村人", 3, phone="13900002222")
    rental = Rental.objects.filter(path__startswith=world.village.path).first()
    record_visit(
        actor=cadre, outcome="issue_found", rental=rental, notes="=消杀记录不详", follow_up_needed=True
    )
    return cadre


@pytest.mark.parametrize("list_name", LISTS)
def test_the_api_gives_the_same_rows_as_the_page(client, world, village, list_name):
    client.force_login(village)
    page = (
        CalamineWorkbook.from_filelike(
            io.BytesIO(data_of(client.get(reverse("registry:export"), {"list": list_name})))
        )
        .get_sheet_by_index(0)
        .to_python()
    )
    response = token_client(village).get(f"{BASE}/{list_name}")
    assert response["Content-Disposition"].startswith(f'attachment; filename="{list_name}-')
    rows = sheet(response)
    assert len(rows) > 1 and rows == page


def test_csv_has_the_same_rows_in_utf8_with_a_bom(world, village):
    api = token_client(village)
    rows = sheet(api.get(f"{BASE}/tenants"))
    response = api.get(f"{BASE}/tenants", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == f"{CSV}; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    data = data_of(response)
    assert data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == rows
    # Numbers come out as numbers in the xlsx, as their digits in the CSV.
    rentals = sheet(api.get(f"{BASE}/rentals"))
    as_csv = list(csv.reader(io.StringIO(data_of(api.get(f"{BASE}/rentals?format=csv")).decode("utf-8-sig"))))
    assert as_csv == [
        [("" if c is None else str(int(c) if isinstance(c, float) else c)) for c in r] for r in rentals
    ]


def test_numbers_are_masked_for_a_role_without_the_reveal_permission(world, village):
    full = {r[0]: r for r in sheet(token_client(village).get(f"{BASE}/people"))[1:]}
    assert full["乙格人"][3] == rid(2) and full["乙格人"][4] == PHONE

    lead = make_user("lead", world.village, "working_group_lead")  # may export, not see numbers
    api = token_client(lead)
    data = data_of(api.get(f"{BASE}/people"))
    assert rid(2) not in raw_xml(data) and PHONE not in raw_xml(data)
    masked = {r[0]: r for r in sheet(api.get(f"{BASE}/people"))[1:]}
    assert masked["乙格人"][3] == rid(2)[:6] + "********" + rid(2)[-4:]
    assert masked["乙格人"][4] == "139****1111"
    # The tenants' and the landlords' numbers too, in xlsx and in CSV.
    tenants = sheet(api.get(f"{BASE}/tenants"))
    assert {r[7] for r in tenants[1:]} == {rid(n)[:6] + "********" + rid(n)[-4:] for n in (21, 22, 23, 24)}
    text = data_of(api.get(f"{BASE}/tenants", {"format": "csv"})).decode("utf-8-sig")
    assert rid(21) not in text and "13812345678" not in text and "138****5678" in text
    landlords = data_of(api.get(f"{BASE}/rentals", {"format": "csv"})).decode("utf-8-sig")
    assert rid(11, "19600101") not in landlords


def test_formula_looking_cells_are_neutralised(world, village):
    person(world.grid_a, "甲楼", '=HYPERLINK("http://x","a")', 4, employer="@SUM(1+1)", origin="-2+3")
    api = token_client(village)
    data = data_of(api.get(f"{BASE}/people"))
    assert "<f>" not in raw_xml(data)  # no formula anywhere in the workbook
    rows = sheet(api.get(f"{BASE}/people"))
    header = rows[0]
    row = dict(zip(header, next(r for r in rows if "HYPERLINK" in r[0]), strict=True))
    assert row["姓名"] == '\'=HYPERLINK("http://x","a")'
    assert row["工作单位"] == "'@SUM(1+1)" and row["来源地"] == "'-2+3"
    text = data_of(api.get(f"{BASE}/people", {"format": "csv"})).decode("utf-8-sig")
    found = next(r for r in csv.reader(io.StringIO(text)) if "HYPERLINK" in r[0])
    assert found[0].startswith("'=") and "'@SUM(1+1)" in found


def test_each_export_is_audited_with_list_filters_format_and_count(world, village):
    api = token_client(village)
    assert len(sheet(api.get(f"{BASE}/people", {"unit_id": world.grid_a.pk, "q": "张"}))) == 2
    event = AuditEvent.objects.filter(model="registry.export.people").order_by("-id").first()
    assert event.actor == village and event.channel == "api" and event.path == world.village.path
    assert event.after == {
        "list": "people",
        "rows": 1,
        "filters": {"unit": world.grid_a.pk, "q": True},  # the search words are not kept
        "format": "xlsx",
    }
    api.get(f"{BASE}/tenants", {"status": "current", "format": "csv"})
    api.get(f"{BASE}/tenants", {"status": "moved_out"})
    first, second = AuditEvent.objects.filter(model="registry.export.tenants").order_by("id")
    assert first.after == {"list": "tenants", "rows": 4, "filters": {"status": "current"}, "format": "csv"}
    assert second.after["rows"] == 0 and second.after["filters"] == {"status": "moved_out"}
    assert "张海婷" not in str(first.after) + first.object_repr
    assert AuditEvent.objects.filter(model__startswith="registry.export").count() == 3


def test_only_the_callers_jurisdiction(world, village):
    # A cadre of the other village sees its own person and none of this village's.
    other = make_user("other_cadre", world.other_village, "village_cadre")
    api = token_client(other)
    assert [r[0] for r in sheet(api.get(f"{BASE}/people"))[1:]] == ["外村人"]
    for list_name in ("households", "buildings", "rentals", "tenants"):
        text = data_of(api.get(f"{BASE}/{list_name}", {"format": "csv"})).decode("utf-8-sig")
        assert "冢刘村" not in text and "乙楼" not in text and "张海婷" not in text, list_name
    # This village's grid as a filter answers like a missing one, in the API's error shape.
    response = api.get(f"{BASE}/people", {"unit_id": world.grid_a.pk})
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    assert api.get(f"{BASE}/people", {"unit_id": 987654}).json() == {"detail": "Not found."}
    # A grid's cadre: that grid only.
    grid_cadre = make_user("cadre_b", world.grid_b, "village_cadre")
    assert [r[0] for r in sheet(token_client(grid_cadre).get(f"{BASE}/people"))[1:]] == ["乙格人"]


def test_no_jurisdiction_gets_an_empty_file(world, village):
    nowhere = make_user("nowhere", None, "village_cadre")
    for list_name in LISTS:
        rows = sheet(token_client(nowhere).get(f"{BASE}/{list_name}"))
        assert len(rows) == 1, list_name  # the header only


def test_export_needs_the_export_permission(world, village):
    worker = make_user("worker", world.grid_a, "grid_worker")  # sees the registry, may not export
    api = token_client(worker)
    for list_name in LISTS:
        response = api.get(f"{BASE}/{list_name}")
        assert response.status_code == 403, list_name
        assert set(response.json()) == {"detail"}
    assert not AuditEvent.objects.filter(model__startswith="registry.export").exists()
    assert Client().get(f"{BASE}/people").status_code == 401


def test_an_unknown_list_is_not_found_in_the_api_error_shape(world, village):
    api = token_client(village)
    for path in ("nope", "people/1", ""):
        response = api.get(f"{BASE}/{path}")
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}
    assert api.get(f"{BASE}/people", {"format": "pdf"}).status_code == 422


def test_the_routes_are_documented_as_file_downloads(client, db):
    doc = client.get("/api/v1/openapi.json").json()
    for list_name in LISTS:
        operation = doc["paths"][f"{BASE}/{list_name}"]["get"]
        assert operation["summary"] and "audited" in operation["description"]
        assert set(operation["responses"]["200"]["content"]) == {XLSX, CSV}
        assert {p["name"] for p in operation["parameters"]} >= {"unit_id", "q", "format"}


def test_visits_and_the_tenants_of_each_rental(world, village):
    api = token_client(village)
    visits = sheet(api.get(f"{BASE}/visits", {"status": "follow_up"}))
    assert visits[0][:3] == ["走访时间", "走访人", "走访对象"]
    assert len(visits) == 2 and visits[1][2] == "出租屋" and visits[1][5] == "发现问题"
    assert visits[1][-1] == "'=消杀记录不详"  # a formula is never run
    rentals = sheet(api.get(f"{BASE}/rentals"))
    tenants_col = rentals[0].index("在住租户")
    assert any(r[tenants_col] for r in rentals[1:])
