"""Accounts: roles, users and a client logged in as one."""

from django.test import Client

from wangge.accounts.models import Role, User
from wangge.org.models import OrgUnit


def role(code: str) -> Role:
    return Role.objects.get(code=code)


def make_user(
    username: str, jurisdiction: OrgUnit | None, *roles: str, password: str = "pass-word-123"
) -> User:
    user = User.objects.create_user(username=username, password=password, jurisdiction=jurisdiction)
    user.roles.set([role(r) for r in roles])
    return user


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c
