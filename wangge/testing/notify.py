"""Telling people: grid leaders about positive pools (alerts). Runs after the commit."""

from __future__ import annotations

from django.utils.translation import gettext as _

from wangge.testing.calling.channels import Message, get_channel
from wangge.testing.models import Alert


def alert_text(alert: Alert) -> str:
    # Names and addresses stay in the system (the alert page); the message carries counts only.
    return _(
        "[Wangge] Round %(round)s: tube %(tube)s is %(result)s. %(n)d people of %(grid)s must stay where they are "
        "and be re-sampled one by one. Names and addresses: Wangge → Testing → Alerts."
    ) % {
        "round": alert.round.name,
        "tube": alert.tube.barcode,
        "result": alert.get_result_display(),
        "n": alert.people,
        "grid": alert.grid.name,
    }


def send_alerts(alert_ids: list[int]) -> None:
    from wangge.roster.selectors import responsible_for

    channel = get_channel()
    for alert in Alert.objects.filter(pk__in=alert_ids).select_related("round", "tube", "grid"):
        leaders = list(responsible_for(alert.grid).select_related("staff"))
        messages = []
        recipients = []
        for assignment in leaders:
            staff = assignment.staff
            recipients.append(
                {"staff_id": staff.pk, "name": staff.name, "status": "no_phone" if not staff.phone else ""}
            )
            if staff.phone:
                messages.append(
                    Message(
                        ref=f"alert:{alert.pk}:{staff.pk}",
                        phone=staff.phone,
                        text=alert_text(alert),
                        path=alert.path,
                    )
                )
        results = {r.ref: r for r in channel.send(messages)} if messages else {}
        for rec in recipients:
            r = results.get(f"alert:{alert.pk}:{rec['staff_id']}")
            if r is not None:
                rec["status"] = "sent" if r.ok else "failed"
        alert.recipients = recipients
        alert.save(update_fields=["recipients"])
