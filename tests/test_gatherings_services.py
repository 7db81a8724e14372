"""Gatherings: the rules as data answer at once, reports never duplicate, the chain goes by band,
the guest list is matched and checked, the day and after close it."""

import datetime
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories.gatherings import family_report, kind, make_gatherings
from tests.factories.registry import rid, wrong_check_digit
from wangge.core.access import PUBLIC_ACTOR
from wangge.gatherings.approvals import services as approvals
from wangge.gatherings.day import selectors as day
from wangge.gatherings.day import services as day_services
from wangge.gatherings.models import Band, Gathering, GatheringRule, Notice, Status
from wangge.gatherings.rules.selectors import evaluate

pytestmark = pytest.mark.django_db


@pytest.fixture
def g(world):
    return make_gatherings(world)


def today():
    return timezone.localdate()


# --- the rules ----------------------------------------------------------------------------------


def test_the_default_rules_are_shipped_as_data(world):
    assert set(GatheringRule.objects.values_list("kind__code", "stance")) >= {
        ("wedding", "postpone"),
        ("funeral", "simplify"),
        ("banquet", "banned"),
    }


def test_a_wedding_of_80_needs_a_plan_and_the_office(world):
    v = evaluate(kind=kind("wedding"), starts_on=today() + timedelta(days=8), diners=[80])
    assert v.band == Band.OFFICE and v.needs_plan and v.postpone and not v.errors
    assert any("80" in m and "50" in m for m in v.messages)


def test_bands_village_and_district(world):
    assert evaluate(kind=kind("funeral"), starts_on=today(), diners=[40]).band == Band.VILLAGE
    assert evaluate(kind=kind("funeral"), starts_on=today(), diners=[250]).band == Band.DISTRICT


def test_lead_time_and_caps_and_past_dates(world):
    assert (
        "starts_on"
        in evaluate(kind=kind("wedding"), starts_on=today() + timedelta(days=3), diners=[20]).errors
    )
    assert not evaluate(kind=kind("funeral"), starts_on=today(), diners=[20]).errors
    assert (
        "diners" in evaluate(kind=kind("family"), starts_on=today() + timedelta(days=1), diners=[12]).errors
    )
    assert (
        "starts_on"
        in evaluate(kind=kind("funeral"), starts_on=today() - timedelta(days=1), diners=[5]).errors
    )


def test_a_newer_rule_version_applies_from_its_date(world):
    old = GatheringRule.objects.get(kind__code="funeral")
    later = today() + timedelta(days=5)
    old.valid_to = later - timedelta(days=1)
    old.save()
    GatheringRule.objects.create(
        kind=old.kind, stance="allowed", village_band=20, office_band=100, valid_from=later
    )
    assert evaluate(kind=kind("funeral"), starts_on=today(), diners=[30]).band == Band.VILLAGE
    assert evaluate(kind=kind("funeral"), starts_on=later, diners=[30]).band == Band.OFFICE


# --- reports ------------------------------------------------------------------------------------


def test_a_banned_banquet_is_refused_at_once_in_the_rules_words(world):
    gathering = family_report(world, kind_code="banquet", diners=30, plan="")
    assert gathering.status == Status.REFUSED and gathering.refused_by_rule
    assert "宴会不办" in gathering.refusal
    assert Notice.objects.filter(gathering=gathering, text__contains="宴会不办").exists()


def test_the_same_report_sent_twice_is_one_report(world):
    token = uuid.uuid4()
    first = family_report(world, token=token)
    second = family_report(world, token=token)
    assert first.pk == second.pk and Gathering.objects.count() == 1


def test_an_id_that_fails_its_check_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        family_report(world, host_id_number=wrong_check_digit(rid(901)))
    assert "host_id_number" in exc.value.error_dict
    assert Gathering.objects.count() == 0


def test_a_date_in_the_past_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        family_report(world, kind_code="funeral", days_ahead=-1)
    assert "starts_on" in exc.value.error_dict


def test_over_50_without_a_plan_is_told_what_is_needed(world):
    with pytest.raises(ValidationError) as exc:
        family_report(world, plan="")
    assert "plan" in exc.value.error_dict


