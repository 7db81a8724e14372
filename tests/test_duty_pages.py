"""Duty pages and API over HTTP: every page renders for its roles, the entry upload is idempotent,
the public sign-up is rate-limited, and scripts typed into fields come back escaped."""

import uuid

import pytest
from django.utils import timezone

from tests.factories.accounts import client_for
from tests.factories.duty import make_duty, sign_up, vetted
from tests.factories.registry import rid, wrong_check_digit
from wangge.core import masking
from wangge.duty.models import Duty, Entry, Shift, Volunteer

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def duty(world):
    return make_duty(world)


def _upload(client, cp, items):
    return client.post(
        f"/api/v1/duty/checkpoints/{cp.pk}/entries", {"entries": items}, content_type="application/json"
    )


def test_pages_render_for_the_cadre(world, duty):
    v = vetted(world.village, duty.cadre)
    shift = Shift.objects.filter(checkpoint=duty.checkpoint, ends_at__gt=timezone.now()).first()
    c = client_for(duty.cadre)
    for url in (
        "/duty/",
        "/duty/checkpoints/new/",
        f"/duty/checkpoints/{duty.checkpoint.pk}/",
        f"/duty/checkpoints/{duty.checkpoint.pk}/entries/",
        "/duty/gaps/",
        "/duty/gaps/?span=month",
        "/duty/calendar/",
        f"/duty/shifts/{shift.pk}/assign/",
        "/duty/post/",
        f"/duty/post/{duty.checkpoint.pk}/",
        "/duty/volunteers/",
        f"/duty/volunteers/{v.pk}/",
        f"/duty/volunteers/{v.pk}/hours/",
        "/s/volunteer/",
    ):
        r = c.get(url)
        assert r.status_code == 200, url
    assert c.get(f"/duty/post/{duty.checkpoint.pk}/")["X-Wangge-Offline"] == "1"


def test_foreign_records_answer_404(world, duty):
    c = client_for(duty.cadre)
    assert c.get(f"/duty/checkpoints/{duty.foreign_checkpoint.pk}/").status_code == 404
    assert c.get(f"/duty/post/{duty.foreign_checkpoint.pk}/").status_code == 404
    assert (
        _upload(
            c, duty.foreign_checkpoint, [{"client_id": str(uuid.uuid4()), "id_number": rid(3)}]
        ).status_code
        == 404
    )
    foreign_v = sign_up(world.other_village, 9)
    assert c.get(f"/duty/volunteers/{foreign_v.pk}/").status_code == 404


def test_create_a_checkpoint_and_put_a_volunteer_on_a_night_shift(world, duty):
    c = client_for(duty.cadre)
    r = c.post(
        "/duty/checkpoints/new/",
        {
            "name": "南路口",
            "grid": world.grid_b.pk,
            "kind": "road",
            "round_the_clock": "on",
            "pattern": "2x12",
            "people_per_shift": 2,
        },
    )
    assert r.status_code == 302
    cp = duty.checkpoint.__class__.objects.get(name="南路口")
    assert Shift.objects.filter(checkpoint=cp).count() == 14
    v = vetted(world.village, duty.cadre)
    night = Shift.objects.filter(checkpoint=cp, day=timezone.localdate(), starts_at__hour=12).first()
    night = night or Shift.objects.filter(checkpoint=cp).order_by("-starts_at").first()
    r = c.post(f"/duty/shifts/{night.pk}/assign/", {"who": f"v{v.pk}"})
    assert r.status_code == 302
    assert Duty.objects.filter(shift=night, volunteer=v).exists()


