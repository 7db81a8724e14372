"""The database's single-scan check-in under races (PostgreSQL, one connection per thread, all
released together), each scan taken as the lean path takes it: the database's way, else the
Python way. Nothing is stored twice, no tube holds more than its places, counters stay exact."""

import threading
import uuid
from collections import Counter

import pytest
from django.db import connection, connections

from wangge.audit.models import AuditEvent
from wangge.registry.codes.services import make_token
from wangge.testing import counters
from wangge.testing.checkin import services as checkin
from wangge.testing.checkin.services import ScanIn
from wangge.testing.models import Sample, Tube, TubeStatus

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the database's check-in is PostgreSQL's"),
]


def _as_the_lean_path(testing, table_no, scan):
    out = checkin.check_in_one(actor=testing.registrar, site_id=testing.site.pk, table_no=table_no, scan=scan)
    if out is None:
        [out] = checkin.ingest(actor=testing.registrar, site=testing.site, table_no=table_no, scans=[scan])
    return out


def _at_once(testing, jobs: list[tuple[int, ScanIn]]) -> list:
    barrier = threading.Barrier(len(jobs))
    outcomes: list = []
    errors: list = []

    def run(table_no, scan):
        try:
            barrier.wait(timeout=10)
            outcomes.append(_as_the_lean_path(testing, table_no, scan))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    return outcomes


def _scan(person, tube) -> ScanIn:
    return ScanIn(client_id=uuid.uuid4(), tube=tube, code=make_token(person))


def _exact(testing) -> None:
    assert counters.counted(testing.round.pk) == counters.full_recount(testing.round.pk)
    for tube in Tube.objects.all():
        assert (
            tube.filled == Sample.objects.filter(tube=tube, removed_at__isnull=True).count() <= tube.capacity
        )
    people = Counter(Sample.objects.values_list("person_id", flat=True))
    assert max(people.values()) == 1


def test_more_scans_at_once_than_a_tube_has_places(testing):
    _as_the_lean_path(testing, 1, _scan(testing.people_a[-1], "R1"))
    outcomes = _at_once(testing, [(1, _scan(p, "R1")) for p in testing.people_a[:11]])
    statuses = Counter((o.status, o.reason) for o in outcomes)
    assert statuses == {("accepted", ""): 9, ("refused", "tube_full"): 2}
    tube = Tube.objects.get(barcode="R1")
    assert tube.filled == 10
    assert (
        AuditEvent.objects.filter(model="testing.tube", object_id=str(tube.pk), action="update").count() == 10
    )
    _exact(testing)


def test_one_person_scanned_at_two_tables_at_once_is_sampled_once(testing):
    _as_the_lean_path(testing, 1, _scan(testing.people_a[-1], "S1"))
    _as_the_lean_path(testing, 2, _scan(testing.people_a[-2], "S2"))
    people = testing.people_a[:4]
    jobs = [(1, _scan(p, "S1")) for p in people] + [(2, _scan(p, "S2")) for p in people]
    outcomes = _at_once(testing, jobs)
    statuses = Counter((o.status, o.reason) for o in outcomes)
    assert statuses == {("accepted", ""): 4, ("refused", "already_sampled"): 4}
    _exact(testing)


def test_a_new_tube_named_by_several_scans_at_once_is_opened_once_and_seals_the_old_one_once(testing):
    _as_the_lean_path(testing, 1, _scan(testing.people_a[-1], "T1"))
    old = Tube.objects.get(barcode="T1")
    outcomes = _at_once(testing, [(1, _scan(p, "T2")) for p in testing.people_a[:5]])
    assert [o.status for o in outcomes] == ["accepted"] * 5
    new = Tube.objects.get(barcode="T2")
    assert new.filled == 5 and new.status == TubeStatus.OPEN
    old.refresh_from_db()
    assert old.status == TubeStatus.SEALED
    assert AuditEvent.objects.filter(model="testing.tube", object_id=str(old.pk), action="close").count() == 1
    _exact(testing)
