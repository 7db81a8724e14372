"""Lab results: pools and their members, re-tests (单采复核), alerts to grid leaders, conflicts,
file imports with per-row errors, the pages and the API, all scoped."""

import io
import json
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from tests.factories.testing import receive_at_lab
from wangge.registry.codes.services import make_token
from wangge.testing import counters
from wangge.testing.checkin import services as checkin
from wangge.testing.checkin.services import ScanIn
from wangge.testing.models import (
    Alert,
    Due,
    OutboxMessage,
    PersonResult,
    ResultReport,
    Retest,
    RetestStatus,
    Tube,
)
from wangge.testing.results import services as results_services
from wangge.testing.results.services import ResultRow

pytestmark = pytest.mark.django_db


def fill(t, people, barcode, capacity=None, retest=False, table=1, seal=True):
    scans = [
        ScanIn(client_id=uuid.uuid4(), tube=barcode, code=make_token(p), capacity=capacity, retest=retest)
        for p in people
    ]
    outs = checkin.ingest(actor=t.registrar, site=t.site, table_no=table, scans=scans)
    assert [o.status for o in outs] == ["accepted"] * len(people), [o.message for o in outs]
    tube = Tube.objects.get(round=t.round, barcode=barcode)
    if seal:
        checkin.seal_tube(actor=t.registrar, tube=tube)
        receive_at_lab(t.manager, tube)
        tube.refresh_from_db()
    return tube


def record(t, *rows, actor=None, source="api"):
    return results_services.record_results(
        actor=actor or t.lab,
        round=t.round,
        rows=[ResultRow(barcode=b, result=r) for b, r in rows],
        source=source,
    )


def due_of(person):
    return Due.objects.get(person=person)


def assert_counters_match(t):
    assert counters.counted(t.round.pk) == counters.full_recount(t.round.pk)


@pytest.fixture
def leader_a(world, admin_user, staff_factory):
    """A grid leader of grid A on the roster, with a phone: alerts for grid A go to them."""
    from wangge.roster import services as roster

    staff = staff_factory(unit=world.grid_a, phone="13912345678", name="甲组长")
    roster.assign(actor=admin_user, staff=staff, unit=world.grid_a, role="grid_leader")
    return staff


def test_a_negative_pool_makes_every_member_negative(testing):
    tube = fill(testing, testing.people_a[:4], "N001")
    [out] = record(testing, ("N001", "阴性"))
    assert (out.status, out.members) == ("applied", 4)
    tube.refresh_from_db()
    assert tube.result == "negative"
    assert {due_of(p).result for p in testing.people_a[:4]} == {PersonResult.NEGATIVE}
    assert due_of(testing.people_a[5]).result == ""
    assert not Retest.objects.exists() and not Alert.objects.exists()
    assert_counters_match(testing)


def test_a_positive_pool_opens_retests_and_alerts_each_grid(
    testing, leader_a, django_capture_on_commit_callbacks
):
    members = testing.people_a[:3] + testing.people_b[:2]
    fill(testing, members, "P005", capacity=5)
    with django_capture_on_commit_callbacks(execute=True):
        [out] = record(testing, ("P005", "阳性"))
    assert out.status == "applied"
    assert Retest.objects.filter(status=RetestStatus.OPEN, reason="positive").count() == 5
    for p in members:
        due = due_of(p)
        assert due.retest_needed and due.result == PersonResult.POOL_POSITIVE
    alerts = {a.grid.name: a for a in Alert.objects.select_related("grid")}
    assert set(alerts) == {"甲网格", "乙网格"}
    assert (alerts["甲网格"].people, alerts["乙网格"].people) == (3, 2)
    message = OutboxMessage.objects.get()
    assert message.phone == "13912345678" and "P005" in message.text
    assert members[0].name not in message.text  # names stay in the system
    alerts["甲网格"].refresh_from_db()
    assert alerts["甲网格"].recipients == [{"staff_id": leader_a.pk, "name": "甲组长", "status": "sent"}]
    assert alerts["乙网格"].recipients == []
    assert_counters_match(testing)


