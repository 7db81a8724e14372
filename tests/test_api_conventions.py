"""The API's conventions (wangge.core.api_conventions): bounded ids, pages and days, one error
shape, object bodies, text without control characters, files that do not decode, enums, and an
OpenAPI document that says what every operation answers."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import make_user
from wangge.core.api_conventions import operations, schema_name_clashes
from wangge.org.models import OrgUnit
from wangge.urls import api as wangge_api

HUGE = "99999999999999999999"


@pytest.fixture
def admin(world, admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def is_422(r) -> dict:
    assert r.status_code == 422, (r.status_code, r.content[:300])
    body = r.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert all(isinstance(e["loc"], list) and e["msg"] for e in body["errors"])
    return body


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/units/?limit={HUGE}",
        f"/api/v1/units/?offset={HUGE}",
        "/api/v1/units/?limit=0",
        "/api/v1/units/?limit=501",
        "/api/v1/units/?offset=-1",
        f"/api/v1/roster/assignments?unit_id={HUGE}",
        "/api/v1/roster/assignments?unit_id=-3",
        f"/api/v1/screening/records?category_id={HUGE}",
        "/api/v1/registry/rentals/unvisited?days=3000000",
        "/api/v1/registry/rentals/unvisited?days=-1",
        "/api/v1/registry/rentals/visits?limit=-5",
        f"/api/v1/units/{HUGE}",
        "/api/v1/units/-1",
        "/api/v1/units/abc",
    ],
)
def test_out_of_range_numbers_answer_422(admin, url):
    body = is_422(admin.get(url))
    assert body["errors"][0]["loc"][0] in ("query", "path")


def test_the_page_is_bounded_and_defaults_to_50(admin, world):
    r = admin.get("/api/v1/units/")
    assert r.status_code == 200 and r.json()["count"] == OrgUnit.objects.count()
    assert admin.get("/api/v1/units/?limit=500").status_code == 200


def test_unknown_paths_and_non_numeric_ids_answer_json_404(admin):
    for url in ("/api/v1/registry/rentals/abc", "/api/v1/no-such-thing", "/api/v1/registry/rentals/-3"):
        r = admin.get(url)
        assert r.status_code == 404 and r.json() == {"detail": "Not found."}
    r = admin.patch("/api/v1/registry/rentals/abc", "{}", content_type="application/json")
    assert r.status_code == 404 and r["Content-Type"] == "application/json"


@pytest.mark.parametrize("body", ["1", '"x"', "[]", "null", "true"])
def test_json_scalars_and_lists_are_refused_as_bodies(admin, world, body):
    r = admin.patch(f"/api/v1/units/{world.grid_a.pk}", body, content_type="application/json")
    assert is_422(r)["errors"][0]["loc"] == ["body"]


def test_malformed_json_answers_400_in_the_error_shape(admin, world):
    r = admin.patch(f"/api/v1/units/{world.grid_a.pk}", "{", content_type="application/json")
    assert r.status_code == 400 and isinstance(r.json()["detail"], str)


def test_unknown_enum_value_answers_422(admin, world):
    payload = {"parent_id": world.grid_a.pk, "code": "X1", "name": "新网格", "level": 209}
    body = is_422(admin.post("/api/v1/units/", json.dumps(payload), content_type="application/json"))
    assert body["errors"][0]["loc"][-1] == "level"


@pytest.mark.parametrize("name", ["甲\x00乙", "tab\tname", "bell\x07", "line\nbreak"])
def test_control_characters_are_refused_in_names(admin, world, name):
    r = admin.patch(
        f"/api/v1/units/{world.grid_a.pk}", json.dumps({"name": name}), content_type="application/json"
    )
    assert is_422(r)["errors"][0]["loc"][-1] == "name"
    assert OrgUnit.objects.get(pk=world.grid_a.pk).name == "甲网格"


def test_notes_keep_line_breaks(admin, world):
    r = admin.patch(
        f"/api/v1/units/{world.grid_a.pk}",
        json.dumps({"note": "一\n二\r\n三\t"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["note"] == "一\n二\r\n三\t"


def test_django_validation_errors_have_the_same_shape(admin, world):
    payload = {"unit_id": world.grid_a.pk, "name": "张三", "phone": "123"}
    body = is_422(admin.post("/api/v1/roster/staff", json.dumps(payload), content_type="application/json"))
    assert body["detail"].startswith("phone:") and body["errors"][0]["loc"] == ["phone"]


def test_a_file_that_does_not_decode_answers_422(world):
    client = Client()
    client.force_login(make_user("importer", world.district, "district_admin"))
    for raw in (b"\x82", b"\xff\xfe\xfd" * 10):
        r = client.post("/api/v1/screening/imports", {"file": SimpleUploadedFile("list.csv", raw)})
        assert is_422(r)["detail"]


def test_every_operation_documents_its_errors():
    doc = wangge_api.get_openapi_schema()
    count = 0
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            count += 1
            codes = set(operation["responses"])
            assert {"404", "422"} <= {str(c) for c in codes}, (method, path)
            if operation.get("security"):
                assert {"401", "403"} <= {str(c) for c in codes}, (method, path)
            error = operation["responses"][422]["content"]["application/json"]["schema"]
            assert error["$ref"].endswith("/ValidationErrorOut"), (method, path)
    assert count == len(operations(wangge_api)) > 100


def test_no_two_schemas_share_a_name():
    assert schema_name_clashes(wangge_api) == {}


def test_schemas_name_the_fields_that_are_returned():
    schemas = wangge_api.get_openapi_schema()["components"]["schemas"]
    assert (
        "role_id" in schemas["SiteStaffOut"]["properties"]
        and "role_id" not in schemas["StaffOut"]["properties"]
    )
    pairs = [
        ("CategoryOut", "id", "OverviewCategoryOut"),
        ("CheckOut", "id", "SiteCheckOut"),
        ("MeasurePhaseOut", "starts_on", "PhaseOut"),
        ("ResultOutcomeOut", "barcode", "OutcomeOut"),
    ]
    for name, field, other in pairs:
        assert field in schemas[name]["properties"] and field not in schemas[other]["properties"], name
