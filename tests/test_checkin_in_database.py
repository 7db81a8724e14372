"""The common single scan stored by the database in one call (`check_in_one`, PostgreSQL): the same
rows as the Python way (opening a tube named for the first time and sealing the table's others
included), and nothing at all written for anything else, which the Python way then decides
(wangge/testing/checkin/services.py; migration testing 0010)."""

import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wangge.audit import services as audit_services
from wangge.audit.models import AuditEvent
from wangge.registry.codes.services import make_token
from wangge.registry.models import Person
from wangge.testing import counters
from wangge.testing.checkin import services as checkin
from wangge.testing.checkin.services import ScanIn
from wangge.testing.models import (
    Due,
    DueStatus,
    ExemptReason,
    RoundStatus,
    Sample,
    ThroughputCounter,
    Tube,
    TubeKind,
    TubeStatus,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the database's check-in is PostgreSQL's"),
]


def _scan(person, tube, **extra) -> ScanIn:
    return ScanIn(client_id=uuid.uuid4(), tube=tube, code=make_token(person), **extra)


def _open_tube(testing, barcode="D1", table_no=1, person=None):
    """A tube opened at the table the usual way (its first scan), holding one person."""
    first = _scan(person or testing.people_a[-1], barcode)
    [out] = checkin.ingest(actor=testing.registrar, site=testing.site, table_no=table_no, scans=[first])
    assert out.status == "accepted"
    return Tube.objects.get(barcode=barcode)


def _state(testing) -> tuple:
    return (
        Sample.objects.count(),
        AuditEvent.objects.count(),
        Tube.objects.aggregate(n=Sum("filled"))["n"],
        Due.objects.filter(status=DueStatus.TESTED).count(),
        ThroughputCounter.objects.aggregate(n=Sum("samples"))["n"],
        counters.counted(testing.round.pk),
    )


@pytest.fixture
def in_request():
    """The audit context of an API request, as the lean path sets it."""
    channel = audit_services.current_channel.set("api")
    request_id = audit_services.current_request_id.set("req-42")
    yield
    audit_services.current_channel.reset(channel)
    audit_services.current_request_id.reset(request_id)


def _by_python(monkeypatch):
    monkeypatch.setattr(checkin, "check_in_one", lambda **kwargs: None)


def test_a_scan_stored_by_the_database_writes_what_the_python_way_writes(testing, in_request):
    tube = _open_tube(testing)
    mine, theirs = testing.people_a[0], testing.people_a[1]
    scan = _scan(mine, "d1")  # the barcode as typed: cleaned as the Python way cleans it
    out = checkin.check_in_one(actor=testing.registrar, site_id=testing.site.pk, table_no=1, scan=scan)
    assert out is not None
    # The same scan the Python way, of another person into the same tube, to compare with.
    [python] = checkin.ingest(
        actor=testing.registrar, site=testing.site, table_no=1, scans=[_scan(theirs, "D1")]
    )

    assert set(out.as_dict()) == set(python.as_dict())
    assert (out.status, out.tube, out.filled, out.capacity, out.tube_full) == (
        "accepted",
        "D1",
        2,
        tube.capacity,
        False,
    )
    assert (out.person_name, out.reason, out.message) == (mine.name, "", "")
    assert mine.id_number not in out.person_id
    assert out.person_id[:6] == mine.id_number[:6] and "*" in out.person_id
    assert python.filled == 3

    columns = ["round_id", "tube_id", "site_id", "table_no", "is_retest", "method", "registrar_id", "removed_reason",
               "removed_at", "removed_by_id"]  # fmt: skip
    by_db = Sample.objects.values(*columns, "path", "due_id", "person_id").get(client_id=scan.client_id)
    by_py = Sample.objects.values(*columns, "path", "due_id", "person_id").get(person=theirs)
    assert {c: by_db[c] for c in columns} == {c: by_py[c] for c in columns}
    mine_due = Due.objects.get(round=testing.round, person=mine)
    assert (by_db["path"], by_db["due_id"], by_db["person_id"]) == (mine.path, mine_due.pk, mine.pk)
    assert mine_due.status == DueStatus.TESTED and mine_due.tested_at is not None
    tube.refresh_from_db()
    assert tube.filled == 3

    fields = ["actor_id", "actor_name", "action", "model", "object_id", "object_repr", "path", "before", "channel",
              "request_id"]  # fmt: skip
    db_event, py_event = AuditEvent.objects.filter(model="testing.tube", object_id=str(tube.pk)).order_by(
        "id"
    )[1:3]
    assert {f: getattr(db_event, f) for f in fields} == {f: getattr(py_event, f) for f in fields}
    assert (db_event.channel, db_event.request_id, db_event.actor_id) == (
        "api",
        "req-42",
        testing.registrar.pk,
    )
    assert db_event.after == {"added": [str(scan.client_id)], "filled": 2}
    assert py_event.after["filled"] == 3

    assert counters.counted(testing.round.pk) == counters.full_recount(testing.round.pk)
    assert ThroughputCounter.objects.aggregate(n=Sum("samples"))["n"] == 3


