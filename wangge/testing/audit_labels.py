"""Words for the testing part's records in the audit log (its models carry no verbose names)."""

from django.urls import reverse
from django.utils.translation import pgettext_lazy

from wangge.audit.display import register_labels, register_object_url

LABELS = {
    "testing.checklistitem": pgettext_lazy("record type", "site checklist item"),
    "testing.round": pgettext_lazy("record type", "testing round"),
    "testing.roundarea": pgettext_lazy("record type", "area of a round"),
    "testing.roundgroup": pgettext_lazy("record type", "group of a round"),
    "testing.coveragecounter": pgettext_lazy("record type", "coverage counter"),
    "testing.throughputcounter": pgettext_lazy("record type", "sampling counter"),
    "testing.site": pgettext_lazy("record type", "sampling site"),
    "testing.sitestaff": pgettext_lazy("record type", "sampling site staff"),
    "testing.sitecheck": pgettext_lazy("record type", "sampling site check"),
    "testing.callslot": pgettext_lazy("record type", "calling slot"),
    "testing.notice": pgettext_lazy("record type", "testing notice"),
    "testing.noticedelivery": pgettext_lazy("record type", "notice delivery"),
    "testing.tube": pgettext_lazy("record type", "sample tube"),
    "testing.sample": pgettext_lazy("record type", "sample"),
    "testing.box": pgettext_lazy("record type", "transport box"),
    "testing.handover": pgettext_lazy("record type", "hand-over of a box"),
    "testing.resultreport": pgettext_lazy("record type", "lab result"),
    "testing.retest": pgettext_lazy("record type", "re-test"),
    "testing.alert": pgettext_lazy("record type", "positive-pool alert"),
    "testing.outboxmessage": pgettext_lazy("record type", "text message"),
}


PAGES = {
    "testing.round": ("testing:round", "round_id"),
    "testing.tube": ("testing:tube", "tube_id"),
    "testing.box": ("testing:box", "box_id"),
}


def register() -> None:
    for model, label in LABELS.items():
        register_labels(model, label)
    for model, (name, kwarg) in PAGES.items():
        register_object_url(model, lambda pk, snap, name=name, kwarg=kwarg: reverse(name, kwargs={kwarg: pk}))
