"""Permissions of gatherings: codes are stable, labels translated; registered from the AppConfig."""

from django.utils.translation import gettext_lazy as _

from wangge.core.permissions import Permission

GATHERINGS_VIEW = "gatherings.view"
GATHERINGS_REPORT = "gatherings.report"
GATHERINGS_FILE = "gatherings.file"
GATHERINGS_APPROVE = "gatherings.approve"
GATHERINGS_SUPERVISE = "gatherings.supervise"
GATHERINGS_RULES = "gatherings.rules"

PERMISSIONS = [
    Permission(
        GATHERINGS_VIEW,
        _("View gatherings reported (weddings, funerals, banquets)"),
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
        GATHERINGS_REPORT,
        _("Report a gathering for a family and import its guest list"),
        roles=("office_leader", "village_cadre", "grid_leader", "grid_worker"),
    ),
    Permission(
        GATHERINGS_FILE,
        _("File gatherings with the village and forward larger ones"),
        roles=("office_leader", "village_cadre"),
    ),
    Permission(
        GATHERINGS_APPROVE,
        _("Approve or refuse gatherings (office level and above)"),
        roles=("office_leader",),
    ),
    Permission(
        GATHERINGS_SUPERVISE,
        _("Supervise gatherings on the day and record them afterwards"),
        roles=("office_leader", "village_cadre", "grid_leader", "grid_worker"),
    ),
    Permission(
        GATHERINGS_RULES,
        _("Edit the rules for gatherings (district level)"),
        roles=(),
    ),
]
