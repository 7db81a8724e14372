"""Personal numbers are masked on every page for every role; a role that may see one in full
reveals it on demand, one record at a time, and the reveal is audited before the number is sent.
A token of someone else's page, a forged one or one of a role without the permission reveals
nothing."""

import re

import pytest
from django.urls import reverse

from tests.factories import make_user
from wangge.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def tokens(html: str) -> list[str]:
    return re.findall(r'hx-vals=\'\{"t": "([^"]+)"\}\'', html)


def test_a_cadre_sees_masked_numbers_and_reveals_one_audited(client, world, screening):
    person = screening.people_a[0]
    client.force_login(screening.cadre)
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert person.id_number not in page and person.phone not in page
    assert person.id_number[:6] in page  # the masked form
    found = tokens(page)
    assert len(found) >= 2  # the ID and the phone can be shown
    before = AuditEvent.objects.filter(action="view", object_repr__startswith="id ").count()
    response = client.post(reverse("audit:reveal"), {"t": found[0]}, HTTP_REFERER="/registry/people/")
    assert response.status_code == 200
    assert person.id_number in response.content.decode()
    event = AuditEvent.objects.filter(action="view", object_repr__startswith="id ").latest("pk")
    assert AuditEvent.objects.filter(action="view", object_repr__startswith="id ").count() == before + 1
    assert event.actor == screening.cadre and person.id_number not in str(event.after)
    assert event.after["page"] == "/registry/people/"


def test_a_role_without_the_permission_gets_no_button_and_no_number(client, world, screening):
    worker = make_user("worker_ids", world.grid_a, "grid_worker")  # sees phones, not IDs
    person = screening.people_a[0]
    client.force_login(worker)
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert person.id_number not in page
    assert len(tokens(page)) == 1  # the phone only


def test_a_token_is_good_only_for_the_account_that_saw_the_page(client, world, screening):
    person = screening.people_a[0]
    client.force_login(screening.cadre)
    token = tokens(client.get(reverse("registry:person_detail", args=[person.pk])).content.decode())[0]
    other = make_user("other_cadre_reveal", world.village, "village_cadre")
    client.force_login(other)
    response = client.post(reverse("audit:reveal"), {"t": token})
    assert response.status_code == 410 and person.id_number not in response.content.decode()
    assert client.post(reverse("audit:reveal"), {"t": "forged.0"}).status_code == 410
