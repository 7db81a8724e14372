"""The scoping walk (tests/test_scoping_discovery.py): data of every app in grid B and the other
office, foreign to an account of grid A; every route of the project; and the walk that finds every
way an account could read or change foreign data through them."""

import json
import re
from dataclasses import dataclass

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.factories.accounts import make_user
from tests.factories.inspections import foreign_inspections_records
from wangge.accounts import services as account_services
from wangge.accounts.models import ApiToken, Role, User
from wangge.core.access import SYSTEM
from wangge.org import services as org_services
from wangge.org.models import Level, OrgUnit
from wangge.roster import services as roster_services
from wangge.roster.models import Assignment, Department, StaffMember, WorkingGroup, WorkingGroupMember

METHODS = ["get", "post", "put", "patch", "delete"]


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def all_routes() -> list[tuple[str, URLPattern]]:
    return sorted(walk(get_resolver().url_patterns), key=lambda r: r[0])


PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def fill(route: str, values: dict[str, object]) -> str:
    def sub(m):
        name = m.group("name")
        if name not in values:
            raise KeyError(name)
        return str(values[name])

    url = PARAM.sub(sub, route)
    return "/" + url.lstrip("^").rstrip("$")


@dataclass
class Foreign:
    """What lies in grid B / the other office, invisible to grid A."""

    values: dict
    markers: list[str]


def foreign_setting(world):
    """What the `setting` fixture (tests/conftest.py) holds: grid B's and the other office's data
    in every app, foreign to an account of grid A, and a staff member of grid A."""
    system = SYSTEM
    # Our own grid's data, which the no-jurisdiction account must not see either.
    own_staff = StaffMember.objects.create(
        name="本格甲人员", unit=world.grid_a, path=world.grid_a.path, kind="grid_staff"
    )
    # Grid B and the other office: foreign to an account of grid A.
    staff_b = StaffMember.objects.create(
        name="外格乙人员", unit=world.grid_b, path=world.grid_b.path, kind="grid_staff", phone="13900000042"
    )
    assignment_b = roster_services.assign(actor=system, staff=staff_b, unit=world.grid_b, role="grid_leader")
    department = roster_services.create_department(
        actor=system, unit=world.other_office, kind="supervision", name="外办督查办"
    )
    group = roster_services.create_working_group(actor=system, office=world.other_office, name="外办排查组")
    staff_other = StaffMember.objects.create(
        name="外办丙人员", unit=world.other_office, path=world.other_office.path, kind="working_group"
    )
    member = roster_services.add_group_member(actor=system, group=group, staff=staff_other, is_lead=True)
    user_b = make_user("user_b_foreign", world.grid_b, "grid_leader")
    token_b, _raw = account_services.issue_token(actor=user_b, name="外格令牌")
    org_services.update_unit(
        actor=make_user("office_b_admin", world.other_office, "office_leader"),
        unit=world.other_grid,
        note="外办备注",
    )
    from wangge.audit.models import AuditEvent

    registry = registry_foreign(world)
    testing = foreign_testing_records(world, registry.values["person_id"])
    screening = foreign_screening_records(world, registry.values["person_id"])
    venues = foreign_venues_records(world)
    inspections_values, inspections_markers = foreign_inspections_records(world)
    gatherings = foreign_gatherings_records(world)
    duty = foreign_duty_records(world)
    event = AuditEvent.objects.filter(path__startswith=world.grid_b.path).first()
    foreign = Foreign(
        values={
            "unit_id": world.grid_b.pk,
            "staff_id": staff_b.pk,
            "assignment_id": assignment_b.pk,
            "department_id": department.pk,
            "group_id": group.pk,
            "member_id": member.pk,
            "user_id": user_b.pk,
            "token_id": token_b.pk,
            "event_id": event.pk,
            "role_id": Role.objects.get(code="grid_worker").pk,
            **registry.values,
            **testing.values,
            **screening.values,
            **venues.values,
            **inspections_values,
            **gatherings.values,
            **duty.values,
        },
        markers=[
            "乙网格",
            "丙网格",
            "外格乙人员",
            "外办督查办",
            "外办排查组",
            "外办丙人员",
            "user_b_foreign",
            "外格令牌",
            "外办备注",
            *testing.markers,
            *screening.markers,
            *venues.markers,
            *inspections_markers,
            *gatherings.markers,
            *duty.markers,
        ],
    )
    return foreign, own_staff


