"""Export (xlsx) and import (xlsx, xls, CSV) of venues, in the registry's Excel style."""

from __future__ import annotations

import base64

from django import forms
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core.access import scoped_view, under
from wangge.venues import selectors
from wangge.venues.permissions import VENUES_MANAGE, VENUES_VIEW
from wangge.venues.places.forms import VenueFilterForm
from wangge.venues.transfer import services

MAX_UPLOAD = 20 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (Excel .xlsx or .xls, or CSV)"))


@scoped_view(VENUES_VIEW)
def venue_export(request):
    scope = request.scope
    form = VenueFilterForm(request.GET, scope=scope)
    f = form.filters()
    qs = selectors.venues_in_scope(scope)
    if f["unit"] is not None:
        qs = under(qs, f["unit"])
    if f["kind"]:
        qs = qs.filter(kind_id=f["kind"])
    if f["risk"]:
        qs = qs.filter(risk_level=f["risk"])
    if f["status"]:
        qs = qs.filter(status=f["status"])
    tmp, _count = services.export_venues(actor=request.user, qs=qs.order_by("path", "name", "id"))
    return FileResponse(tmp, as_attachment=True, filename="venues.xlsx", content_type=XLSX)


@scoped_view(VENUES_MANAGE)
def venue_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form, "headers": services.EXPORT_HEADERS}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            form.add_error("file", _("The file is larger than 20 MB."))
        else:
            try:
                result = services.import_venues(actor=request.user, raw=upload.file, name=upload.name)
            except ValidationError as exc:
                form.add_error("file", exc.messages)
            else:
                context["result"] = result
                if result.errors_file:
                    context["errors_href"] = (
                        f"data:{XLSX};base64,{base64.b64encode(result.errors_file).decode()}"
                    )
    return render(request, "venues/import.html", context)
