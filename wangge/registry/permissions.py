"""Permissions of the registry: codes are stable, labels translated; registered from the AppConfig."""

from django.utils.translation import gettext_lazy as _

from wangge.core.permissions import Permission

REGISTRY_VIEW = "registry.view"
REGISTRY_EDIT = "registry.edit"
REGISTRY_VIEW_IDS = "registry.view_ids"
REGISTRY_VIEW_PHONES = "registry.view_phones"
REGISTRY_IMPORT = "registry.import"
REGISTRY_EXPORT = "registry.export"

PERMISSIONS = [
    Permission(
        REGISTRY_VIEW,
        _("View buildings, households and people"),
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
        REGISTRY_EDIT,
        _("Register and change buildings, households, people, rentals and visits"),
        roles=("office_leader", "village_cadre", "grid_leader", "grid_worker"),
    ),
    Permission(
        REGISTRY_VIEW_IDS,
        _("See full ID numbers in the registry"),
        roles=("office_leader", "village_cadre", "grid_leader"),
    ),
    Permission(
        REGISTRY_VIEW_PHONES,
        _("See full phone numbers in the registry"),
        roles=("office_leader", "village_cadre", "grid_leader", "grid_worker"),
    ),
    Permission(REGISTRY_IMPORT, _("Import registry files"), roles=("office_leader", "village_cadre")),
    Permission(
        REGISTRY_EXPORT,
        _("Export registry lists"),
        roles=("office_leader", "working_group_lead", "village_cadre"),
    ),
]
