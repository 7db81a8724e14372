"""Pages of boxes: packing sealed tubes, the two handovers and the late flag.

Every record is fetched through the actor's scope (boxes carry their site's path); every change
goes through wangge.testing.transport.services.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from wangge.core.access import scoped_view
from wangge.core.forms import add_service_error, post_data
from wangge.testing.models import BoxStatus, Handover, HandoverStage, Tube, TubeStatus
from wangge.testing.permissions import TESTING_RESULTS, TESTING_TRANSPORT, TESTING_VIEW
from wangge.testing.rounds import selectors
from wangge.testing.transport import selectors as queues
from wangge.testing.transport import services as transport

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class BoxForm(forms.Form):
    site = forms.ModelChoiceField(label=gettext_lazy("Site"), queryset=None)
    code = forms.CharField(label=gettext_lazy("Box code"), max_length=40)

    def __init__(self, *args, scope, rnd, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = selectors.sites(scope, rnd).order_by("name", "id")


class TubesForm(forms.Form):
    tubes = forms.CharField(
        label=gettext_lazy("Tube barcodes"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy("Scan or type one or more barcodes, separated by spaces or new lines."),
    )


class HandoverForm(forms.Form):
    stage = forms.ChoiceField(choices=HandoverStage.choices, widget=forms.HiddenInput)
    from_name = forms.CharField(label=gettext_lazy("Handed over by"), max_length=60)
    to_name = forms.CharField(label=gettext_lazy("Received by"), max_length=60)
    at = forms.DateTimeField(label=gettext_lazy("Time"), input_formats=DATETIME_FORMATS, widget=DateTimeLocal)


class ReceiveForm(forms.Form):
    """The lab receives a box from the transporter."""

    from_name = forms.CharField(label=gettext_lazy("Handed over by"), max_length=60)
    to_name = forms.CharField(label=gettext_lazy("Received by"), max_length=60)
    at = forms.DateTimeField(label=gettext_lazy("Time"), input_formats=DATETIME_FORMATS, widget=DateTimeLocal)


def _now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


@scoped_view(TESTING_VIEW)
@require_GET
def box_list(request, round_id: int):
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    late_only = request.GET.get("late") == "1"
    now = timezone.now()
    items = transport.mark_late(list(transport.boxes(scope, rnd)), now)
    if late_only:
        items = [b for b in items if b.late]
    late = transport.late(scope, rnd, now)
    context = {
        "round": rnd,
        "boxes": items,
        "late_only": late_only,
        "late_boxes": len(late.boxes),
        "unboxed": late.unboxed,
        "limit_hours": rnd.box_limit_hours,
        "can_pack": request.user.can(TESTING_TRANSPORT),
        "form": BoxForm(scope=scope, rnd=rnd),
    }
    return render(request, "testing/transport/box_list.html", context)


@scoped_view(TESTING_TRANSPORT)
def box_new(request, round_id: int):
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    form = BoxForm(post_data(request), scope=scope, rnd=rnd)
    if request.method == "POST" and form.is_valid():
        try:
            box = transport.create_box(
                actor=request.user, site=form.cleaned_data["site"], code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Box %(code)s created.") % {"code": box.code})
            return redirect("testing:box", box_id=box.pk)
    return render(request, "testing/transport/box_new.html", {"round": rnd, "form": form})


def _box_context(request, box, **extra) -> dict:
    box = transport.get_box(request.scope, box.pk)
    transport.mark_late([box])
    tubes = list(transport.tubes_of(box))
    waiting = []
    can_pack = request.user.can(TESTING_TRANSPORT)
    if can_pack and box.status == BoxStatus.PACKING:
        waiting = list(
            Tube.objects.filter(
                round_id=box.round_id, site_id=box.site_id, status=TubeStatus.SEALED, box__isnull=True
            ).order_by("sealed_at", "id")[:200]
        )
    handovers = {h.stage: h for h in Handover.objects.filter(box=box)}
    next_stage = None
    if box.status == BoxStatus.PACKING:
        next_stage = HandoverStage.SITE_TO_TRANSPORT
    elif box.status == BoxStatus.IN_TRANSIT:
        next_stage = HandoverStage.TRANSPORT_TO_LAB
    context = {
        "box": box,
        "round": box.round,
        "tubes": tubes,
        "waiting": waiting,
        "handovers": [handovers[s] for s in transport.STAGE_ORDER if s in handovers],
        "next_stage": next_stage,
        "next_stage_label": HandoverStage(next_stage).label if next_stage else "",
        "can_pack": can_pack,
        "tubes_form": TubesForm(),
        "handover_form": HandoverForm(initial={"stage": next_stage, "at": _now_local()}),
        "can_receive": next_stage == HandoverStage.TRANSPORT_TO_LAB
        and not can_pack
        and request.user.can(TESTING_RESULTS),
        "receive_form": ReceiveForm(initial={"at": _now_local(), "to_name": str(request.user)}),
        "outcomes": [],
    }
    context.update(extra)
    return context


@scoped_view(TESTING_VIEW)
@require_GET
def box_detail(request, box_id: int):
    box = transport.get_box(request.scope, box_id)
    return render(request, "testing/transport/box_detail.html", _box_context(request, box))


@scoped_view(TESTING_TRANSPORT)
@require_POST
def box_tubes_add(request, box_id: int):
    box = transport.get_box(request.scope, box_id)
    form = TubesForm(request.POST)
    outcomes = []
    if form.is_valid():
        try:
            outcomes = transport.add_tubes(
                actor=request.user, box=box, barcodes=form.cleaned_data["tubes"].replace(",", " ").split()
            )
        except ValidationError as exc:
            add_service_error(form, exc)
    context = _box_context(request, box, outcomes=outcomes)
    if not form.is_valid() or form.errors:
        context["tubes_form"] = form
    if request.htmx:
        return render(request, "testing/transport/_tubes.html", context)
    for o in outcomes:
        (messages.success if o.ok else messages.error)(request, f"{o.barcode}: {o.message or _('added')}")
    if form.errors:
        return render(request, "testing/transport/box_detail.html", context)
    return redirect("testing:box", box_id=box.pk)


@scoped_view(TESTING_TRANSPORT)
@require_POST
def box_tube_remove(request, box_id: int):
    box = transport.get_box(request.scope, box_id)
    try:
        tube = transport.remove_tube(actor=request.user, box=box, barcode=request.POST.get("barcode", ""))
    except ValidationError as exc:
        outcomes = [
            transport.TubeOutcome(request.POST.get("barcode", "")[:40], False, "; ".join(exc.messages))
        ]
    else:
        outcomes = [transport.TubeOutcome(tube.barcode, True, _("Taken out of the box."))]
    if request.htmx:
        return render(request, "testing/transport/_tubes.html", _box_context(request, box, outcomes=outcomes))
    (messages.success if outcomes[0].ok else messages.error)(request, outcomes[0].message)
    return redirect("testing:box", box_id=box.pk)


@scoped_view(TESTING_TRANSPORT)
@require_POST
def box_handover(request, box_id: int):
    box = transport.get_box(request.scope, box_id)
    form = HandoverForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            transport.handover(
                actor=request.user,
                box=box,
                stage=data["stage"],
                at=data["at"],
                from_name=data["from_name"],
                to_name=data["to_name"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Handover recorded."))
            return redirect("testing:box", box_id=box.pk)
    context = _box_context(request, box, handover_form=form)
    return render(request, "testing/transport/box_detail.html", context)


@scoped_view(TESTING_RESULTS)
@require_POST
def box_receive(request, box_id: int):
    """The lab records that it received the box (from the lab's queue)."""
    box = transport.get_box(request.scope, box_id)
    form = ReceiveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            transport.receive_box(
                actor=request.user,
                box=box,
                at=data["at"],
                from_name=data["from_name"],
                to_name=data["to_name"],
            )
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("Box %(code)s received by the lab.") % {"code": box.code})
        return redirect("testing:box", box_id=box.pk)
    context = _box_context(request, box, receive_form=form)
    return render(request, "testing/transport/box_detail.html", context)


# ------------------------------------------------------------------------------- the lab's queue


@scoped_view(TESTING_RESULTS)
@require_GET
def lab_queue(request):
    """What the lab received and what still waits, each linked to where it is dealt with."""
    return render(request, "testing/transport/lab_queue.html", {"queue": queues.lab_queue(request.scope)})


def home_lab_queue(request) -> dict | None:
    """Home panel: the lab's counts, for those who record results, when something waits."""
    if not request.user.can(TESTING_RESULTS):
        return None
    counts = queues.cached_counts(request.scope)
    return {"counts": counts} if any(counts.values()) else None
