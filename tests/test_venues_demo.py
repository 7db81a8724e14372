"""The demo's venues: 清河办事处's outing (2 hotels, 3 restaurants, 2 supermarkets, a middle and a
primary school), incomplete disinfection logs at two venues, a school visitor register, and the
venue account `qinghe-hotel` that sees its own venue only."""

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from tests.factories.demo import FAST_HASHERS
from wangge.accounts.models import User
from wangge.demo.builder import DEFAULT_SEED, build_demo
from wangge.demo.venues_builder import VENUE_LOGIN
from wangge.org.models import OrgUnit
from wangge.venues import evidence
from wangge.venues.models import Venue, VenueStaff, VisitorEntry


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        yield build_demo(seed=DEFAULT_SEED, people=3000)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_qinghe_venues_as_on_the_page(demo):
    qinghe = OrgUnit.objects.get(code="GK-QH")
    venues = Venue.objects.filter(path__startswith=qinghe.path)
    by_kind = {}
    for v in venues.select_related("kind"):
        by_kind[v.kind.code] = by_kind.get(v.kind.code, 0) + 1
    assert by_kind == {"hotel": 2, "restaurant": 3, "supermarket": 2, "middle_school": 1, "primary_school": 1}
    assert Venue.objects.exclude(path__startswith=qinghe.path).count() >= 3
    today = timezone.localdate()
    incomplete = [v for v in venues if evidence.missing_disinfection_days(v, on=today, days=14)]
    assert len(incomplete) == 2
    assert VenueStaff.objects.filter(venue__path__startswith=qinghe.path).count() >= 9 * 3
    assert all(s.person.path == s.venue.path for s in VenueStaff.objects.select_related("person", "venue"))
    assert VisitorEntry.objects.filter(venue__kind__code="primary_school").exists()


@pytest.mark.django_db
def test_the_venue_login_sees_its_venue(demo):
    user = User.objects.get(username=VENUE_LOGIN)
    client = Client()
    client.force_login(user)
    page = client.get("/venues/mine/").content.decode()
    assert "清河宾馆" in page and "航港快捷酒店" not in page
    assert client.get("/venues/").status_code == 403
