"""Inspections: checklists versioned, answers from phones, score and verdict, orders numbered,
re-inspections, the campaign's summary sentence."""

import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.factories.inspections import kind, make_inspections, photograph_failures
from wangge.core.access import SYSTEM, scope_of
from wangge.inspections.campaigns.summary import summarise
from wangge.inspections.checklists.services import publish_version, specs_of
from wangge.inspections.inspecting import services as inspecting
from wangge.inspections.models import (
    ChecklistTemplate,
    Inspection,
    InspectionStatus,
    Order,
    OrderStatus,
    Verdict,
)
from wangge.inspections.orders import services as orders
from wangge.venues.models import VenueStatus

pytestmark = pytest.mark.django_db


def answer_all(inspection, actor, fail=(), note="消杀记录不详", days=0, suspend=False, phone=None):
    if note:
        photograph_failures(inspection, actor, fail)
    ops = []
    for a in inspection.answers.all():
        failed = a.text in fail
        ops.append({
            "opid": str(uuid.uuid4()), "kind": "answer", "inspection": inspection.pk, "item": a.item_id,
            "result": "fail" if failed else "pass", "note": note if failed else "",
            "client_id": str(uuid.uuid5(phone or uuid.NAMESPACE_URL, f"{inspection.pk}:{a.item_id}")),
        })  # fmt: skip
    ops.append(
        {
            "opid": str(uuid.uuid4()),
            "kind": "submit",
            "inspection": inspection.pk,
            "days": days,
            "suspend": suspend,
        }
    )
    return inspecting.sync(actor=actor, scope=scope_of(actor), ops=ops)


def test_campaign_gives_each_venue_an_inspection_with_copied_items(world):
    s = make_inspections(world)
    assert s.campaign.inspections.count() == 9
    i = s.campaign.inspections.first()
    assert i.answers.count() == i.template.items.count() > 5
    assert i.status == InspectionStatus.OPEN


def test_failing_critical_item_fails_whatever_the_score_and_issues_a_numbered_order(world):
    s = make_inspections(world)
    i1, i2 = list(s.campaign.inspections.order_by("id"))[:2]
    r = answer_all(i1, s.inspector, fail=("消杀记录是否完整",))
    assert all(x["ok"] for x in r), r
    i1.refresh_from_db()
    assert i1.verdict == Verdict.FAIL and i1.score >= 0.8 * i1.max_score
    assert r[-1]["order"]["notice_no"] == "2022-0001"
    assert r[-1]["order"]["deadline"] == "2022-03-29"
    answer_all(i2, s.inspector, fail=("消杀记录是否完整",), days=3)
    o2 = Order.objects.get(inspection=i2)
    assert o2.number == 2 and o2.deadline == date(2022, 4, 1) and not o2.immediate


def test_failure_needs_a_note_and_photo_when_the_item_says_so(world):
    s = make_inspections(world)
    i = s.campaign.inspections.first()
    r = answer_all(i, s.inspector, fail=("消杀记录是否完整",), note="")
    assert not r[-1]["ok"] and "say what was found" in r[-1]["message"]


def test_second_phone_is_refused_first_answer_wins(world):
    s = make_inspections(world)
    i = s.campaign.inspections.first()
    a = i.answers.first()
    op = {
        "opid": "1",
        "kind": "answer",
        "inspection": i.pk,
        "item": a.item_id,
        "result": "pass",
        "client_id": str(uuid.uuid4()),
    }
    r1 = inspecting.sync(actor=s.inspector, scope=scope_of(s.inspector), ops=[op])
    r_replay = inspecting.sync(actor=s.inspector, scope=scope_of(s.inspector), ops=[op])
    other = {**op, "opid": "2", "result": "fail", "client_id": str(uuid.uuid4())}
    r2 = inspecting.sync(actor=s.leader, scope=scope_of(s.leader), ops=[other])
    assert r1[0]["status"] == "saved" and r_replay[0]["status"] == "saved"
    assert r2[0]["status"] == "refused" and "another phone" in r2[0]["message"]
    a.refresh_from_db()
    assert a.result == "pass"