def registry_foreign(world) -> Foreign:
    """Registry records in grid B: a building, room, household, person, rental, tenancy, visit,
    party link and import job. Routes of the registry use these URL parameter names."""
    from django.core.files.base import ContentFile

    from wangge.registry import services as registry
    from wangge.registry.models import ImportJob, PartyLink, Rental, Tenancy, Visit

    building = registry.create_building(
        actor=SYSTEM, grid=world.grid_b, name="外格乙楼", address="外格乙路1号"
    )
    room = registry.get_or_create_room(actor=SYSTEM, building=building, number="101", unit_label="1单元")
    household = registry.create_household(actor=SYSTEM, room=room)
    person = registry.register_person(
        actor=SYSTEM,
        household=household,
        name="外格乙居民",
        id_type="resident_id",
        id_number="11010519491231002X",
        relation="head",
        phone="13900000077",
    )
    rental = Rental.objects.create(
        building=building,
        room=room,
        name="外格乙出租屋",
        address="外格乙路1号101",
        landlord=person,
        path=building.path,
    )
    tenancy = Tenancy.objects.create(
        rental=rental,
        person=person,
        move_in=timezone.localdate(),
        reported_on=timezone.localdate(),
        path=rental.path,
    )
    visit = Visit.objects.create(
        household=household, visitor_name="外格乙走访员", outcome="met", path=household.path
    )
    member = StaffMember.objects.create(
        name="外格乙党员",
        unit=world.grid_b,
        path=world.grid_b.path,
        kind="party_member",
        is_party_member=True,
    )
    link = PartyLink.objects.create(
        member=member, household=household, start_date=timezone.localdate(), path=household.path
    )
    owner = make_user("importer_b", world.grid_b, "grid_leader")
    job = ImportJob(
        kind="people",
        actor=owner,
        scope_unit=world.grid_b,
        path=world.grid_b.path,
        original_name="外格乙名单.xlsx",
        sha256="0" * 64,
    )
    job.file.save("b.csv", ContentFile(b"name\n"), save=True)
    return Foreign(
        values={
            "building_id": building.pk,
            "room_id": room.pk,
            "household_id": household.pk,
            "person_id": person.pk,
            "rental_id": rental.pk,
            "tenancy_id": tenancy.pk,
            "visit_id": visit.pk,
            "link_id": link.pk,
            "job_id": job.pk,
            # A village the grid account does not cover (its roll's held rows, its rules).
            "village_id": world.other_village.pk,
        },
        markers=[
            "外格乙楼",
            "外格乙路",
            "外格乙居民",
            "11010519491231002X",
            "外格乙出租屋",
            "外格乙走访员",
            "外格乙党员",
            "外格乙名单",
        ],
    )


