"""Sign-in and sign-out queued on the phone: POST /api/v1/duty/checkpoints/{id}/signs does each
exactly once by its client id, keeps the time it was done on the phone, refuses what cannot be
(sign out before in, a foreign duty, a clock far ahead) with a message, and the post page carries
what its script needs."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories.accounts import client_for
from tests.factories.duty import make_checkpoint, make_duty, vetted
from wangge.audit.models import AuditEvent
from wangge.duty.models import Duty, Shift
from wangge.duty.shifts import services as roster

pytestmark = pytest.mark.django_db


@pytest.fixture
def duty(world):
    return make_duty(world)


def _on_now(world, duty, n=1) -> Duty:
    now = timezone.now()
    shift = Shift.objects.get(checkpoint=duty.checkpoint, starts_at__lte=now, ends_at__gt=now)
    return roster.assign(actor=duty.cadre, shift=shift, volunteer=vetted(world.village, duty.cadre, n))


def _send(client, cp, signs):
    return client.post(
        f"/api/v1/duty/checkpoints/{cp.pk}/signs", {"signs": signs}, content_type="application/json"
    )


def test_a_queued_sign_in_and_out_is_done_exactly_once_at_the_phones_time(world, duty):
    d = _on_now(world, duty)
    c = client_for(duty.logger)
    tapped = timezone.now() - timedelta(minutes=20)
    sign_in = {"client_id": str(uuid.uuid4()), "duty_id": d.pk, "action": "in", "at": tapped.isoformat()}
    sign_out = {"client_id": str(uuid.uuid4()), "duty_id": d.pk, "action": "out"}
    r = _send(c, duty.checkpoint, [sign_in, sign_out])
    assert r.status_code == 200, r.content
    assert [x["status"] for x in r.json()["results"]] == ["accepted", "accepted"]
    d.refresh_from_db()
    assert abs((d.signed_in_at - tapped).total_seconds()) < 1  # the phone's time, not the upload's
    assert d.signed_out_at > d.signed_in_at and str(d.sign_in_token) == sign_in["client_id"]
    events = AuditEvent.objects.filter(model="duty.duty", object_id=str(d.pk), action="update").count()
    # The same batch again (the answer was lost): nothing changes, nothing is audited twice.
    again = _send(c, duty.checkpoint, [sign_in, sign_out]).json()["results"]
    assert [x["status"] for x in again] == ["duplicate", "duplicate"]
    d2 = Duty.objects.get(pk=d.pk)
    assert (d2.signed_in_at, d2.signed_out_at) == (d.signed_in_at, d.signed_out_at)
    assert (
        AuditEvent.objects.filter(model="duty.duty", object_id=str(d.pk), action="update").count() == events
    )
    # Another phone's sign-in for the same duty is told it is done already.
    other = _send(c, duty.checkpoint, [{"client_id": str(uuid.uuid4()), "duty_id": d.pk, "action": "in"}])
    assert other.json()["results"][0]["status"] == "duplicate"


def test_what_cannot_be_done_is_refused_with_its_reason(world, duty):
    d = _on_now(world, duty)
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(duty.logger)
    results = _send(
        c,
        duty.checkpoint,
        [
            {"client_id": str(uuid.uuid4()), "duty_id": d.pk, "action": "out"},  # not signed in
            {"client_id": "not-a-uuid", "duty_id": d.pk, "action": "in"},
            {"client_id": str(uuid.uuid4()), "duty_id": 999999, "action": "in"},
            {
                "client_id": str(uuid.uuid4()),
                "duty_id": d.pk,
                "action": "in",
                "at": (timezone.now() + timedelta(hours=2)).isoformat(),
            },  # the phone's clock is ahead
        ],  # fmt: skip
    ).json()["results"]
    assert [x["status"] for x in results] == ["refused"] * 4
    assert "签到" in results[0]["message"]
    assert all(x["message"] for x in results)
    d.refresh_from_db()
    assert d.signed_in_at is None and d.signed_out_at is None
    # A foreign checkpoint answers 404, like a missing one.
    assert _send(c, duty.foreign_checkpoint, []).status_code == 404


def test_a_duty_of_another_checkpoint_is_refused_like_a_missing_one(world, duty):
    d = _on_now(world, duty)
    second = make_checkpoint(world.grid_a, name="第二卡点", days=1)
    r = _send(client_for(duty.logger), second, [{"client_id": str(uuid.uuid4()), "duty_id": d.pk}])
    assert r.json()["results"][0]["status"] == "refused"
    d.refresh_from_db()
    assert d.signed_in_at is None


def test_the_post_page_carries_the_duties_and_the_sign_url(world, duty):
    d = _on_now(world, duty)
    html = client_for(duty.logger).get(f"/duty/post/{duty.checkpoint.pk}/").content.decode()
    assert f'data-sign-url="/api/v1/duty/checkpoints/{duty.checkpoint.pk}/signs"' in html
    assert f'data-duty-id="{d.pk}"' in html and 'class="cp-sign-form"' in html