def test_a_typed_id_number_is_stored_by_the_database_too(testing):
    _open_tube(testing)
    person = testing.people_a[2]
    scan = ScanIn(
        client_id=uuid.uuid4(), tube="D1", id_number=person.id_number.lower(), id_type=person.id_type
    )
    out = checkin.check_in_one(actor=testing.registrar, site_id=testing.site.pk, table_no=1, scan=scan)
    assert out is not None and out.person_name == person.name
    assert Sample.objects.get(client_id=scan.client_id).method == "id_typed"


def test_the_phones_time_counts_unless_it_is_far_off(testing):
    _open_tube(testing)
    now = timezone.now()
    taken = now - timedelta(minutes=30)
    fine = _scan(testing.people_a[3], "D1", scanned_at=taken)
    off = _scan(testing.people_a[4], "D1", scanned_at=now + timedelta(days=2))
    for scan in (fine, off):
        assert checkin.check_in_one(actor=testing.registrar, site_id=testing.site.pk, table_no=1, scan=scan)
    assert Sample.objects.get(client_id=fine.client_id).scanned_at == taken
    far = Sample.objects.get(client_id=off.client_id).scanned_at
    assert abs(far - now) < timedelta(minutes=1)
    hours = set(ThroughputCounter.objects.values_list("hour", flat=True))
    assert taken.replace(minute=0, second=0, microsecond=0) in hours


def _declines(testing, scan, table_no=1, site_id=None) -> None:
    before = _state(testing)
    site_id = testing.site.pk if site_id is None else site_id
    assert (
        checkin.check_in_one(actor=testing.registrar, site_id=site_id, table_no=table_no, scan=scan) is None
    )
    assert _state(testing) == before


