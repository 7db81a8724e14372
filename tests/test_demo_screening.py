"""The demo's screening and control measures: built through the services, so the data obeys the
rules (a basis on every measure, approvals by a second person at office level), with every state
of a measure on show and the follow-up state consistent with the dates."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from wangge.accounts.models import User
from wangge.core.access import has_permission
from wangge.demo.builder import DEFAULT_SEED, build_demo
from wangge.org.models import OrgUnit
from wangge.registry.models import Person
from wangge.screening import permissions as perms
from wangge.screening import rulebook as rules
from wangge.screening.measures import services
from wangge.screening.models import (
    BulkOrder,
    Escalation,
    EscalationKind,
    Measure,
    MeasureStatus,
    MeasureTest,
    RiskArea,
    ScreeningBatch,
    ScreeningRecord,
    ScreeningSighting,
    SelfReport,
    ServiceRequest,
)
from wangge.testing.models import Due, DueSource

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PEOPLE = 6000


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        result = build_demo(seed=DEFAULT_SEED, people=PEOPLE)
        yield result
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_every_measure_has_a_basis_and_confining_ones_a_second_approver(demo):
    measures = Measure.objects.all()
    assert measures.count() > 50
    for m in measures:
        assert m.basis_text.strip() and m.basis_kind, m.pk
        assert m.basis_facts.get("phases"), m.pk
    in_force = measures.filter(status__in=[MeasureStatus.ACTIVE, MeasureStatus.RELEASED], confining=True)
    assert in_force.count() > 20
    for m in in_force.select_related("approved_by", "decided_by"):
        assert m.decided_by_id and m.approved_by_id and m.approved_by_id != m.decided_by_id, m.pk
        assert services.is_office_level(m.approved_by), m.approved_by.username


@pytest.mark.django_db
def test_measures_in_every_state(demo):
    statuses = set(Measure.objects.values_list("status", flat=True))
    assert statuses >= {
        MeasureStatus.PROPOSED,
        MeasureStatus.AWAITING_APPROVAL,
        MeasureStatus.ACTIVE,
        MeasureStatus.RELEASED,
        MeasureStatus.REJECTED,
    }
    active = Measure.objects.filter(status=MeasureStatus.ACTIVE)
    assert set(active.values_list("kind", flat=True)) >= {"centralised", "home_quarantine", "home_monitoring"}
    today = timezone.localdate()
    started = {(today - m.starts_on).days for m in active.filter(kind="centralised", bulk__isnull=True)}
    assert len(started) >= 4  # 7+3 on various days
    assert active.filter(starts_on__lte=today - timedelta(days=7)).exists()  # in the home-monitoring phase
    released = Measure.objects.filter(status=MeasureStatus.RELEASED)
    assert all(m.release_notice_no for m in released)
    assert all(t.result == "negative" for m in released for t in m.tests.all())


@pytest.mark.django_db
def test_some_measures_end_today_and_may_be_released(demo):
    today = timezone.localdate()
    eligible = [
        m for m in Measure.objects.filter(status=MeasureStatus.ACTIVE) if services.release_check(m).ok
    ]
    assert eligible
    assert any(m.ends_on == today for m in eligible)


@pytest.mark.django_db
def test_baqian_screened_overnight_in_many_categories(demo):
    office = OrgUnit.objects.get(code="GK-BQ")
    active = Person.objects.filter(path__startswith=office.path, is_active=True).count()
    yesterday = timezone.localdate() - timedelta(days=1)
    records = ScreeningRecord.objects.filter(
        path__startswith=office.path, category__isnull=False, screened_at__date=yesterday
    )
    assert records.count() >= min(935, int(active * 0.3))
    assert records.values("category").distinct().count() >= 20
    # Each has its sighting, as screen_one gives.
    assert ScreeningSighting.objects.filter(record__in=records).count() == records.count()


@pytest.mark.django_db
def test_returnees_from_every_source_and_merged_duplicates(demo):
    xg = OrgUnit.objects.get(code="GK-XG")
    zg = OrgUnit.objects.get(code="GK-ZG")
    for office in (xg, zg):
        sources = set(
            ScreeningRecord.objects.filter(path__startswith=office.path, risk_area__isnull=False).values_list(
                "source", flat=True
            )
        )
        assert {"door_to_door", "checkpoint"} <= sources, office.name
    batch = ScreeningBatch.objects.get(source="assist_list")
    assert batch.records.count() > 5 and batch.merged_rows >= 2
    assert batch.total_rows == ScreeningSighting.objects.filter(batch=batch).count()
    # A merged report is a second sighting of one record, not a second record.
    assert ScreeningRecord.objects.filter(sightings__batch=batch).distinct().count() < batch.total_rows


@pytest.mark.django_db
def test_self_reports_wait_in_the_village_queue(demo):
    waiting = SelfReport.objects.filter(record__isnull=True)
    assert 2 <= waiting.count() <= 3
    assert SelfReport.objects.filter(record__isnull=False).exists()
    assert all(len(r.receipt) == 8 for r in SelfReport.objects.all())


@pytest.mark.django_db
def test_bulk_orders_awaiting_and_approved(demo):
    zz = OrgUnit.objects.get(code="GK-ZZ-ZZ")
    waiting = BulkOrder.objects.get(status=MeasureStatus.AWAITING_APPROVAL)
    assert waiting.unit == zz
    assert waiting.people_count == waiting.measures.filter(status=MeasureStatus.AWAITING_APPROVAL).count() > 0
    approved = BulkOrder.objects.get(status=MeasureStatus.ACTIVE)
    assert approved.approved_by_id != approved.proposed_by_id
    assert approved.measures.filter(status=MeasureStatus.ACTIVE).count() == approved.people_count


@pytest.mark.django_db
def test_follow_up_state_matches_the_dates(demo):
    today = timezone.localdate()
    active = Measure.objects.filter(status=MeasureStatus.ACTIVE)
    # Past tests have results; tests due from today are in the key-people round of their own day.
    for t in MeasureTest.objects.filter(measure__in=active).select_related("due__round"):
        if t.on_date < today:
            assert t.result, (t.measure_id, t.day_no)
        elif not t.result:
            assert t.due is not None and timezone.localtime(t.due.round.starts_at).date() == t.on_date
    # No test due left over from measures moved back in time.
    linked = set(MeasureTest.objects.filter(due__isnull=False).values_list("due_id", flat=True))
    assert set(Due.objects.filter(source=DueSource.MEASURE).values_list("id", flat=True)) == linked
    # Checks up to checked_through exist for every day; a few are overdue; a fever escalated.
    for m in active.filter(starts_on__lt=today):
        if m.checked_through and m.checked_through >= m.starts_on:
            days = {c.on_date for c in m.checks.all()}
            assert (m.checked_through - m.starts_on).days + 1 <= len(days)
    assert active.filter(checked_through__lt=today - timedelta(days=1)).exists()
    assert Escalation.objects.filter(kind=EscalationKind.FEVER, daily_check__abnormal=True).exists()
    assert set(ServiceRequest.objects.values_list("status", flat=True)) >= {"open", "assigned", "done"}


@pytest.mark.django_db
def test_risk_areas_change_over_time(demo):
    today = timezone.localdate()
    assert RiskArea.objects.count() >= 18
    assert RiskArea.objects.filter(valid_to__lt=today).exists()
    now = set(rules.risk_areas_on(today).values_list("pk", flat=True))
    before = set(rules.risk_areas_on(today - timedelta(days=13)).values_list("pk", flat=True))
    assert now != before and before - now and now - before


@pytest.mark.django_db
def test_demo_logins_can_decide_and_approve(demo):
    cadre = User.objects.get(username="cunganbu")
    assert has_permission(cadre, perms.SCREENING_DECIDE) and not services.is_office_level(cadre)
    for username in ("zhenggang", "xingang"):
        leader = User.objects.get(username=username)
        assert has_permission(leader, perms.SCREENING_APPROVE) and services.is_office_level(leader)
    # Something is waiting for each approver, decided by someone else.
    for username, code in (("zhenggang", "GK-ZG"), ("xingang", "GK-XG")):
        office = OrgUnit.objects.get(code=code)
        waiting = Measure.objects.filter(
            status=MeasureStatus.AWAITING_APPROVAL, path__startswith=office.path, bulk__isnull=True
        ).exclude(decided_by__username=username)
        assert waiting.exists(), username
