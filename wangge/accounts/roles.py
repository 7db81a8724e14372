"""The standard roles, created by migration data and the demo. Offices may add their own."""

from django.utils.translation import gettext_noop

from wangge.accounts import permissions as p

REGISTRY_ALL = [
    p.REGISTRY_VIEW,
    p.REGISTRY_EDIT,
    p.REGISTRY_VIEW_IDS,
    p.REGISTRY_VIEW_PHONES,
    p.REGISTRY_IMPORT,
    p.REGISTRY_EXPORT,
]

TESTING_ALL = [
    p.TESTING_VIEW,
    p.TESTING_MANAGE,
    p.TESTING_REGISTER,
    p.TESTING_TRANSPORT,
    p.TESTING_RESULTS,
    p.TESTING_EXPORT,
]

SCREENING_ALL = [
    p.SCREENING_VIEW,
    p.SCREENING_SCREEN,
    p.SCREENING_DECIDE,
    p.SCREENING_APPROVE,
    p.SCREENING_FOLLOWUP,
    p.SCREENING_RULES,
]
SCREENING_GRID_TEAM = [p.SCREENING_VIEW, p.SCREENING_SCREEN, p.SCREENING_FOLLOWUP]

STANDARD_ROLES: list[tuple[str, str, list[str]]] = [
    ("district_admin", gettext_noop("District administrator"), list(p.CATALOGUE)),
    (
        "office_leader",
        gettext_noop("Office leader"),
        [
            p.ORG_VIEW,
            p.ORG_EDIT,
            p.ROSTER_VIEW,
            p.ROSTER_EDIT,
            p.ROSTER_VIEW_CONTACT,
            p.AUDIT_VIEW,
            p.ACCOUNTS_MANAGE,
            *REGISTRY_ALL,
            *TESTING_ALL,
            *SCREENING_ALL,
        ],
    ),
    (
        "working_group_lead",
        gettext_noop("Working-group lead"),
        [
            p.ORG_VIEW,
            p.ROSTER_VIEW,
            p.ROSTER_VIEW_CONTACT,
            p.REGISTRY_VIEW,
            p.REGISTRY_EXPORT,
            p.TESTING_VIEW,
            p.SCREENING_VIEW,
        ],
    ),
    (
        "department_staff",
        gettext_noop("Department staff"),
        [p.ORG_VIEW, p.ROSTER_VIEW, p.REGISTRY_VIEW, p.SCREENING_VIEW, p.SCREENING_SCREEN],
    ),
    (
        "village_cadre",
        gettext_noop("Village / community cadre"),
        [
            p.ORG_VIEW,
            p.ORG_EDIT,
            p.ROSTER_VIEW,
            p.ROSTER_EDIT,
            p.ROSTER_VIEW_CONTACT,
            *REGISTRY_ALL,
            *TESTING_ALL,
            *SCREENING_GRID_TEAM,
            p.SCREENING_DECIDE,
        ],
    ),
    (
        "grid_leader",
        gettext_noop("Grid leader"),
        [
            p.ORG_VIEW,
            p.ROSTER_VIEW,
            p.ROSTER_VIEW_CONTACT,
            p.REGISTRY_VIEW,
            p.REGISTRY_EDIT,
            p.REGISTRY_VIEW_IDS,
            p.REGISTRY_VIEW_PHONES,
            p.TESTING_VIEW,
            p.TESTING_REGISTER,
            p.TESTING_TRANSPORT,
            p.TESTING_EXPORT,
            *SCREENING_GRID_TEAM,
        ],
    ),
    (
        "grid_worker",
        gettext_noop("Grid worker"),
        [
            p.ORG_VIEW,
            p.ROSTER_VIEW,
            p.REGISTRY_VIEW,
            p.REGISTRY_EDIT,
            p.REGISTRY_VIEW_PHONES,
            p.TESTING_VIEW,
            p.TESTING_REGISTER,
            *SCREENING_GRID_TEAM,
        ],
    ),
    ("volunteer", gettext_noop("Volunteer"), [p.ORG_VIEW, p.TESTING_REGISTER, p.SCREENING_SCREEN]),
    (
        "sampling_registrar",
        gettext_noop("Sampling-site registrar"),
        [p.ORG_VIEW, p.TESTING_VIEW, p.TESTING_REGISTER, p.TESTING_TRANSPORT],
    ),
    ("lab", gettext_noop("Testing lab"), [p.TESTING_VIEW, p.TESTING_RESULTS]),
]


def create_standard_roles(role_model) -> None:
    """Create the standard roles that do not exist yet, with their default permissions.

    A role that exists is left as it is: a district may have edited it. Migrations pass the
    historical model (apps.get_model("accounts", "Role")).
    """
    for code, name, permissions in STANDARD_ROLES:
        role_model.objects.get_or_create(
            code=code, defaults={"name": name, "permissions": sorted(permissions)}
        )


def grant_new_permissions(role_model, codes) -> list[str]:
    """Add the permission `codes` (new in a release) to the standard roles whose defaults hold them.

    This is what a data migration that introduces permissions calls. It only adds: a role keeps
    every permission it has and never gets back one a district took away, unless that is one of
    `codes`; roles a district deleted are not recreated, and its own roles are not touched.
    Returns the codes of the roles that changed.
    """
    codes = set(codes)
    changed = []
    for code, _name, defaults in STANDARD_ROLES:
        wanted = codes & set(defaults)
        if not wanted:
            continue
        role = role_model.objects.filter(code=code).first()
        if role is None:
            continue
        have = list(role.permissions or [])
        missing = sorted(wanted - set(have))
        if missing:
            role.permissions = have + missing
            role.save(update_fields=["permissions"])
            changed.append(code)
    return changed
