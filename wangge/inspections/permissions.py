"""Permissions of inspections, orders, patrols and disinfection plans: codes stable, labels translated."""

from django.utils.translation import gettext_lazy as _

from wangge.core.permissions import Permission

INSPECTIONS_VIEW = "inspections.view"
INSPECTIONS_INSPECT = "inspections.inspect"
INSPECTIONS_LEAD = "inspections.lead"
INSPECTIONS_CHECKLISTS = "inspections.checklists"
INSPECTIONS_DISINFECT = "inspections.disinfect"

PERMISSIONS = [
    Permission(
        INSPECTIONS_VIEW,
        _("View inspections, campaigns, rectification orders and disinfection plans"),
        roles=("office_leader", "working_group_lead", "department_staff", "village_cadre", "grid_leader"),
    ),
    Permission(
        INSPECTIONS_INSPECT,
        _("Inspect venues and re-inspect rectification orders"),
        roles=("office_leader", "working_group_lead", "department_staff"),
    ),
    Permission(
        INSPECTIONS_LEAD,
        _("Lead inspection campaigns and joint patrols, sign inspections, suspend venues"),
        roles=("office_leader", "working_group_lead"),
    ),
    Permission(
        INSPECTIONS_CHECKLISTS,
        _("Edit the checklists of venue kinds (district level)"),
        roles=("office_leader",),
    ),
    Permission(
        INSPECTIONS_DISINFECT,
        _("Plan and record disinfection of villages, sites and venues"),
        roles=("office_leader", "village_cadre", "grid_leader", "grid_worker"),
    ),
]
