"""The demo's gatherings in 新港: a wedding over 50 waiting for the office, a banquet refused by
rule, funerals filed (one with its after-event record overdue)."""

import pytest
from django.db import transaction
from django.test import override_settings

from wangge.core.access import scope_of
from wangge.demo.builder import DEFAULT_SEED, build_demo
from wangge.gatherings.day import selectors
from wangge.gatherings.models import Gathering

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        result = build_demo(seed=DEFAULT_SEED, people=3000)
        yield result
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_xingangs_gatherings(demo):
    from wangge.accounts.models import User

    xg = Gathering.objects.filter(path__startswith=User.objects.get(username="xingang").jurisdiction.path)
    assert xg.filter(kind__code="wedding", status="pending", stage="office", max_diners__gt=50).count() == 1
    banquet = xg.get(kind__code="banquet")
    assert banquet.status == "refused" and banquet.refused_by_rule and "宴会不办" in banquet.refusal
    assert xg.filter(kind__code="funeral", status__in=["approved", "closed"]).count() == 3
    assert selectors.after_overdue(scope_of(User.objects.get(username="xingang"))).count() == 1
