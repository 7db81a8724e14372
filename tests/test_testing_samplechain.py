"""The sample chain holds (issue 13, item 4): one open tube per table (also for scans queued
offline), results only for tubes the lab received (or with a reason, by a role allowed to), a
contradicting positive alerts at once and waits in the conflicts list until settled, the same
file twice is one conflict, and the lab's queue shows what it received and what still waits."""

import io
import json
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import client_for, make_user
from tests.factories.testing import receive_at_lab
from wangge.audit.models import AuditEvent
from wangge.registry.codes.services import make_token
from wangge.testing.checkin import services as checkin
from wangge.testing.checkin.services import ScanIn
from wangge.testing.models import (
    Alert,
    Box,
    Due,
    OutboxMessage,
    PersonResult,
    ResultReport,
    Sample,
    Tube,
    TubeStatus,
)
from wangge.testing.results import services as results_services
from wangge.testing.results.services import ResultRow
from wangge.testing.transport import services as transport

pytestmark = pytest.mark.django_db


def scan(t, people, barcode, table=1):
    scans = [ScanIn(client_id=uuid.uuid4(), tube=barcode, code=make_token(p)) for p in people]
    outs = checkin.ingest(actor=t.registrar, site=t.site, table_no=table, scans=scans)
    assert [o.status for o in outs] == ["accepted"] * len(people), [o.message for o in outs]
    return Tube.objects.get(round=t.round, barcode=barcode)


def sealed(t, people, barcode, receive=True):
    tube = scan(t, people, barcode)
    checkin.seal_tube(actor=t.registrar, tube=tube)
    if receive:
        receive_at_lab(t.manager, tube)
    tube.refresh_from_db()
    return tube


def record(t, *rows, actor=None, reason=""):
    return results_services.record_results(
        actor=actor or t.lab,
        round=t.round,
        rows=[ResultRow(barcode=b, result=r, reason=reason) for b, r in rows],
    )


def tube_audits(tube):
    return list(AuditEvent.objects.filter(model="testing.tube", object_id=str(tube.pk)).order_by("id"))


# --- one open tube per table -------------------------------------------------------------------


def test_a_second_tube_at_a_table_is_refused_naming_the_open_one(testing):
    scan(testing, testing.people_a[:2], "A001")
    site = checkin.site_for_registrar(testing.registrar, testing.site.pk)
    with pytest.raises(ValidationError) as exc:
        checkin.open_tube(actor=testing.registrar, site=site, table_no=1, barcode="B001")
    assert "A001" in exc.value.messages[0] and "B001" in exc.value.messages[0]
    assert not Tube.objects.filter(barcode="B001").exists()
    # the API answers the same, and the other table is free
    client = client_for(testing.registrar)
    url = f"/api/v1/testing/sites/{testing.site.pk}/tubes/open"
    response = client.post(url, json.dumps({"table_no": 1, "tube": "B001"}), content_type="application/json")
    assert response.status_code == 422 and "A001" in response.content.decode()
    response = client.post(url, json.dumps({"table_no": 2, "tube": "C001"}), content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "open"
    assert Tube.objects.get(barcode="A001").status == TubeStatus.OPEN


def test_seal_it_and_open_the_new_one_is_one_action(testing):
    old = scan(testing, testing.people_a[:2], "A001")
    client = client_for(testing.registrar)
    url = f"/api/v1/testing/sites/{testing.site.pk}/tubes/open"
    body = {"table_no": 1, "tube": "B001", "capacity": 5, "seal": "A001"}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["barcode"], response.json()["capacity"]) == ("B001", 5)
    old.refresh_from_db()
    assert old.status == TubeStatus.SEALED and old.sealed_at is not None
    assert tube_audits(old)[-1].after["sealed_for_new_tube"] == "B001"
    # sent again (a retried request): nothing changes
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    assert Tube.objects.filter(site=testing.site, table_no=1, status=TubeStatus.OPEN).count() == 1


