"""Pages of rectification orders: the lists (open, overdue, to re-inspect), one order, its
numbered printable notice (责令整改通知书), the venue's acknowledgement and the re-inspection."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.audit import services as audit
from wangge.core.access import has_permission, scoped_view
from wangge.core.forms import paginate
from wangge.inspections.models import AnswerResult, OrderStatus
from wangge.inspections.orders import selectors, services
from wangge.inspections.permissions import INSPECTIONS_INSPECT, INSPECTIONS_VIEW

SHOWS = ("open", "overdue", "reinspect", "closed", "all")


@require_GET
@scoped_view(INSPECTIONS_VIEW)
def orders(request):
    show = request.GET.get("show", "open")
    if show not in SHOWS:
        show = "open"
    scope = request.scope
    if show == "overdue":
        qs = selectors.overdue(scope)
    elif show == "reinspect":
        qs = selectors.to_reinspect(scope).order_by("deadline", "id")
    else:
        qs = selectors.orders(scope)
        if show in ("open", "closed"):
            qs = qs.filter(status=show)
        qs = qs.order_by("-created_at", "-id")
    return render(request, "inspections/orders.html", {"page_obj": paginate(request, qs), "show": show})


@require_GET
@scoped_view(INSPECTIONS_VIEW)
def order(request, rectification_id: int):
    o = selectors.get_order(request.scope, rectification_id)
    reinspections = list(o.reinspections.order_by("-id"))
    return render(
        request,
        "inspections/order.html",
        {
            "order": o,
            "failed": list(o.inspection.answers.filter(result=AnswerResult.FAIL)),
            "reinspections": reinspections,
            "can_reinspect": o.status == OrderStatus.OPEN
            and has_permission(request.user, INSPECTIONS_INSPECT),
        },
    )


@require_GET
@scoped_view(INSPECTIONS_VIEW)
def notice(request, rectification_id: int):
    o = selectors.get_order(request.scope, rectification_id)
    audit.record_view(actor=request.user, obj=o)
    return render(
        request,
        "inspections/notice.html",
        {"order": o, "failed": list(o.inspection.answers.filter(result=AnswerResult.FAIL))},
    )


@require_POST
@scoped_view(INSPECTIONS_VIEW)
def acknowledge(request, rectification_id: int):
    o = selectors.get_order(request.scope, rectification_id)
    try:
        services.acknowledge_order(actor=request.user, order=o)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Receipt of the notice recorded."))
    return redirect("inspections:order", rectification_id=o.pk)