def test_a_family_may_only_choose_a_village(world):
    with pytest.raises(ValidationError):
        family_report(world, unit=world.grid_a)


def test_a_grid_worker_reports_in_their_grid_only(world, g):
    with pytest.raises(PermissionDenied):
        family_report(world, actor=g.leader, unit=world.other_grid)
    gathering = family_report(
        world, actor=g.leader, unit=world.grid_a, kind_code="funeral", days_ahead=0, diners=30
    )
    assert gathering.path == world.grid_a.path and gathering.reporter == g.leader


# --- the chain ----------------------------------------------------------------------------------


def test_village_forwards_office_approves_with_conditions(world, g):
    gathering = family_report(world)
    assert gathering.stage == Band.VILLAGE and gathering.band == Band.OFFICE
    with pytest.raises(ValidationError):  # not the village's to approve
        approvals.approve(actor=g.cadre, gathering=gathering, grid=world.grid_a)
    with pytest.raises(ValidationError):  # the grid must be named
        approvals.forward(actor=g.cadre, gathering=gathering)
    gathering = approvals.forward(actor=g.cadre, gathering=gathering, grid=world.grid_a)
    assert gathering.stage == Band.OFFICE and gathering.path == world.grid_a.path
    assert gathering.host is not None  # a provisional registry person
    with pytest.raises(PermissionDenied):
        approvals.approve(actor=g.cadre, gathering=gathering)
    with pytest.raises(PermissionDenied):
        approvals.approve(actor=g.outsider, gathering=gathering)
    gathering = approvals.approve(
        actor=g.office,
        gathering=gathering,
        conditions=["桌距1米", "不邀请中高风险地区人员"],
        supervisor=g.leader,
    )
    assert gathering.status == Status.APPROVED and gathering.supervisor == g.leader
    assert "桌距1米" in gathering.conditions
    assert [s.action for s in gathering.steps.all()] == ["forward", "approve"]
    assert gathering.notices.count() == 3


def test_the_district_approves_the_largest(world, g):
    gathering = family_report(world, diners=250)
    gathering = approvals.forward(actor=g.cadre, gathering=gathering, grid=world.grid_a)
    gathering = approvals.forward(actor=g.office, gathering=gathering)
    assert gathering.stage == Band.DISTRICT
    with pytest.raises(PermissionDenied):
        approvals.approve(actor=g.office, gathering=gathering)
    assert approvals.approve(actor=g.district, gathering=gathering).status == Status.APPROVED


def test_a_small_funeral_is_filed_by_the_village(world, g):
    gathering = family_report(world, kind_code="funeral", days_ahead=0, diners=30, plan="")
    gathering = approvals.approve(actor=g.cadre, gathering=gathering, grid=world.grid_a, conditions=[])
    assert gathering.status == Status.APPROVED and gathering.steps.get().action == "file"


def test_a_refusal_needs_reasons(world, g):
    gathering = family_report(world)
    with pytest.raises(ValidationError):
        approvals.refuse(actor=g.cadre, gathering=gathering, reasons=" ")
    gathering = approvals.refuse(actor=g.cadre, gathering=gathering, reasons="正值疫情高峰，建议延期")
    assert gathering.status == Status.REFUSED and "延期" in gathering.notices.last().text


# --- the day and after ----------------------------------------------------------------------------


def approved_today(world, g):
    gathering = family_report(world, kind_code="funeral", days_ahead=0, diners=30, plan="")
    return approvals.approve(actor=g.cadre, gathering=gathering, grid=world.grid_a, supervisor=g.leader)


def test_the_day_check_is_idempotent_and_the_after_record_closes(world, g):
    gathering = approved_today(world, g)
    cid = uuid.uuid4()
    a = day_services.record_day_check(
        actor=g.leader, gathering=gathering, client_id=cid, actual_diners=28, conditions_kept=True
    )
    b = day_services.record_day_check(
        actor=g.leader, gathering=gathering, client_id=cid, actual_diners=28, conditions_kept=True
    )
    assert a.pk == b.pk and gathering.day_checks.count() == 1
    with pytest.raises(ValidationError):
        day_services.record_day_check(
            actor=g.leader, gathering=gathering, actual_diners=40, conditions_kept=False
        )
    day_services.record_after(actor=g.leader, gathering=gathering, actual_diners=29)
    gathering.refresh_from_db()
    assert gathering.status == Status.CLOSED
    with pytest.raises(ValidationError):
        day_services.record_after(actor=g.leader, gathering=gathering, actual_diners=29)