def test_seal_and_open_fails_whole_when_the_new_tube_cannot_open(testing):
    scan(testing, testing.people_a[:2], "B002", table=2)
    old = scan(testing, testing.people_a[2:4], "A001")
    site = checkin.site_for_registrar(testing.registrar, testing.site.pk)
    with pytest.raises(ValidationError):  # B002 belongs to table 2
        checkin.open_tube(actor=testing.registrar, site=site, table_no=1, barcode="B002", seal="A001")
    old.refresh_from_db()
    assert old.status == TubeStatus.OPEN


def test_the_phone_queue_seal_and_open_action_goes_through_upload(testing):
    client = client_for(testing.registrar)
    url = f"/api/v1/testing/sites/{testing.site.pk}/upload"
    scans = [
        {"client_id": str(uuid.uuid4()), "tube": "A001", "code": make_token(p)} for p in testing.people_a[:2]
    ]
    payload = {"table_no": 1, "scans": scans, "opens": [{"tube": "B001", "seal": "A001"}]}
    for _ in range(2):  # replayed: the same answer, nothing twice
        response = client.post(url, json.dumps(payload), content_type="application/json")
        assert response.status_code == 200, response.content
        assert response.json()["opens"] == [{"key": "B001", "ok": True, "message": "", "retry": False}]
    assert Tube.objects.get(barcode="A001").status == TubeStatus.SEALED
    assert Tube.objects.get(barcode="B001").status == TubeStatus.OPEN
    # an open that names no tube to seal, while one holds people, is refused with its name
    scans = [{"client_id": str(uuid.uuid4()), "tube": "B001", "code": make_token(testing.people_a[3])}]
    payload = {"table_no": 1, "scans": scans, "opens": [{"tube": "C001"}]}
    [answer] = client.post(url, json.dumps(payload), content_type="application/json").json()["opens"]
    assert not answer["ok"] and "B001" in answer["message"]


def test_queued_scans_naming_a_new_tube_seal_the_old_one_and_lose_no_scan(testing):
    """A phone that was offline sends what it queued: people into A001, then (the registrar took
    the next tube without sealing) people into B001. Every scan is kept; A001 is sealed, as the
    registrar meant, and the audit says why."""
    earlier = scan(testing, testing.people_a[:2], "A001")  # sent before the network dropped
    client = client_for(testing.registrar)
    url = f"/api/v1/testing/sites/{testing.site.pk}/upload"
    queued = [("A001", p) for p in testing.people_a[2:5]] + [("B001", p) for p in testing.people_a[5:8]]
    scans = [{"client_id": str(uuid.uuid4()), "tube": t, "code": make_token(p)} for t, p in queued]
    payload = json.dumps({"table_no": 1, "scans": scans})
    response = client.post(url, payload, content_type="application/json")
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == ["accepted"] * 6
    earlier.refresh_from_db()
    assert (earlier.status, earlier.filled) == (TubeStatus.SEALED, 5)
    new = Tube.objects.get(barcode="B001")
    assert (new.status, new.filled) == (TubeStatus.OPEN, 3)
    assert Sample.objects.filter(removed_at__isnull=True).count() == 8
    last = tube_audits(earlier)[-1]
    assert last.after["sealed_for_new_tube"] == "B001" and last.after["how"] == "queued_scans"
    # the same queue sent again: answered as duplicates, nothing changes
    response = client.post(url, payload, content_type="application/json")
    assert [r["status"] for r in response.json()["results"]] == ["duplicate"] * 6
    assert Sample.objects.count() == 8
    assert list(Tube.objects.filter(status=TubeStatus.OPEN).values_list("barcode", flat=True)) == ["B001"]


def test_scans_into_the_open_tube_seal_nothing(testing):
    scan(testing, testing.people_a[:2], "A001")
    scan(testing, testing.people_a[2:4], "A001")
    scan(testing, testing.people_a[4:6], "C001", table=2)
    assert Tube.objects.filter(status=TubeStatus.OPEN).count() == 2


# --- results only for tubes the lab received ---------------------------------------------------


