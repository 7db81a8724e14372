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

# Keys of the snapshots the duty services write, and of the demo's build summary.
FIELDS = {
    "duty.checkpoint": {
        "shifts_made": pgettext_lazy("audit field", "shifts made"),
        "from": pgettext_lazy("audit field", "from"),
        "days": pgettext_lazy("audit field", "days"),
    },
    "duty.duty": {
        "who": pgettext_lazy("audit field", "who"),
        "volunteer": pgettext_lazy("audit field", "volunteer"),
    },
    "duty.entry": {
        "screening": pgettext_lazy("audit field", "screening record"),
        "escalation": pgettext_lazy("audit field", "escalation"),
    },
    "duty.volunteer": {"receipt": pgettext_lazy("audit field", "receipt")},
    "duty.volunteertask": {
        "volunteer": pgettext_lazy("audit field", "volunteer"),
        "signed_out": pgettext_lazy("audit field", "signed out"),
    },
    "org.orgunit": {
        "duty_checkpoints": pgettext_lazy("demo count", "checkpoints"),
        "duty_volunteers": pgettext_lazy("demo count", "volunteers"),
        "duty_duties": pgettext_lazy("demo count", "duties on shifts"),
        "duty_tonight_gaps": pgettext_lazy("demo count", "unfilled shifts tonight"),
        "duty_entries": pgettext_lazy("demo count", "checkpoint entries"),
    },
}

PAGES = {
    "duty.checkpoint": ("duty:checkpoint", "checkpoint_id"),
    "duty.volunteer": ("duty:volunteer", "volunteer_id"),
}


def register() -> None:
    for model, label in LABELS.items():
        register_labels(model, label)
    for model, fields in FIELDS.items():
        register_labels(model, fields=fields)
    for model, (name, kwarg) in PAGES.items():
        register_object_url(model, lambda pk, snap, name=name, kwarg=kwarg: reverse(name, kwargs={kwarg: pk}))
