"""The standard roles, created by migration data and the demo. Offices may add their own."""

from django.utils.translation import gettext_noop as N_

from wangge.accounts import permissions as p

STANDARD_ROLES: list[tuple[str, str, list[str]]] = [
    ("district_admin", N_("District administrator"), list(p.CATALOGUE)),
    (
        "office_leader",
        N_("Office leader"),
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
    ("working_group_lead", N_("Working-group lead"), [p.ORG_VIEW, p.ROSTER_VIEW, p.ROSTER_VIEW_CONTACT]),
    ("department_staff", N_("Department staff"), [p.ORG_VIEW, p.ROSTER_VIEW]),
    (
        "village_cadre",
        N_("Village / community cadre"),
        [p.ORG_VIEW, p.ORG_EDIT, p.ROSTER_VIEW, p.ROSTER_EDIT, p.ROSTER_VIEW_CONTACT],
    ),
    ("grid_leader", N_("Grid leader"), [p.ORG_VIEW, p.ROSTER_VIEW, p.ROSTER_VIEW_CONTACT]),
    ("grid_worker", N_("Grid worker"), [p.ORG_VIEW, p.ROSTER_VIEW]),
    ("volunteer", N_("Volunteer"), [p.ORG_VIEW]),
]
