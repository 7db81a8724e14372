"""The audit log names what a row refers to inside the viewer's scope (a measure's person and
grid) and links the row to its record's page; outside the scope a reference stays a bare #id."""

import pytest
from django.urls import reverse

from tests.factories import make_user
from tests.factories.screening import in_force

pytestmark = pytest.mark.django_db


def test_a_measure_row_names_its_person_and_grid_and_links_to_the_measure(client, world, screening):
    measure = in_force(screening)
    admin = make_user("audit_names", world.district, "district_admin")
    client.force_login(admin)
    body = client.get(reverse("audit:event_list"), {"model": "screening.measure"}).content.decode()
    assert f"{measure.person.name} (#{measure.person_id})" in body
    assert f"{world.grid_a.name} (#{world.grid_a.pk})" in body
    assert reverse("screening:measure", kwargs={"measure_id": measure.pk}) in body
    # The other office's leader sees neither the row nor the names.
    client.force_login(make_user("audit_other", world.other_office, "office_leader"))
    body = client.get(reverse("audit:event_list"), {"model": "screening.measure"}).content.decode()
    assert measure.person.name not in body
