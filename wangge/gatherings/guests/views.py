"""The guest list on a gathering's page: import a file (xlsx, xls, CSV in UTF-8 or GBK) and send
the flagged guests to screening."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wangge.core.access import scoped_view
from wangge.gatherings.guests import services
from wangge.gatherings.models import Gathering
from wangge.gatherings.permissions import GATHERINGS_REPORT

MAX_UPLOAD = 10 * 1024 * 1024


class GuestListForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Guest list (xlsx, xls or CSV)"))


@scoped_view(GATHERINGS_REPORT)
@require_POST
def import_guests(request, gathering_id: int):
    gathering = request.scope.get(Gathering.objects.select_related("kind", "unit"), pk=gathering_id)
    form = GuestListForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
        return redirect("gatherings:detail", gathering_id=gathering.pk)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD:
        messages.error(request, _("The file is larger than 10 MB."))
        return redirect("gatherings:detail", gathering_id=gathering.pk)
    try:
        summary = services.import_guest_list(
            actor=request.user, gathering=gathering, raw=upload, name=upload.name
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(total)s guests read: %(matched)s in the registry, %(errors)s rows in error, %(risk)s from a risk area, %(measure)s under a measure.")
            % {"total": summary.total, "matched": summary.matched, "errors": summary.errors,
               "risk": summary.from_risk_area, "measure": summary.under_measure},
        )  # fmt: skip
    return redirect("gatherings:detail", gathering_id=gathering.pk)


@scoped_view(GATHERINGS_REPORT)
@require_POST
def screen_guests(request, gathering_id: int):
    gathering = request.scope.get(Gathering.objects.select_related("kind", "unit"), pk=gathering_id)
    result = services.screen_flagged(actor=request.user, gathering=gathering)
    messages.success(request, _("%(n)s guests sent to screening.") % {"n": result.screened})
    if result.skipped:
        messages.warning(request, _("Not sent (rows): %(rows)s") % {"rows": "；".join(result.skipped[:20])})
    return redirect("gatherings:detail", gathering_id=gathering.pk)
