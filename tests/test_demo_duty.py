"""The demo's checkpoints, roster, entries and volunteers: 八千's round-the-clock checkpoints with a
gap in tonight's roster and a day of entries, volunteers signed up, vetted and on shifts."""

import pytest
from django.db import transaction
from django.test import override_settings

from wangge.core.access import SYSTEM, scope_of
from wangge.demo.builder import DEFAULT_SEED, build_demo
from wangge.duty.models import Checkpoint, Duty, Entry, Volunteer, VolunteerTask
from wangge.duty.shifts.selectors import tonight_gaps

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        result = build_demo(seed=DEFAULT_SEED, people=6000)
        yield result
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_baqian_checkpoints_roster_entries_and_volunteers(demo):
    cps = list(Checkpoint.objects.all())
    assert len(cps) == 4 and all(cp.round_the_clock for cp in cps)
    assert all("八千" in cp.grid.parent.path or cp.path for cp in cps)
    assert tonight_gaps(scope_of(SYSTEM)) >= 2
    assert Entry.objects.count() > 200
    assert Entry.objects.filter(screening__isnull=False).exists()
    assert Entry.objects.filter(escalation__isnull=False).exists()
    assert Volunteer.objects.filter(status="pending").exists()
    assert Duty.objects.filter(volunteer__isnull=False, signed_out_at__isnull=False).exists()
    assert Duty.objects.filter(staff__is_party_member=True).exists()
    assert VolunteerTask.objects.exists()
