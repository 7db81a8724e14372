"""Screening intake: the public self-report form, door-to-door reports, the records pages, the
village's queue of self-reports, the 协查 list import (set-based) and the intake API."""

import io
import uuid
from datetime import timedelta

import pytest
import xlsxwriter
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.factories import make_user
from tests.factories import testing_rid as rid
from tests.factories.reveal import revealed
from wangge.audit.models import AuditEvent
from wangge.registry.models import Person, ResidentStatus
from wangge.screening.intake import lists as imports
from wangge.screening.intake import services as intake
from wangge.screening.models import (
    Measure,
    ScreeningBatch,
    ScreeningRecord,
    ScreeningSighting,
    ScreeningSource,
    SelfReport,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def yesterday():
    return timezone.localdate() - timedelta(days=1)


def self_report_data(world, **over):
    data = {
        "request_key": str(uuid.uuid4()),
        "name": "返乡人",
        "id_type": "resident_id",
        "id_number": rid(777),
        "phone": "13700000777",
        "came_from": "北京市朝阳区望京街道",
        "arrival_date": yesterday().isoformat(),
        "village": str(world.village.pk),
        "address": "冢刘村3组12号",
        "pledge": "on",
    }
    data.update(over)
    return data


# --- the public self-report form ------------------------------------------------------------------


def test_self_report_form_needs_no_account_and_shows_no_one(client, screening, world):
    r = client.get("/s/report/")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'name="request_key"' in body and "冢刘村" in body and "郑港办事处" in body
    assert screening.people_a[0].name not in body


def test_newcomer_self_report_gives_a_receipt_and_waits_for_the_village(client, screening, world):
    data = self_report_data(world)
    r = client.post("/s/report/", data)
    assert r.status_code == 200
    report = SelfReport.objects.get()
    assert report.receipt in r.content.decode()
    assert report.record_id is None  # not in the registry: waits for the village
    # A retry of the same submission gives the same receipt and no second report.
    r2 = client.post("/s/report/", data)
    assert report.receipt in r2.content.decode()
    assert SelfReport.objects.count() == 1
    # The village places them in a grid: a record, a provisional person, a measure proposed.
    cadre = client_for(screening.cadre)
    queue = cadre.get("/screening/self-reports/")
    assert report.receipt in queue.content.decode()
    r = cadre.post(f"/screening/self-reports/{report.pk}/place/", {"grid": world.grid_b.pk})
    assert r.status_code == 302
    report.refresh_from_db()
    record = report.record
    assert record is not None and record.grid == world.grid_b
    assert record.person.status == ResidentStatus.PROVISIONAL
    assert Measure.objects.filter(screening=record).exists()
    assert report.receipt not in cadre.get("/screening/self-reports/").content.decode()


def test_self_report_of_a_resident_becomes_a_record_at_once(client, screening, world):
    person = screening.people_a[1]
    client.post("/s/report/", self_report_data(world, id_number=person.id_number, name=person.name))
    report = SelfReport.objects.get()
    assert report.record is not None and report.record.person == person
    assert report.record.source == ScreeningSource.SELF_REPORT


def test_self_report_needs_the_pledge(client, world, screening):
    r = client.post("/s/report/", self_report_data(world, pledge=""))
    assert (
        r.status_code == 200 and "receipt" not in r.content.decode().lower().split("report-receipt")[0][-0:]
    )
    assert SelfReport.objects.count() == 0


def test_self_report_is_rate_limited_per_address(client, world, screening):
    for i in range(5):
        r = client.post("/s/report/", self_report_data(world, id_number=rid(800 + i)))
        assert r.status_code == 200
    r = client.post("/s/report/", self_report_data(world, id_number=rid(810)))
    assert r.status_code == 429
    assert "Too many reports" in r.content.decode()
    assert SelfReport.objects.count() == 5
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert other.post("/s/report/", self_report_data(world, id_number=rid(811))).status_code == 200


def test_no_page_shows_a_report_by_receipt(client, world, screening):
    client.post("/s/report/", self_report_data(world))
    receipt = SelfReport.objects.get().receipt
    assert client.get(f"/s/report/{receipt}/").status_code == 404
    body = client.get(f"/s/report/?receipt={receipt}").content.decode()
    assert "返乡人" not in body and 'data-testid="report-receipt"' not in body


# --- door-to-door -----------------------------------------------------------------------------------


def screen_data(person=None, **over):
    data = {
        "source": "door_to_door",
        "name": person.name if person else "新来的",
        "id_type": "resident_id",
        "id_number": person.id_number if person else rid(901),
        "phone": "",
        "came_from": "北京市朝阳区",
        "arrival_date": yesterday().isoformat(),
        "address": "",
        "contact_of": "",
        "note": "",
    }
    data.update(over)
    return data


def test_door_to_door_new_then_merged(screening):
    c = client_for(screening.grid_leader)
    person = screening.people_a[0]
    r = c.post("/screening/records/new/", screen_data(person), follow=True)
    assert "a new screening record" in r.content.decode()
    assert "The rules propose" in r.content.decode()
    measure = Measure.objects.get(person=person)
    assert f"/screening/measures/{measure.pk}/" in r.content.decode()
    r = c.post("/screening/records/new/", screen_data(person, source="checkpoint"), follow=True)
    assert "merged into that record" in r.content.decode()
    record = ScreeningRecord.objects.get()
    assert record.sightings.count() == 2
    assert ScreeningRecord.objects.count() == 1


def test_door_to_door_newcomer_needs_a_grid_then_is_provisional(screening, world):
    c = client_for(screening.grid_leader)
    r = c.post("/screening/records/new/", screen_data())
    assert r.status_code == 200 and "choose the grid" in r.content.decode()
    assert not ScreeningRecord.objects.exists()
    r = c.post("/screening/records/new/", screen_data(grid=world.grid_a.pk), follow=True)
    assert "added as provisional" in r.content.decode()
    person = Person.objects.get(id_number=rid(901))
    assert person.status == ResidentStatus.PROVISIONAL and person.grid == world.grid_a
    # A grid outside the actor's grids is not offered.
    r = c.post("/screening/records/new/", screen_data(id_number=rid(902), grid=world.grid_b.pk))
    assert r.status_code == 200 and not Person.objects.filter(id_number=rid(902)).exists()


def test_door_to_door_refuses_someone_registered_elsewhere_without_revealing(screening):
    c = client_for(screening.grid_leader)
    other = screening.people_other[0]
    r = c.post("/screening/records/new/", screen_data(other, name="随便"))
    body = r.content.decode()
    assert r.status_code == 200 and "another jurisdiction" in body
    assert other.name not in body and "丙网格" not in body
    assert not ScreeningRecord.objects.exists()


# --- list and detail ----------------------------------------------------------------------------------


def test_list_masks_ids_unless_the_role_allows(screening, world):
    person = screening.people_a[0]
    intake.screen_one(
        actor=screening.grid_leader,
        source="door_to_door",
        report=intake.Report(
            name=person.name,
            id_number=person.id_number,
            phone=person.phone,
            came_from="北京市朝阳区",
            arrival_date=yesterday(),
        ),
    )
    leader_client = client_for(screening.grid_leader)
    leader = leader_client.get("/screening/records/").content.decode()
    assert person.id_number not in leader and person.id_number in revealed(leader_client, leader)
    worker = make_user("screen_worker", world.grid_a, "grid_worker")
    body = client_for(worker).get("/screening/records/").content.decode()
    assert person.name in body and person.id_number not in body and person.id_number[-4:] in body
    # Out of scope: a leader of grid B sees nothing of it.
    leader_b = make_user("screen_leader_b", world.grid_b, "grid_leader")
    assert person.name not in client_for(leader_b).get("/screening/records/").content.decode()


def test_list_filters(screening):
    a, b = screening.people_a[0], screening.people_a[1]
    for p, place in ((a, "北京市朝阳区"), (b, "河南省开封市")):
        intake.screen_one(
            actor=screening.grid_leader,
            source="door_to_door",
            report=intake.Report(
                name=p.name, id_number=p.id_number, came_from=place, arrival_date=yesterday()
            ),
        )
    body = client_for(screening.grid_leader).get("/screening/records/?risk_level=high").content.decode()
    assert a.name in body and b.name not in body


def test_record_detail_is_audited_and_scoped(screening, world):
    person = screening.people_a[0]
    outcome = intake.screen_one(
        actor=screening.grid_leader,
        source="door_to_door",
        report=intake.Report(
            name=person.name, id_number=person.id_number, came_from="北京市朝阳区", arrival_date=yesterday()
        ),
    )
    leader = client_for(screening.grid_leader)
    r = leader.get(f"/screening/records/{outcome.record.pk}/")
    assert r.status_code == 200 and person.id_number in revealed(leader, r.content.decode())
    assert AuditEvent.objects.filter(
        action="view",
        model__icontains="screeningrecord",
        object_id=str(outcome.record.pk),
        actor=screening.grid_leader,
    ).exists()
    leader_b = make_user("screen_leader_b2", world.grid_b, "grid_leader")
    assert client_for(leader_b).get(f"/screening/records/{outcome.record.pk}/").status_code == 404


# --- import ---------------------------------------------------------------------------------------------


HEAD = ["姓名", "证件号码", "手机号", "来自", "抵达日期", "现住址", "网格"]


def csv_file(rows, encoding="utf-8", name="list.csv"):
    text = ",".join(HEAD) + "\n" + "\n".join(",".join(r) for r in rows) + "\n"
    f = io.BytesIO(text.encode(encoding))
    f.name = name
    return f


def xlsx_file(rows, name="list.xlsx"):
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEAD)
    for i, row in enumerate(rows, 1):
        for j, v in enumerate(row):
            sheet.write_string(i, j, v)
    book.close()
    buf.seek(0)
    buf.name = name
    return buf


