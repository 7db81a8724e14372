"""The standard roles, created by migration data and the demo. Offices may add their own."""

from django.utils.translation import gettext_noop

from wangge.accounts import permissions as p

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
        ],
    ),
    (
        "working_group_lead",
        gettext_noop("Working-group lead"),
        [p.ORG_VIEW, p.ROSTER_VIEW, p.ROSTER_VIEW_CONTACT],
    ),
    ("department_staff", gettext_noop("Department staff"), [p.ORG_VIEW, p.ROSTER_VIEW]),
    (
        "village_cadre",
        gettext_noop("Village / community cadre"),
        [p.ORG_VIEW, p.ORG_EDIT, p.ROSTER_VIEW, p.ROSTER_EDIT, p.ROSTER_VIEW_CONTACT],
    ),
    ("grid_leader", gettext_noop("Grid leader"), [p.ORG_VIEW, p.ROSTER_VIEW, p.ROSTER_VIEW_CONTACT]),
    ("grid_worker", gettext_noop("Grid worker"), [p.ORG_VIEW, p.ROSTER_VIEW]),
    ("volunteer", gettext_noop("Volunteer"), [p.ORG_VIEW]),
]