def test_entry_upload_is_idempotent_and_refuses_bad_input(world, duty, screening):
    c = client_for(duty.logger)
    same = {
        "client_id": str(uuid.uuid4()),
        "id_number": screening.people_a[0].id_number,
        "origin": "北京市朝阳区",
    }
    items = [
        same,
        {"client_id": str(uuid.uuid4()), "kind": "vehicle", "plate": "豫AO1234"},
        {"client_id": str(uuid.uuid4()), "id_number": wrong_check_digit(rid(5))},
        {"client_id": str(uuid.uuid4()), "id_number": rid(6), "name": SCRIPT, "purpose": SCRIPT},
    ]
    r = _upload(c, duty.checkpoint, items)
    assert r.status_code == 200, r.content
    statuses = [x["status"] for x in r.json()["results"]]
    assert statuses == ["accepted", "refused", "refused", "accepted"]
    assert r.json()["results"][0]["screening_id"]
    # the phone lost its connection and sends the same batch again
    r = _upload(c, duty.checkpoint, items)
    assert [x["status"] for x in r.json()["results"]] == ["duplicate", "refused", "refused", "duplicate"]
    assert Entry.objects.count() == 2
    # the log shows the script as text
    page = client_for(duty.cadre).get(f"/duty/checkpoints/{duty.checkpoint.pk}/entries/").content.decode()
    assert SCRIPT not in page and "&lt;script&gt;" in page
    assert rid(6) not in page  # ID numbers masked
    api = client_for(duty.cadre).get(f"/api/v1/duty/checkpoints/{duty.checkpoint.pk}/entries").json()
    assert {e["id_number"] for e in api} <= {
        masking.shown(duty.cadre, masking.ID, rid(6)),
        masking.shown(duty.cadre, masking.ID, screening.people_a[0].id_number),
    }


def test_the_api_gaps_counts_and_volunteers(world, duty):
    c = client_for(duty.cadre)
    gaps = c.get("/api/v1/duty/gaps?days=7").json()
    assert len(gaps) == 7 and gaps[0]["unfilled"] == 3
    assert c.get("/api/v1/duty/counts").status_code == 200
    v = sign_up(world.village, 8)
    assert (
        c.post(
            f"/api/v1/duty/volunteers/{v.pk}/vet", {"accept": True}, content_type="application/json"
        ).status_code
        == 200
    )
    listed = c.get("/api/v1/duty/volunteers").json()
    assert listed[0]["id_number"] == masking.shown(duty.cadre, masking.ID, v.id_number)  # masked by role
    shift = Shift.objects.filter(checkpoint=duty.checkpoint, ends_at__gt=timezone.now()).first()
    r = c.post(
        f"/api/v1/duty/shifts/{shift.pk}/duties", {"volunteer_id": v.pk}, content_type="application/json"
    )
    assert r.status_code == 201
    assert c.get(f"/api/v1/duty/volunteers/{v.pk}/hours").json()["total_hours"] == 0


def _signup_data(world, n, **kw):
    return {
        "request_key": str(uuid.uuid4()),
        "name": kw.get("name", f"报名{n}"),
        "phone": f"1390000{n:04d}",
        "id_type": "resident_id",
        "id_number": kw.get("id_number", rid(n, "19960101")),
        "village": world.village.pk,
        "availability": ["weekends"],
        "skills": ["driving"],
    }


def test_public_sign_up_twice_is_one_record_and_a_script_is_escaped(world, client):
    data = _signup_data(world, 1, name=SCRIPT)
    r = client.post("/s/volunteer/", data)
    assert r.status_code == 200 and b"signup-done" in r.content
    r = client.post("/s/volunteer/", data)
    assert Volunteer.objects.count() == 1
    v = Volunteer.objects.get()
    assert v.status == "pending" and v.name == SCRIPT
    from tests.factories.accounts import make_user

    cadre = make_user("vet", world.village, "village_cadre")
    page = client_for(cadre).get(f"/duty/volunteers/{v.pk}/").content.decode()
    assert SCRIPT not in page and "&lt;script&gt;" in page


def test_public_sign_up_refuses_a_bad_id(world, client):
    r = client.post("/s/volunteer/", _signup_data(world, 2, id_number=wrong_check_digit(rid(2, "19960101"))))
    assert r.status_code == 200 and b"check digit" in r.content
    assert Volunteer.objects.count() == 0


def test_a_flood_of_sign_ups_is_limited(world, client):
    codes = [client.post("/s/volunteer/", _signup_data(world, 10 + i)).status_code for i in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    assert Volunteer.objects.count() == 5
