import json

from django.test import RequestFactory
from django.utils import timezone

from tests.factories import client_for, make_user
from tests.factories.registry import rid
from tests.factories.venues import make_venue
from wangge.core.sections import RecordSection
from wangge.venues.models import VisitorEntry
from wangge.venues.sections import VENUE_RECORD, register_venue_section, venue_sections


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_records_through_the_api(world):
    school = make_venue(world.grid_a, name="第一小学", kind_code="primary_school")
    worker = client_for(make_user("api_worker", world.grid_a, "grid_worker"))
    base = f"/api/v1/venues/{school.pk}"
    visitor = {"client_id": "0d3c2b1a-1111-4a55-8d77-0123456789ab", "name": "家长甲", "phone": "13800001234",
               "code_colour": "green", "temperature": "36.6", "purpose": "接孩子"}  # fmt: skip
    assert post(worker, base + "/visitors", visitor).status_code == 201
    assert post(worker, base + "/visitors", visitor).status_code == 201
    assert VisitorEntry.objects.count() == 1
    bad = post(worker, base + "/visitors", {**visitor, "client_id": None, "temperature": "48"})
    assert bad.status_code == 422
    r = post(worker, base + "/staff", {"name": "教师乙", "id_number": rid(501), "job": "教师"})
    assert r.status_code == 201 and r.json()[0]["category_name"] == "教师及学校工作人员"
    assert r.json()[0]["on_time"] is False
    dept = client_for(make_user("api_dept", world.office, "department_staff"))
    listed = dept.get(base + "/visitors").json()
    assert listed[0]["phone"] != "13800001234"
    foreign = make_venue(world.grid_b, name="乙小学", kind_code="primary_school")
    assert post(worker, f"/api/v1/venues/{foreign.pk}/visitors", visitor).status_code == 404
    assert worker.get(f"/api/v1/venues/{foreign.pk}/staff").status_code == 404
    day = {"done_on": timezone.localdate().isoformat(), "area": "教室"}
    assert post(worker, f"/api/v1/venues/{foreign.pk}/disinfections", day).status_code == 404


def test_another_part_adds_a_section_to_the_venue_page(world):
    venue = make_venue(world.grid_a, name="有节的酒店")
    # Registered for the whole run: it answers only for this test's venue.
    register_venue_section(
        RecordSection(
            "test-history", "venues/records/record_form.html", lambda request, v: {"venue_id": v.pk}
        )
    )
    request = RequestFactory().get("/")
    shown = venue_sections(request, venue)
    assert {
        "template": "venues/records/record_form.html",
        "banner": False,
        "data": {"venue_id": venue.pk},
    } in shown
    assert VENUE_RECORD == "venues.venue"