def sample_rows(screening, world):
    d = yesterday().isoformat()
    a0, a1 = screening.people_a[0], screening.people_a[1]
    other = screening.people_other[0]
    return [
        [a0.name, a0.id_number, "", "北京市朝阳区", d, "", ""],  # row 2: matched, measure
        [a0.name, a0.id_number, "", "北京市朝阳区望京", d, "", ""],  # row 3: same trip → merged
        [a1.name, a1.id_number, "", "河南省开封市", d, "", ""],  # row 4: matched, no rule
        ["新人甲", rid(950), "13700000950", "上海市浦东新区", d, "x", world.grid_b.code],  # 5: provisional
        ["新人乙", rid(951), "", "上海市", d, "", ""],  # 6: error: choose the grid
        ["坏号", "12345", "", "", d, "", ""],  # 7: error: bad ID
        [other.name, other.id_number, "", "北京市朝阳区", d, "", ""],  # 8: outside
    ]


def test_import_preview_lists_errors_by_row_and_counts(screening, world):
    a = imports.analyse(actor=screening.cadre, raw=csv_file(sample_rows(screening, world)), name="l.csv")
    assert a.counts == {"matched": 3, "provisional": 1, "outside": 1, "error": 2, "total": 7}
    errors = {e["row"]: e["error"] for e in a.error_list()}
    assert set(errors) == {6, 7}
    assert "choose the grid" in errors[6] and "18 characters" in errors[7]
    assert not ScreeningRecord.objects.exists()  # the preview writes nothing