def test_retests_settle_each_member(testing, world):
    members = testing.people_a[:5]
    fill(testing, members, "P100", capacity=5)
    record(testing, ("P100", "positive"))
    # negative re-test: cleared
    fill(testing, [members[0]], "R1", retest=True)
    record(testing, ("R1", "negative"))
    due = due_of(members[0])
    assert (due.retest_needed, due.result) == (False, PersonResult.NEGATIVE)
    assert Retest.objects.get(person=members[0]).status == RetestStatus.DONE
    # positive re-test: counted positive
    fill(testing, [members[1]], "R2", retest=True)
    record(testing, ("R2", "阳性"))
    due = due_of(members[1])
    assert (due.retest_needed, due.result) == (False, PersonResult.POSITIVE)
    assert sum(c["positive"] for c in counters.counted(testing.round.pk).values()) == 1
    # invalid re-test: another re-test opens
    fill(testing, [members[2]], "R3", retest=True)
    record(testing, ("R3", "无效"))
    due = due_of(members[2])
    assert due.retest_needed
    assert Retest.objects.filter(person=members[2], status=RetestStatus.OPEN, reason="invalid").count() == 1
    assert_counters_match(testing)


def test_a_conflicting_result_is_kept_aside_and_resolved_both_ways(testing):
    fill(testing, testing.people_a[:3], "C001")
    fill(testing, testing.people_a[3:6], "C002")
    record(testing, ("C001", "negative"), ("C002", "negative"))
    [same] = record(testing, ("C001", "阴性"))
    assert same.status == "unchanged"
    out1, out2 = record(testing, ("C001", "positive"), ("C002", "positive"))
    assert out1.status == out2.status == "conflict"
    assert Tube.objects.get(barcode="C001").result == "negative"  # not applied
    assert due_of(testing.people_a[0]).result == PersonResult.NEGATIVE
    assert Tube.objects.get(barcode="C001").result_conflict
    r1 = ResultReport.objects.get(tube__barcode="C001", conflict=True)
    r2 = ResultReport.objects.get(tube__barcode="C002", conflict=True)
    with pytest.raises(Exception):
        results_services.resolve_conflict(actor=testing.lab, report=r1, accept=False, note="")
    results_services.resolve_conflict(actor=testing.lab, report=r1, accept=False, note="lab confirmed")
    assert Tube.objects.get(barcode="C001").result == "negative"
    assert not Tube.objects.get(barcode="C001").result_conflict
    results_services.resolve_conflict(actor=testing.lab, report=r2, accept=True, note="re-run positive")
    assert Tube.objects.get(barcode="C002").result == "positive"
    assert due_of(testing.people_a[3]).result == PersonResult.POOL_POSITIVE
    assert Retest.objects.filter(origin_tube__barcode="C002").count() == 3
    assert_counters_match(testing)


def test_a_settled_conflict_on_a_retest_tube_keeps_the_counts_exact(testing):
    members = testing.people_a[:5]
    fill(testing, members, "Q100", capacity=5)
    record(testing, ("Q100", "positive"))
    fill(testing, [members[0]], "Q1", retest=True)
    fill(testing, [members[1]], "Q2", retest=True)
    record(testing, ("Q1", "positive"), ("Q2", "invalid"))
    assert due_of(members[1]).retest_needed
    record(testing, ("Q1", "negative"), ("Q2", "negative"))
    for report in ResultReport.objects.filter(conflict=True):
        results_services.resolve_conflict(actor=testing.lab, report=report, accept=True, note="re-run")
    assert (due_of(members[0]).result, due_of(members[0]).retest_needed) == ("negative", False)
    assert (due_of(members[1]).result, due_of(members[1]).retest_needed) == ("negative", False)
    assert not Retest.objects.filter(origin_tube__barcode="Q2").exists()
    assert sum(c["positive"] for c in counters.counted(testing.round.pk).values()) == 0
    assert_counters_match(testing)


def test_errors_per_row_and_the_rest_kept(testing):
    fill(testing, testing.people_a[:2], "E001")
    fill(testing, testing.people_a[2:4], "E002", seal=False)
    outs = record(
        testing, ("E001", "negative"), ("E002", "negative"), ("NOPE", "negative"), ("E001", "maybe")
    )
    assert [o.status for o in outs] == ["applied", "error", "error", "error"]
    assert "not been sealed" in outs[1].message and "No tube" in outs[2].message
    assert "Unknown result" in outs[3].message


# --- files -------------------------------------------------------------------------------------


def csv_bytes(rows, encoding):
    text = "管码,检测结果,报告时间,检测机构\n" + "\n".join(",".join(r) for r in rows) + "\n"
    return text.encode(encoding)


