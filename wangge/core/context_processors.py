from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wangge.accounts.permissions import (
    ACCOUNTS_MANAGE,
    AUDIT_VIEW,
    ORG_VIEW,
    REGISTRY_IMPORT,
    REGISTRY_VIEW,
    ROSTER_VIEW,
    SCREENING_FOLLOWUP,
    SCREENING_SCREEN,
    SCREENING_VIEW,
    TESTING_REGISTER,
    TESTING_VIEW,
)

# (url name, label, permission needed). Later parts add their entries here.
NAVIGATION = [
    ("core:home", _("Home"), None),
    ("registry:my_grid", _("My grid"), REGISTRY_VIEW),
    ("registry:people", _("People"), REGISTRY_VIEW),
    ("registry:buildings", _("Buildings"), REGISTRY_VIEW),
    ("registry:rental_list", _("Rentals and shops"), REGISTRY_VIEW),
    ("registry:unvisited", _("Visits"), REGISTRY_VIEW),
    ("registry:party_links", _("Party-member links"), REGISTRY_VIEW),
    ("registry:import_list", _("Imports"), REGISTRY_IMPORT),
    ("testing:rounds", _("Testing rounds"), TESTING_VIEW),
    ("testing:table_pick", _("Sampling table"), TESTING_REGISTER),
    ("testing:alerts", _("Positive-pool alerts"), TESTING_VIEW),
    ("screening:overview", _("Key people"), SCREENING_VIEW),
    ("screening:records", _("Screening"), SCREENING_VIEW),
    # Door-to-door volunteers may screen without seeing the lists: the form is their way in.
    ("screening:record_new", _("Screen a person"), SCREENING_SCREEN),
    ("screening:measures", _("Control measures"), SCREENING_VIEW),
    ("screening:followup", _("Follow-up"), SCREENING_FOLLOWUP),
    ("screening:categories", _("Categories and rules"), SCREENING_VIEW),
    ("org:tree", _("Tree"), ORG_VIEW),
    ("roster:staff_list", _("Roster"), ROSTER_VIEW),
    ("roster:group_list", _("Working groups"), ROSTER_VIEW),
    ("audit:event_list", _("Audit log"), AUDIT_VIEW),
    ("accounts:user_list", _("Accounts"), ACCOUNTS_MANAGE),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    current = request.resolver_match.view_name if getattr(request, "resolver_match", None) else ""
    items = []
    for name, label, permission in NAVIGATION:
        if permission and not user.can(permission):
            continue
        items.append({"url": reverse(name), "label": label, "active": current == name})
    return {"nav_items": items}
