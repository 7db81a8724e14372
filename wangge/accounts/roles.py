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
