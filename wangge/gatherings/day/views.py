"""The supervisor's phone page on the day (390 px: diners counted, conditions kept, problems with a
photo), the photo served only inside the jurisdiction, and the after-event record that closes it."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.core.access import not_found, scoped_view
from wangge.core.forms import add_service_error
from wangge.core.offline import offline_page
from wangge.gatherings.day import services
from wangge.gatherings.day.forms import AfterForm, DayCheckForm
from wangge.gatherings.models import DayCheck, Gathering
from wangge.gatherings.permissions import GATHERINGS_SUPERVISE, GATHERINGS_VIEW

CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}


def _gathering(request, gathering_id: int) -> Gathering:
    return request.scope.get(Gathering.objects.select_related("kind", "unit", "supervisor"), pk=gathering_id)


@offline_page
@scoped_view(GATHERINGS_SUPERVISE)
@require_http_methods(["GET", "POST"])
def day_page(request, gathering_id: int):
    """Opens with no network (@offline_page); its script (static/wangge/gathering_day.js) queues
    each check on the phone with its client_id and sends it to the day-checks API once online."""
    g = _gathering(request, gathering_id)
    form = DayCheckForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_day_check(
                actor=request.user, gathering=g, client_id=d["client_id"], actual_diners=d["actual_diners"],
                conditions_kept=d["conditions_kept"], problems=d["problems"], photo=d.get("photo"),
            )  # fmt: skip
        except ValidationError as exc:
            add_service_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The check is recorded."))
            return redirect("gatherings:day", gathering_id=g.pk)
    return render(
        request,
        "gatherings/day.html",
        {"g": g, "form": form, "checks": list(g.day_checks.select_related("by")), "after_form": AfterForm(prefix="after"),
         "meals": list(g.meals.all()), "check_url": f"/api/v1/gatherings/{g.pk}/day-checks",
         "storage_key": f"wangge.gathering-day.v1.{g.pk}", "strings": _strings()},
    )  # fmt: skip


def _strings() -> dict:
    return {
        "online": _("Online"),
        "offline": _("Offline: checks are kept on this phone"),
        "waiting": _("%(n)s waiting to send, oldest %(t)s"),
        "waiting_one": _("waiting to send"),
        "all_sent": _("Everything sent"),
        "queued": _("Check kept (will be sent when online)"),
        "queued_no_photo": _(
            "Check kept without its photo: a photo cannot wait on the phone; add it when online."
        ),
        "no_photo": _("without the photo"),
        "need_diners": _("Count the diners present."),
        "need_problems": _("Say which condition was not kept."),
        "diners": _("%(n)s diners counted"),
        "kept": _("conditions kept"),
        "not_kept": _("conditions not kept"),
    }


@scoped_view(GATHERINGS_SUPERVISE)
@require_http_methods(["POST"])
def after_record(request, gathering_id: int):
    g = _gathering(request, gathering_id)
    form = AfterForm(request.POST, prefix="after")
    if form.is_valid():
        try:
            services.record_after(
                actor=request.user, gathering=g, actual_diners=form.cleaned_data["actual_diners"],
                anyone_unwell=form.cleaned_data["anyone_unwell"], note=form.cleaned_data["note"],
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The after-event record is made: the gathering is closed."))
            return redirect("gatherings:detail", gathering_id=g.pk)
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("gatherings:day", gathering_id=g.pk)


@scoped_view(GATHERINGS_VIEW)
def check_photo(request, check_id: int):
    check = request.scope.get(DayCheck.objects.all(), pk=check_id)
    if not check.photo:
        raise not_found()
    try:
        handle = check.photo.open("rb")
    except OSError as exc:
        raise not_found() from exc
    ext = PurePath(check.photo.name).suffix.lower()
    response = FileResponse(handle, content_type=CONTENT_TYPES.get(ext, "application/octet-stream"))
    response["Cache-Control"] = "private, no-store"
    return response
