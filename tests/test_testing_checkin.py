"""Check-ins at the table: exact, idempotent, scoped; tubes fill, seal and lose members only
before sealing; coverage counters always equal a full recount."""

import uuid

import pytest
from django.core.exceptions import ValidationError

from wangge.registry.codes.services import make_token
from wangge.testing import counters
from wangge.testing.checkin import services as checkin
from wangge.testing.checkin.services import ScanIn
from wangge.testing.models import Due, DueStatus, Sample, Tube, TubeStatus

pytestmark = pytest.mark.django_db


def scan(person=None, tube="T0001", **extra):
    data = {"client_id": uuid.uuid4(), "tube": tube}
    if person is not None and "id_number" not in extra:
        data["code"] = make_token(person)
    data.update(extra)
    return ScanIn(**data)


def ingest(t, scans, table=1, actor=None):
    return checkin.ingest(actor=actor or t.registrar, site=t.site, table_no=table, scans=scans)


def assert_counters_match(t):
    assert counters.counted(t.round.pk) == counters.full_recount(t.round.pk)


def test_a_scan_binds_the_person_to_the_tube_and_says_who_it_is(testing):
    person = testing.people_a[0]
    [out] = ingest(testing, [scan(person)])
    assert out.status == checkin.ACCEPTED
    assert out.person_name == person.name
    assert out.person_id == person.id_number[:6] + "********" + person.id_number[-4:]
    assert (out.filled, out.capacity, out.tube_full) == (1, 10, False)
    sample = Sample.objects.get()
    assert (sample.person, sample.tube.barcode, sample.site, sample.table_no) == (
        person,
        "T0001",
        testing.site,
        1,
    )
    assert Due.objects.get(round=testing.round, person=person).status == DueStatus.TESTED
    assert_counters_match(testing)


def test_a_replayed_batch_is_stored_once_and_answered_the_same(testing):
    batch = [scan(p) for p in testing.people_a[:5]]
    first = ingest(testing, batch)
    again = ingest(testing, batch)
    thrice = ingest(testing, batch + batch)
    assert [o.status for o in first] == ["accepted"] * 5
    assert [o.status for o in again] == ["duplicate"] * 5
    assert [o.status for o in thrice] == ["duplicate"] * 10
    assert [o.person_name for o in again] == [o.person_name for o in first]
    assert Sample.objects.count() == 5
    assert Tube.objects.get().filled == 5
    assert_counters_match(testing)


def test_the_same_person_twice_in_a_round_is_refused_with_where_and_when(testing):
    person = testing.people_a[0]
    ingest(testing, [scan(person)])
    [out] = ingest(testing, [scan(person, tube="T0002")], table=2)
    assert out.status == checkin.REFUSED and out.reason == "already_sampled"
    assert "T0001" in out.message and "table 1" in out.message
    assert Sample.objects.count() == 1


def test_a_typed_id_number_works_and_a_mistyped_one_is_caught(testing):
    person = testing.people_a[1]
    wrong = person.id_number[:-2] + str((int(person.id_number[-2]) + 1) % 10) + person.id_number[-1]
    good, bad = ingest(
        testing, [scan(tube="T1", id_number=person.id_number), scan(tube="T1", id_number=wrong)]
    )
    assert good.status == "accepted" and good.person_name == person.name
    assert bad.status == "refused" and bad.reason == "bad_id" and "check digit" in bad.message


def test_people_outside_the_registrars_scope_look_unknown(testing):
    outsider = testing.people_other[0]
    by_code, by_id = ingest(testing, [scan(outsider), scan(tube="T0001", id_number=outsider.id_number)])
    assert by_code.reason == by_id.reason == "not_found"
    assert outsider.name not in by_code.message + by_id.message
    assert Sample.objects.count() == 0


def test_a_full_tube_refuses_more_and_is_sealed_then_closed_to_changes(testing):
    outs = ingest(testing, [scan(p, capacity=5) for p in testing.people_a[:6]])
    assert [o.status for o in outs] == ["accepted"] * 5 + ["refused"]
    assert outs[4].tube_full and outs[5].reason == "tube_full"
    tube = Tube.objects.get()
    checkin.seal_tube(actor=testing.registrar, tube=tube)
    [late] = ingest(testing, [scan(testing.people_a[7])])
    assert late.reason == "tube_sealed"
    with pytest.raises(ValidationError):
        checkin.remove_sample(actor=testing.registrar, sample=Sample.objects.first(), reason="wrong person")


