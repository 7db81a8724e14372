"""A person under a measure who leaves the district: the departure is refused until the measure is
handed over to where they go (office level, with the place and the reason); the hand-over takes
the untaken tests out of testing, closes open service requests and keeps the person's own page
telling them who took it on. Then the departure goes through."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import client_for
from tests.factories.screening import in_force, proposed
from wangge.audit.models import AuditEvent
from wangge.core.access import scope_of
from wangge.registry import services as registry
from wangge.screening.followup import selectors as followup_selectors
from wangge.screening.followup import services as followup
from wangge.screening.measures import services
from wangge.screening.models import Measure, MeasureStatus, MeasureTest, ServiceStatus
from wangge.screening.overview import selectors as overview
from wangge.testing import counters
from wangge.testing.models import Due, DueSource, Round, RoundKind

pytestmark = pytest.mark.django_db

SHANGHAI = "上海市浦东新区花木街道，协查函 2022-118"


def test_a_person_with_a_measure_open_cannot_simply_depart(screening):
    measure = proposed(screening)
    person = measure.person
    with pytest.raises(ValidationError, match="Decide or reject it first"):
        registry.record_departure(actor=screening.grid_leader, person=person, reason="回老家")
    services.decide_measure(actor=screening.cadre, measure=measure)
    services.approve_measure(actor=screening.approver, measure=measure)
    with pytest.raises(ValidationError, match="Hand the measure over"):
        registry.record_departure(actor=screening.grid_leader, person=person, reason="回老家")
    person.refresh_from_db()
    assert person.is_active and person.departure_date is None


def test_hand_over_needs_office_level_a_place_and_a_reason(screening):
    measure = in_force(screening)
    with pytest.raises(PermissionDenied):  # a village cadre is not office level
        services.hand_over_measure(
            actor=screening.cadre, measure=measure, destination=SHANGHAI, reason="转运"
        )
    with pytest.raises(ValidationError) as err:
        services.hand_over_measure(actor=screening.approver, measure=measure, destination=" ", reason="")
    assert set(err.value.message_dict) == {"destination", "reason"}
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.ACTIVE


def test_hand_over_ends_the_measure_here_then_the_departure_goes_through(screening):
    measure = in_force(screening)
    person = measure.person
    assert Due.objects.filter(person=person, source=DueSource.MEASURE).count() == 6
    request = followup.raise_request(actor=screening.grid_leader, measure=measure, kind="groceries")
    measure = services.hand_over_measure(
        actor=screening.approver, measure=measure, destination=SHANGHAI, reason="本人返沪，由浦东接续管控"
    )
    assert measure.status == MeasureStatus.HANDED_OVER
    assert (measure.handed_over_to, measure.closed_by) == (SHANGHAI, screening.approver)
    # The untaken tests leave testing (the rows stay as history) and the counters agree.
    assert not Due.objects.filter(person=person, source=DueSource.MEASURE).exists()
    assert MeasureTest.objects.filter(measure=measure).count() == 6
    for rnd in Round.objects.filter(kind=RoundKind.KEY_PEOPLE):
        assert counters.counted(rnd.pk) == counters.full_recount(rnd.pk)
    request.refresh_from_db()
    assert request.status == ServiceStatus.CANCELLED and SHANGHAI in request.outcome
    assert AuditEvent.objects.filter(model="screening.servicerequest", object_id=str(request.pk)).count() == 2
    event = AuditEvent.objects.filter(model="screening.measure", object_id=str(measure.pk)).latest("id")
    assert event.after["status"] == "handed_over" and event.after["handed_over_to"] == SHANGHAI
    with pytest.raises(ValidationError):  # once only
        services.hand_over_measure(
            actor=screening.approver, measure=measure, destination=SHANGHAI, reason="再"
        )
    registry.record_departure(actor=screening.grid_leader, person=person, reason="返沪")
    person.refresh_from_db()
    assert not person.is_active


def test_the_tests_of_a_handed_over_measure_are_not_overdue(screening, world, admin_user):
    measure = in_force(screening)
    MeasureTest.objects.filter(measure=measure).update(on_date=timezone.localdate() - timedelta(days=1))
    scope = scope_of(admin_user)
    assert overview.overview(scope, world.grid_a).totals.overdue_tests == 1
    services.hand_over_measure(actor=screening.approver, measure=measure, destination=SHANGHAI, reason="返沪")
    assert overview.overview(scope, world.grid_a).totals.overdue_tests == 0
    assert not followup_selectors.overdue_tests(scope).exists()


def test_the_database_refuses_a_hand_over_to_nowhere(screening):
    measure = in_force(screening)
    with pytest.raises(IntegrityError), transaction.atomic():
        Measure.objects.filter(pk=measure.pk).update(status=MeasureStatus.HANDED_OVER, handed_over_to="")


def test_hand_over_through_the_page_then_record_the_departure(screening):
    measure = in_force(screening)
    person = measure.person
    url = f"/screening/measures/{measure.pk}/"
    # The departure page says why it cannot go through, and keeps the person.
    leader = client_for(screening.grid_leader)
    page = leader.post(
        f"/registry/people/{person.pk}/depart/", {"on": timezone.localdate(), "reason": "返沪"}
    )
    assert page.status_code == 200 and "Hand the measure over" in page.content.decode()
    assert 'data-testid="hand-over"' not in leader.get(url).content.decode()
    assert leader.post(url + "hand-over/", {"destination": SHANGHAI, "reason": "返沪"}).status_code == 403
    approver = client_for(screening.approver)
    assert 'data-testid="hand-over"' in approver.get(url).content.decode()
    r = approver.post(url + "hand-over/", {"destination": "", "reason": "返沪"})
    measure.refresh_from_db()
    assert r.status_code == 302 and measure.status == MeasureStatus.ACTIVE
    approver.post(url + "hand-over/", {"destination": SHANGHAI, "reason": "返沪"})
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.HANDED_OVER
    detail = leader.get(url).content.decode()
    assert SHANGHAI in detail and 'data-testid="record-departure"' in detail
    r = leader.post(f"/registry/people/{person.pk}/depart/", {"on": timezone.localdate(), "reason": "返沪"})
    person.refresh_from_db()
    assert r.status_code == 302 and not person.is_active
    assert 'data-testid="record-departure"' not in leader.get(url).content.decode()
    listed = leader.get("/screening/measures/?status=handed_over").content.decode()
    assert person.name in listed


def test_hand_over_through_the_api(screening):
    measure = in_force(screening)
    url = f"/api/v1/screening/measures/{measure.pk}/hand-over"
    body = {"destination": SHANGHAI, "reason": "返沪"}
    cadre = client_for(screening.cadre)
    assert cadre.post(url, body, content_type="application/json").status_code == 403
    r = client_for(screening.approver).post(
        url, {"destination": "", "reason": "x"}, content_type="application/json"
    )
    assert r.status_code in (400, 422)
    r = client_for(screening.approver).post(url, body, content_type="application/json")
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["handed_over_to"]) == ("handed_over", SHANGHAI)


def test_the_hand_over_letter_tells_the_receiving_place_what_remains(screening):
    measure = in_force(screening)
    approver = client_for(screening.approver)
    letter_url = f"/screening/measures/{measure.pk}/hand-over/letter/"
    assert approver.get(letter_url).status_code == 404  # not handed over yet
    services.hand_over_measure(actor=screening.approver, measure=measure, destination=SHANGHAI, reason="返沪")
    detail = approver.get(f"/screening/measures/{measure.pk}/").content.decode()
    assert 'data-testid="hand-over-letter-link"' in detail
    page = approver.get(letter_url).content.decode()
    assert SHANGHAI in page and measure.person.name in page and "7+3" in page
    assert f"YJ{timezone.localdate():%Y%m%d}-{measure.pk:06d}" in page
    assert page.count("to be taken by you") == 6  # none of the six tests was taken here
    assert "10 days remain" in page
    assert AuditEvent.objects.filter(
        action="view", model="screening.measure", object_id=str(measure.pk), actor=screening.approver
    ).exists()
