"""Telling people, after the commit, through the same pluggable channel as testing notices
(`WANGGE_NOTICE_CHANNEL`): escalations to the grid's medic and leaders and to the office leaders,
release notices to the person. Messages never carry ID numbers; escalations carry no names."""

from __future__ import annotations

from django.utils.translation import gettext as _

from wangge.roster.models import AssignmentRole
from wangge.testing.calling.channels import Message, get_channel

# Who hears of an abnormal finding: the grid's team (the medic first) and the office's leaders.
GRID_ROLES = {
    AssignmentRole.TEAM_MEDIC,
    AssignmentRole.GRID_LEADER,
    AssignmentRole.TEAM_COMMUNITY_WORKER,
}
OFFICE_ROLES = {AssignmentRole.OFFICE_LEADER}


def escalation_text(escalation) -> str:
    return _(
        "[Wangge] %(grid)s: a person under %(measure)s — %(finding)s. See Wangge → Screening → Escalations."
    ) % {
        "grid": escalation.measure.grid.name,
        "measure": escalation.measure.get_kind_display(),
        "finding": escalation.get_kind_display(),
    }


def _recipients(measure) -> list:
    from wangge.org.models import OrgUnit
    from wangge.org.selectors import office_id_of
    from wangge.roster.selectors import responsible_for

    office = OrgUnit.objects.get(pk=office_id_of(measure.path))
    people = [a for a in responsible_for(measure.grid) if a.role in GRID_ROLES]
    people += [a for a in responsible_for(office) if a.role in OFFICE_ROLES]
    return people


def send_escalation(escalation_id: int) -> None:
    from wangge.screening.models import Escalation

    escalation = (
        Escalation.objects.select_related("measure", "measure__grid").filter(pk=escalation_id).first()
    )
    if escalation is None:
        return
    text = escalation_text(escalation)
    # Sent again after the person moved: the new grid's people are told, those already told are
    # not; an earlier failed or phoneless attempt is replaced by the new one.
    earlier = list(escalation.recipients or [])
    told = {r["staff_id"] for r in earlier if r.get("status") == "sent"}
    fresh, messages = [], []
    for assignment in _recipients(escalation.measure):
        staff = assignment.staff
        if staff.pk in told:
            continue
        told.add(staff.pk)
        rec = {"staff_id": staff.pk, "name": staff.name, "role": assignment.role, "status": ""}
        if staff.phone:
            messages.append(
                Message(
                    ref=f"esc:{escalation.pk}:{staff.pk}", phone=staff.phone, text=text, path=escalation.path
                )
            )
        else:
            rec["status"] = "no_phone"
        fresh.append(rec)
    results = {r.ref: r for r in get_channel().send(messages)} if messages else {}
    for rec in fresh:
        r = results.get(f"esc:{escalation.pk}:{rec['staff_id']}")
        if r is not None:
            rec["status"] = "sent" if r.ok else "failed"
    retried = {rec["staff_id"] for rec in fresh}
    escalation.recipients = [r for r in earlier if r["staff_id"] not in retried] + fresh
    escalation.save(update_fields=["recipients"])


def release_text(measure) -> str:
    return _(
        "[Wangge] %(name)s: your %(measure)s ended on %(end)s and you are released. Release notice %(no)s."
    ) % {
        "name": measure.person.name,
        "measure": measure.get_kind_display(),
        "end": measure.ends_on.isoformat(),
        "no": measure.release_notice_no,
    }


def send_release_notice(measure_id: int) -> None:
    from wangge.screening.models import Measure

    measure = Measure.objects.select_related("person").filter(pk=measure_id).first()
    if measure is None or not measure.person.phone:
        return
    get_channel().send(
        [
            Message(
                ref=f"release:{measure.pk}",
                phone=measure.person.phone,
                text=release_text(measure),
                path=measure.path,
            )
        ]
    )