def test_removing_before_sealing_makes_the_person_due_again(testing):
    person = testing.people_a[0]
    ingest(testing, [scan(person)])
    sample = Sample.objects.get()
    with pytest.raises(ValidationError):
        checkin.remove_sample(actor=testing.registrar, sample=sample, reason="")
    checkin.remove_sample(actor=testing.registrar, sample=sample, reason="showed another person's code")
    assert Due.objects.get(person=person).status == DueStatus.DUE
    assert Tube.objects.get().filled == 0
    [again] = ingest(testing, [scan(person)])
    assert again.status == "accepted"
    assert_counters_match(testing)


def test_a_tube_opened_at_one_table_cannot_be_used_at_another(testing):
    ingest(testing, [scan(testing.people_a[0])], table=1)
    [out] = ingest(testing, [scan(testing.people_a[1])], table=2)
    assert out.reason == "tube_elsewhere"


def test_a_walk_in_is_registered_provisionally_and_checked_in(testing, world):
    from tests.factories import testing_rid
    from wangge.registry.models import Person, ResidentStatus

    number = testing_rid(900)
    [out] = ingest(
        testing, [scan(tube="T9", id_number=number, walk_in_name="路人甲", walk_in_grid_id=world.grid_a.pk)]
    )
    assert out.status == "accepted" and out.person_name == "路人甲"
    person = Person.objects.get(id_number=number)
    assert person.status == ResidentStatus.PROVISIONAL and person.grid == world.grid_a
    due = Due.objects.get(person=person)
    assert due.status == DueStatus.TESTED and due.source == "site"
    assert_counters_match(testing)


def test_a_closed_round_takes_no_scans(testing):
    from wangge.testing.rounds import services

    services.set_status(actor=testing.manager, round=testing.round, status="closed")
    testing.site.round.refresh_from_db()
    with pytest.raises(ValidationError):
        ingest(testing, [scan(testing.people_a[0])])


def test_exempt_people_who_come_anyway_are_counted_once(testing):
    from wangge.testing.rounds import services

    due = Due.objects.get(person=testing.people_a[0])
    services.set_exemption(actor=testing.manager, due=due, reason="away")
    assert_counters_match(testing)
    ingest(testing, [scan(testing.people_a[0])])
    due.refresh_from_db()
    assert due.status == DueStatus.TESTED and due.exempt_reason == ""
    assert_counters_match(testing)


def api_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_api_upload_is_idempotent_and_returns_per_scan_outcomes(testing):
    import json

    client = api_client(testing.registrar)
    url = f"/api/v1/testing/sites/{testing.site.pk}/upload"
    scans = [
        {
            "client_id": str(uuid.uuid4()),
            "tube": "A001",
            "code": make_token(p),
            "scanned_at": "2026-11-29T08:00:00+08:00",
        }
        for p in testing.people_a[:3]
    ]
    payload = json.dumps({"table_no": 1, "scans": scans, "seals": ["A001"]})
    for _ in range(3):
        response = client.post(url, payload, content_type="application/json")
        assert response.status_code == 200, response.content
    data = response.json()
    assert [r["status"] for r in data["results"]] == ["duplicate"] * 3
    assert data["seals"] == [{"key": "A001", "ok": True, "message": "", "retry": False}]
    assert Sample.objects.count() == 3
    assert Tube.objects.get().status == TubeStatus.SEALED


def test_api_single_scan_and_open_tubes_for_a_reloaded_phone(testing):
    import json

    client = api_client(testing.registrar)
    body = {
        "client_id": str(uuid.uuid4()),
        "tube": "b7",
        "id_number": testing.people_b[0].id_number,
        "table_no": 2,
    }
    response = client.post(
        f"/api/v1/testing/sites/{testing.site.pk}/scan", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    tubes = client.get(f"/api/v1/testing/sites/{testing.site.pk}/tubes?table_no=2").json()
    assert tubes[0]["barcode"] == "B7" and tubes[0]["members"][0]["person_name"] == testing.people_b[0].name
    assert testing.people_b[0].id_number not in json.dumps(tubes)


def test_a_replay_arriving_after_its_tube_filled_is_answered_as_a_duplicate_not_refused(testing):
    batch = [scan(p, tube="R5", capacity=5) for p in testing.people_a[:5]]
    ingest(testing, batch)
    checkin.seal_tube(actor=testing.registrar, tube=Tube.objects.get(barcode="R5"))
    # The phone never got the answer and sends everything again: the tube is now full and sealed,
    # and each person is already sampled; still, each scan is its own earlier one.
    again = ingest(testing, batch)
    assert [o.status for o in again] == ["duplicate"] * 5
    assert [o.person_name for o in again] == [p.name for p in testing.people_a[:5]]
    assert Sample.objects.count() == 5
