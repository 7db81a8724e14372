"""A round's population: everyone active in its areas becomes due once; a person who is due
cannot be deleted, by the ORM or (on PostgreSQL) straight in the database."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from wangge.testing.models import Due

pytestmark = pytest.mark.django_db


def test_everyone_active_in_the_areas_is_due_once(testing):
    people = testing.people_a + testing.people_b + testing.people_other
    dues = Due.objects.filter(round=testing.round)
    assert sorted(dues.values_list("person_id", flat=True)) == sorted(p.pk for p in people)
    first = people[0]
    due = dues.get(person=first)
    assert (due.grid_id, due.path) == (first.grid_id, first.path)


def test_a_due_person_cannot_be_deleted_through_the_orm(testing):
    with pytest.raises(ProtectedError):
        testing.people_a[0].delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database guard is PostgreSQL's")
def test_a_due_person_cannot_be_deleted_in_the_database_either(testing):
    person = testing.people_a[0]
    with (
        pytest.raises(IntegrityError, match="due in a testing round"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM registry_person WHERE id = %s", [person.pk])
    assert Due.objects.filter(person=person).exists()
