"""Editing, closing and reopening a checkpoint: the services (shifts to come replanned or dropped,
staffed ones kept, audited), the pages (a closed checkpoint's post page refuses in Chinese, no gaps
shown) and the API, all scoped."""

import uuid
from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tests.factories.accounts import client_for
from tests.factories.duty import make_duty, vetted
from wangge.audit.models import AuditEvent
from wangge.core.access import scope_of
from wangge.duty.checkpoints import services as checkpoints
from wangge.duty.models import Checkpoint, Shift
from wangge.duty.shifts import selectors as shift_selectors
from wangge.duty.shifts import services as roster

pytestmark = pytest.mark.django_db


@pytest.fixture
def duty(world):
    return make_duty(world)


def _future(cp):
    return Shift.objects.filter(checkpoint=cp, starts_at__gt=timezone.now()).order_by("starts_at")


def _staff_one(world, duty, n=1):
    """A vetted volunteer on the first shift to come: the shift."""
    shift = _future(duty.checkpoint).first()
    roster.assign(actor=duty.cadre, shift=shift, volunteer=vetted(world.village, duty.cadre, n))
    return shift


# --- services ------------------------------------------------------------------------------


def test_closing_drops_unfilled_shifts_to_come_and_keeps_the_staffed_ones(world, duty):
    cp = duty.checkpoint
    staffed = _staff_one(world, duty)
    running = Shift.objects.filter(checkpoint=cp, starts_at__lte=timezone.now(), ends_at__gt=timezone.now())
    assert running.count() == 1
    result = checkpoints.close_checkpoint(actor=duty.cadre, checkpoint=cp, reason="道路恢复通行")
    assert [s.pk for s in result.kept] == [staffed.pk]
    assert result.dropped > 0
    assert list(_future(cp)) == [staffed]  # only the staffed shift remains to come
    assert running.count() == 1  # the shift under way is not dropped
    cp.refresh_from_db()
    assert not cp.is_active and cp.closed_at and cp.close_reason == "道路恢复通行"
    event = AuditEvent.objects.filter(object_id=str(cp.pk), action="update").latest("id")
    assert event.after["is_active"] is False and event.after["shifts_dropped"] == result.dropped
    # No gaps shown for it (the kept shift is 1 of 2, but the checkpoint is closed).
    days = shift_selectors.gaps(scope_of(duty.cadre), start=timezone.localdate(), days=7)
    assert sum(d.unfilled for d in days) == 0
    assert all(s.checkpoint_id != cp.pk for d in days for s in d.rows)
    assert shift_selectors.upcoming_staffed(scope_of(duty.cadre), cp.pk) == [staffed]


def test_a_closed_checkpoint_takes_nobody_and_no_shifts_and_reopens(world, duty):
    cp = duty.checkpoint
    with pytest.raises(ValidationError):
        checkpoints.close_checkpoint(actor=duty.cadre, checkpoint=cp, reason="  ")  # a reason is needed
    checkpoints.close_checkpoint(actor=duty.cadre, checkpoint=cp, reason="解封")
    cp.refresh_from_db()
    with pytest.raises(ValidationError):
        checkpoints.close_checkpoint(actor=duty.cadre, checkpoint=cp, reason="again")
    with pytest.raises(ValidationError):
        checkpoints.make_shifts(actor=duty.cadre, checkpoint=cp, start=timezone.localdate(), days=3)
    running = Shift.objects.get(checkpoint=cp, starts_at__lte=timezone.now(), ends_at__gt=timezone.now())
    with pytest.raises(ValidationError):
        roster.assign(actor=duty.cadre, shift=running, volunteer=vetted(world.village, duty.cadre))
    made = checkpoints.reopen_checkpoint(actor=duty.cadre, checkpoint=cp)
    cp.refresh_from_db()
    assert cp.is_active and cp.closed_at is None and cp.close_reason == ""
    assert made > 0 and _future(cp).count() >= made
    with pytest.raises(ValidationError):
        checkpoints.reopen_checkpoint(actor=duty.cadre, checkpoint=cp)