def test_foreign_inspection_is_not_found(world):
    s = make_inspections(world)
    from tests.factories.accounts import make_user

    outsider = make_user("outsider", world.other_office, "department_staff")
    i = s.campaign.inspections.first()
    r = inspecting.sync(
        actor=outsider, scope=scope_of(outsider), ops=[{"opid": "x", "kind": "submit", "inspection": i.pk}]
    )
    assert r[0]["status"] == "refused" and r[0]["message"] == "Not found."


def test_reinspection_closes_the_order_and_a_closed_order_is_refused(world):
    s = make_inspections(world)
    i = s.campaign.inspections.first()
    r = answer_all(i, s.inspector, fail=("消杀记录是否完整",), suspend=True)
    assert r[-1]["status"] == "refused" and "role does not allow" in r[-1]["message"]
    answer_all(i, s.leader, fail=("消杀记录是否完整",), suspend=True, phone=uuid.NAMESPACE_URL)
    order = Order.objects.get(inspection=i)
    assert order.venue.status == VenueStatus.SUSPENDED
    re = inspecting.start_inspection(actor=s.inspector, venue=order.venue, order=order, on=date(2022, 3, 30))
    assert [a.text for a in re.answers.all()] == ["消杀记录是否完整"]
    answer_all(re, s.inspector)
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    order.venue.refresh_from_db()
    assert order.venue.status == VenueStatus.OPEN
    with pytest.raises(ValidationError, match="cannot be re-inspected"):
        inspecting.start_inspection(actor=s.inspector, venue=order.venue, order=order)


def test_reinspection_failing_again_extends_with_a_reason(world):
    s = make_inspections(world)
    i = s.campaign.inspections.first()
    answer_all(i, s.inspector, fail=("消杀记录是否完整",))
    order = Order.objects.get(inspection=i)
    re = inspecting.start_inspection(actor=s.inspector, venue=order.venue, order=order, on=date(2022, 3, 30))
    r = answer_all(re, s.inspector, fail=("消杀记录是否完整",), days=0)
    assert not r[-1]["ok"]
    re.refresh_from_db()
    assert re.status == InspectionStatus.OPEN  # nothing half-written
    ops = [{"opid": "s", "kind": "submit", "inspection": re.pk, "days": 3, "reason": "消毒液缺货"}]
    r = inspecting.sync(actor=s.inspector, scope=scope_of(s.inspector), ops=ops)
    assert r[0]["ok"], r
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN and order.deadline == date(2022, 4, 2) and order.extensions == 1


def test_checklist_change_makes_a_new_version_past_inspections_keep_theirs(world):
    make_inspections(world)
    hotel = kind("hotel")
    old = ChecklistTemplate.objects.get(kind=hotel, is_current=True)
    specs = specs_of(old)
    specs[0].text = "新的检查项"
    published = publish_version(actor=SYSTEM, kind=hotel, items=specs, note="改写第一项")
    assert published.template.version == old.version + 1
    assert published.open_inspections == 2 and "keep the previous version" in published.message
    i = Inspection.objects.filter(venue__kind=hotel).first()
    assert i.template_id == old.pk
    assert "新的检查项" not in [a.text for a in i.answers.all()]


def test_summary_of_the_page_campaign_is_the_page_sentence(world):
    s = make_inspections(world)
    failing = {s.venues[2].pk, s.venues[5].pk}  # a restaurant and a supermarket
    for i in s.campaign.inspections.order_by("id"):
        answer_all(i, s.inspector, fail=("消杀记录是否完整",) if i.venue_id in failing else ())
    summary = summarise(s.campaign)
    assert summary.zh == (
        "此次活动共督查酒店2家、饭店3家、超市2家、中学1所、小学1所。从检查结果来看，整体情况较好，"
        "但也存在个别场所消杀记录不详等问题，对此，督查人员均责令其立即整改。"
    )
    assert summary.en.startswith(
        "This campaign inspected 2 hotels, 3 restaurants, 2 supermarkets, 1 middle school and 1 primary school."
    )
    assert "incomplete disinfection records" in summary.en