def test_import_valid_rows(screening, world):
    batch = imports.import_file(
        actor=screening.cadre,
        raw=csv_file(sample_rows(screening, world), "gbk"),
        filename="l.csv",
        name="协查 1",
    )
    assert (
        batch.matched_rows,
        batch.provisional_rows,
        batch.merged_rows,
        batch.outside_rows,
        batch.error_rows,
    ) == (
        2,
        1,
        1,
        1,
        2,
    )
    assert ScreeningRecord.objects.count() == 3
    assert ScreeningSighting.objects.count() == 4
    record = ScreeningRecord.objects.get(person=screening.people_a[0])
    assert record.sightings.count() == 2 and record.risk_level == "high" and record.batch == batch
    assert not ScreeningRecord.objects.filter(person=screening.people_other[0]).exists()
    new = Person.objects.get(id_number=rid(950))
    assert new.status == ResidentStatus.PROVISIONAL and new.grid == world.grid_b
    assert new.moves.filter(kind="arrive").exists()
    # Measures exactly as propose_for_screening makes them.
    m = Measure.objects.get(person=screening.people_a[0])
    assert [(p.kind, (p.ends_on - p.starts_on).days + 1) for p in m.phases.all()] == [
        ("centralised", 7),
        ("home_monitoring", 3),
    ]
    assert m.basis_facts["screening_id"] == record.pk and m.proposed_by == screening.cadre
    assert Measure.objects.get(person=new).kind == "home_quarantine"
    record.refresh_from_db()
    assert record.status == "proposed"
    batch_audit = AuditEvent.objects.filter(model__icontains="screeningbatch", object_id=str(batch.pk))
    assert batch_audit.count() == 1 and batch_audit.get().after["people_created"] == 1
    # One audit row for the batch: no row per record or measure.
    assert not AuditEvent.objects.filter(model__icontains="measure", actor=screening.cadre).exists()
    assert [e["row"] for e in batch.errors] == [6, 7]


