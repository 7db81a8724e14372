"""Permissions of checkpoint duty and volunteers: codes are stable, labels translated; registered
from the AppConfig."""

from django.utils.translation import gettext_lazy as _

from wangge.core.permissions import Permission

DUTY_VIEW = "duty.view"
DUTY_MANAGE = "duty.manage"
DUTY_LOG = "duty.log"
DUTY_VOLUNTEERS = "duty.volunteers"

PERMISSIONS = [
    Permission(
        DUTY_VIEW,
        _("View checkpoints, duty rosters, entry logs and volunteers"),
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
        DUTY_MANAGE,
        _("Set up checkpoints and their shifts, and put people on duty"),
        roles=("office_leader", "village_cadre"),
    ),
    Permission(
        DUTY_LOG,
        _("Log entries at a checkpoint and sign in and out of a shift"),
        roles=("office_leader", "village_cadre", "grid_leader", "grid_worker", "volunteer"),
    ),
    Permission(
        DUTY_VOLUNTEERS,
        _("Vet volunteers and schedule them"),
        roles=("office_leader", "village_cadre"),
    ),
]
