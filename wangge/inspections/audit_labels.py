"""Words for the inspections part's records in the audit log."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.audit.display import register_labels, register_object_url

LABELS = {
    "inspections.checklisttemplate": pgettext_lazy("record type", "checklist"),
    "inspections.campaign": pgettext_lazy("record type", "inspection campaign"),
    "inspections.inspection": pgettext_lazy("record type", "inspection"),
    "inspections.photo": pgettext_lazy("record type", "inspection photo"),
    "inspections.order": pgettext_lazy("record type", "rectification order"),
    "inspections.disinfectionplan": pgettext_lazy("record type", "disinfection plan"),
    "inspections.disinfectionround": pgettext_lazy("record type", "disinfection round"),
}

# Keys of a campaign's audit rows that are not fields of its own.
CAMPAIGN_FIELDS = {
    "date": _("Date"),
    "venues": _("Venues"),
    "team": _("Team"),
    "departments": _("Departments"),
}

PAGES = {
    "inspections.campaign": ("inspections:campaign", "campaign_id"),
    "inspections.inspection": ("inspections:inspection", "inspection_id"),
    "inspections.order": ("inspections:order", "rectification_id"),
}


def register() -> None:
    for model, label in LABELS.items():
        register_labels(model, label)
    register_labels("inspections.campaign", fields=CAMPAIGN_FIELDS)
    for model, (name, kwarg) in PAGES.items():
        register_object_url(model, lambda pk, snap, name=name, kwarg=kwarg: reverse(name, kwargs={kwarg: pk}))