def xlsx_bytes(rows):
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["样本编号", "结果", "检测时间"])
    for i, r in enumerate(rows, start=1):
        sheet.write_row(i, 0, r)
    book.close()
    return out.getvalue()


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_csv_import_applies_valid_rows_and_reports_the_others(testing, encoding):
    from wangge.testing.results import lab_files as results_import

    fill(testing, testing.people_a[:2], "F001")
    fill(testing, testing.people_a[2:4], "F002")
    data = csv_bytes(
        [
            ("F001", "阴性", "2026-11-29 08:00", "郑州检测所"),
            ("F002", "阳性", "", ""),
            ("F999", "阴性", "", ""),
            ("F002", "阴性", "", ""),
            ("F001", "不知道", "", ""),
        ],
        encoding,
    )
    rows = results_import.parse_file(io.BytesIO(data), "lab.csv")
    assert [r.barcode for r in rows] == ["F001", "F002", "F999", "F002", "F001"]
    applied = results_import.apply_rows(actor=testing.lab, round=testing.round, rows=rows)
    assert applied.counts == {"applied": 1, "unchanged": 0, "conflicts": 0, "errors": 4}
    assert Tube.objects.get(barcode="F001").result == "negative"
    assert Tube.objects.get(barcode="F002").result == ""  # two different results in one file
    assert ResultReport.objects.get(tube__barcode="F001").lab == "郑州检测所"
    assert [e["row_no"] for e in applied.errors] == [3, 4, 5, 6]