def test_a_result_for_a_tube_the_lab_has_not_received_is_refused(testing):
    sealed(testing, testing.people_a[:2], "S001", receive=False)
    tube = sealed(testing, testing.people_a[2:4], "S002", receive=False)
    box = transport.create_box(actor=testing.manager, site=testing.site, code="BOX1")
    transport.add_tubes(actor=testing.manager, box=box, barcodes=["S002"])
    transport.handover(
        actor=testing.manager, box=box, stage="site_to_transport", at=None, from_name="甲", to_name="乙"
    )
    out1, out2 = record(testing, ("S001", "negative"), ("S002", "negative"))
    assert out1.status == out2.status == "error"
    assert "not been received by the lab" in out1.message and "S002" in out2.message
    # the lab may not skip the receipt, even with a reason
    [out] = record(testing, ("S001", "negative"), reason="carried by hand")
    assert out.status == "error"
    tube.refresh_from_db()
    assert tube.result == "" and not ResultReport.objects.exists()
    assert Due.objects.get(person=testing.people_a[0]).result == ""


def test_an_allowed_role_records_it_with_a_reason_shown_and_audited(testing):
    tube = sealed(testing, testing.people_a[:2], "S001", receive=False)
    [out] = record(testing, ("S001", "negative"), actor=testing.manager)
    assert out.status == "error" and "give the reason" in out.message
    [out] = record(testing, ("S001", "negative"), actor=testing.manager, reason="box lost its handover slip")
    assert out.status == "applied"
    report = ResultReport.objects.get()
    assert report.unreceived_reason == "box lost its handover slip"
    assert any(a.after.get("unreceived_reason") == "box lost its handover slip" for a in tube_audits(tube))
    page = client_for(testing.manager).get(f"/testing/tubes/{tube.pk}/").content.decode()
    assert "box lost its handover slip" in page


def test_typed_result_and_api_and_file_follow_the_receipt_rule(testing):
    sealed(testing, testing.people_a[:2], "S001", receive=False)
    sealed(testing, testing.people_a[2:4], "S002", receive=False)
    sealed(testing, testing.people_a[4:6], "S003", receive=False)
    lab = client_for(testing.lab)
    # typed in: refused for the lab (and it has no reason field)
    page = lab.get(f"/testing/rounds/{testing.round.pk}/results/").content.decode()
    assert "unreceived_reason" not in page
    response = lab.post(
        f"/testing/rounds/{testing.round.pk}/results/one/", {"barcode": "S001", "result": "negative"}
    )
    assert "not been received by the lab" in response.content.decode()
    manager = client_for(testing.manager)
    response = manager.post(
        f"/testing/rounds/{testing.round.pk}/results/one/",
        {"barcode": "S001", "result": "negative", "unreceived_reason": "sent by courier"},
    )
    assert response.status_code == 302
    assert Tube.objects.get(barcode="S001").result == "negative"
    # API rows
    url = f"/api/v1/testing/rounds/{testing.round.pk}/results"
    body = {"results": [{"barcode": "S002", "result": "阴性"}]}
    assert lab.post(url, json.dumps(body), content_type="application/json").json()["errors"] == 1
    body["results"][0]["unreceived_reason"] = "courier"
    assert manager.post(url, json.dumps(body), content_type="application/json").json()["applied"] == 1
    # the file
    upload = io.BytesIO("管码,检测结果\nS003,阴性\n".encode())
    upload.name = "lab.csv"
    data = lab.post(f"{url}/file", {"file": upload}).json()
    assert data["errors"] == 1 and "not been received" in data["outcomes"][0]["message"]
    upload.seek(0)
    data = manager.post(f"{url}/file", {"file": upload, "unreceived_reason": "courier"}).json()
    assert data["applied"] == 1
    assert ResultReport.objects.get(tube__barcode="S003").unreceived_reason == "courier"


# --- conflicts -----------------------------------------------------------------------------------


@pytest.fixture
def leader_a(world, admin_user, staff_factory):
    from wangge.roster import services as roster

    staff = staff_factory(unit=world.grid_a, phone="13912345678", name="甲组长")
    roster.assign(actor=admin_user, staff=staff, unit=world.grid_a, role="grid_leader")
    return staff