def test_changing_the_hours_replans_the_shifts_to_come(world, duty):
    cp = duty.checkpoint
    staffed = _staff_one(world, duty)
    result = checkpoints.update_checkpoint(
        actor=duty.cadre,
        checkpoint=cp,
        name="八千村口卡点",
        kind="road",
        address="X032县道",
        round_the_clock=False,
        opens_at=time(7, 0),
        closes_at=time(19, 0),
        pattern="set",
        shift_times=checkpoints.parse_shift_times("07:00-13:00, 13:00-19:00"),
        people_per_shift=3,
    )
    cp.refresh_from_db()
    assert (cp.name, cp.kind, cp.address, cp.pattern) == ("八千村口卡点", "road", "X032县道", "set")
    assert cp.opens_at == time(7, 0) and cp.shift_times == [["07:00", "13:00"], ["13:00", "19:00"]]
    assert result.dropped > 0 and result.made > 0
    others = [s for s in _future(cp) if s.pk != staffed.pk]
    assert others and all(
        (timezone.localtime(s.starts_at).strftime("%H:%M"), s.needed) in {("07:00", 3), ("13:00", 3)}
        for s in others
    )
    if timezone.localtime(staffed.starts_at).strftime("%H:%M") not in ("07:00", "13:00"):
        assert [s.pk for s in result.kept] == [staffed.pk]
    assert Shift.objects.filter(pk=staffed.pk).exists()  # someone is on it: kept
    event = AuditEvent.objects.filter(object_id=str(cp.pk), action="update").latest("id")
    assert event.before["pattern"] == "3x8" and event.after["pattern"] == "set"
    assert event.after["shifts_dropped"] == result.dropped
    # The same values again change nothing and write nothing.
    n = AuditEvent.objects.count()
    again = checkpoints.update_checkpoint(
        actor=duty.cadre, checkpoint=cp, name=cp.name, kind=cp.kind, address=cp.address,
        round_the_clock=False, opens_at=cp.opens_at, closes_at=cp.closes_at, pattern="set",
        shift_times=cp.shift_times, people_per_shift=3,
    )  # fmt: skip
    assert (again.dropped, again.made) == (0, 0) and AuditEvent.objects.count() == n


def test_set_hours_need_their_times(duty):
    with pytest.raises(ValidationError):
        checkpoints.update_checkpoint(
            actor=duty.cadre, checkpoint=duty.checkpoint, name="x", kind="road", round_the_clock=False
        )


# --- pages ---------------------------------------------------------------------------------


def test_edit_close_and_reopen_pages(world, duty):
    cp = duty.checkpoint
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(duty.cadre)
    page = c.get(f"/duty/checkpoints/{cp.pk}/edit/")
    assert page.status_code == 200 and cp.name in page.content.decode()
    # The form comes filled with what the checkpoint has (not only its name in the heading).
    assert f'name="name" value="{cp.name}"' in page.content.decode()
    r = c.post(
        f"/duty/checkpoints/{cp.pk}/edit/",
        {"name": "<script>x</script>", "kind": "community_gate", "address": "东门", "pattern": "2x12",
         "round_the_clock": "on", "people_per_shift": "1", "shift_times": ""},
    )  # fmt: skip
    assert r.status_code == 302
    cp.refresh_from_db()
    assert cp.kind == "community_gate" and cp.pattern == "2x12"
    detail = c.get(f"/duty/checkpoints/{cp.pk}/").content.decode()
    assert "<script>x</script>" not in detail and "&lt;script&gt;" in detail

    staffed = _staff_one(world, duty)
    close = c.get(f"/duty/checkpoints/{cp.pk}/close/")
    assert close.status_code == 200 and f'data-shift-id="{staffed.pk}"' in close.content.decode()
    assert c.post(f"/duty/checkpoints/{cp.pk}/close/", {"reason": ""}).status_code == 200  # refused
    r = c.post(f"/duty/checkpoints/{cp.pk}/close/", {"reason": "道路恢复通行"}, follow=True)
    body = r.content.decode()
    assert 'data-testid="checkpoint-closed"' in body and "道路恢复通行" in body
    assert f'data-shift-id="{staffed.pk}"' in body  # the kept shift is listed
    assert "恢复" in body and "于 " in body
    # The checkpoints list shows it among the closed ones; no gaps on the gaps page.
    listing = c.get("/duty/").content.decode()
    assert 'data-testid="closed-checkpoints"' in listing
    assert f'data-shift-id="{staffed.pk}"' not in c.get("/duty/gaps/").content.decode()
    # Its post page refuses new entries, in Chinese, with no form.
    post = c.get(f"/duty/post/{cp.pk}/")
    text = post.content.decode()
    assert post.status_code == 200 and 'id="entry-form"' not in text
    assert "此卡点已关闭，不能再登记" in text
    assert f'data-checkpoint-id="{cp.pk}"' not in c.get("/duty/post/").content.decode()
    r = c.post(f"/duty/checkpoints/{cp.pk}/reopen/", follow=True)
    cp.refresh_from_db()
    assert cp.is_active and 'id="entry-form"' in c.get(f"/duty/post/{cp.pk}/").content.decode()