def foreign_testing_records(world, person_id: int) -> Foreign:
    """Testing records outside grid A: a round organised by the other office; in a district round
    (which grid A may see), a site in grid B with its tube, sample, box, handover, result, re-test,
    alert, calling batch, notice and delivery; and the district's checklist items."""
    from datetime import timedelta

    from wangge.registry.models import Person
    from wangge.testing import models as t

    now = timezone.now()
    person = Person.objects.get(pk=person_id)
    foreign_round = t.Round.objects.create(
        name="外办第九轮",
        owner=world.other_office,
        path=world.other_office.path,
        starts_at=now,
        ends_at=now + timedelta(hours=8),
    )
    district_round = t.Round.objects.create(
        name="全区第一轮",
        owner=world.district,
        path=world.district.path,
        starts_at=now,
        ends_at=now + timedelta(hours=8),
        status=t.RoundStatus.OPEN,
        population_built_at=now,
    )
    area = t.RoundArea.objects.create(round=foreign_round, unit=world.other_office, pool_size=20)
    group = t.RoundGroup.objects.create(round=foreign_round, name="外办冷链人员", pool_size=1)
    site = t.Site.objects.create(
        round=district_round,
        name="外格乙采样点",
        unit=world.grid_b,
        path=world.grid_b.path,
        tables=2,
        opens_at=now,
        closes_at=now + timedelta(hours=8),
        address="外格乙广场",
    )
    role_item = t.ChecklistItem.objects.get_or_create(kind="staff_role", name="扫码员")[0]
    check_item = t.ChecklistItem.objects.get_or_create(kind="readiness", name="一个登记台")[0]
    site_staff = t.SiteStaff.objects.create(
        site=site, role=role_item, name="外格乙扫码员", phone="13900000088"
    )
    site_check = t.SiteCheck.objects.create(site=site, item=check_item)
    due = t.Due.objects.create(
        round=district_round, person=person, grid=world.grid_b, pool_size=10, path=person.path,
        status=t.DueStatus.TESTED, result=t.PersonResult.POOL_POSITIVE, retest_needed=True,
    )  # fmt: skip
    t.CoverageCounter.objects.create(
        round=district_round, grid=world.grid_b, path=world.grid_b.path, due=1, tested=1
    )
    box = t.Box.objects.create(round=district_round, site=site, code="BOXB0001", path=site.path)
    tube = t.Tube.objects.create(
        round=district_round, barcode="TUBEB0001", site=site, capacity=10, filled=1, status="sealed",
        result="positive", path=site.path, box=box,
    )  # fmt: skip
    sample = t.Sample.objects.create(
        round=district_round, tube=tube, person=person, due=due, site=site, scanned_at=now, path=person.path
    )
    handover = t.Handover.objects.create(
        box=box, stage="site_to_transport", at=now, from_name="外格乙交接人", to_name="外格乙转运员",
        tube_barcodes=["TUBEB0001"],
    )  # fmt: skip
    report = t.ResultReport.objects.create(
        tube=tube, result="positive", reported_at=now, source="api", conflict=True
    )
    retest = t.Retest.objects.create(
        round=district_round, due=due, person=person, origin_tube=tube, reason="positive", path=person.path
    )
    alert = t.Alert.objects.create(
        round=district_round,
        grid=world.grid_b,
        tube=tube,
        result="positive",
        people=1,
        path=world.grid_b.path,
    )
    slot = t.CallSlot.objects.create(
        round=district_round, site=site, kind="grid", grid=world.grid_b, label="外格乙第一批",
        starts_at=now, ends_at=now + timedelta(minutes=30), people=1, path=world.grid_b.path,
    )  # fmt: skip
    notice = t.Notice.objects.create(slot=slot, channel="outbox", text="外格乙通知")
    delivery = t.NoticeDelivery.objects.create(notice=notice, person=person, path=person.path)
    outbox = t.OutboxMessage.objects.create(
        channel="outbox", phone="13900000077", text="外格乙短信", path=person.path
    )
    return Foreign(
        values={
            "round_id": foreign_round.pk,
            "area_id": area.pk,
            "round_group_id": group.pk,
            "site_id": site.pk,
            "site_staff_id": site_staff.pk,
            "check_id": site_check.pk,
            "item_id": check_item.pk,
            "due_id": due.pk,
            "box_id": box.pk,
            "tube_id": tube.pk,
            "barcode": tube.barcode,
            "sample_id": sample.pk,
            "client_id": sample.client_id,
            "handover_id": handover.pk,
            "report_id": report.pk,
            "retest_id": retest.pk,
            "alert_id": alert.pk,
            "slot_id": slot.pk,
            "notice_id": notice.pk,
            "delivery_id": delivery.pk,
            "outbox_id": outbox.pk,
        },
        markers=[
            "外办第九轮",
            "外办冷链人员",
            "外格乙采样点",
            "外格乙广场",
            "外格乙扫码员",
            "外格乙交接人",
            "外格乙转运员",
            "外格乙第一批",
            "外格乙通知",
            "外格乙短信",
        ],
    )


def foreign_venues_records(world) -> Foreign:
    """A venue of grid B with a staff line, a disinfection line and its own account; the kinds are
    the district's data (edited at district level only)."""
    from tests.factories.registry import rid
    from tests.factories.venues import make_venue, make_venue_account
    from wangge.registry import services as registry
    from wangge.venues.models import VenueKind, VenueStaff

    venue = make_venue(world.grid_b, name="外格乙宾馆", responsible_phone="13900000088")
    person = registry.register_provisional(
        actor=SYSTEM, grid=world.grid_b, name="外格乙员工", id_type="resident_id", id_number=rid(777)
    )
    staff = VenueStaff.objects.create(venue=venue, person=person, job="外格乙前台")
    make_venue_account(venue, phone="13900000099")
    return Foreign(
        values={
            "venue_id": venue.pk,
            "venue_staff_id": staff.pk,
            "kind_id": VenueKind.objects.get(code="hotel").pk,
        },
        markers=["外格乙宾馆", "外格乙员工", "外格乙前台"],
    )