def test_a_contradicting_positive_alerts_at_once_and_waits_until_settled(
    testing, leader_a, django_capture_on_commit_callbacks
):
    tube = sealed(testing, testing.people_a[:3], "C001")
    record(testing, ("C001", "negative"))
    assert not Alert.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        [out] = record(testing, ("C001", "阳性"))
    assert out.status == "conflict"
    alert = Alert.objects.get(tube=tube)
    assert (alert.result, alert.people, alert.grid.name) == ("positive", 3, "甲网格")
    assert OutboxMessage.objects.get().phone == "13912345678"
    # the people's results wait for the settlement; the conflict is listed until then
    assert Due.objects.get(person=testing.people_a[0]).result == PersonResult.NEGATIVE
    lab = client_for(testing.lab)
    url = f"/api/v1/testing/rounds/{testing.round.pk}/results/conflicts?open_only=true"
    [listed] = lab.get(url).json()
    assert listed["barcode"] == "C001"
    with django_capture_on_commit_callbacks(execute=True):
        response = lab.post(
            f"/api/v1/testing/results/{listed['id']}/resolve",
            json.dumps({"accept": True, "note": "re-run on the lab's second machine"}),
            content_type="application/json",
        )
    assert response.status_code == 200
    assert OutboxMessage.objects.count() == 1  # the leader was told once, when the positive came
    assert lab.get(url).json() == []
    report = ResultReport.objects.get(conflict=True)
    assert (report.result_kept, report.resolution_note) == ("positive", "re-run on the lab's second machine")
    assert report.resolved_by == testing.lab and report.resolved_at is not None
    assert Due.objects.get(person=testing.people_a[0]).result == PersonResult.POOL_POSITIVE
    settled = tube_audits(tube)[-1]
    assert settled.after["conflict_settled"] == "re-run on the lab's second machine"
    assert settled.after["result"] == "positive"
    page = lab.get(f"/testing/rounds/{testing.round.pk}/results/conflicts/").content.decode()
    assert "re-run on the lab&#x27;s second machine" in page


def test_the_same_file_twice_is_one_conflict(testing):
    sealed(testing, testing.people_a[:2], "F001")
    sealed(testing, testing.people_a[2:4], "F002")
    record(testing, ("F001", "negative"), ("F002", "negative"))
    lab = client_for(testing.lab)
    url = f"/api/v1/testing/rounds/{testing.round.pk}/results/file"
    content = "管码,检测结果\nF001,阳性\nF002,阴性\n".encode()
    answers = []
    for _ in range(2):
        upload = io.BytesIO(content)
        upload.name = "lab.csv"
        answers.append(lab.post(url, {"file": upload}).json())
    assert answers[0]["conflicts"] == 1
    assert answers[1]["conflicts"] == 0 and answers[1]["unchanged"] == 2
    assert ResultReport.objects.filter(conflict=True).count() == 1
    assert Alert.objects.filter(tube__barcode="F001").count() == 1
    # settled (earlier result kept), then the file comes a third time: still one conflict
    report = ResultReport.objects.get(conflict=True)
    results_services.resolve_conflict(actor=testing.lab, report=report, accept=False, note="kept")
    upload = io.BytesIO(content)
    upload.name = "lab.csv"
    assert lab.post(url, {"file": upload}).json()["conflicts"] == 0
    assert ResultReport.objects.filter(conflict=True).count() == 1
    assert not Tube.objects.get(barcode="F001").result_conflict


# --- the lab's queue -----------------------------------------------------------------------------


