"""Permissions of mass testing: codes are stable, labels translated; registered from the AppConfig."""

from django.utils.translation import gettext_lazy as _

from wangge.core.permissions import Permission

TESTING_VIEW = "testing.view"
TESTING_MANAGE = "testing.manage"
TESTING_REGISTER = "testing.register"
TESTING_TRANSPORT = "testing.transport"
TESTING_RESULTS = "testing.results"
TESTING_EXPORT = "testing.export"
TESTING_RESULTS_UNRECEIVED = "testing.results_unreceived"

PERMISSIONS = [
    Permission(
        TESTING_VIEW,
        _("View testing rounds, sites, plans and coverage"),
        roles=(
            "office_leader",
            "working_group_lead",
            "village_cadre",
            "grid_leader",
            "grid_worker",
            "sampling_registrar",
            "lab",
        ),
    ),
    Permission(
        TESTING_MANAGE,
        _("Plan testing rounds: population, sites, calling plan and notices"),
        roles=("office_leader", "village_cadre"),
    ),
    Permission(
        TESTING_REGISTER,
        _("Register people into tubes at a sampling table"),
        roles=(
            "office_leader",
            "village_cadre",
            "grid_leader",
            "grid_worker",
            "volunteer",
            "sampling_registrar",
        ),
    ),
    Permission(
        TESTING_TRANSPORT,
        _("Pack boxes and record handovers of samples"),
        roles=("office_leader", "village_cadre", "grid_leader", "sampling_registrar"),
    ),
    Permission(
        TESTING_RESULTS, _("Upload and resolve lab results"), roles=("office_leader", "village_cadre", "lab")
    ),
    Permission(
        TESTING_RESULTS_UNRECEIVED,
        _("Record a result for a tube the lab has not received, with the reason"),
        roles=("office_leader", "village_cadre"),
    ),
    Permission(
        TESTING_EXPORT,
        _("Export lists of untested people"),
        roles=("office_leader", "village_cadre", "grid_leader"),
    ),
]
