"""Permissions of the roster: codes are stable, labels translated; registered from the AppConfig."""

from django.utils.translation import gettext_lazy as _

from wangge.core.permissions import Permission

ROSTER_VIEW = "roster.view"
ROSTER_EDIT = "roster.edit"
ROSTER_VIEW_CONTACT = "roster.view_contact"

PERMISSIONS = [
    Permission(
        ROSTER_VIEW,
        _("View the roster"),
        roles=(
            "office_leader",
            "working_group_lead",
            "department_staff",
            "village_cadre",
            "grid_leader",
            "grid_worker",
        ),
    ),
    Permission(
        ROSTER_EDIT, _("Edit the roster and responsibilities"), roles=("office_leader", "village_cadre")
    ),
    Permission(
        ROSTER_VIEW_CONTACT,
        _("See full phone and ID numbers on the roster"),
        roles=("office_leader", "working_group_lead", "village_cadre", "grid_leader"),
    ),
]
