"""Overdue orders told to the office leaders through the platform's notice channel (the same
channel and roster look-up as screening's escalations). Messages carry no personal data."""

from __future__ import annotations

from django.utils.translation import gettext as _

from wangge.roster.models import AssignmentRole
from wangge.testing.calling.channels import Message, get_channel


def overdue_text(office_name: str, count: int) -> str:
    return _(
        "[Wangge] %(office)s: %(n)s rectification orders are past their deadline. "
        "See Wangge → Venue inspections → Orders."
    ) % {"office": office_name, "n": count}


def tell_office_leaders(office, count: int, ref: str) -> int:
    """Send to the office's leaders; answers how many messages were sent."""
    from wangge.roster.selectors import responsible_for

    messages = []
    for assignment in responsible_for(office):
        if assignment.role != AssignmentRole.OFFICE_LEADER or not assignment.staff.phone:
            continue
        messages.append(
            Message(
                ref=f"{ref}:{assignment.staff.pk}",
                phone=assignment.staff.phone,
                text=overdue_text(office.name, count),
                path=office.path,
            )
        )
    if not messages:
        return 0
    return sum(1 for r in get_channel().send(messages) if r.ok)
