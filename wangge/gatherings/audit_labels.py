"""Words for the gatherings part's records in the audit log."""

from django.urls import reverse
from django.utils.translation import pgettext_lazy

from wangge.audit.display import register_labels, register_object_url

LABELS = {
    "gatherings.gathering": pgettext_lazy("record type", "gathering"),
    "gatherings.daycheck": pgettext_lazy("record type", "check on the day of a gathering"),
    "gatherings.afterrecord": pgettext_lazy("record type", "after-event record"),
    "gatherings.gatheringrule": pgettext_lazy("record type", "rule for gatherings"),
}


FIELDS = {
    "gatherings.gathering": {
        "kind": pgettext_lazy("audit field", "kind"),
        "reported_by": pgettext_lazy("audit field", "reported by"),
        "note": pgettext_lazy("audit field", "note"),
        "reasons": pgettext_lazy("audit field", "reasons"),
        "supervisor": pgettext_lazy("audit field", "on-site supervisor"),
        "guest_list": pgettext_lazy("audit field", "guest list"),
        "guests": pgettext_lazy("audit field", "guests"),
        "matched": pgettext_lazy("audit field", "matched in the registry"),
        "errors": pgettext_lazy("audit field", "rows in error"),
        "flagged": pgettext_lazy("audit field", "guests needing attention"),
        "looked_up_with_code": pgettext_lazy("audit field", "looked up with the look-up code"),
    },
    "gatherings.daycheck": {
        "gathering": pgettext_lazy("audit field", "gathering"),
        "photo": pgettext_lazy("audit field", "photo"),
    },
    "gatherings.afterrecord": {"gathering": pgettext_lazy("audit field", "gathering")},
    "gatherings.gatheringrule": {"ended": pgettext_lazy("audit field", "version ended")},
    # The demo's build summary (an audit event on the district).
    "org.orgunit": {"gatherings": pgettext_lazy("demo count", "gatherings reported")},
}


def register() -> None:
    for model, label in LABELS.items():
        register_labels(model, label)
    for model, fields in FIELDS.items():
        register_labels(model, fields=fields)
    register_object_url(
        "gatherings.gathering",
        lambda pk, _snapshot: reverse("gatherings:detail", kwargs={"gathering_id": pk}),
    )