def test_anything_but_the_common_scan_is_left_to_the_python_way_with_nothing_written(testing, admin_user):
    tube = _open_tube(testing)
    _open_tube(testing, "D2", table_no=2, person=testing.people_a[-2])
    person = testing.people_a[5]
    # A tube of another table, a re-test scan, a walk-in.
    _declines(testing, _scan(person, "D2"))
    _declines(testing, _scan(person, "D1", retest=True))
    _declines(
        testing,
        ScanIn(client_id=uuid.uuid4(), tube="D1", id_number="11010519491231002X", walk_in_name="王五"),
    )
    # No table of that number, another site, a code that is not ours, a revoked code.
    _declines(testing, _scan(person, "D1"), table_no=9)
    _declines(testing, _scan(person, "D1"), site_id=testing.site.pk + 1000)
    _declines(testing, ScanIn(client_id=uuid.uuid4(), tube="D1", code="WG1:nonsense"))
    stale = _scan(person, "D1")
    Person.objects.filter(pk=person.pk).update(code_version=person.code_version + 1)
    _declines(testing, stale)
    # Someone of another office's grid (out of the registrar's scope, by code or typed ID number),
    # someone already sampled.
    _declines(testing, _scan(testing.people_other[0], "D1"))
    outsider = testing.people_other[0]
    typed = ScanIn(client_id=uuid.uuid4(), tube="D1", id_number=outsider.id_number, id_type=outsider.id_type)
    _declines(testing, typed)
    _declines(testing, _scan(testing.people_a[-1], "D1"))
    # A replay of a stored scan.
    stored = _scan(testing.people_a[6], "D1")
    assert checkin.check_in_one(actor=testing.registrar, site_id=testing.site.pk, table_no=1, scan=stored)
    _declines(testing, stored)
    # Someone exempt, someone not due in this round.
    exempt = Due.objects.get(round=testing.round, person=testing.people_a[7])
    Due.objects.filter(pk=exempt.pk).update(status=DueStatus.EXEMPT, exempt_reason=ExemptReason.AWAY)
    _declines(testing, _scan(testing.people_a[7], "D1"))
    Due.objects.filter(round=testing.round, person=testing.people_a[8]).delete()
    _declines(testing, _scan(testing.people_a[8], "D1"))
    # A full tube, a sealed tube, a re-test tube, a round no longer open.
    Tube.objects.filter(pk=tube.pk).update(capacity=tube.filled + 1)
    _declines(testing, _scan(testing.people_a[9], "D1"))
    Tube.objects.filter(pk=tube.pk).update(capacity=10, status=TubeStatus.SEALED)
    _declines(testing, _scan(testing.people_a[9], "D1"))
    Tube.objects.filter(pk=tube.pk).update(status=TubeStatus.OPEN, kind=TubeKind.RETEST)
    _declines(testing, _scan(testing.people_a[9], "D1"))
    Tube.objects.filter(pk=tube.pk).update(kind=TubeKind.POOL)
    testing.round.__class__.objects.filter(pk=testing.round.pk).update(status=RoundStatus.CLOSED)
    _declines(testing, _scan(testing.people_a[9], "D1"))


def _table(client, testing, call: str):
    """Posts a body to the site's `call` (scan or upload) as the table's app does, with a token:
    returns (answer, the statements that touched testing tables)."""
    from wangge.accounts.services import issue_token

    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(actor=testing.registrar, name='table')[1]}"}
    url = f"/api/v1/testing/sites/{testing.site.pk}/{call}"

    def post(body):
        with CaptureQueriesContext(connection) as ctx:
            answer = client.post(url, json.dumps(body), content_type="application/json", **auth)
        assert answer.status_code == 200, answer.content
        return answer.json(), [q["sql"] for q in ctx.captured_queries if "testing_" in (q["sql"] or "")]

    return post


def _one_statement(statements: list[str]) -> bool:
    return len(statements) == 1 and "testing_check_in_one" in statements[0]


def test_the_python_way_answers_what_the_database_declined(client, testing):
    """Through the API: a revoked code, an already sampled person and a replay are answered as always."""
    _open_tube(testing)
    post = _table(client, testing, "scan")
    body = {"client_id": str(uuid.uuid4()), "tube": "D1", "code": make_token(testing.people_a[0])}
    assert post(body)[0]["status"] == "accepted"
    again, _sql = post(body)
    assert (again["status"], again["filled"]) == ("duplicate", 2)
    twice, _sql = post({**body, "client_id": str(uuid.uuid4())})
    assert (twice["status"], twice["reason"]) == ("refused", "already_sampled")
    assert "D1" in twice["message"]
    assert Sample.objects.filter(person=testing.people_a[0]).count() == 1
    assert counters.counted(testing.round.pk) == counters.full_recount(testing.round.pk)


def test_a_tables_scan_over_the_api_is_one_statement(client, testing):
    _open_tube(testing)
    body = {"client_id": str(uuid.uuid4()), "tube": "D1", "code": make_token(testing.people_a[0])}
    answer, statements = _table(client, testing, "scan")(body)
    assert answer["status"] == "accepted"
    assert _one_statement(statements), statements