def unscoped_venues_rows(own_venue=None) -> list:
    """What venues keep (no path of their own: their venue's), their accounts and the kinds;
    given `own_venue`, what the other venues keep (a venue account writes its own lines)."""
    from wangge.venues import models as v

    def kept(model):
        qs = model.objects.all() if own_venue is None else model.objects.exclude(venue=own_venue)
        return sorted(qs.values_list())

    return [
        sorted(v.VenueKind.objects.values_list()),
        kept(v.VenueStaff),
        kept(v.DisinfectionEntry),
        kept(v.VisitorEntry),
        sorted(v.VenueAccount.objects.values_list()),
    ]


def path_models_of_venues() -> list:
    from wangge.venues.models import Venue

    return [Venue]


def foreign_screening_records(world, person_id: int) -> Foreign:
    """Screening records outside grid A: a screening record of grid B's person with a sighting, an
    imported batch, a measure in force with its phase, test, daily check, escalation and service
    request, a bulk order of grid B, and a self-report in the other office's village. Categories,
    risk areas and rules are the district's data: visible to all, edited at district level only."""
    from datetime import timedelta

    from wangge.registry.models import Person
    from wangge.screening import models as s

    today = timezone.localdate()
    person = Person.objects.get(pk=person_id)
    cadre = make_user("decider_b", world.grid_b, "village_cadre")
    approver = make_user("approver_b", world.other_office, "office_leader")
    category = s.Category.objects.get(code="close_contact")
    area = s.RiskArea.objects.create(province="外格省", level="high", valid_from=today)
    policy = s.MeasurePolicy.objects.filter(trigger="travel").first()
    batch = s.ScreeningBatch.objects.create(
        name="外格乙协查批次", unit=world.grid_b, path=world.grid_b.path, total_rows=1
    )
    record = s.ScreeningRecord.objects.create(
        person=person, grid=world.grid_b, path=person.path, source="assist_list", batch=batch,
        came_from="外格省", arrival_date=today, dedupe_key=f"t:{person.pk}:{today}", note="外格乙摸排备注",
    )  # fmt: skip
    sighting = s.ScreeningSighting.objects.create(record=record, source="assist_list", batch=batch)
    self_report = s.SelfReport.objects.create(
        receipt="WGB00001", name="外格乙上报人", id_number="11010519491231002X", phone="13900000099",
        came_from="外格省", arrival_date=today, village=world.other_village, address="外格丙路",
        path=world.other_village.path,
    )  # fmt: skip
    order = s.BulkOrder.objects.create(
        name="外格乙封控令", kind="home_quarantine", basis_kind="order", basis_text="外格乙通知",
        unit=world.grid_b, path=world.grid_b.path, proposed_by=cadre, people_count=1,
    )  # fmt: skip
    measure = s.Measure.objects.create(
        person=person, grid=world.grid_b, path=person.path, screening=record, kind="home_quarantine",
        confining=True, status="active", starts_on=today, ends_on=today + timedelta(days=6),
        place="外格乙隔离酒店", basis_kind="order", basis_text="外格乙依据", basis_facts={"order_ref": "B-1"},
        decided_by=cadre, decided_at=timezone.now(), approved_by=approver, approved_at=timezone.now(),
        checked_through=today - timedelta(days=1),
    )  # fmt: skip
    s.MeasurePhase.objects.create(
        measure=measure, kind="home_quarantine", starts_on=today, ends_on=today + timedelta(days=6)
    )
    test = s.MeasureTest.objects.create(measure=measure, day_no=1, on_date=today, path=person.path)
    check = s.DailyCheck.objects.create(
        measure=measure, on_date=today, temperature="36.5", note="外格乙体温备注", path=person.path
    )
    escalation = s.Escalation.objects.create(
        measure=measure, kind="fever", daily_check=check, detail="外格乙异常", path=person.path
    )
    service = s.ServiceRequest.objects.create(
        measure=measure, kind="groceries", detail="外格乙服务", path=person.path
    )
    return Foreign(
        values={
            "category_id": category.pk,
            "risk_area_id": area.pk,
            "policy_id": policy.pk,
            "batch_id": batch.pk,
            "record_id": record.pk,
            "sighting_id": sighting.pk,
            "self_report_id": self_report.pk,
            "receipt": self_report.receipt,
            "order_id": order.pk,
            "measure_id": measure.pk,
            "test_id": test.pk,
            "daily_check_id": check.pk,
            "escalation_id": escalation.pk,
            "service_id": service.pk,
        },
        markers=[
            "外格乙协查批次",
            "外格乙摸排备注",
            "外格乙上报人",
            "外格丙路",
            "外格乙封控令",
            "外格乙通知",
            "外格乙隔离酒店",
            "外格乙依据",
            "外格乙体温备注",
            "外格乙异常",
            "外格乙服务",
        ],
    )


