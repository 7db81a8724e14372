"""Test data builders. Units go through the real service so paths are always right."""

import itertools

import factory
from factory.django import DjangoModelFactory

from wangge.accounts.models import Role, User
from wangge.core.access import SYSTEM
from wangge.org import services as org_services
from wangge.org.models import Level, OrgUnit
from wangge.roster.models import StaffMember

_codes = itertools.count(1)


def make_unit(
    parent: OrgUnit | None, level: int, name: str | None = None, code: str | None = None
) -> OrgUnit:
    n = next(_codes)
    return org_services.create_unit(
        actor=SYSTEM,
        parent=parent,
        level=level,
        code=code or f"T{n:05d}",
        name=name or f"{Level(level).label} {n}",
    )


def role(code: str) -> Role:
    return Role.objects.get(code=code)


def make_user(
    username: str, jurisdiction: OrgUnit | None, *roles: str, password: str = "pass-word-123"
) -> User:
    user = User.objects.create_user(username=username, password=password, jurisdiction=jurisdiction)
    user.roles.set([role(r) for r in roles])
    return user


class StaffFactory(DjangoModelFactory):
    class Meta:
        model = StaffMember

    name = factory.Faker("name", locale="zh_CN")
    phone = factory.Faker("phone_number", locale="zh_CN")
    kind = "grid_staff"
    unit = None
    path = factory.LazyAttribute(lambda o: o.unit.path)
