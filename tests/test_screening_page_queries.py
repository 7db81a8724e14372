"""The screening pages make the same number of queries whatever the number of people listed
(no query per row): measured with two people under measures, then with four, each with a
fever escalation and a service request."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wangge.screening.followup import services as followup
from wangge.screening.intake import services as intake
from wangge.screening.measures import services

pytestmark = pytest.mark.django_db


def put_under_measures(screening, people):
    for p in people:
        r = intake.Report(
            name=p.name, id_number=p.id_number, came_from="北京市朝阳区", arrival_date=timezone.localdate()
        )
        m = intake.screen_one(actor=screening.grid_leader, source="door_to_door", report=r).measure
        services.decide_measure(actor=screening.cadre, measure=m)
        services.approve_measure(actor=screening.approver, measure=m)
        # Each person also has a fever (an escalation) and a service request, so every list has rows.
        followup.record_check(
            actor=screening.grid_leader, measure=m, on_date=timezone.localdate(), slot=1, temperature="38.5"
        )
        followup.raise_request(actor=screening.grid_leader, measure=m, kind="groceries", detail="米")


@pytest.mark.parametrize(
    "url",
    [
        "/screening/follow-up/",
        "/screening/follow-up/overdue/",
        "/screening/records/",
        "/screening/measures/",
        "/screening/services/",
        "/screening/escalations/",
        "/screening/",
    ],
)
def test_queries_do_not_grow_with_the_people_listed(screening, url):
    c = Client()
    c.force_login(screening.approver)
    put_under_measures(screening, screening.people_a[:2])
    with CaptureQueriesContext(connection) as q1:
        c.get(url)
    put_under_measures(screening, screening.people_a[2:])
    with CaptureQueriesContext(connection) as q2:
        c.get(url)
    assert len(q2) == len(q1), (url, len(q1), len(q2))
