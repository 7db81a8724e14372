"""Overview (item 7): figures per office, village and grid, scoped; the day's figure in words;
the page and the API."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user
from wangge.core.access import scope_of
from wangge.screening.intake import services as intake
from wangge.screening.measures import services
from wangge.screening.models import (
    Category,
    Escalation,
    Measure,
    MeasureStatus,
    MeasureTest,
    ScreeningRecord,
    ServiceRequest,
)
from wangge.screening.overview import selectors as overview
from wangge.testing.models import Due, DueStatus

pytestmark = pytest.mark.django_db


def returnee(person, days_ago=0):
    return intake.Report(
        name=person.name,
        id_number=person.id_number,
        phone=person.phone,
        came_from="北京市朝阳区望京街道",
        arrival_date=timezone.localdate() - timedelta(days=days_ago),
    )


def direct_measure(person, decider, approver=None, **fields):
    """A measure made straight in the table, for states the services reach only over days."""
    today = timezone.localdate()
    values = {
        "person": person,
        "grid": person.grid,
        "path": person.path,
        "kind": "home_monitoring",
        "status": MeasureStatus.ACTIVE,
        "starts_on": today - timedelta(days=3),
        "ends_on": today + timedelta(days=3),
        "basis_kind": "order",
        "basis_text": "测试依据",
        "decided_by": decider,
        "decided_at": timezone.now(),
        "checked_through": today - timedelta(days=1),
    }
    values.update(fields)
    if values["kind"] in ("centralised", "home_quarantine"):
        values.update(confining=True, approved_by=approver, approved_at=timezone.now())
    return Measure.objects.create(**values)


@dataclass
class Day:
    a_active: Measure
    a_awaiting: Measure
    b_overdue: Measure
    other: Measure
    category: Category


@pytest.fixture
def day(screening, world):
    """Grid A: one centralised (decided and approved today), one awaiting approval, both screened
    today, one released today. Grid B: home monitoring ending today, checks overdue, a test
    overdue, an open service request, an open escalation; one screened today in a category.
    Other grid: one home quarantine."""
    today = timezone.localdate()
    a0, a1, a2, a3 = screening.people_a
    active = intake.screen_one(
        actor=screening.grid_leader, source="door_to_door", report=returnee(a0)
    ).measure
    services.decide_measure(actor=screening.cadre, measure=active)
    active = services.approve_measure(actor=screening.approver, measure=active)
    awaiting = intake.screen_one(
        actor=screening.grid_leader, source="door_to_door", report=returnee(a1)
    ).measure
    awaiting = services.decide_measure(actor=screening.cadre, measure=awaiting)
    direct_measure(
        a2,
        screening.cadre,
        status=MeasureStatus.RELEASED,
        starts_on=today - timedelta(days=7),
        ends_on=today - timedelta(days=1),
        closed_at=timezone.now(),
    )
    category = Category.objects.order_by("position", "id")[0]
    b0, b1 = screening.people_b
    overdue = direct_measure(
        b0,
        screening.cadre,
        category=category,
        starts_on=today - timedelta(days=6),
        ends_on=today,
        checked_through=today - timedelta(days=3),
    )
    MeasureTest.objects.create(measure=overdue, day_no=2, on_date=today - timedelta(days=5), path=b0.path)
    MeasureTest.objects.create(
        measure=overdue, day_no=3, on_date=today - timedelta(days=4), result="negative", path=b0.path
    )
    MeasureTest.objects.create(measure=overdue, day_no=7, on_date=today, path=b0.path)  # due today: not late
    ServiceRequest.objects.create(measure=overdue, kind="groceries", path=b0.path)
    ServiceRequest.objects.create(measure=overdue, kind="rubbish", status="done", path=b0.path)
    Escalation.objects.create(measure=overdue, kind="fever", path=b0.path)
    Escalation.objects.create(measure=overdue, kind="fever", path=b0.path, handled_at=timezone.now())
    ScreeningRecord.objects.create(
        person=b1, grid=b1.grid, path=b1.path, source="door_to_door", category=category, dedupe_key="t-b1"
    )
    ScreeningRecord.objects.create(  # yesterday's: not today's figure
        person=b0,
        grid=b0.grid,
        path=b0.path,
        source="door_to_door",
        category=category,
        dedupe_key="t-b0",
        screened_at=timezone.now() - timedelta(days=1),
    )
    (o0,) = screening.people_other
    other = direct_measure(o0, screening.cadre, screening.approver, kind="home_quarantine")
    return Day(a_active=active, a_awaiting=awaiting, b_overdue=overdue, other=other, category=category)


def rows_by_unit(data):
    return {r.unit.pk: r for r in data.rows}


def test_the_district_sees_a_row_per_office_and_the_totals(day, world, admin_user):
    scope = scope_of(admin_user)
    data = overview.overview(scope, overview.focus_unit(scope))
    assert data.unit == world.district
    rows = rows_by_unit(data)
    assert set(rows) == {world.office.pk, world.other_office.pk}
    office, other = rows[world.office.pk], rows[world.other_office.pk]
    assert office.under_measures == 2 and office.by_kind["centralised"] == 1
    assert office.by_kind["home_monitoring"] == 1
    assert other.under_measures == 1 and other.by_kind["home_quarantine"] == 1
    assert office.awaiting_approval == 1 and other.awaiting_approval == 0
    assert office.screened_today == 3  # a0, a1 through intake, b1 by hand; b0 was yesterday
    assert office.released_today == 1
    assert office.ending_today == 1 and office.overdue_checks == 1 and office.overdue_tests == 1
    assert office.open_services == 1 and office.open_escalations == 1
    assert other.overdue_checks == other.overdue_tests == other.open_services == 0
    t = data.totals
    assert (t.under_measures, t.awaiting_approval, t.screened_today, t.released_today) == (3, 1, 3, 1)
    assert t.by_kind == {
        "centralised": 1,
        "home_quarantine": 1,
        "home_monitoring": 1,
        "routine_monitoring": 0,
    }
    assert t.starting_today == 1  # the one approved today
    cats = {c.category.pk if c.category else None: c for c in data.categories}
    assert cats[day.category.pk].under_measures == 1 and cats[day.category.pk].screened_today == 1


def test_office_rows_are_villages_and_village_rows_are_grids(day, world, admin_user):
    scope = scope_of(admin_user)
    office = overview.overview(scope, world.office)
    assert [r.unit for r in office.rows] == [world.village]
    assert office.totals.under_measures == 2
    village = overview.overview(scope, world.village)
    rows = rows_by_unit(village)
    assert set(rows) == {world.grid_a.pk, world.grid_b.pk}
    a, b = rows[world.grid_a.pk], rows[world.grid_b.pk]
    assert (a.under_measures, a.awaiting_approval, a.screened_today, a.starting_today) == (1, 1, 2, 1)
    assert (a.overdue_checks, a.overdue_tests, a.open_services) == (0, 0, 0)
    assert (b.under_measures, b.ending_today, b.overdue_checks, b.overdue_tests) == (1, 1, 1, 1)
    assert (b.open_services, b.open_escalations, b.screened_today, b.categories_today) == (1, 1, 1, 1)
    grid = overview.overview(scope, world.grid_b)
    assert grid.rows == [] and grid.totals.under_measures == 1 and grid.totals.overdue_tests == 1


def test_a_test_sampled_in_testing_or_of_an_ended_measure_is_not_overdue(day, world, admin_user):
    scope = scope_of(admin_user)
    assert overview.overview(scope, world.grid_a).totals.overdue_tests == 0
    test = MeasureTest.objects.get(measure=day.a_active, day_no=1)  # due in testing, made late
    assert test.due_id is not None
    MeasureTest.objects.filter(pk=test.pk).update(on_date=timezone.localdate() - timedelta(days=1))
    assert overview.overview(scope, world.grid_a).totals.overdue_tests == 1
    Due.objects.filter(pk=test.due_id).update(status=DueStatus.TESTED)  # sampled, result not back
    assert overview.overview(scope, world.grid_a).totals.overdue_tests == 0
    assert overview.overview(scope, world.grid_b).totals.overdue_tests == 1
    Measure.objects.filter(pk=day.b_overdue.pk).update(status=MeasureStatus.CANCELLED)
    totals = overview.overview(scope, world.grid_b).totals
    assert totals.overdue_tests == 0 and totals.under_measures == 0 and totals.overdue_checks == 0


def test_the_daily_figure_in_words(day, world, admin_user):
    data = overview.overview(scope_of(admin_user), world.district)
    k = data.totals.categories_today
    assert k >= 1
    assert data.sentence == (
        f"Screened 3 people today, in {k} categor{'y' if k == 1 else 'ies'}; "
        "3 people under measures (centralised quarantine 1, home quarantine 1, home health monitoring 1); "
        "1 person released today"
    )
    empty = overview.overview(scope_of(admin_user), world.other_village)
    assert (
        empty.sentence
        == "Screened 0 people today; 1 person under measures (home quarantine 1); 0 people released today"
    )


def test_a_grid_account_sees_only_its_grid(day, world, screening, client):
    scope = scope_of(screening.grid_leader)
    data = overview.overview(scope, overview.focus_unit(scope))
    assert data.unit == world.grid_a and data.rows == []
    assert data.totals.under_measures == 1 and data.totals.open_services == 0
    with pytest.raises(Exception) as exc:
        overview.focus_unit(scope, world.grid_b.pk)
    assert exc.value.__class__.__name__ == "Http404"
    client.force_login(screening.grid_leader)
    url = reverse("screening:overview")
    assert client.get(url).status_code == 200
    assert client.get(url, {"unit": world.grid_b.pk}).status_code == 404
    assert client.get(url, {"unit": world.district.pk}).status_code == 404
    assert client.get(url, {"unit": "x"}).status_code == 404
    assert client.get("/api/v1/screening/overview", {"unit": world.grid_b.pk}).status_code == 404


def test_the_page_shows_the_figure_and_links_down(day, world, admin_user, client):
    client.force_login(admin_user)
    response = client.get(reverse("screening:overview"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Screened 3 people today" in body
    assert f'?unit={world.office.pk}"' in body and world.other_office.name in body
    response = client.get(reverse("screening:overview"), {"unit": world.village.pk})
    body = response.content.decode()
    assert world.grid_a.name in body and world.grid_b.name in body and world.other_grid.name not in body
    assert 'id="chart-trend"' in body


def test_the_api_gives_the_same_figures(day, world, admin_user, client):
    client.force_login(admin_user)
    response = client.get("/api/v1/screening/overview", {"unit": world.village.pk})
    assert response.status_code == 200
    data = response.json()
    assert data["unit_id"] == world.village.pk
    assert data["totals"]["under_measures"] == 2 and data["totals"]["awaiting_approval"] == 1
    rows = {r["unit_id"]: r for r in data["rows"]}
    assert rows[world.grid_b.pk]["overdue_tests"] == 1 and rows[world.grid_b.pk]["open_services"] == 1
    assert rows[world.grid_a.pk]["by_kind"]["centralised"] == 1
    assert data["sentence"].startswith("Screened 3 people today")
    default = client.get("/api/v1/screening/overview").json()
    assert default["unit_id"] == world.district.pk and default["totals"]["under_measures"] == 3


def test_without_the_view_permission_the_page_is_refused(world, client):
    nobody = make_user("overview_nobody", world.grid_a, "volunteer")
    client.force_login(nobody)
    if nobody.can("screening.view"):
        pytest.skip("this role may view screening")
    assert client.get(reverse("screening:overview")).status_code == 403


def test_the_trend_counts_each_day_in_force_by_kind_and_the_screened(day, world, admin_user, client):
    """The chart is a day-by-day trend (not the table of today again): 14 real dates up to today;
    the measure released today was in force every day of its span, the overdue one since its
    start; yesterday's and today's screenings each on their day."""
    import datetime as dt

    scope = scope_of(admin_user)
    today = timezone.localdate()
    trend = overview.trend(scope, world.district, today=today)
    assert len(trend.days) == overview.TREND_DAYS and trend.days[-1] == today
    assert [b - a for a, b in zip(trend.days, trend.days[1:], strict=False)] == [dt.timedelta(days=1)] * 13
    totals = [sum(values[i] for values in trend.in_force.values()) for i in range(len(trend.days))]
    # Today: the totals row of the table (in force now); yesterday also the one released (its
    # last day was yesterday).
    assert totals[-1] == overview.overview(scope, world.district).totals.under_measures
    assert totals[-2] >= 2
    # A week ago only the released one (started 7 days ago) was in force.
    assert totals[-8] == 1 and totals[-9] == 0
    assert trend.screened[-2] >= 1 and trend.screened[-1] == 3
    client.force_login(admin_user)
    response = client.get(reverse("screening:overview"))
    chart = response.context["chart"]
    assert chart["days"] == [d.isoformat() for d in trend.days]
    assert {s["kind"] for s in chart["series"]} == set(overview.KINDS)
