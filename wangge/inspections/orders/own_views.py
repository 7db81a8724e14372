"""The venue account's pages of its own rectification orders (/inspections/mine/orders/): the
list, one order with its failed items, and the acknowledgement. Nothing else of inspections is
reachable by such an account (it holds venues.own only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.audit import services as audit
from wangge.core.access import not_found, scoped_view
from wangge.inspections.models import AnswerResult
from wangge.inspections.orders import own, services
from wangge.venues.permissions import VENUES_OWN


@require_GET
@scoped_view(VENUES_OWN)
def mine_orders(request):
    venue, qs = own.own_orders(request.user)
    if venue is None:
        raise not_found()
    return render(request, "inspections/mine/orders.html", {"venue": venue, "orders": list(qs[:200])})


@require_GET
@scoped_view(VENUES_OWN)
def mine_order(request, rectification_id: int):
    o = own.own_order(request.user, rectification_id)
    if o is None:
        raise not_found()
    failed = list(o.inspection.answers.filter(result=AnswerResult.FAIL))
    return render(request, "inspections/mine/order.html", {"order": o, "failed": failed})


@require_GET
@scoped_view(VENUES_OWN)
def mine_notice(request, rectification_id: int):
    """The venue's own copy of its printable notice (责令整改通知书); another venue's is missing."""
    o = own.own_order(request.user, rectification_id)
    if o is None:
        raise not_found()
    audit.record_view(actor=request.user, obj=o)
    failed = list(o.inspection.answers.filter(result=AnswerResult.FAIL))
    back = reverse("inspections:mine_order", kwargs={"rectification_id": o.pk})
    return render(request, "inspections/notice.html", {"order": o, "failed": failed, "back_url": back})


@require_POST
@scoped_view(VENUES_OWN)
def mine_acknowledge(request, rectification_id: int):
    o = own.own_order(request.user, rectification_id)
    if o is None:
        raise not_found()
    try:
        services.acknowledge_order(actor=request.user, order=o)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Receipt of the notice recorded."))
    return redirect("inspections:mine_order", rectification_id=o.pk)