def test_upload_preview_apply_and_error_file_on_the_page(testing):
    from python_calamine import CalamineWorkbook

    fill(testing, testing.people_a[:2], "X001")
    fill(testing, testing.people_b[:2], "X002")
    client = Client()
    client.force_login(testing.lab)
    url = f"/testing/rounds/{testing.round.pk}/results/"
    upload = io.BytesIO(
        xlsx_bytes([["X001", "阴性", "2026-11-29 09:00"], ["X002", "negative", ""], ["XX", "阴性", ""]])
    )
    upload.name = "lab.xlsx"
    response = client.post(url, {"file": upload, "lab": "第一检测所"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "No tube XX in this round." in page and "Apply the 2 valid rows" in page
    assert Tube.objects.get(barcode="X001").result == ""  # preview writes nothing
    response = client.post(f"/testing/rounds/{testing.round.pk}/results/apply/")
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="applied">2<' in page and 'data-testid="errors">1<' in page
    assert Tube.objects.get(barcode="X002").result == "negative"
    assert ResultReport.objects.filter(source="file", lab="第一检测所").count() == 2
    errors = client.get(f"/testing/rounds/{testing.round.pk}/results/errors.xlsx")
    assert errors.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(errors.content)).get_sheet_by_index(0).to_python()
    assert rows[0][-1] == "错误原因" and rows[1][1] == "XX" and "No tube" in rows[1][-1]
    template = client.get("/testing/results/template.xlsx")
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")


def test_typed_result_and_conflicts_page(testing):
    fill(testing, testing.people_a[:2], "W001")
    client = Client()
    client.force_login(testing.lab)
    base = f"/testing/rounds/{testing.round.pk}"
    assert client.post(f"{base}/results/one/", {"barcode": "w001", "result": "negative"}).status_code == 302
    assert ResultReport.objects.get().source == "web"
    client.post(f"{base}/results/one/", {"barcode": "W001", "result": "positive"})
    report = ResultReport.objects.get(conflict=True)
    page = client.get(f"{base}/results/conflicts/").content.decode()
    assert "W001" in page and "Take the new result" in page
    client.post(f"/testing/results/{report.pk}/resolve/", {"accept": "1", "note": "re-run"})
    assert Tube.objects.get(barcode="W001").result == "positive"


def test_lab_account_uploads_but_cannot_register_scans(testing):
    fill(testing, testing.people_a[:2], "L001")
    client = Client()
    client.force_login(testing.lab)
    response = client.post(
        f"/api/v1/testing/rounds/{testing.round.pk}/results",
        json.dumps({"results": [{"barcode": "L001", "result": "阴性"}, {"barcode": "L9", "result": "阴性"}]}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["applied"], data["errors"]) == (1, 1)
    assert [o["status"] for o in data["outcomes"]] == ["applied", "error"]
    with pytest.raises(PermissionDenied):
        checkin.ingest(
            actor=testing.lab,
            site=testing.site,
            table_no=1,
            scans=[ScanIn(client_id=uuid.uuid4(), tube="Z1", code=make_token(testing.people_a[5]))],
        )
    scan = client.post(
        f"/api/v1/testing/sites/{testing.site.pk}/scan",
        json.dumps({"client_id": str(uuid.uuid4()), "tube": "Z1", "code": make_token(testing.people_a[5])}),
        content_type="application/json",
    )
    assert scan.status_code == 403


def test_api_file_upload_and_conflict_resolution(testing):
    fill(testing, testing.people_a[:2], "A001")
    client = Client()
    client.force_login(testing.lab)
    data = csv_bytes([("A001", "阴性", "", ""), ("A002", "阴性", "", "")], "gbk")
    upload = io.BytesIO(data)
    upload.name = "lab.csv"
    response = client.post(f"/api/v1/testing/rounds/{testing.round.pk}/results/file", {"file": upload})
    assert response.status_code == 200, response.content
    assert [(o["row"], o["status"]) for o in response.json()["outcomes"]] == [(2, "applied"), (3, "error")]
    record(testing, ("A001", "positive"))
    conflicts = client.get(f"/api/v1/testing/rounds/{testing.round.pk}/results/conflicts").json()
    assert [c["barcode"] for c in conflicts] == ["A001"]
    response = client.post(
        f"/api/v1/testing/results/{conflicts[0]['id']}/resolve",
        json.dumps({"accept": False, "note": "kept"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["result_in_force"] == "negative"


# --- re-tests and alerts pages -----------------------------------------------------------------


def test_retest_list_masks_by_role_and_alerts_are_scoped(testing, world, grid_leader_a):
    members = testing.people_a[:3] + testing.people_b[:2]
    fill(testing, members, "P500", capacity=5)
    record(testing, ("P500", "positive"))
    base = f"/testing/rounds/{testing.round.pk}"
    leader = Client()
    leader.force_login(grid_leader_a)
    page = leader.get(f"{base}/retests/").content.decode()
    a0 = testing.people_a[0]
    assert a0.name in page and testing.people_b[0].name not in page
    assert len(leader.get(f"/api/v1/testing/rounds/{testing.round.pk}/retests").json()) == 3
    registrar = Client()  # no right to full ID numbers or phones
    registrar.force_login(testing.registrar)
    page = registrar.get(f"{base}/retests/").content.decode()
    assert a0.name in page and a0.id_number not in page and a0.id_number[:6] + "********" in page
    assert a0.phone not in page
    api = registrar.get(f"/api/v1/testing/rounds/{testing.round.pk}/retests").json()
    assert len(api) == 5 and a0.id_number not in json.dumps(api) and a0.phone not in json.dumps(api)
    admin = Client()
    admin.force_login(testing.manager)
    full = admin.get(f"{base}/retests/?status=open").content.decode()
    assert a0.id_number in full and testing.people_b[0].name in full
    export = admin.get(f"{base}/retests/export.xlsx")
    assert export.status_code == 200
    # alerts: the grid leader sees only grid A's, with names and addresses
    alerts = leader.get("/testing/alerts/").content.decode()
    assert "甲网格" in alerts and "乙网格" not in alerts and a0.name in alerts
    assert testing.people_b[0].name not in alerts
    alert_b = Alert.objects.get(grid=world.grid_b)
    assert leader.post(f"/testing/alerts/{alert_b.pk}/ack/").status_code == 404
    assert leader.get("/api/v1/testing/alerts").json()[0]["grid"] == "甲网格"
    alert_a = Alert.objects.get(grid=world.grid_a)
    assert leader.post(f"/testing/alerts/{alert_a.pk}/ack/").status_code == 302
    alert_a.refresh_from_db()
    assert alert_a.acknowledged_by == grid_leader_a
    from wangge.audit.models import AuditEvent

    assert AuditEvent.objects.filter(model="testing.alert", object_id=str(alert_a.pk)).exists()


def test_out_of_scope_report_and_alert_are_404(testing, world):
    from tests.factories import make_user

    fill(testing, testing.people_a[:2], "S001")
    record(testing, ("S001", "negative"))
    record(testing, ("S001", "positive"))
    report = ResultReport.objects.get(conflict=True)
    fill(testing, testing.people_b[:2], "S002")
    record(testing, ("S002", "positive"))
    alert = Alert.objects.get(tube__barcode="S002")  # S001's contradicting positive alerts too
    outsider = make_user("other_lab", world.other_office, "lab", "grid_leader")
    client = Client()
    client.force_login(outsider)
    assert (
        client.post(f"/testing/results/{report.pk}/resolve/", {"accept": "1", "note": "x"}).status_code == 404
    )
    assert client.post(f"/testing/alerts/{alert.pk}/ack/").status_code == 404
    response = client.post(
        f"/api/v1/testing/results/{report.pk}/resolve",
        json.dumps({"accept": True, "note": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Tube.objects.get(barcode="S001").result == "negative"
    assert "S002" not in client.get("/testing/alerts/").content.decode()