def foreign_duty_records(world) -> Foreign:
    """Duty in grid B and the other village: a checkpoint with its shifts, a volunteer on duty
    there and their task. Routes of duty use these URL parameter names."""
    from datetime import timedelta

    from django.utils import timezone

    from wangge.duty.checkpoints import services as checkpoints
    from wangge.duty.models import Shift
    from wangge.duty.shifts import services as roster
    from wangge.duty.volunteers import services as volunteers

    cp = checkpoints.create_checkpoint(actor=SYSTEM, grid=world.grid_b, name="外格卡点", kind="road")
    checkpoints.make_shifts(actor=SYSTEM, checkpoint=cp, start=timezone.localdate(), days=2)
    shift = Shift.objects.filter(checkpoint=cp, ends_at__gt=timezone.now()).order_by("starts_at").first()
    volunteer, _created = volunteers.sign_up(
        village=world.other_village, name="外村志愿者", phone="13800009999", id_number="11010519491231002X"
    )
    volunteers.vet(actor=SYSTEM, volunteer=volunteer, accept=True)
    duty = roster.assign(actor=SYSTEM, shift=shift, volunteer=volunteer)
    now = timezone.now()
    task = volunteers.schedule_task(
        actor=SYSTEM, volunteer=volunteer, kind="service", starts_at=now, ends_at=now + timedelta(hours=2)
    )
    return Foreign(
        values={
            "checkpoint_id": cp.pk,
            "shift_id": shift.pk,
            "duty_id": duty.pk,
            "volunteer_id": volunteer.pk,
            "task_id": task.pk,
        },
        markers=["外格卡点", "外村志愿者"],
    )


def missing_values(values: dict) -> dict:
    return dict.fromkeys(values, 987654)


def hostile_payload(world, foreign: Foreign) -> dict:
    """Every field name our forms and schemas use for a reference, pointed at grid B."""
    b = world.grid_b.pk
    v = foreign.values
    return {
        "unit": b,
        "unit_id": b,
        "parent": b,
        "parent_id": b,
        "new_parent": b,
        "new_parent_id": b,
        "under": b,
        "under_id": b,
        "office": world.other_office.pk,
        "office_id": world.other_office.pk,
        "jurisdiction": b,
        "jurisdiction_id": b,
        "staff": v["staff_id"],
        "staff_id": v["staff_id"],
        "department": v["department_id"],
        "department_id": v["department_id"],
        "group": v["group_id"],
        "member": v["member_id"],
        "user": v["user_id"],
        "assignment": v["assignment_id"],
        "name": "HOSTILE",
        "code": "HOSTILE-1",
        "level": Level.GRID,
        "role": "grid_leader",
        "kind": "grid_staff",
        "start_date": timezone.localdate().isoformat(),
        "username": "hostile_user",
        "password": "Very-long-pass-123",
        "new_password": "Very-long-pass-123",
        "roles": [Role.objects.get(code="grid_worker").pk],
        "is_lead": "on",
        "reason": "x",
        "confirm": "yes",
        "note": "HOSTILE",
        "display_name": "HOSTILE",
        "is_active": "on",
        "grid": b,
        "grid_id": b,
        "building": v["building_id"],
        "building_id": v["building_id"],
        "room": v["room_id"],
        "room_id": v["room_id"],
        "household": v["household_id"],
        "household_id": v["household_id"],
        "person": v["person_id"],
        "person_id": v["person_id"],
        "landlord": v["person_id"],
        "rental": v["rental_id"],
        "rental_id": v["rental_id"],
        "keep": v["person_id"],
        "drop": v["person_id"],
        "id_number": "11010519491231002X",
        "id_type": "resident_id",
        "q": "外格乙",
        "token": "WG1:1.1:x",
        "unit_label": "1单元",
        "number": "101",
        "round": v["round_id"],
        "round_id": v["round_id"],
        "site": v["site_id"],
        "site_id": v["site_id"],
        "sites": [v["site_id"]],
        "tube": v["barcode"],
        "tube_id": v["tube_id"],
        "barcode": v["barcode"],
        "box": v["box_id"],
        "box_id": v["box_id"],
        "due": v["due_id"],
        "due_id": v["due_id"],
        "slot": v["slot_id"],
        "slot_id": v["slot_id"],
        "sample": v["sample_id"],
        "sample_id": v["sample_id"],
        "client_id": str(v["client_id"]),
        "retest_id": v["retest_id"],
        "alert_id": v["alert_id"],
        "report_id": v["report_id"],
        "grids": [b],
        "buildings": [v["building_id"]],
        "areas": [world.other_office.pk],
        "table_no": 1,
        "result": "negative",
        "accept": "on",
        "scans": [
            {
                "client_id": str(v["client_id"]),
                "tube": v["barcode"],
                "code": "",
                "id_number": "11010519491231002X",
            }
        ],
        "results": [{"barcode": v["barcode"], "result": "negative"}],
        "tubes": [v["barcode"]],
        "measure": v["measure_id"],
        "measure_id": v["measure_id"],
        "measures": [v["measure_id"]],
        "record": v["record_id"],
        "record_id": v["record_id"],
        "records": [v["record_id"]],
        "people": [v["person_id"]],
        "category": v["category_id"],
        "category_id": v["category_id"],
        "policy": v["policy_id"],
        "order": v["order_id"],
        "order_id": v["order_id"],
        "test": v["test_id"],
        "test_id": v["test_id"],
        "service": v["service_id"],
        "escalation": v["escalation_id"],
        "batch": v["batch_id"],
        "self_report": v["self_report_id"],
        "village": world.other_village.pk,
        "assigned_to": v["staff_id"],
        "confirm_count": 1,
        "temperature": "38.5",
        "present": "on",
        "days": 7,
        "starts_on": timezone.localdate().isoformat(),
        "basis_kind": "order",
        "basis_text": "HOSTILE",
        "order_ref": "HOSTILE",
        **hostile_venues_payload(v),
    }


