"""Words for the duty part's records in the audit log."""

from django.urls import reverse
from django.utils.translation import pgettext_lazy

from wangge.audit.display import register_labels, register_object_url

LABELS = {
    "duty.checkpoint": pgettext_lazy("record type", "checkpoint"),
    "duty.shift": pgettext_lazy("record type", "shift"),
    "duty.duty": pgettext_lazy("record type", "duty on a shift"),
    "duty.entry": pgettext_lazy("record type", "checkpoint entry"),
    "duty.volunteer": pgettext_lazy("record type", "volunteer"),
    "duty.volunteertask": pgettext_lazy("record type", "volunteer task"),
}

PAGES = {
    "duty.checkpoint": ("duty:checkpoint", "checkpoint_id"),
    "duty.volunteer": ("duty:volunteer", "volunteer_id"),
}


def register() -> None:
    for model, label in LABELS.items():
        register_labels(model, label)
    for model, (name, kwarg) in PAGES.items():
        register_object_url(model, lambda pk, snap, name=name, kwarg=kwarg: reverse(name, kwargs={kwarg: pk}))
