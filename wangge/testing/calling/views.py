"""Pages of the calling plan: the plan per site and window, editing a batch, the printable plan,
notices with their deliveries, and the outbox. Work is done by wangge.testing.calling.services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Max, Q, Sum
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from wangge.core.access import scoped_view, under
from wangge.core.forms import add_service_error, paginate, post_data
from wangge.org.models import OrgUnit
from wangge.testing.calling import selectors as calling_selectors
from wangge.testing.calling import services as calling
from wangge.testing.models import DeliveryStatus, Notice, NoticeDelivery, OutboxMessage
from wangge.testing.permissions import TESTING_MANAGE, TESTING_VIEW
from wangge.testing.rounds import selectors

PLAN_PAGE_SIZE = 300


def _can_manage(request, rnd) -> bool:
    return request.user.can(TESTING_MANAGE) and selectors.can_manage(request.scope, rnd)


def _site_filter(request, qs):
    site_id = request.GET.get("site", "")
    if site_id.isdigit():
        return qs.filter(site_id=int(site_id)), int(site_id)
    return qs, None


def _latest_notices(slot_ids) -> dict[int, int]:
    return dict(
        Notice.objects.filter(slot_id__in=list(slot_ids))
        .values("slot_id")
        .annotate(last=Max("id"))
        .values_list("slot_id", "last")
    )


@scoped_view(TESTING_VIEW)
@require_GET
def plan(request, round_id: int):
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    can_manage = _can_manage(request, rnd)
    visible = calling_selectors.slots(scope, rnd)
    site_choices = list(
        visible.values("site_id", "site__name")
        .annotate(n=Count("id"), people=Sum("people"))
        .order_by("site__name")
    )
    qs, site_id = _site_filter(request, visible)
    page = paginate(
        request,
        qs.order_by("site__path", "site__name", "site_id", "starts_at", "id"),
        per_page=PLAN_PAGE_SIZE,
    )
    slot_list = list(page.object_list)
    queues = calling_selectors.window_queues(rnd, {s.site_id for s in slot_list}) if can_manage else None
    notices = _latest_notices(s.pk for s in slot_list)
    for s in slot_list:
        s.notice_id = notices.get(s.pk)
    context = {
        "round": rnd,
        "can_manage": can_manage,
        "can_change": request.user.can(TESTING_MANAGE),
        "site_plans": calling_selectors.windows_of(rnd, slot_list, queues=queues),
        "page_obj": page,
        "site_choices": site_choices,
        "site_id": site_id,
        "slot_count": visible.count(),
    }
    if can_manage:
        stats = visible.aggregate(
            people=Sum("people"),
            edited=Count("id", filter=Q(edited=True)),
            after_closing=Count("id", filter=Q(ends_at__gt=F("site__closes_at"))),
        )
        plannable = calling_selectors.plannable(rnd).count()
        context.update(
            planned=stats["people"] or 0,
            edited=stats["edited"],
            after_closing=stats["after_closing"],
            plannable=plannable,
            not_planned=max(0, plannable - (stats["people"] or 0)),
            noticed=visible.filter(notices__isnull=False).distinct().count(),
        )
    return render(request, "testing/calling/plan.html", context)


@scoped_view(TESTING_MANAGE)
@require_POST
def plan_build(request, round_id: int):
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    existing = calling_selectors.slots(scope, rnd).count()
    if existing and request.POST.get("confirm") != "yes":
        return render(request, "testing/calling/plan_confirm.html", {"round": rnd, "existing": existing})
    try:
        summary = calling.build_plan(actor=request.user, round=rnd)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("testing:plan", round_id=rnd.pk)
    messages.success(
        request,
        _("Plan built: %(slots)d batches, %(people)d people, %(sites)d sites (%(seconds).1f s).")
        % {
            "slots": summary.slots,
            "people": summary.people,
            "sites": summary.sites,
            "seconds": summary.seconds,
        },
    )
    if summary.kept:
        messages.info(
            request,
            _("%(n)d batches edited by hand or already noticed were kept (%(people)d people).")
            % {"n": summary.kept, "people": summary.kept_people},
        )
    if summary.unassigned:
        messages.warning(
            request,
            _("%(n)d people have no site serving them: %(batches)s")
            % {"n": summary.unassigned, "batches": "; ".join(summary.unassigned_batches[:10])},
        )
    if summary.over_capacity:
        messages.warning(
            request,
            _(
                "Over capacity: %(n)d people cannot be called before closing time at %(sites)s; they were placed after closing."
            )
            % {"n": summary.over_capacity, "sites": ", ".join(summary.over_capacity_sites)},
        )
    return redirect("testing:plan", round_id=rnd.pk)


class SlotForm(forms.Form):
    site = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Site"))
    starts_at = forms.DateTimeField(
        label=gettext_lazy("From"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, scope, rnd, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = selectors.sites(scope, rnd).order_by("path", "name")

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The end must come after the start."))
        return data


@scoped_view(TESTING_MANAGE)
def slot_edit(request, slot_id: int):
    scope = request.scope
    slot = calling_selectors.get_slot(scope, slot_id)
    initial = {
        "site": slot.site_id,
        "starts_at": timezone.localtime(slot.starts_at),
        "ends_at": timezone.localtime(slot.ends_at),
    }
    form = SlotForm(post_data(request), scope=scope, rnd=slot.round, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            calling.update_slot(
                actor=request.user,
                slot=slot,
                site=data["site"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The batch %(label)s was changed.") % {"label": slot.label})
            return redirect("testing:plan", round_id=slot.round_id)
    return render(
        request, "testing/calling/slot_form.html", {"form": form, "slot": slot, "round": slot.round}
    )


@scoped_view(TESTING_VIEW)
@require_GET
def plan_print(request, round_id: int):
    scope = request.scope
    rnd = selectors.get_round(scope, round_id)
    qs, site_id = _site_filter(request, calling_selectors.slots(scope, rnd).select_related("site__unit"))
    slot_list = list(qs.order_by("site__path", "site__name", "site_id", "starts_at", "id"))
    for s in slot_list:
        s.notice_text = calling_selectors.notice_text(s)
    context = {
        "round": rnd,
        "site_plans": calling_selectors.windows_of(rnd, slot_list),
        "printed_at": timezone.now(),
    }
    return render(request, "testing/calling/plan_print.html", context)


@scoped_view(TESTING_MANAGE)
@require_POST
def slot_notice(request, slot_id: int):
    slot = calling_selectors.get_slot(request.scope, slot_id)
    try:
        notice = calling.send_slot_notice(actor=request.user, slot=slot)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("testing:plan", round_id=slot.round_id)
    messages.success(request, _("The notice for %(label)s was sent.") % {"label": slot.label})
    return redirect("testing:notice", notice_id=notice.pk)


@scoped_view(TESTING_MANAGE)
@require_POST
def plan_notices(request, round_id: int):
    rnd = selectors.get_round(request.scope, round_id)
    try:
        notices = calling.send_plan_notices(actor=request.user, round=rnd)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        if notices:
            messages.success(request, _("%(n)d notices were sent.") % {"n": len(notices)})
        else:
            messages.info(request, _("Every batch has been noticed already."))
    return redirect("testing:plan", round_id=rnd.pk)


@scoped_view(TESTING_VIEW)
@require_GET
def notice(request, notice_id: int):
    scope = request.scope
    n = calling_selectors.get_notice(scope, notice_id)
    deliveries = scope.filter(NoticeDelivery.objects.filter(notice=n).select_related("person")).order_by(
        "status", "person__name", "id"
    )
    status = request.GET.get("status", "")
    if status in DeliveryStatus.values:
        deliveries = deliveries.filter(status=status)
    page = paginate(request, deliveries)
    context = {
        "notice": n,
        "slot": n.slot,
        "round": n.slot.round,
        "page_obj": page,
        "counts": calling_selectors.delivery_counts(n, scope),
        "statuses": DeliveryStatus.choices,
        "status": status,
        "can_manage": request.user.can(TESTING_MANAGE),
    }
    return render(request, "testing/calling/notice.html", context)


@scoped_view(TESTING_MANAGE)
@require_POST
def notice_resend(request, notice_id: int):
    n = calling_selectors.get_notice(request.scope, notice_id)
    count = calling.resend_failed(actor=request.user, notice=n)
    if count:
        messages.success(request, _("%(n)d failed messages were sent again.") % {"n": count})
    else:
        messages.info(request, _("No failed message to send again."))
    return redirect("testing:notice", notice_id=n.pk)


@scoped_view(TESTING_VIEW)
@require_GET
def outbox(request):
    scope = request.scope
    qs = scope.filter(OutboxMessage.objects.all()).order_by("-created_at", "-id")
    unit = None
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        unit = OrgUnit.objects.filter(pk=int(unit_id)).first()
        if scope.covers(unit):
            qs = under(qs, unit)
        else:
            unit = None
    page = paginate(request, qs)
    return render(request, "testing/calling/outbox.html", {"page_obj": page, "unit": unit})
