"""The inspection's phone page (offline, static/wangge/inspect.js), its read page, the leader's
signature, starting an ad hoc inspection, and photos served only in scope."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wangge.core.access import has_permission, not_found, scoped_view
from wangge.core.offline import offline_page
from wangge.inspections.inspecting import selectors, services
from wangge.inspections.models import InspectionStatus
from wangge.inspections.permissions import INSPECTIONS_INSPECT, INSPECTIONS_LEAD, INSPECTIONS_VIEW

API = "/api/v1/inspections"


def _strings() -> dict:
    """What the page's script says, translated on the server (the script has no catalogue)."""
    return {
        "online": _("Online"),
        "offline": _("Offline: answers are kept on this phone"),
        "unreachable": _("Server not reachable: answers are kept on this phone"),
        "login": _("Your session has ended: log in again to send the answers"),
        "waiting": _("%(n)s waiting to send"),
        "all_sent": _("Everything sent"),
        "refused": _("Not saved: %(m)s"),
        "photo_kept": _("Photo kept on this phone: %(kb)s KB"),
        "photo_sent": _("Photo sent"),
        "photo_lost": _("A photo kept on this phone was lost before it was sent: take it again."),
        "not_image": _("This file is not a photo (JPEG, PNG or WebP)."),
        "too_big": _("The photo is too large (%(mb)s MB at most)."),
        "need_all": _("Answer every item first."),
        "need_note": _("“%(item)s” failed: say what was found."),
        "need_photo": _("“%(item)s” failed: a photo is required."),
        "submitted": _("Submitted: score %(score)s of %(max)s, %(verdict)s."),
        "queued_submit": _("Submission kept on this phone: it is sent when online."),
        "order": _("Rectification order %(no)s, deadline %(deadline)s."),
        "order_closed": _("The order is closed."),
        "order_extended": _("The order's deadline is now %(deadline)s."),
        "pass": _("Passed"),
        "fail": _("Failed"),
    }


@require_GET
@offline_page
@scoped_view(INSPECTIONS_INSPECT)
def inspect(request, inspection_id: int):
    """The team's phone page: one card per item (pass / fail / not applicable, a note, photos),
    kept working with no network; answers go to the sync API from a queue on the phone. The
    campaign's team members answer it too."""
    i = selectors.get_inspection_to_answer(request.scope, request.user, inspection_id)
    answers = list(selectors.answers_of(i))
    sections: list[tuple[str, list]] = []
    for a in answers:
        if not sections or sections[-1][0] != a.section:
            sections.append((a.section, []))
        sections[-1][1].append(a)
    context = {
        "inspection": i,
        "sections": sections,
        "is_open": i.status == InspectionStatus.OPEN,
        "is_reinspection": i.order_id is not None,
        "sync_url": f"{API}/sync",
        "photo_url": f"{API}/inspections/{i.pk}/photos",
        # v1 of the phone's queue (one queue per phone, every inspection in it, in order).
        "storage_key": "wangge.inspect.v1",
        "strings": _strings(),
        "answered": json.dumps({a.item_id: a.result for a in answers if a.result}),
        "max_mb": 5,
    }
    return render(request, "inspections/inspect.html", context)


@require_GET
@scoped_view(INSPECTIONS_VIEW)
def inspection(request, inspection_id: int):
    i = selectors.get_inspection(request.scope, inspection_id)
    order = getattr(i, "rectification", None) if hasattr(i, "rectification") else None
    can_sign = i.status == InspectionStatus.SUBMITTED and has_permission(request.user, INSPECTIONS_LEAD)
    return render(
        request,
        "inspections/inspection.html",
        {"inspection": i, "answers": list(selectors.answers_of(i)), "order": order, "can_sign": can_sign},
    )


@require_POST
@scoped_view(INSPECTIONS_LEAD)
def sign(request, inspection_id: int):
    i = selectors.get_inspection(request.scope, inspection_id)
    try:
        services.sign(actor=request.user, inspection=i)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Inspection signed."))
    return redirect("inspections:inspection", inspection_id=i.pk)


@require_POST
@scoped_view(INSPECTIONS_INSPECT)
def start(request, venue_id: int):
    """An ad hoc inspection of a venue, opened on the phone page."""
    venue = selectors.get_venue(request.scope, venue_id)
    try:
        i = services.start_inspection(actor=request.user, venue=venue)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("inspections:due")
    return redirect(reverse("inspections:inspect", kwargs={"inspection_id": i.pk}))


@require_GET
@scoped_view(INSPECTIONS_VIEW)
def photo(request, photo_id: int):
    p = selectors.get_photo(request.scope, photo_id)
    try:
        handle = p.file.open("rb")
    except (FileNotFoundError, OSError):
        raise not_found() from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@scoped_view(INSPECTIONS_INSPECT)
def reinspect(request, rectification_id: int):
    """Start the re-inspection of an order's failed items (a closed order is refused, clearly)."""
    from wangge.inspections.orders.selectors import get_order

    o = get_order(request.scope, rectification_id)
    try:
        i = services.start_inspection(actor=request.user, venue=o.venue, order=o)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("inspections:order", rectification_id=o.pk)
    return redirect("inspections:inspect", inspection_id=i.pk)
