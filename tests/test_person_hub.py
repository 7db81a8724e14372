"""The person as the hub: their page shows the measure in force as a banner (with its end date),
their measures with test days, screening records and categories, and their tests across rounds,
each part's section only for a role that may see it; the measure page links back to the person."""

import pytest
from django.urls import reverse

from tests.factories.screening import in_force
from wangge.testing.models import Due, Round

pytestmark = pytest.mark.django_db


def test_a_person_under_a_measure_shows_it_on_their_page(client, world, screening):
    measure = in_force(screening)
    person = measure.person
    client.force_login(screening.cadre)
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    banner = page.split('data-testid="measure-banner"', 1)[1].split("</div>", 1)[0]
    assert measure.get_kind_display() in banner
    assert measure.ends_on.strftime("%Y-%m-%d") in banner
    assert reverse("screening:measure", args=[measure.pk]) in banner
    history = page.split('data-testid="person-screening"', 1)[1]
    assert "北京市朝阳区望京街道" in history  # the screening record that led to it
    # And back: the measure page links to the person.
    detail = client.get(reverse("screening:measure", args=[measure.pk])).content.decode()
    assert reverse("registry:person_detail", args=[person.pk]) in detail


def test_the_tests_of_a_person_across_rounds(client, world, screening):
    from django.utils import timezone

    person = screening.people_a[1]
    now = timezone.now()
    rnd = Round.objects.create(
        name="第三轮全员核酸", owner=world.district, path=world.district.path, starts_at=now, ends_at=now
    )
    Due.objects.create(
        round=rnd, person=person, grid=world.grid_a, path=person.path, status="tested", tested_at=now
    )
    client.force_login(screening.cadre)
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert 'data-testid="person-tests"' in page and "第三轮全员核酸" in page


def test_sections_follow_the_viewers_permissions(client, world, screening):
    from wangge.accounts.models import Role, User

    measure = in_force(screening)
    # An office's own role that reads the registry only: the page, but no measure on it.
    registrar = Role.objects.create(code="registry_reader", name="登记查看", permissions=["registry.view"])
    user = User.objects.create_user(username="reader", password="pass-word-123", jurisdiction=world.village)
    user.roles.set([registrar])
    client.force_login(user)
    response = client.get(reverse("registry:person_detail", args=[measure.person_id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="measure-banner"' not in page and 'data-testid="person-screening"' not in page