def test_an_upload_of_one_scan_is_one_statement_with_the_uploads_answer(client, testing):
    """What the phone page sends most often: its queue of one scan."""
    _open_tube(testing)
    post = _table(client, testing, "upload")
    scan = {"client_id": str(uuid.uuid4()), "tube": "D1", "code": make_token(testing.people_a[0])}
    data, statements = post({"table_no": 1, "scans": [scan]})
    assert (data["removals"], data["seals"], data["opens"]) == ([], [], [])
    [result] = data["results"]
    assert (result["client_id"], result["status"], result["filled"]) == (scan["client_id"], "accepted", 2)
    assert _one_statement(statements), statements
    # With a seal beside it, the upload goes the Python way and runs the seal after the scan.
    other = {"client_id": str(uuid.uuid4()), "tube": "D1", "code": make_token(testing.people_a[1])}
    data, statements = post({"table_no": 1, "scans": [other], "seals": ["D1"]})
    assert data["results"][0]["status"] == "accepted" and data["seals"][0]["ok"] is True
    assert not _one_statement(statements)
    assert Tube.objects.get(barcode="D1").status == TubeStatus.SEALED


def test_a_tube_named_for_the_first_time_is_opened_and_the_tables_others_sealed_as_the_python_way_does(
    testing, in_request, monkeypatch
):
    first = _open_tube(testing, "E1", table_no=1)
    other = _open_tube(testing, "F1", table_no=2, person=testing.people_a[-2])
    empty = Tube.objects.create(round=testing.round, barcode="E0", site=testing.site, table_no=1, capacity=10,
                                opened_by=testing.registrar, path=testing.site.path)  # fmt: skip
    # By the database: a new tube at table 1 (capacity asked 5).
    scan = _scan(testing.people_a[0], "e2", capacity=5)
    out = checkin.check_in_one(actor=testing.registrar, site_id=testing.site.pk, table_no=1, scan=scan)
    assert out is not None and (out.tube, out.filled, out.capacity) == ("E2", 1, 5)
    # The Python way: a new tube at table 2, to compare with.
    _by_python(monkeypatch)
    [python] = checkin.ingest(
        actor=testing.registrar,
        site=testing.site,
        table_no=2,
        scans=[_scan(testing.people_a[1], "F2", capacity=5)],
    )
    assert (python.tube, python.filled, python.capacity) == ("F2", 1, 5)

    columns = ["round_id", "site_id", "kind", "capacity", "filled", "status", "opened_by_id", "path", "result",
               "result_conflict", "sealed_at", "box_id"]  # fmt: skip
    by_db, by_py = (Tube.objects.values(*columns).get(barcode=b) for b in ("E2", "F2"))
    assert by_db == by_py
    assert Tube.objects.get(barcode="E2").opened_at is not None
    for sealed in (first, other):
        sealed.refresh_from_db()
        assert sealed.status == TubeStatus.SEALED and sealed.sealed_at is not None
    empty.refresh_from_db()
    assert empty.status == TubeStatus.OPEN  # holding nobody: left open, as the Python way leaves it
    fields = ["actor_id", "actor_name", "action", "model", "path", "before", "channel", "request_id"]
    db_seal = AuditEvent.objects.get(model="testing.tube", object_id=str(first.pk), action="close")
    py_seal = AuditEvent.objects.get(model="testing.tube", object_id=str(other.pk), action="close")
    assert {f: getattr(db_seal, f) for f in fields} == {f: getattr(py_seal, f) for f in fields}
    assert db_seal.after == {
        "status": "sealed",
        "filled": 1,
        "sealed_for_new_tube": "E2",
        "how": "queued_scans",
    }
    assert py_seal.after == {**db_seal.after, "sealed_for_new_tube": "F2"}
    assert counters.counted(testing.round.pk) == counters.full_recount(testing.round.pk)


def test_a_new_tube_whose_scan_cannot_be_stored_is_not_left_opened(testing):
    first = _open_tube(testing, "G1")
    sampled = testing.people_a[-1]  # sampled into G1
    _declines(testing, _scan(sampled, "G2"))
    assert not Tube.objects.filter(barcode="G2").exists()
    first.refresh_from_db()
    assert first.status == TubeStatus.OPEN
    # The Python way answers it: refused, and (as always) the new tube it opened stays, empty.
    [out] = checkin.ingest(
        actor=testing.registrar, site=testing.site, table_no=1, scans=[_scan(sampled, "G2")]
    )
    assert (out.status, out.reason) == ("refused", "already_sampled")