def test_import_matches_screen_one(screening, world):
    """The set-based import and the single-record path give the same key and measure."""
    person = screening.people_a[2]
    single = intake.screen_one(
        actor=screening.cadre,
        source="assist_list",
        report=intake.Report(
            name=person.name, id_number=person.id_number, came_from="北京市朝阳区", arrival_date=yesterday()
        ),
    )
    rows = [[person.name, person.id_number, "", "北京市朝阳区", yesterday().isoformat(), "", ""]]
    batch = imports.import_file(actor=screening.cadre, raw=csv_file(rows), filename="l.csv", name="again")
    assert batch.merged_rows == 1 and ScreeningRecord.objects.count() == 1
    assert single.record.sightings.count() == 2
    single.measure.delete()
    ScreeningRecord.objects.all().delete()
    imports.import_file(actor=screening.cadre, raw=csv_file(rows), filename="l.csv", name="fresh")
    rec = ScreeningRecord.objects.get()
    assert rec.dedupe_key == single.record.dedupe_key
    m = Measure.objects.get()
    assert m.basis_text == single.measure.basis_text and m.ends_on == single.measure.ends_on


def test_import_all_or_nothing_rejects(screening, world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        imports.import_file(
            actor=screening.cadre,
            raw=csv_file(sample_rows(screening, world)),
            filename="l.csv",
            name="x",
            mode=imports.MODE_ALL,
        )
    assert not ScreeningRecord.objects.exists() and not ScreeningBatch.objects.exists()
    assert not Person.objects.filter(id_number=rid(950)).exists()


def test_import_xlsx_and_in_file_duplicates_of_a_newcomer(screening, world):
    d = yesterday().isoformat()
    rows = [["新人丙", rid(960), "", "河南省开封市", d, "", world.grid_a.code]] * 3
    batch = imports.import_file(actor=screening.cadre, raw=xlsx_file(rows), filename="l.xlsx", name="x")
    assert batch.provisional_rows == 1 and batch.merged_rows == 2
    assert Person.objects.filter(id_number=rid(960)).count() == 1
    assert ScreeningRecord.objects.get().sightings.count() == 3


def test_import_pages_upload_preview_import_and_error_file(screening, world):
    c = client_for(screening.cadre)
    r = c.post(
        "/screening/imports/new/",
        {"name": "协查函 7", "reference": "ZG-7", "file": csv_file(sample_rows(screening, world), "gbk")},
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert "choose the grid" in body and 'name="token"' in body
    token = body.split('name="token" value="')[1].split('"')[0]
    assert not ScreeningRecord.objects.exists()
    r = c.post("/screening/imports/confirm/", {"token": token, "mode": "valid"})
    batch = ScreeningBatch.objects.get()
    assert r.status_code == 302 and r.url == f"/screening/imports/{batch.pk}/"
    page = c.get(r.url).content.decode()
    assert "ZG-7" in page and "choose the grid" in page
    f = c.get(f"/screening/imports/{batch.pk}/errors/")
    assert f.status_code == 200
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(f.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][-1] == "错误原因" and sheet[1][1] == rid(951)
    assert "协查函 7" in c.get("/screening/imports/").content.decode()
    # The token is used up; another account cannot use it either.
    assert c.post("/screening/imports/confirm/", {"token": token, "mode": "valid"}).status_code == 302
    assert ScreeningBatch.objects.count() == 1
    leader_b = make_user("imp_leader_b", world.grid_b, "grid_leader")
    assert client_for(leader_b).get(f"/screening/imports/{batch.pk}/").status_code == 404


def test_import_outside_counted_not_revealed(screening, world):
    other = screening.people_other[0]
    rows = [[other.name, other.id_number, "", "北京市朝阳区", yesterday().isoformat(), "", world.grid_a.code]]
    a = imports.analyse(actor=screening.grid_leader, raw=csv_file(rows), name="l.csv")
    assert a.counts["outside"] == 1 and not a.error_rows
    batch = imports.run_import(actor=screening.grid_leader, analysis=a, name="x")
    assert batch.outside_rows == 1 and not ScreeningRecord.objects.exists()
    assert Person.objects.filter(id_number=other.id_number).count() == 1  # no duplicate made


# --- API --------------------------------------------------------------------------------------------------


def test_api_records(screening, world):
    c = client_for(screening.grid_leader)
    person = screening.people_a[0]
    payload = {
        "name": person.name,
        "id_number": person.id_number,
        "came_from": "北京市朝阳区",
        "arrival_date": yesterday().isoformat(),
    }
    r = c.post("/api/v1/screening/records", payload, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["created"] and r.json()["measure_id"]
    r = c.post("/api/v1/screening/records", payload, content_type="application/json")
    assert r.status_code == 200 and not r.json()["created"]  # a retry merges
    listed = c.get("/api/v1/screening/records").json()
    assert listed["count"] == 1 and listed["items"][0]["id_number"] == person.id_number
    rid_ = listed["items"][0]["id"]
    detail = c.get(f"/api/v1/screening/records/{rid_}").json()
    assert len(detail["sightings"]) == 2
    worker = make_user("api_worker", world.grid_a, "grid_worker")
    masked = client_for(worker).get("/api/v1/screening/records").json()["items"][0]["id_number"]
    assert masked != person.id_number
    leader_b = make_user("api_leader_b", world.grid_b, "grid_leader")
    assert client_for(leader_b).get(f"/api/v1/screening/records/{rid_}").status_code == 404
    other = screening.people_other[0]
    r = c.post(
        "/api/v1/screening/records",
        {"name": "x", "id_number": other.id_number, "arrival_date": yesterday().isoformat()},
        content_type="application/json",
    )
    assert r.status_code in (400, 422) and other.name not in r.content.decode()


def test_api_import_preview_and_self_reports(screening, world, client):
    c = client_for(screening.cadre)
    r = c.post("/api/v1/screening/imports", {"file": csv_file(sample_rows(screening, world))})
    assert r.status_code == 200, r.content
    assert r.json()["error"] == 2 and not ScreeningRecord.objects.exists()
    r = c.post(
        "/api/v1/screening/imports",
        {"file": csv_file(sample_rows(screening, world)), "name": "api list", "mode": "valid"},
    )
    assert r.status_code == 201 and r.json()["batch_id"]
    batch_id = r.json()["batch_id"]
    listed = c.get("/api/v1/screening/imports").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == batch_id
    one = c.get(f"/api/v1/screening/imports/{batch_id}").json()
    assert (one["name"], one["error"], one["records"]) == ("api list", 2, ScreeningRecord.objects.count())
    assert len(one["errors"]) == 2 and all(e["row"] and e["error"] for e in one["errors"])
    leader_b = make_user("imp_api_leader_b", world.grid_b, "grid_leader")
    assert client_for(leader_b).get(f"/api/v1/screening/imports/{batch_id}").status_code == 404
    client.post("/s/report/", self_report_data(world))
    listed = c.get("/api/v1/screening/self-reports").json()
    assert len(listed) == 1 and listed[0]["receipt"] == SelfReport.objects.get().receipt


def test_import_grid_column_matters_only_for_newcomers(screening, world):
    d = yesterday().isoformat()
    a0 = screening.people_a[0]
    rows = [
        [a0.name, a0.id_number, "", "河南省开封市", d, "", "不存在的网格"],  # in the registry: grid ignored
        ["新人丁", rid(970), "", "河南省开封市", d, "", "不存在的网格"],
        ["新人戊", rid(971), "", "河南省开封市", d, "", world.other_grid.code],  # outside the cadre's village
    ]
    a = imports.analyse(actor=screening.cadre, raw=csv_file(rows), name="l.csv")
    assert a.counts["matched"] == 1 and a.counts["error"] == 2
    assert all("No open grid" in e["error"] for e in a.error_list())
    assert "丙网格" not in " ".join(e["error"] for e in a.error_list())


def test_a_large_list_runs_as_a_task(screening, world, monkeypatch):
    from wangge.screening.intake import tasks

    monkeypatch.setattr(tasks, "QUEUE_ABOVE_ROWS", 2)
    c = client_for(screening.cadre)
    body = c.post(
        "/screening/imports/new/", {"name": "大名单", "file": csv_file(sample_rows(screening, world))}
    ).content.decode()
    token = body.split('name="token" value="')[1].split('"')[0]
    r = c.post("/screening/imports/confirm/", {"token": token, "mode": "valid"}, follow=True)
    batch = ScreeningBatch.objects.get()  # the task ran (eagerly, without Redis)
    page = r.content.decode()
    assert "being imported" in page and f"/screening/imports/{batch.pk}/" in page
    assert batch.matched_rows == 2 and tasks.get_state(token)["state"] == "done"


def test_a_volunteer_finds_the_screening_form_in_the_menu_and_not_the_lists(screening, world):
    volunteer = make_user("door_volunteer", world.grid_a, "volunteer")
    c = client_for(volunteer)
    home = c.get("/").content.decode()
    assert 'href="/screening/records/new/"' in home
    assert 'href="/screening/records/"' not in home
    assert c.get("/screening/records/new/").status_code == 200
    assert c.get("/screening/records/").status_code == 403


def test_a_preview_nobody_confirmed_is_deleted_after_a_day_and_then_expires(
    screening, world, settings, tmp_path
):
    import os
    import time

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    c = client_for(screening.cadre)

    def upload(name):
        body = c.post(
            "/screening/imports/new/", {"name": name, "file": csv_file(sample_rows(screening, world))}
        ).content.decode()
        return body.split('name="token" value="')[1].split('"')[0]

    forgotten = upload("没人确认")
    folder = tmp_path / "screening-imports"
    (old,) = list(folder.iterdir())
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    fresh = upload("刚上传")
    assert [p.name for p in folder.iterdir()] == [f"{fresh}.csv"]
    r = c.post("/screening/imports/confirm/", {"token": forgotten, "mode": "valid"}, follow=True)
    assert "expired" in r.content.decode() and not ScreeningBatch.objects.exists()
    c.post("/screening/imports/confirm/", {"token": fresh, "mode": "valid"})
    assert ScreeningBatch.objects.get().name == "刚上传" and not list(folder.iterdir())