def test_the_pages_are_scoped_and_need_the_manage_permission(world, duty):
    foreign = duty.foreign_checkpoint
    c = client_for(duty.cadre)
    assert c.get(f"/duty/checkpoints/{foreign.pk}/edit/").status_code == 404
    assert c.post(f"/duty/checkpoints/{foreign.pk}/close/", {"reason": "x"}).status_code == 404
    assert c.post(f"/duty/checkpoints/{foreign.pk}/reopen/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active
    logger = client_for(duty.logger)
    assert logger.post(f"/duty/checkpoints/{duty.checkpoint.pk}/close/", {"reason": "x"}).status_code == 403


# --- API -----------------------------------------------------------------------------------


def test_the_api_edits_closes_and_reopens(world, duty, screening):
    cp = duty.checkpoint
    c = client_for(duty.cadre)
    url = f"/api/v1/duty/checkpoints/{cp.pk}"
    r = c.patch(url, {"round_the_clock": False, "opens_at": "08:00", "closes_at": "20:00"},
                content_type="application/json")  # fmt: skip
    assert r.status_code == 200, r.content
    assert r.json()["checkpoint"]["opens_at"] == "08:00:00" and r.json()["shifts_dropped"] > 0
    assert c.patch(url, {"kind": "nowhere"}, content_type="application/json").status_code == 422
    r = c.post(url + "/close", {"reason": "解封"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["checkpoint"]["is_active"] is False
    assert c.post(url + "/close", {"reason": "again"}, content_type="application/json").status_code == 422
    assert [x["id"] for x in c.get("/api/v1/duty/checkpoints").json()] == []
    assert [x["id"] for x in c.get("/api/v1/duty/checkpoints?include_closed=true").json()] == [cp.pk]
    # The phone's queue sent after closing: refused as a batch, nothing stored.
    up = c.post(url + "/entries", {"entries": [{"client_id": str(uuid.uuid4()), "id_number": "x"}]},
                content_type="application/json")  # fmt: skip
    # Refused entry by entry (what a phone logged before the closing would still be kept).
    assert up.status_code == 200 and up.json()["results"][0]["status"] == "refused"
    r = c.post(url + "/reopen", content_type="application/json")
    assert r.status_code == 200 and r.json()["checkpoint"]["is_active"] and r.json()["shifts_made"] > 0
    foreign = f"/api/v1/duty/checkpoints/{duty.foreign_checkpoint.pk}"
    assert c.patch(foreign, {"name": "x"}, content_type="application/json").status_code == 404
    assert c.post(foreign + "/close", {"reason": "x"}, content_type="application/json").status_code == 404
    assert Checkpoint.objects.get(pk=duty.foreign_checkpoint.pk).is_active
