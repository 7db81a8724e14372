"""The calling plan (分批错时), notices through the pluggable channel, deliveries and the outbox."""

import json
import threading
from collections import defaultdict
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_user
from tests.factories.reveal import revealed
from wangge.audit.models import AuditEvent
from wangge.registry.models import Building, BuildingKind, Person
from wangge.testing.calling import selectors as calling_selectors
from wangge.testing.calling import services as calling
from wangge.testing.calling.channels import Channel, SendResult
from wangge.testing.models import (
    CallSlot,
    DeliveryStatus,
    Due,
    Notice,
    NoticeDelivery,
    OutboxMessage,
    Site,
    SlotKind,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def build(testing, **kwargs):
    return calling.build_plan(actor=testing.manager, round=testing.round, **kwargs)


def set_rates(testing, *, rate=60, queue=20, window=30):
    rnd = testing.round
    rnd.rate_per_table_hour, rnd.queue_target, rnd.window_minutes = rate, queue, window
    rnd.save()


def present_per_window(rnd, site) -> list[tuple[int, int]]:
    """(people present, allowance) per window of a site, simulated independently of the code."""
    capacity = int(site.tables * rnd.rate_per_table_hour * rnd.window_minutes / 60)
    allowance = capacity + site.tables * rnd.queue_target
    called = defaultdict(int)
    for s in CallSlot.objects.filter(round=rnd, site=site):
        called[s.starts_at] += s.people
    queue, out = 0, []
    for start in sorted(called):
        present = queue + called[start]
        out.append((present, allowance))
        queue = max(0, present - capacity)
    return out


# ------------------------------------------------------------------------------------- plan


def test_batches_by_building_unit_floor_company_and_grid(testing, world):
    # Three people of grid B have no building; two of them work for the same company.
    no_building = testing.people_b[:3]
    Due.objects.filter(person__in=no_building).update(building=None, unit_label="", floor=None)
    Person.objects.filter(pk__in=[p.pk for p in no_building[:2]]).update(employer="富士康")
    summary = build(testing)
    slots = list(CallSlot.objects.filter(round=testing.round))
    floors = {(s.building.name, s.unit_label, s.floor): s.people for s in slots if s.kind == SlotKind.FLOOR}
    assert floors == {
        ("甲楼", "1", 1): 2, ("甲楼", "1", 2): 2, ("甲楼", "1", 3): 2,
        ("甲楼", "2", 1): 2, ("甲楼", "2", 2): 2, ("甲楼", "2", 3): 2,
        ("乙楼", "1", 1): 1, ("乙楼", "1", 2): 1, ("乙楼", "1", 3): 1,
    }  # fmt: skip
    employer = [s for s in slots if s.kind == SlotKind.EMPLOYER]
    assert [(s.employer, s.people, s.grid_id) for s in employer] == [("富士康", 2, world.grid_b.pk)]
    rest = [s for s in slots if s.kind == SlotKind.GRID]
    assert [(s.people, s.path) for s in rest] == [(1, world.grid_b.path)]
    labels = {s.label for s in slots}
    assert "甲楼 unit 2 floor 3" in labels
    # Each batch carries its grid's path, for scoping.
    assert all(
        s.path == (world.grid_a.path if s.grid_id == world.grid_a.pk else world.grid_b.path) for s in slots
    )
    assert summary.people == 18 and summary.slots == len(slots) and summary.sites == 1
    assert AuditEvent.objects.filter(model="testing.round", after__has_key="calling_plan").exists()


def test_dormitory_is_called_by_whole_floor(testing):
    Building.objects.filter(name="甲楼").update(kind=BuildingKind.DORMITORY)
    build(testing)
    dorm = CallSlot.objects.filter(round=testing.round, building__name="甲楼")
    assert sorted((s.unit_label, s.floor, s.people) for s in dorm) == [("", 1, 4), ("", 2, 4), ("", 3, 4)]


def test_windows_never_exceed_capacity_plus_queue_allowance(testing):
    # 2 tables × 10 an hour × 30 minutes = 10 swabbed a window; 2 may wait at each table.
    set_rates(testing, rate=10, queue=2)
    build(testing)
    rows = present_per_window(testing.round, testing.site)
    assert len(rows) > 1  # the 18 people did not all go into the first window
    assert all(present <= allowance for present, allowance in rows), rows
    # Windows follow one another from the site's opening, in time order.
    starts = sorted({s.starts_at for s in CallSlot.objects.filter(round=testing.round)})
    assert all(b - a == timedelta(minutes=30) for a, b in zip(starts, starts[1:], strict=False))
    assert starts[0] >= max(testing.site.opens_at, testing.round.starts_at)


def test_plan_starts_no_earlier_than_asked(testing):
    later = testing.site.opens_at + timedelta(hours=2)
    build(testing, start_at=later)
    assert CallSlot.objects.filter(round=testing.round).earliest("starts_at").starts_at >= later


def test_a_big_batch_is_split_over_windows(testing):
    set_rates(testing, rate=10, queue=2)  # at most 14 people in a window
    # Everyone of grid A on one floor: 12 people, plus grid B's six on that floor too.
    building = Building.objects.get(name="甲楼")
    Due.objects.filter(round=testing.round).exclude(building=None).update(
        building=building, unit_label="1", floor=1, grid=building.grid, path=building.path
    )
    Due.objects.filter(round=testing.round, person__in=testing.people_other).update(status="exempt")
    build(testing)
    parts = list(CallSlot.objects.filter(round=testing.round).order_by("starts_at"))
    assert len(parts) == 2
    assert sum(p.people for p in parts) == 18
    assert [p.label for p in parts] == ["甲楼 unit 1 floor 1, part 1/2", "甲楼 unit 1 floor 1, part 2/2"]
    assert all(p.people <= 14 for p in parts)
    assert parts[0].starts_at < parts[1].starts_at
    assert all(present <= allowance for present, allowance in present_per_window(testing.round, testing.site))


def test_site_by_building_beats_site_by_grid_and_nearest_by_path(testing, world):
    now = testing.site.opens_at
    near = Site.objects.create(
        round=testing.round, name="甲楼门口", unit=world.grid_a, path=world.grid_a.path,
        tables=1, opens_at=now, closes_at=now + timedelta(hours=10),
    )  # fmt: skip
    near.buildings.set([Building.objects.get(name="甲楼")])
    other = Site.objects.create(
        round=testing.round, name="张庄村委会", unit=world.other_village, path=world.other_village.path,
        tables=1, opens_at=now, closes_at=now + timedelta(hours=10),
    )  # fmt: skip
    summary = build(testing)
    sites = {s.building.name: s.site.name for s in CallSlot.objects.filter(round=testing.round)}
    assert sites == {"甲楼": "甲楼门口", "乙楼": "冢刘村文化广场", "丙楼": other.name}
    assert summary.unassigned == 0 and summary.sites == 3


def test_people_without_a_site_are_reported(testing):
    summary = build(testing)
    assert summary.unassigned == 3
    assert summary.unassigned_batches and all("丙楼" in label for label in summary.unassigned_batches)
    assert not CallSlot.objects.filter(round=testing.round, building__name="丙楼").exists()


def test_over_capacity_is_placed_after_closing_and_reported(testing):
    set_rates(testing, rate=10, queue=2)
    site = testing.site
    site.closes_at = max(site.opens_at, testing.round.starts_at) + timedelta(minutes=31)
    site.save()
    summary = build(testing)
    late = CallSlot.objects.filter(round=testing.round, ends_at__gt=site.closes_at)
    assert late.exists()
    assert summary.over_capacity == sum(s.people for s in late) > 0
    assert summary.over_capacity_sites == [site.name]
    assert summary.people == 18  # nobody dropped


def test_hand_edited_slots_are_kept_on_rebuild(testing):
    build(testing)
    slot = CallSlot.objects.filter(round=testing.round, building__name="甲楼").order_by("id").first()
    later = slot.starts_at + timedelta(hours=3)
    calling.update_slot(
        actor=testing.manager,
        slot=slot,
        site=testing.site,
        starts_at=later,
        ends_at=later + timedelta(minutes=20),
    )
    summary = build(testing)
    slot.refresh_from_db()
    assert slot.edited and slot.starts_at == later
    assert summary.kept == 1
    same = CallSlot.objects.filter(
        round=testing.round, building=slot.building, unit_label=slot.unit_label, floor=slot.floor
    )
    assert list(same) == [slot]  # its people were not planned again
    assert sum(CallSlot.objects.filter(round=testing.round).values_list("people", flat=True)) == 18


def test_edit_validation(testing, world):
    build(testing)
    slot = CallSlot.objects.filter(round=testing.round).first()
    with pytest.raises(calling.ValidationError):
        calling.update_slot(
            actor=testing.manager,
            slot=slot,
            site=testing.site,
            starts_at=slot.ends_at,
            ends_at=slot.starts_at,
        )
    from wangge.testing.rounds.services import create_round

    other_round = create_round(
        actor=testing.manager, name="第二轮", owner=world.district, starts_at=slot.starts_at,
        ends_at=slot.ends_at + timedelta(hours=5), areas=[(world.office, 10)],
    )  # fmt: skip
    foreign_site = Site.objects.create(
        round=other_round, name="别轮采样点", unit=world.village, path=world.village.path,
        opens_at=slot.starts_at, closes_at=slot.ends_at,
    )  # fmt: skip
    with pytest.raises(calling.ValidationError):
        calling.update_slot(
            actor=testing.manager,
            slot=slot,
            site=foreign_site,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
        )


# ----------------------------------------------------------------------------------- notices


def first_slot(testing, building="甲楼"):
    return CallSlot.objects.filter(round=testing.round, building__name=building).order_by("id").first()


def test_notice_one_delivery_per_person_never_twice_and_no_phone(testing, django_capture_on_commit_callbacks):
    build(testing)
    slot = first_slot(testing)
    dues = Due.objects.filter(
        round=testing.round, building=slot.building, unit_label=slot.unit_label, floor=slot.floor
    )
    silent = dues.first().person
    Person.objects.filter(pk=silent.pk).update(phone="")
    with django_capture_on_commit_callbacks(execute=True):
        notice = calling.send_slot_notice(actor=testing.manager, slot=slot)
    deliveries = NoticeDelivery.objects.filter(notice=notice)
    assert sorted(deliveries.values_list("person_id", flat=True)) == sorted(
        dues.values_list("person_id", flat=True)
    )
    assert deliveries.get(person=silent).status == DeliveryStatus.NO_PHONE
    sent = deliveries.exclude(person=silent)
    assert all(d.status == DeliveryStatus.SENT and d.provider_id.startswith("outbox:") for d in sent)
    assert OutboxMessage.objects.count() == sent.count()
    assert "甲楼 unit 1 floor 1" in notice.text and testing.site.name in notice.text
    # Sending again: the same notice, no second delivery, no second message.
    with django_capture_on_commit_callbacks(execute=True):
        again = calling.send_slot_notice(actor=testing.manager, slot=slot)
    assert again.pk == notice.pk
    assert NoticeDelivery.objects.filter(notice__slot=slot).count() == dues.count()
    assert OutboxMessage.objects.count() == sent.count()
    # The message keeps the person's grid path (the outbox is scoped).
    assert set(OutboxMessage.objects.values_list("path", flat=True)) == {slot.path}


@pytest.mark.chinese_default
def test_notice_text_is_in_the_default_language(testing, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    build(testing)
    text = calling_selectors.notice_text(first_slot(testing))
    assert testing.site.name in text and "甲楼" in text


class FlakyChannel(Channel):
    """Fails for every other person the first time; the next time, everything goes through."""

    name = "flaky"
    calls: list = []

    def send(self, messages):
        FlakyChannel.calls.append([m.ref for m in messages])
        first = len(FlakyChannel.calls) == 1
        return [
            SendResult(
                ref=m.ref, ok=not (first and i % 2 == 0), provider_id=f"p{i}", detail="busy" if first else ""
            )
            for i, m in enumerate(messages)
        ]


def test_resend_retries_only_failed_ones(testing, settings, django_capture_on_commit_callbacks):
    settings.WANGGE_NOTICE_CHANNEL = "tests.test_testing_calling.FlakyChannel"
    FlakyChannel.calls = []
    build(testing)
    slot = first_slot(testing)
    with django_capture_on_commit_callbacks(execute=True):
        notice = calling.send_slot_notice(actor=testing.manager, slot=slot)
    statuses = dict(NoticeDelivery.objects.filter(notice=notice).values_list("person_id", "status"))
    failed = [p for p, s in statuses.items() if s == DeliveryStatus.FAILED]
    assert len(failed) == 1 and len(statuses) == 2
    assert NoticeDelivery.objects.get(notice=notice, person_id=failed[0]).detail == "busy"
    with django_capture_on_commit_callbacks(execute=True):
        assert calling.resend_failed(actor=testing.manager, notice=notice) == 1
    assert FlakyChannel.calls[1] == [f"notice:{notice.pk}:{failed[0]}"]
    assert set(NoticeDelivery.objects.filter(notice=notice).values_list("status", flat=True)) == {"sent"}
    assert NoticeDelivery.objects.filter(notice=notice).count() == 2


class FakeGateway(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeGateway.received.append((self.headers.get("Authorization"), body))
        results = []
        for i, m in enumerate(body["messages"]):
            if i % 2:
                results.append({"ref": m["ref"], "status": "failed", "error": "blocked number"})
            else:
                results.append({"ref": m["ref"], "id": f"gw-{i}", "status": "sent"})
        payload = json.dumps({"results": results}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    FakeGateway.received = []
    server = HTTPServer(("127.0.0.1", 0), FakeGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/send"
    server.shutdown()
    server.server_close()


def test_http_sms_channel_records_per_person_status(
    testing, settings, gateway, django_capture_on_commit_callbacks
):
    settings.WANGGE_NOTICE_CHANNEL = "http_sms"
    settings.WANGGE_SMS_URL = gateway
    settings.WANGGE_SMS_TOKEN = "secret-token"
    build(testing)
    slot = first_slot(testing)
    with django_capture_on_commit_callbacks(execute=True):
        notice = calling.send_slot_notice(actor=testing.manager, slot=slot)
    assert notice.channel == "http_sms"
    auth, body = FakeGateway.received[0]
    assert auth == "Bearer secret-token"
    assert len(body["messages"]) == 2 and body["messages"][0]["text"] == notice.text
    rows = list(NoticeDelivery.objects.filter(notice=notice).order_by("pk"))
    assert [(d.status, d.provider_id, d.detail) for d in rows] == [
        ("sent", "gw-0", ""),
        ("failed", "", "blocked number"),
    ]
    assert not OutboxMessage.objects.exists()


def test_gateway_down_marks_failed(testing, settings, django_capture_on_commit_callbacks):
    settings.WANGGE_NOTICE_CHANNEL = "http_sms"
    settings.WANGGE_SMS_URL = "http://127.0.0.1:9/none"
    build(testing)
    with django_capture_on_commit_callbacks(execute=True):
        notice = calling.send_slot_notice(actor=testing.manager, slot=first_slot(testing))
    assert set(NoticeDelivery.objects.filter(notice=notice).values_list("status", flat=True)) == {"failed"}


def test_plan_notices_once_per_slot_in_scope(testing, world, django_capture_on_commit_callbacks):
    build(testing)
    cadre = make_user("cadre_a", world.grid_a, "office_leader")  # manages, but only grid A
    with django_capture_on_commit_callbacks(execute=True):
        notices = calling.send_plan_notices(actor=cadre, round=testing.round)
    assert {n.slot.path for n in notices} == {world.grid_a.path}
    assert NoticeDelivery.objects.count() == 12
    with django_capture_on_commit_callbacks(execute=True):
        assert calling.send_plan_notices(actor=cadre, round=testing.round) == []
    assert NoticeDelivery.objects.count() == 12
    # A noticed batch is kept when the plan is rebuilt: its people were told a time.
    summary = build(testing)
    assert summary.kept == 6
    assert sum(CallSlot.objects.filter(round=testing.round).values_list("people", flat=True)) == 18


def test_sending_a_plans_notices_costs_the_same_few_queries_for_any_number_of_batches(
    testing, django_assert_max_num_queries
):
    build(testing)
    # Queued, not sent: the sending runs on commit, which the test's transaction never reaches.
    notices = calling.send_plan_notices(actor=testing.manager, round=testing.round)
    assert len(notices) > 5
    queued = NoticeDelivery.objects.filter(status=DeliveryStatus.QUEUED).count()
    # Claim, fetch with people and notices, store messages, record results, find nothing more.
    with django_assert_max_num_queries(12):
        totals = calling.deliver([n.pk for n in notices])
    assert totals == {"sent": queued, "failed": 0}
    assert OutboxMessage.objects.count() == queued
    texts = {n.pk: n.text for n in notices}
    for ref, text in OutboxMessage.objects.values_list("ref", "text"):
        assert text == texts[int(ref.split(":")[1])]  # each person gets their own batch's notice


def test_split_batch_parts_share_people_without_overlap(testing, django_capture_on_commit_callbacks):
    set_rates(testing, rate=10, queue=2)
    building = Building.objects.get(name="甲楼")
    Due.objects.filter(round=testing.round).exclude(building=None).update(
        building=building, unit_label="1", floor=1, grid=building.grid, path=building.path
    )
    Due.objects.filter(round=testing.round, person__in=testing.people_other).update(status="exempt")
    build(testing)
    with django_capture_on_commit_callbacks(execute=True):
        notices = calling.send_plan_notices(actor=testing.manager, round=testing.round)
    assert len(notices) == 2
    per_notice = [
        set(NoticeDelivery.objects.filter(notice=n).values_list("person_id", flat=True)) for n in notices
    ]
    assert [len(p) for p in per_notice] == [n.slot.people for n in notices]
    assert not (per_notice[0] & per_notice[1])
    assert len(per_notice[0] | per_notice[1]) == 18


# ------------------------------------------------------------------------------------- pages


def test_plan_pages_build_confirm_edit_and_print(testing):
    client = client_for(testing.manager)
    rnd = testing.round
    r = client.post(reverse("testing:plan_build", kwargs={"round_id": rnd.pk}))
    assert r.status_code == 302
    assert CallSlot.objects.filter(round=rnd).count() == 9
    page = client.get(reverse("testing:plan", kwargs={"round_id": rnd.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "甲楼 unit 1 floor 1" in html and testing.site.name in html and 'data-testid="plan-stats"' in html
    # A second build asks first.
    r = client.post(reverse("testing:plan_build", kwargs={"round_id": rnd.pk}))
    assert r.status_code == 200 and b"plan-build-confirm" in r.content
    r = client.post(reverse("testing:plan_build", kwargs={"round_id": rnd.pk}), {"confirm": "yes"})
    assert r.status_code == 302
    slot = first_slot(testing)
    url = reverse("testing:slot_edit", kwargs={"slot_id": slot.pk})
    assert client.get(url).status_code == 200
    bad = client.post(
        url, {"site": testing.site.pk, "starts_at": "2026-11-29T10:00", "ends_at": "2026-11-29T09:00"}
    )
    assert bad.status_code == 200 and b"errorlist" in bad.content
    r = client.post(
        url, {"site": testing.site.pk, "starts_at": "2026-11-29T10:00", "ends_at": "2026-11-29T10:30"}
    )
    assert r.status_code == 302
    slot.refresh_from_db()
    assert slot.edited
    assert AuditEvent.objects.filter(model="testing.callslot", object_id=str(slot.pk)).exists()
    printed = client.get(reverse("testing:plan_print", kwargs={"round_id": rnd.pk}))
    assert printed.status_code == 200
    text = printed.content.decode()
    assert 'data-testid="plan-print-page"' in text and calling_selectors.notice_text(slot) in text


def test_notice_pages_outbox_and_masked_phones(testing, world, django_capture_on_commit_callbacks):
    build(testing)
    slot = first_slot(testing)
    client = client_for(testing.manager)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("testing:slot_notice", kwargs={"slot_id": slot.pk}))
    notice = Notice.objects.get(slot=slot)
    assert r.status_code == 302 and r["Location"] == reverse(
        "testing:notice", kwargs={"notice_id": notice.pk}
    )
    person = NoticeDelivery.objects.filter(notice=notice).first().person
    full = client.get(reverse("testing:notice", kwargs={"notice_id": notice.pk})).content.decode()
    assert person.phone not in full and person.phone in revealed(client, full)  # on demand
    registrar = client_for(testing.registrar)  # sees the village's deliveries, phones masked
    masked = registrar.get(reverse("testing:notice", kwargs={"notice_id": notice.pk})).content.decode()
    assert person.name in masked and person.phone not in masked and person.phone[-4:] in masked
    outbox = registrar.get(reverse("testing:outbox")).content.decode()
    assert notice.text in outbox and person.phone not in outbox
    assert person.phone in revealed(client, client.get(reverse("testing:outbox")).content.decode())
    # Filtered by a unit: only its messages.
    assert (
        notice.text not in client.get(reverse("testing:outbox"), {"unit": world.grid_b.pk}).content.decode()
    )
    assert notice.text in client.get(reverse("testing:outbox"), {"unit": world.grid_a.pk}).content.decode()
    r = client.post(reverse("testing:notice_resend", kwargs={"notice_id": notice.pk}))
    assert r.status_code == 302


def test_grid_leader_sees_only_own_grids_slots(testing, grid_leader_a):
    build(testing)
    client = client_for(grid_leader_a)
    page = client.get(reverse("testing:plan", kwargs={"round_id": testing.round.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "甲楼 unit 1 floor 1" in html and testing.site.name in html
    assert "乙楼" not in html and "plan-stats" not in html
    api = client.get(f"/api/v1/testing/rounds/{testing.round.pk}/plan").json()
    assert api["count"] == 6 and {s["label"].split(" ")[0] for s in api["items"]} == {"甲楼"}


def test_out_of_scope_slot_and_notice_answer_404(testing, world, django_capture_on_commit_callbacks):
    build(testing)
    slot_b = first_slot(testing, "乙楼")
    with django_capture_on_commit_callbacks(execute=True):
        notice_b = calling.send_slot_notice(actor=testing.manager, slot=slot_b)
    actor = make_user("all_perms_a", world.grid_a, "district_admin")
    client = client_for(actor)
    urls = [
        ("get", reverse("testing:slot_edit", kwargs={"slot_id": slot_b.pk})),
        ("post", reverse("testing:slot_edit", kwargs={"slot_id": slot_b.pk})),
        ("post", reverse("testing:slot_notice", kwargs={"slot_id": slot_b.pk})),
        ("get", reverse("testing:notice", kwargs={"notice_id": notice_b.pk})),
        ("post", reverse("testing:notice_resend", kwargs={"notice_id": notice_b.pk})),
        ("get", f"/api/v1/testing/notices/{notice_b.pk}"),
        ("post", f"/api/v1/testing/slots/{slot_b.pk}/notice"),
    ]
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 404, url
    r = client.patch(f"/api/v1/testing/slots/{slot_b.pk}", data="{}", content_type="application/json")
    assert r.status_code == 404
    # The plan of the district is built by the district: a grid account cannot rebuild it.
    r = client.post(reverse("testing:plan_build", kwargs={"round_id": testing.round.pk}), {"confirm": "yes"})
    assert r.status_code == 404
    assert CallSlot.objects.filter(round=testing.round).count() == 9
    assert "外" not in client.get(reverse("testing:outbox")).content.decode()
    assert client.get("/api/v1/testing/outbox").json()["count"] == 0


# --------------------------------------------------------------------------------------- API


def test_api_build_patch_notice_and_deliveries(testing, django_capture_on_commit_callbacks):
    client = client_for(testing.manager)
    rnd = testing.round
    r = client.post(f"/api/v1/testing/rounds/{rnd.pk}/plan/build")
    assert r.status_code == 200, r.content
    summary = r.json()
    assert summary["slots"] == 9 and summary["people"] == 18 and summary["unassigned"] == 3
    plan = client.get(f"/api/v1/testing/rounds/{rnd.pk}/plan").json()
    assert plan["count"] == 9
    later = testing.site.opens_at + timedelta(hours=3)
    r = client.post(
        f"/api/v1/testing/rounds/{rnd.pk}/plan/build?start_at={later.isoformat().replace('+', '%2B')}"
    )
    assert r.status_code == 200 and r.json()["replaced"] == 9
    assert CallSlot.objects.filter(round=rnd).earliest("starts_at").starts_at >= later
    plan = client.get(f"/api/v1/testing/rounds/{rnd.pk}/plan").json()
    assert all(item["queue_per_table"] is not None for item in plan["items"])
    slot = plan["items"][0]
    r = client.patch(
        f"/api/v1/testing/slots/{slot['id']}",
        data=json.dumps({"starts_at": "2026-11-29T10:00:00+08:00", "ends_at": "2026-11-29T09:00:00+08:00"}),
        content_type="application/json",
    )
    assert r.status_code == 422
    r = client.patch(
        f"/api/v1/testing/slots/{slot['id']}",
        data=json.dumps({"starts_at": "2026-11-29T10:00:00+08:00", "ends_at": "2026-11-29T10:30:00+08:00"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["edited"] is True
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/api/v1/testing/slots/{slot['id']}/notice")
    assert r.status_code == 201, r.content
    notice_id = r.json()["id"]
    registrar = client_for(testing.registrar)
    body = registrar.get(f"/api/v1/testing/notices/{notice_id}").json()
    assert body["count"] == slot["people"] and body["counts"]["sent"] == slot["people"]
    assert all("*" in d["phone"] for d in body["items"])
    assert client.get("/api/v1/testing/outbox").json()["count"] == slot["people"]


def test_plan_notices_page_sends_once(testing, django_capture_on_commit_callbacks):
    build(testing)
    client = client_for(testing.manager)
    url = reverse("testing:plan_notices", kwargs={"round_id": testing.round.pk})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert Notice.objects.count() == 9
    assert NoticeDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 18
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert Notice.objects.count() == 9 and OutboxMessage.objects.count() == 18
    page = client.get(reverse("testing:plan", kwargs={"round_id": testing.round.pk})).content.decode()
    assert page.count(">noticed<") == 9