def hostile_venues_payload(v: dict) -> dict:
    """The venues part's references, pointed at grid B's venue and the registry's shop there."""
    return {
        "venue": v["venue_id"],
        "venue_id": v["venue_id"],
        "shop": v["rental_id"],
        "shop_id": v["rental_id"],
        "area": "HOSTILE",
        "done_on": timezone.localdate().isoformat(),
        "code_colour": "green",
    }


def foreign_fingerprint(own_root: OrgUnit, actor: User, own_venue=None) -> list:
    """Every row that lies outside the actor's subtree, as it is now (and, given `own_venue`,
    every line a venue keeps except that venue's own)."""
    p = own_root.path
    rows = []
    from wangge.registry import models as reg

    for model in (
        OrgUnit,
        StaffMember,
        Assignment,
        Department,
        WorkingGroup,
        reg.Building,
        reg.Room,
        reg.Household,
        reg.Person,
        reg.Rental,
        reg.Tenancy,
        reg.Visit,
        reg.PartyLink,
        reg.ImportJob,
        *path_models_of_testing(),
        *path_models_of_screening(),
        *path_models_of_venues(),
    ):
        rows.append(sorted(model.objects.exclude(path__startswith=p).values_list()))
    rows.append(sorted(WorkingGroupMember.objects.values_list()))
    rows.append(
        sorted(
            User.objects.exclude(pk=actor.pk).values_list(
                "id", "username", "password", "is_active", "jurisdiction_id", "display_name"
            )
        )
    )
    rows.append(
        sorted(User.roles.through.objects.exclude(user_id=actor.pk).values_list("user_id", "role_id"))
    )
    rows.append(sorted(ApiToken.objects.exclude(user=actor).values_list()))
    rows.append(sorted(Role.objects.values_list()))
    rows.extend(unscoped_testing_rows())
    rows.extend(unscoped_screening_rows())
    rows.extend(unscoped_venues_rows(own_venue))
    return rows


def path_models_of_screening() -> list:
    from wangge.screening import models as s

    return [
        s.ScreeningBatch,
        s.ScreeningRecord,
        s.SelfReport,
        s.BulkOrder,
        s.Measure,
        s.MeasureTest,
        s.DailyCheck,
        s.Escalation,
        s.ServiceRequest,
    ]


def unscoped_screening_rows() -> list:
    """The district's rules (edited at district level only) and rows without a path of their own."""
    from wangge.screening import models as s

    return [
        sorted(s.Category.objects.values_list()),
        sorted(s.RiskArea.objects.values_list()),
        sorted(s.MeasurePolicy.objects.values_list()),
        sorted(s.PolicyPhase.objects.values_list()),
        sorted(s.ScreeningSighting.objects.values_list()),
        sorted(s.MeasurePhase.objects.values_list()),
    ]