def test_data_check_prefills_from_the_disinfection_log(world):
    from wangge.venues.models import DisinfectionEntry

    s = make_inspections(world, mix=["hotel"], on=date.today())
    v = s.venues[0]
    for d in range(7):
        DisinfectionEntry.objects.create(venue=v, done_on=date.today() - timedelta(days=d), area="大厅")
    i = inspecting.start_inspection(actor=s.inspector, venue=v)
    a = i.answers.get(data_check="disinfection_log")
    assert a.suggested == "pass"
    v2 = s.campaign.inspections.first().answers.get(data_check="disinfection_log")
    assert v2.suggested == "fail" and "7 of the last 7" in v2.evidence


def test_overdue_orders_escalate_once_to_office_leaders(world):
    s = make_inspections(world)
    i = s.campaign.inspections.first()
    answer_all(i, s.inspector, fail=("消杀记录是否完整",))
    told = orders.escalate_overdue(on=date(2022, 4, 5))
    assert told == {world.office.pk: 1}
    assert orders.escalate_overdue(on=date(2022, 4, 6)) == {}


def test_repeated_failures_put_the_venue_under_watch(world):
    from wangge.inspections.campaigns.selectors import due_for_inspection

    s = make_inspections(world, mix=["hotel"], on=date.today())
    v = s.venues[0]
    answer_all(s.campaign.inspections.first(), s.inspector, fail=("消杀记录是否完整",))
    i2 = inspecting.start_inspection(actor=s.inspector, venue=v)
    answer_all(i2, s.inspector, fail=("消杀记录是否完整",))
    assert v.inspection_watch.flagged_at is not None
    due = due_for_inspection(scope_of(s.inspector))
    assert due[0].venue == v and due[0].watched and due[0].open_orders == 2


def test_joint_patrol_needs_a_mixed_team(world):
    from tests.factories.inspections import make_department, make_venue
    from wangge.inspections.campaigns.services import create_campaign
    from wangge.inspections.models import CampaignKind
    from wangge.roster.models import DepartmentKind

    shops = [make_venue(world.grid_a, "street_shop") for _ in range(3)]
    urban = make_department(world.office, DepartmentKind.URBAN_MANAGEMENT, "城管")
    police = make_department(world.office, DepartmentKind.POLICE_STATION, "派出所")
    market = make_department(world.office, DepartmentKind.MARKET_REGULATION, "市场监管所")
    args = {"actor": SYSTEM, "scope": scope_of(SYSTEM), "unit": world.office, "name": "联合巡查",
            "on_date": date(2022, 4, 2), "venues": shops, "kind": CampaignKind.PATROL}  # fmt: skip
    with pytest.raises(ValidationError, match="at least two departments"):
        create_campaign(**args, departments=[urban])
    patrol = create_campaign(**args, departments=[urban, police, market])
    assert [s.venue_id for s in patrol.stops.order_by("position")] == [v.pk for v in shops]
    assert patrol.inspections.count() == 3


def test_disinfection_plan_flags_missing_days(world):
    from wangge.inspections.disinfection import selectors, services

    plan = services.create_plan(
        actor=SYSTEM, scope=scope_of(SYSTEM), unit=world.village, place="村委会广场", every_days=2,
        starts_on=date(2022, 3, 1),
    )  # fmt: skip
    services.record_round(actor=SYSTEM, plan=plan, on=date(2022, 3, 10))
    _, made = services.record_round(actor=SYSTEM, plan=plan, on=date(2022, 3, 10))
    assert not made
    gaps = selectors.missing_days(scope_of(SYSTEM), until=date(2022, 3, 14), days=5)
    assert [d.day for d in gaps[0].missing] == [12, 13, 14]
    by_unit = selectors.missing_by_unit(gaps)
    assert by_unit[world.office.path] == 3