def test_the_lab_queue_shows_what_it_received_and_what_waits_in_its_scope(testing, world):
    sealed(testing, testing.people_a[:2], "Q001", receive=False)
    box = transport.create_box(actor=testing.manager, site=testing.site, code="ONWAY")
    transport.add_tubes(actor=testing.manager, box=box, barcodes=["Q001"])
    transport.handover(
        actor=testing.manager,
        box=box,
        stage="site_to_transport",
        at=timezone.now() - timedelta(hours=1),
        from_name="甲",
        to_name="乙",
    )
    waiting = sealed(testing, testing.people_a[2:4], "Q002")
    sealed(testing, testing.people_a[4:6], "Q003")
    record(testing, ("Q003", "negative"))
    record(testing, ("Q003", "positive"))
    lab = client_for(testing.lab)
    page = lab.get("/testing/lab/")
    assert page.status_code == 200
    html = page.content.decode()
    in_transit = html.split('data-testid="in-transit"')[1].split("</section>")[0]
    assert "ONWAY" in in_transit and f"/testing/boxes/{box.pk}/" in in_transit
    awaiting = html.split('data-testid="awaiting"')[1].split("</section>")[0]
    assert f"/testing/tubes/{waiting.pk}/" in awaiting and "Q003" not in awaiting and "Q001" not in awaiting
    received = html.split('data-testid="received"')[1].split("</section>")[0]
    assert "BOX-Q002" in received and "BOX-Q003" in received
    conflicts = html.split('data-testid="conflicts"')[1].split("</section>")[0]
    assert "Q003" in conflicts and f"/testing/rounds/{testing.round.pk}/results/conflicts/" in conflicts
    data = lab.get("/api/v1/testing/lab/queue").json()
    assert data["counts"] == {"in_transit": 1, "received": 2, "awaiting": 1, "conflicts": 1}
    assert [t["barcode"] for t in data["awaiting"]] == ["Q002"]
    assert data["awaiting"][0]["age_minutes"] is not None
    assert [b["code"] for b in data["in_transit"]] == ["ONWAY"] and data["in_transit"][0]["age_minutes"] >= 59
    # the menu and the home panel
    home = lab.get("/").content.decode()
    assert 'data-testid="home-lab-queue"' in home and "/testing/lab/" in home
    # another office's lab sees none of it
    other = client_for(make_user("other_lab", world.other_office, "lab"))
    data = other.get("/api/v1/testing/lab/queue").json()
    assert data["counts"] == {"in_transit": 0, "received": 0, "awaiting": 0, "conflicts": 0}
    html = other.get("/testing/lab/").content.decode()
    assert "ONWAY" not in html and "Q002" not in html and "Q003" not in html
    assert 'data-testid="home-lab-queue"' not in other.get("/").content.decode()
    # a registrar has no lab queue
    assert client_for(testing.registrar).get("/testing/lab/").status_code in (403, 404)


def test_the_lab_receives_a_box_on_the_way_and_its_tubes_then_take_results(testing):
    sealed(testing, testing.people_a[:2], "R001", receive=False)
    box = transport.create_box(actor=testing.manager, site=testing.site, code="ONWAY")
    transport.add_tubes(actor=testing.manager, box=box, barcodes=["R001"])
    lab = client_for(testing.lab)
    # not yet left the site: the lab cannot receive it
    url = f"/testing/boxes/{box.pk}/receive/"
    at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = lab.post(url, {"from_name": "乙", "to_name": "收样员", "at": at}, follow=True)
    assert "has not left the site" in response.content.decode()
    assert Box.objects.get(pk=box.pk).status == "packing"
    transport.handover(
        actor=testing.manager,
        box=box,
        stage="site_to_transport",
        at=timezone.now() - timedelta(minutes=30),
        from_name="甲",
        to_name="乙",
    )
    page = lab.get(f"/testing/boxes/{box.pk}/").content.decode()
    assert 'data-testid="receive-form"' in page and 'data-testid="handover-form"' not in page
    response = lab.post(url, {"from_name": "乙", "to_name": "收样员", "at": at})
    assert response.status_code == 302
    box.refresh_from_db()
    assert box.status == "received"
    assert AuditEvent.objects.filter(model="testing.box", object_id=str(box.pk)).exists()
    [out] = record(testing, ("R001", "negative"))
    assert out.status == "applied"
    # a registrar (who packs and sends boxes) does not receive them for the lab
    other = transport.create_box(actor=testing.manager, site=testing.site, code="TWO")
    assert client_for(testing.registrar).post(f"/testing/boxes/{other.pk}/receive/", {}).status_code == 403
    # the API: the same receipt sent twice answers the same
    sealed(testing, testing.people_a[2:4], "R002", receive=False)
    transport.add_tubes(actor=testing.manager, box=other, barcodes=["R002"])
    transport.handover(
        actor=testing.manager, box=other, stage="site_to_transport", at=None, from_name="甲", to_name="乙"
    )
    body = json.dumps({"from_name": "乙", "to_name": "收样员", "at": timezone.now().isoformat()})
    for _ in range(2):
        response = lab.post(
            f"/api/v1/testing/boxes/{other.pk}/receive", body, content_type="application/json"
        )
        assert response.status_code == 200 and response.json()["status"] == "received"