def path_models_of_testing() -> list:
    from wangge.testing import models as t

    return [
        t.Round,
        t.Site,
        t.Due,
        t.CoverageCounter,
        t.CallSlot,
        t.NoticeDelivery,
        t.Tube,
        t.Sample,
        t.Box,
        t.Retest,
        t.Alert,
        t.OutboxMessage,
    ]


def unscoped_testing_rows() -> list:
    """Testing rows without a path of their own, with the path of what they belong to."""
    from wangge.testing import models as t

    return [
        sorted(t.ChecklistItem.objects.values_list()),
        sorted(t.RoundArea.objects.values_list()),
        sorted(t.RoundGroup.objects.values_list()),
        sorted(t.SiteStaff.objects.values_list()),
        sorted(t.SiteCheck.objects.values_list()),
        sorted(t.Notice.objects.values_list()),
        sorted(t.Handover.objects.values_list()),
        sorted(t.ResultReport.objects.values_list()),
        sorted(t.Site.grids.through.objects.values_list()),
        sorted(t.Site.buildings.through.objects.values_list()),
    ]


def request(client: Client, method: str, url: str, payload: dict, as_json: bool):
    if method == "get":
        return client.get(url, {k: v for k, v in payload.items() if not isinstance(v, list)})
    if as_json:
        return getattr(client, method)(url, data=json.dumps(payload), content_type="application/json")
    if method == "post":
        return client.post(url, payload)
    return getattr(client, method)(url, data="", content_type="application/x-www-form-urlencoded")


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def violations(
    routes, actor: User, own_root: OrgUnit, foreign: Foreign, payload: dict, fingerprint=None
) -> list[str]:
    """Every way in which `actor` could read or change `foreign` data through `routes`.
    `fingerprint` (no arguments) gives every row the actor must not change; by default, every row
    outside `own_root`'s subtree."""
    found = []
    if fingerprint is None:

        def fingerprint():
            return foreign_fingerprint(own_root, actor)

    before = fingerprint()
    for route, _pattern in routes:
        try:
            url = fill(route, foreign.values)
            missing_url = fill(route, missing_values(foreign.values))
        except KeyError as exc:
            found.append(
                f"route {route!r} takes a parameter {exc} with no foreign value in the fixture: add one"
            )
            continue
        has_object = bool(PARAM.search(route))
        is_api = route.startswith("api/")
        for method in METHODS:
            client = Client(raise_request_exception=False)
            client.force_login(actor)
            response = request(client, method, url, payload, is_api)
            status = response.status_code
            where = f"{method.upper()} {url}"
            if status >= 500:
                found.append(f"{where} → {status}")
            leaked = [m for m in foreign.markers if m in body(response)]
            if leaked:
                found.append(f"{where} shows {leaked}")
            if has_object and status != 405:
                # Out of scope answers exactly like missing.
                missing = request(client, method, missing_url, payload, is_api).status_code
                if status != missing or status not in (403, 404):
                    found.append(f"{where} → {status}, a missing record → {missing}")
            after = fingerprint()
            if after != before:
                found.append(f"{where} changed data outside the actor's subtree")
                before = after
    return found


def foreign_gatherings_records(world) -> Foreign:
    """A funeral in grid B, approved, with a check on the day: foreign to grid A."""
    import uuid

    from wangge.gatherings.approvals import services as approvals
    from wangge.gatherings.day import services as day
    from wangge.gatherings.models import GatheringKind
    from wangge.gatherings.reports import services as reports

    today = timezone.localdate()
    gathering = reports.submit(
        actor=SYSTEM, client_token=uuid.uuid4(), kind=GatheringKind.objects.get(code="funeral"),
        host_name="外格办丧人", host_id_number="11010519491231002X", host_phone="13900000077",
        unit=world.grid_b, address="乙网格外格地址", starts_on=today, ends_on=today,
        meals=[reports.MealIn(on=today, diners=20)],
    )  # fmt: skip
    gathering = approvals.approve(actor=SYSTEM, gathering=gathering, conditions=["外格条件"])
    check = day.record_day_check(actor=SYSTEM, gathering=gathering, actual_diners=20, conditions_kept=True)
    return Foreign(
        values={"gathering_id": gathering.pk, "check_id": check.pk},
        markers=["外格办丧人", "乙网格外格地址", "外格条件"],
    )


