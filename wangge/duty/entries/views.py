"""The checkpoint's phone page (卡点登记) and the entry log.

The phone page is a shell: its script (static/wangge/checkpoint.js) keeps every entry in a queue
on the phone, each with its own id, and sends them to the entries API in order; a batch sent
twice is stored once. It opens with no network (@offline_page)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from wangge.core.access import scoped_view
from wangge.core.forms import paginate
from wangge.core.offline import offline_page
from wangge.duty.dates import day_param
from wangge.duty.entries import selectors
from wangge.duty.models import Checkpoint, CodeColour, Direction
from wangge.duty.permissions import DUTY_LOG, DUTY_VIEW
from wangge.duty.shifts import selectors as shift_selectors
from wangge.registry.models import IdType

API_PREFIX = "/api/v1/duty"


@require_GET
@offline_page
@scoped_view(DUTY_LOG)
def post_pick(request):
    """Choose the checkpoint you are at."""
    rows = list(
        request.scope.filter(Checkpoint.objects.filter(is_active=True)).order_by("path", "name")[:300]
    )
    return render(request, "duty/entries/pick.html", {"checkpoints": rows})


@require_GET
@offline_page
@scoped_view(DUTY_LOG)
def post(request, checkpoint_id: int):
    scope = request.scope
    cp = scope.get(Checkpoint.objects.select_related("grid"), pk=checkpoint_id)
    if not cp.is_active:
        # Closed: the page says so and offers no form (the entries API refuses them too).
        return render(request, "duty/entries/closed.html", {"cp": cp})
    shift = shift_selectors.current_shift(scope, cp.pk)
    return render(
        request,
        "duty/entries/post.html",
        {
            "cp": cp,
            "shift": shift,
            "duties": list(shift.duties.all()) if shift else [],
            "id_types": IdType.choices,
            "colours": [c for c in CodeColour.choices if c[0]],
            "directions": Direction.choices,
            "upload_url": f"{API_PREFIX}/checkpoints/{cp.pk}/entries",
            "sign_url": f"{API_PREFIX}/checkpoints/{cp.pk}/signs",
            "storage_key": f"wangge.checkpoint.v1.{cp.pk}",
            "strings": _strings(),
        },
    )


def _strings() -> dict:
    return {
        "online": _("Online"),
        "offline": _("Offline: entries are kept on this phone"),
        "unreachable": _("Server not reachable: entries are kept on this phone"),
        "login": _("Your session has ended: log in again to send the entries"),
        "waiting": _("%(n)s waiting to send, oldest %(t)s"),
        "all_sent": _("Everything sent"),
        "queued": _("Logged (will be sent when online)"),
        "accepted": _("Sent"),
        "duplicate": _("Already received"),
        "refused": _("Refused"),
        "screened": _("From a risk area: a screening record was made"),
        "escalated": _("Under a confining measure: the grid's team has been told"),
        "need_person": _("Scan the personal code or type the ID number."),
        "need_name": _("Type the name too."),
        "need_plate": _("Type the plate number."),
        "bad_plate": _("This plate is not valid: check the letters (no I or O) and digits."),
        "server_error": _("The server refused the batch: %(m)s"),
        "camera_missing": _("The scanner could not load. Type the code or ID number instead."),
        "camera_failed": _("The camera is not available here. Type the code or ID number instead."),
        "dismiss": _("Seen"),
        "sign_in": _("Sign in"),
        "sign_out": _("Sign out"),
        "signed_in": _("Signed in %(t)s"),
        "signed_out": _("On duty %(a)s–%(b)s"),
        "sign_queued": _("(waiting to send)"),
        "sign_refused": _("Sign-in or sign-out refused: %(m)s"),
    }


@require_GET
@scoped_view(DUTY_VIEW)
def entry_list(request, checkpoint_id: int):
    scope = request.scope
    cp = scope.get(Checkpoint.objects.select_related("grid"), pk=checkpoint_id)
    day = day_param(request)
    page = paginate(request, selectors.entries_of(scope, cp.pk, day).select_related("logged_by"), per_page=50)
    return render(
        request,
        "duty/entries/list.html",
        {"cp": cp, "day": day, "page_obj": page, "today": timezone.localdate()},
    )
