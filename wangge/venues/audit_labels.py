"""Words for the venues part's records in the audit log."""

from django.urls import reverse
from django.utils.translation import pgettext_lazy

from wangge.audit.display import register_labels, register_object_url

LABELS = {
    "venues.venue": pgettext_lazy("record type", "venue"),
    "venues.venuekind": pgettext_lazy("record type", "kind of venue"),
    "venues.venuestaff": pgettext_lazy("record type", "venue staff member"),
    "venues.disinfectionentry": pgettext_lazy("record type", "disinfection log entry"),
    "venues.visitorentry": pgettext_lazy("record type", "visitor register entry"),
    "venues.venueaccount": pgettext_lazy("record type", "venue account"),
}


def register() -> None:
    for model, label in LABELS.items():
        register_labels(model, label)
    register_object_url(
        "venues.venue", lambda pk, snap: reverse("venues:venue_detail", kwargs={"venue_id": pk})
    )
