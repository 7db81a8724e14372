"""Words for the screening part's records and snapshot codes in the audit log."""

from django.urls import reverse
from django.utils.translation import pgettext_lazy

from wangge.audit.display import register_labels, register_object_url, register_value_labels
from wangge.screening.models import ScreeningSource

LABELS = {
    "screening.policyphase": pgettext_lazy("record type", "phase of a measure rule"),
    "screening.screeningbatch": pgettext_lazy("record type", "screening list"),
    "screening.screeningsighting": pgettext_lazy("record type", "screening sighting"),
    "screening.selfreport": pgettext_lazy("record type", "self-report"),
    "screening.bulkorder": pgettext_lazy("record type", "bulk order"),
    "screening.measurephase": pgettext_lazy("record type", "phase of a measure"),
    "screening.measuretest": pgettext_lazy("record type", "test under a measure"),
    "screening.dailycheck": pgettext_lazy("record type", "daily health check"),
    "screening.escalation": pgettext_lazy("record type", "finding"),
    "screening.servicerequest": pgettext_lazy("record type", "service request"),
}


PAGES = {
    "screening.measure": ("screening:measure", "measure_id"),
    "screening.screeningrecord": ("screening:record_detail", "record_id"),
}


def register() -> None:
    for model, label in LABELS.items():
        register_labels(model, label)
    for model, (name, kwarg) in PAGES.items():
        register_object_url(model, lambda pk, snap, name=name, kwarg=kwarg: reverse(name, kwargs={kwarg: pk}))
    register_labels("screening.riskarea", fields={"risk_areas": pgettext_lazy("audit field", "risk areas")})
    register_value_labels(dict(ScreeningSource.choices))
