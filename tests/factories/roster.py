"""Roster: staff members."""

import factory
from factory.django import DjangoModelFactory

from wangge.roster.models import StaffMember


class StaffFactory(DjangoModelFactory):
    class Meta:
        model = StaffMember

    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Faker("phone_number", locale="zh_CN")
    kind = "grid_staff"
    unit = None
    path = factory.LazyAttribute(lambda o: o.unit.path)
