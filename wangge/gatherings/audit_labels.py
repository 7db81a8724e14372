"""Words for the gatherings part's records in the audit log."""

from django.urls import reverse
from django.utils.translation import pgettext_lazy

from wangge.audit.display import register_labels, register_object_url

LABELS = {
    "gatherings.gathering": pgettext_lazy("record type", "gathering"),
    "gatherings.daycheck": pgettext_lazy("record type", "check on the day of a gathering"),
    "gatherings.afterrecord": pgettext_lazy("record type", "after-event record"),
}


def register() -> None:
    for model, label in LABELS.items():
        register_labels(model, label)
    register_object_url(
        "gatherings.gathering",
        lambda pk, _snapshot: reverse("gatherings:detail", kwargs={"gathering_id": pk}),
    )
