"""Permissions of the venues part: codes are stable, labels translated; registered from the AppConfig."""

from django.utils.translation import gettext_lazy as _

from wangge.core.permissions import Permission

VENUES_VIEW = "venues.view"
VENUES_MANAGE = "venues.manage"
VENUES_RECORDS = "venues.records"
VENUES_KINDS = "venues.kinds"
VENUES_OWN = "venues.own"

PERMISSIONS = [
    Permission(
        VENUES_VIEW,
        _("View key venues, their staff health records, disinfection logs and visitor registers"),
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
        VENUES_MANAGE,
        _("Register, change, close and reopen key venues, import them and create their accounts"),
        roles=("office_leader", "department_staff", "village_cadre"),
    ),
    Permission(
        VENUES_RECORDS,
        _("Write a venue's staff health record, disinfection log and visitor register"),
        roles=("office_leader", "department_staff", "village_cadre", "grid_leader", "grid_worker"),
    ),
    Permission(
        VENUES_KINDS,
        _("Edit the kinds of venue (district level)"),
        roles=(),
    ),
    # Held by the venue's own account (a role the district gives it): its own venue, nothing else.
    Permission(VENUES_OWN, _("Keep the records of one's own venue (venue accounts)"), roles=()),
]
