"""Permissions of key people, screening and measures: codes are stable, labels translated; registered from the AppConfig."""

from django.utils.translation import gettext_lazy as _

from wangge.core.permissions import Permission

SCREENING_VIEW = "screening.view"
SCREENING_SCREEN = "screening.screen"
SCREENING_DECIDE = "screening.decide"
SCREENING_APPROVE = "screening.approve"
SCREENING_FOLLOWUP = "screening.followup"
SCREENING_RULES = "screening.rules"

PERMISSIONS = [
    Permission(
        SCREENING_VIEW,
        _("View key people, screening records, measures and follow-up"),
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
        SCREENING_SCREEN,
        _("Record screening and import lists of people to screen"),
        roles=(
            "office_leader",
            "department_staff",
            "village_cadre",
            "grid_leader",
            "grid_worker",
            "volunteer",
        ),
    ),
    Permission(
        SCREENING_DECIDE,
        _("Decide control measures and release people from them"),
        roles=("office_leader", "village_cadre"),
    ),
    Permission(
        SCREENING_APPROVE,
        _("Approve confining and bulk measures (office level and above)"),
        roles=("office_leader",),
    ),
    Permission(
        SCREENING_FOLLOWUP,
        _("Record daily checks, tests and services for people under measures"),
        roles=("office_leader", "village_cadre", "grid_leader", "grid_worker"),
    ),
    Permission(
        SCREENING_RULES,
        _("Edit key-people categories, risk areas and measure rules (district level)"),
        roles=("office_leader",),
    ),
]