@dataclass
class VenueAccountSetting:
    """A venue account of grid A, its venue, and what it must never see or change: the setting's
    foreign data plus another venue in the same grid with everything a venue keeps."""

    actor: User
    venue: object
    foreign: Foreign
    own_markers: list[str]


def venue_account_setting(world, foreign: Foreign) -> VenueAccountSetting:
    """The venue account's walk: URL values point at the neighbour venue of the same grid A (its
    staff line, inspection, campaign, order); the markers are the setting's and the neighbour's."""
    from datetime import datetime, time

    from tests.factories.inspections import make_order
    from tests.factories.registry import rid
    from tests.factories.venues import make_venue, make_venue_account
    from wangge.registry import services as registry
    from wangge.venues.models import DisinfectionEntry, VenueStaff, VisitorEntry

    today = timezone.localdate()
    own = make_venue(
        world.grid_a, name="本店甲中学", kind_code="middle_school", responsible_phone="13900000101"
    )
    own_person = registry.register_provisional(
        actor=SYSTEM, grid=world.grid_a, name="本店甲员工", id_type="resident_id", id_number=rid(701)
    )
    VenueStaff.objects.create(venue=own, person=own_person, job="本店甲前台")
    DisinfectionEntry.objects.create(venue=own, done_on=today, area="本店甲大堂", agent="84消毒液")
    VisitorEntry.objects.create(
        venue=own, at=timezone.now(), name="本店甲访客", code_colour="green", temperature="36.5"
    )
    make_order(world.grid_a, own, what="本店甲整改事项", name="本店甲督查活动")
    actor, _password = make_venue_account(own, phone="13900000102")

    other = make_venue(
        world.grid_a, name="邻店丁学校", kind_code="middle_school", responsible_phone="13900000103"
    )
    person = registry.register_provisional(
        actor=SYSTEM, grid=world.grid_a, name="邻店丁员工", id_type="resident_id", id_number=rid(702)
    )
    staff = VenueStaff.objects.create(venue=other, person=person, job="邻店丁厨师")
    DisinfectionEntry.objects.create(
        venue=other, done_on=today, done_at=time(9, 0), area="邻店丁后厨", agent="邻店丁消毒剂",
        done_by="邻店丁保洁",
    )  # fmt: skip
    VisitorEntry.objects.create(
        venue=other, at=timezone.make_aware(datetime.combine(today, time(8, 0))), name="邻店丁访客",
        phone="13900000104", code_colour="green", temperature="36.6", purpose="邻店丁送货",
    )  # fmt: skip
    order = make_order(world.grid_a, other, what="邻店丁整改事项", name="邻店丁督查活动")
    make_venue_account(other, phone="13900000105")
    values = dict(
        foreign.values,
        venue_id=other.pk,
        venue_staff_id=staff.pk,
        inspection_id=order.inspection_id,
        campaign_id=order.inspection.campaign_id,
        rectification_id=order.pk,
    )
    markers = [
        *foreign.markers,
        "邻店丁学校",
        "邻店丁员工",
        "邻店丁厨师",
        "邻店丁后厨",
        "邻店丁消毒剂",
        "邻店丁保洁",
        "邻店丁访客",
        "邻店丁送货",
        "邻店丁整改事项",
        "邻店丁督查活动",
        order.notice_no,
        "13900000103",
        "13900000104",
    ]
    own_markers = ["本店甲中学", "本店甲员工", "本店甲前台", "本店甲大堂", "本店甲访客", "本店甲整改事项"]
    return VenueAccountSetting(actor, own, Foreign(values=values, markers=markers), own_markers)


def venue_account_fingerprint(actor: User, venue) -> list:
    """Every row a venue account must not change: all rows with a path (none is its own: it has no
    subtree), the lines other venues keep, and every inspection row but its own venue's orders
    (which it acknowledges)."""
    from wangge.inspections import models as i

    nowhere = OrgUnit(path="/nowhere/")
    rows = foreign_fingerprint(nowhere, actor, own_venue=venue)
    for model in (i.Campaign, i.Inspection, i.Answer, i.Photo, i.ChecklistTemplate, i.ChecklistItem,
                  i.DisinfectionPlan, i.DisinfectionRound, i.VenueWatch):  # fmt: skip
        rows.append(sorted(model.objects.values_list()))
    rows.append(sorted(i.Order.objects.exclude(venue=venue).values_list()))
    rows.append(sorted(i.Campaign.departments.through.objects.values_list()))
    rows.append(sorted(i.CampaignStop.objects.values_list()))
    return rows
