"""Measures: the rules propose, a person decides, a second person at office level approves what
confines, tests become due in testing, results come back, release with a notice; bulk orders."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import testing_rid as rid
from wangge.screening.intake import services as intake
from wangge.screening.measures import services
from wangge.screening.models import (
    BasisKind,
    Measure,
    MeasureStatus,
    MeasureTest,
    ScreeningSource,
    ScreeningStatus,
)
from wangge.testing.models import Due, DueSource, Round, RoundKind

pytestmark = pytest.mark.django_db


def returnee(person, days_ago=1, came_from="北京市朝阳区望京街道"):
    return intake.Report(
        name=person.name,
        id_number=person.id_number,
        phone=person.phone,
        came_from=came_from,
        arrival_date=timezone.localdate() - timedelta(days=days_ago),
    )


def test_a_high_risk_returnee_gets_7_plus_3_proposed_by_the_rule(screening):
    person = screening.people_a[0]
    outcome = intake.screen_one(
        actor=screening.grid_leader, source=ScreeningSource.DOOR_TO_DOOR, report=returnee(person, 0)
    )
    measure = outcome.measure
    assert outcome.created and measure is not None
    assert measure.status == MeasureStatus.PROPOSED
    assert [(p.kind, (p.ends_on - p.starts_on).days + 1) for p in measure.phases.all()] == [
        ("centralised", 7),
        ("home_monitoring", 3),
    ]
    assert measure.basis_kind == BasisKind.RULE
    assert "7+3" in measure.basis_text and "朝阳区" in measure.basis_text
    assert measure.basis_facts["risk_level"] == "high"
    assert measure.proposed_by == screening.grid_leader
    outcome.record.refresh_from_db()
    assert outcome.record.status == ScreeningStatus.PROPOSED


def test_decide_then_approve_by_another_puts_tests_due_in_testing(screening, world):
    person = screening.people_a[0]
    measure = intake.screen_one(
        actor=screening.grid_leader, source="door_to_door", report=returnee(person, 0)
    ).measure
    measure = services.decide_measure(actor=screening.cadre, measure=measure)
    assert measure.status == MeasureStatus.AWAITING_APPROVAL
    assert not MeasureTest.objects.filter(measure=measure).exists()
    with pytest.raises(PermissionDenied):  # a village cadre is not office level
        services.approve_measure(actor=screening.cadre, measure=measure)
    measure = services.approve_measure(actor=screening.approver, measure=measure, note="同意")
    assert measure.status == MeasureStatus.ACTIVE
    days = sorted(MeasureTest.objects.filter(measure=measure).values_list("day_no", flat=True))
    assert days == [1, 2, 3, 5, 7, 10]
    today_test = MeasureTest.objects.get(measure=measure, day_no=1)
    assert today_test.due is not None
    due = Due.objects.get(pk=today_test.due_id)
    assert due.source == DueSource.MEASURE and due.home_sampling and due.pool_size == 1
    assert (
        due.round.kind == RoundKind.KEY_PEOPLE
        and str(due.round.owner_id) == person.path.strip("/").split("/")[1]
    )
    assert Round.objects.filter(kind=RoundKind.KEY_PEOPLE).count() == 6


def test_the_decider_cannot_approve_their_own_decision(screening):
    person = screening.people_a[1]
    measure = intake.screen_one(
        actor=screening.grid_leader, source="door_to_door", report=returnee(person, 0)
    ).measure
    services.decide_measure(actor=screening.approver, measure=measure)
    with pytest.raises(ValidationError):
        services.approve_measure(actor=screening.approver, measure=measure)
    measure = services.approve_measure(actor=screening.approver2, measure=measure)
    assert measure.status == MeasureStatus.ACTIVE


def test_the_database_refuses_a_measure_without_basis_or_approval(screening):
    person = screening.people_a[2]
    today = timezone.localdate()
    base = {
        "person": person,
        "grid": person.grid,
        "path": person.path,
        "kind": "home_quarantine",
        "starts_on": today,
        "ends_on": today,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Measure.objects.create(**base, basis_kind="rule", basis_text="", confining=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Measure.objects.create(**base, basis_kind="order", basis_text="x", confining=True, status="active")
    with pytest.raises(IntegrityError), transaction.atomic():
        Measure.objects.create(
            **base, basis_kind="order", basis_text="x", confining=True, status="active",
            decided_by=screening.approver, decided_at=timezone.now(),
            approved_by=screening.approver, approved_at=timezone.now(),
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.propose_measure(
            actor=screening.cadre, person=person, kind="home_quarantine", starts_on=today, days=7,
            test_days=[1, 4, 7], basis_kind=BasisKind.CONTACT, basis_text="接触", facts={},
        )  # fmt: skip


def test_release_needs_the_end_and_negative_tests_then_gives_a_notice(screening, settings):
    person = screening.people_a[3]
    measure = intake.screen_one(
        actor=screening.grid_leader, source="door_to_door", report=returnee(person, 0)
    ).measure
    services.decide_measure(actor=screening.cadre, measure=measure)
    measure = services.approve_measure(actor=screening.approver, measure=measure)
    with pytest.raises(ValidationError):
        services.release_measure(actor=screening.cadre, measure=measure)
    # Ten days pass: every test day comes and its result is negative.
    shift = timedelta(days=10)
    Measure.objects.filter(pk=measure.pk).update(
        starts_on=measure.starts_on - shift, ends_on=measure.ends_on - shift
    )
    for test in MeasureTest.objects.filter(measure=measure):
        test.on_date -= shift
        test.save()
        services.record_test_result(
            actor=screening.grid_leader, test=test, result="negative", lab="港区检测中心"
        )
    measure.refresh_from_db()
    assert services.release_check(measure).ok
    measure = services.release_measure(actor=screening.cadre, measure=measure)
    assert measure.status == MeasureStatus.RELEASED and measure.release_notice_no.startswith("JC")


def test_a_positive_testing_result_settles_the_measure_test_and_escalates(screening):
    from wangge.screening.models import Escalation
    from wangge.testing.signals import person_results

    person = screening.people_a[0]
    measure = intake.screen_one(
        actor=screening.grid_leader, source="door_to_door", report=returnee(person, 0)
    ).measure
    services.decide_measure(actor=screening.cadre, measure=measure)
    services.approve_measure(actor=screening.approver, measure=measure)
    test = MeasureTest.objects.get(measure=measure, day_no=1)
    person_results.send(sender=None, results=[(test.due_id, "positive")])
    test.refresh_from_db()
    assert test.result == "positive" and test.result_source == "testing"
    assert Escalation.objects.filter(measure=measure, kind="positive_test").count() == 1


def test_bulk_order_needs_an_office_approval_with_the_count(screening):
    today = timezone.localdate()
    people = screening.people_a + screening.people_b
    result = services.propose_bulk(
        actor=screening.cadre, unit=screening.people_a[0].grid.parent.parent, name="甲乙楼封控",
        people=people, kind="home_quarantine", starts_on=today, days=7, test_days=[1, 4, 7],
        basis_kind=BasisKind.ORDER, basis_text="指挥部通知", facts={"order_ref": "港防指〔2022〕12号"},
    )  # fmt: skip
    assert result.added == 6
    with pytest.raises(ValidationError):
        services.approve_bulk(actor=screening.approver, order=result.order, confirm_count=5)
    services.approve_bulk(actor=screening.approver, order=result.order, confirm_count=6)
    assert Measure.objects.filter(bulk=result.order, status="active").count() == 6


def test_the_same_person_and_trip_merge_into_one_record(screening):
    person = screening.people_a[0]
    first = intake.screen_one(actor=screening.grid_leader, source="door_to_door", report=returnee(person, 2))
    again = intake.screen_one(
        actor=screening.grid_leader, source="checkpoint", report=returnee(person, 2, "北京朝阳")
    )
    assert first.record.pk == again.record.pk and not again.created
    assert again.record.sightings.count() == 2
    assert Measure.objects.filter(person=person).count() == 1


def test_an_unknown_person_becomes_provisional_in_the_grid(screening, world):
    report = intake.Report(name="新来人", id_number=rid(901), phone="13912345678", came_from="上海市浦东新区",
                           arrival_date=timezone.localdate())  # fmt: skip
    outcome = intake.screen_one(
        actor=screening.grid_leader, source="door_to_door", report=report, grid=world.grid_a
    )
    assert outcome.person_created and outcome.record.person.status == "provisional"
    assert outcome.measure.kind == "home_quarantine"


def test_a_cancelled_measure_leaves_testing_for_the_tests_not_taken(screening):
    from wangge.testing import counters

    person = screening.people_a[2]
    measure = intake.screen_one(
        actor=screening.grid_leader, source="door_to_door", report=returnee(person, 0)
    ).measure
    services.decide_measure(actor=screening.cadre, measure=measure)
    services.approve_measure(actor=screening.approver, measure=measure)
    assert Due.objects.filter(person=person, source=DueSource.MEASURE).count() == 6
    with pytest.raises(ValidationError):
        services.cancel_measure(actor=screening.approver, measure=measure, reason="")
    services.cancel_measure(actor=screening.approver, measure=measure, reason="名单有误，本人未离开郑州")
    assert Due.objects.filter(person=person, source=DueSource.MEASURE).count() == 0
    for rnd in Round.objects.filter(kind=RoundKind.KEY_PEOPLE):
        assert counters.counted(rnd.pk) == counters.full_recount(rnd.pk)
    assert MeasureTest.objects.filter(measure=measure).count() == 6  # history kept


def test_todays_test_is_sampled_at_home_in_testing_and_its_result_comes_back(screening, world):
    """The whole testing path: the village registrar samples the person at the home-sampling
    site of the day's key-people round, the tube is sealed, the lab's negative comes back."""
    import uuid

    from tests.factories import make_user
    from tests.factories.testing import receive_at_lab
    from wangge.testing.checkin import services as checkin
    from wangge.testing.models import Site, Tube
    from wangge.testing.results import services as results_services

    person = screening.people_a[0]
    measure = intake.screen_one(
        actor=screening.grid_leader, source="door_to_door", report=returnee(person, 0)
    ).measure
    services.decide_measure(actor=screening.cadre, measure=measure)
    services.approve_measure(actor=screening.approver, measure=measure)
    test = MeasureTest.objects.get(measure=measure, day_no=1)
    site = Site.objects.get(round_id=test.due.round_id, unit=world.village)
    registrar = make_user("home_sampler", world.village, "sampling_registrar")
    outcome = checkin.ingest(
        actor=registrar,
        site=site,
        table_no=1,
        scans=[
            checkin.ScanIn(client_id=uuid.uuid4(), tube="HOME-0001", id_number=person.id_number, capacity=1)
        ],
    )
    assert outcome[0].status == "accepted", outcome[0].message
    tube = Tube.objects.get(barcode="HOME-0001")
    checkin.seal_tube(actor=registrar, tube=tube)
    receive_at_lab(registrar, tube)  # the lab records results only for tubes it received
    lab = make_user("home_lab", world.district, "lab")
    results_services.record_results(
        actor=lab, round=site.round, rows=[results_services.ResultRow(barcode="HOME-0001", result="negative")]
    )
    test.refresh_from_db()
    assert test.result == "negative" and test.result_source == "testing"


def test_a_late_report_gets_one_catch_up_test_today_for_the_days_already_past(screening):
    """Arrived three days ago, reported today (day 4): test days 1, 2 and 3 are past; one swab
    today stands for them (under day 3), and days 5, 7 and 10 keep their dates."""
    person = screening.people_a[0]
    measure = intake.screen_one(
        actor=screening.grid_leader, source="door_to_door", report=returnee(person, 3)
    ).measure
    assert measure.starts_on == timezone.localdate() - timedelta(days=3)
    services.decide_measure(actor=screening.cadre, measure=measure)
    measure = services.approve_measure(actor=screening.approver, measure=measure)
    today = timezone.localdate()
    tests = list(MeasureTest.objects.filter(measure=measure).order_by("day_no"))
    assert [(t.day_no, (t.on_date - today).days) for t in tests] == [(3, 0), (5, 1), (7, 3), (10, 6)]
    assert len({t.due_id for t in tests}) == len(tests)
    assert Due.objects.filter(person=person).count() == len(tests)
