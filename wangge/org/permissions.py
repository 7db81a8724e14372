"""Permissions of the tree of units: codes are stable, labels translated; registered from the AppConfig."""

from django.utils.translation import gettext_lazy as _

from wangge.core.permissions import Permission

ORG_VIEW = "org.view"
ORG_EDIT = "org.edit"

PERMISSIONS = [
    Permission(
        ORG_VIEW,
        _("View the tree of units"),
        roles=(
            "office_leader",
            "working_group_lead",
            "department_staff",
            "village_cadre",
            "grid_leader",
            "grid_worker",
            "volunteer",
            "sampling_registrar",
        ),
    ),
    Permission(ORG_EDIT, _("Create, rename, move and close units"), roles=("office_leader", "village_cadre")),
]