def test_overdue_after_event_records_and_the_week(world, g):
    from wangge.core.access import scope_of

    gathering = approved_today(world, g)
    Gathering.objects.filter(pk=gathering.pk).update(
        starts_on=today() - timedelta(days=3), ends_on=today() - timedelta(days=2)
    )
    scope = scope_of(g.cadre)
    assert [x.pk for x in day.after_overdue(scope)] == [gathering.pk]
    assert day.after_overdue(scope_of(g.outsider)).count() == 0
    fresh = approved_today(world, g)
    rows = {r["unit"].pk: r for r in day.per_unit(scope_of(g.office))}
    assert rows[world.office.pk]["today"] == 1 and rows[world.village.pk]["week"] == 1
    assert [x.pk for x in day.to_supervise_today(scope, g.leader)] == [fresh.pk]


def test_public_actor_cannot_take_steps(world):
    gathering = family_report(world)
    with pytest.raises(PermissionDenied):
        approvals.forward(actor=PUBLIC_ACTOR, gathering=gathering, grid=world.grid_a)


def test_a_new_version_of_a_rule_ends_the_one_before(world, g):
    from wangge.gatherings.rules import services as rules

    later = today() + timedelta(days=3)
    with pytest.raises(PermissionDenied):
        rules.new_version(actor=g.office, kind=kind("funeral"), valid_from=later, stance="allowed")
    with pytest.raises(ValidationError):
        rules.new_version(
            actor=g.district, kind=kind("funeral"), valid_from=today() - timedelta(days=1), stance="allowed"
        )
    rule = rules.new_version(
        actor=g.district,
        kind=kind("funeral"),
        valid_from=later,
        stance="allowed",
        village_band=20,
        office_band=100,
    )
    assert GatheringRule.objects.get(kind__code="funeral", valid_to=later - timedelta(days=1))
    assert evaluate(kind=kind("funeral"), starts_on=later, diners=[30]).rule == rule
    with pytest.raises(ValidationError):
        rules.new_version(actor=g.district, kind=kind("funeral"), valid_from=later, stance="allowed")


def test_only_the_district_sets_the_rules(world):
    from tests.factories import make_user
    from wangge.gatherings.rules import services as rules

    office_admin = make_user("g_office_admin", world.office, "district_admin")
    with pytest.raises(PermissionDenied):
        rules.new_version(
            actor=office_admin, kind=kind("funeral"), valid_from=today() + timedelta(days=1), stance="allowed"
        )


def test_a_day_check_sent_late_from_the_phone_keeps_its_time_and_its_day(world, g):
    """Made offline on the last evening of the gathering and sent the next morning: stored with
    the phone's time, for the day it was made on. Without that time it would be refused (the
    gathering is over); a time in the future or days old is refused with its reason."""
    from datetime import timedelta

    from wangge.gatherings.models import Gathering

    gathering = approved_today(world, g)
    yesterday = timezone.localdate() - timedelta(days=1)
    Gathering.objects.filter(pk=gathering.pk).update(starts_on=yesterday, ends_on=yesterday)
    gathering.refresh_from_db()
    made = timezone.now() - timedelta(hours=20)
    if timezone.localtime(made).date() != yesterday:  # just after midnight: still yesterday's evening
        made = timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(21, 30)))
    with pytest.raises(ValidationError):
        day_services.record_day_check(
            actor=g.leader, gathering=gathering, actual_diners=30, conditions_kept=True
        )
    check = day_services.record_day_check(
        actor=g.leader, gathering=gathering, actual_diners=30, conditions_kept=True, at=made
    )
    assert check.at == made
    for wrong in (timezone.now() + timedelta(hours=3), timezone.now() - timedelta(days=3)):
        with pytest.raises(ValidationError) as err:
            day_services.record_day_check(
                actor=g.leader, gathering=gathering, actual_diners=30, conditions_kept=True, at=wrong
            )
        assert "at" in err.value.message_dict
