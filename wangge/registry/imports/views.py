"""Import pages: upload, preview and mapping, progress, results, the error file; and the
export of any registry list (see exports.py). A job is visible only to the account that
uploaded it, inside its scope; everyone else gets 404 like a missing job."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core.access import not_found, scoped_view
from wangge.core.forms import add_service_error, paginate
from wangge.org.models import OrgUnit
from wangge.registry.imports import engine, exports, holding
from wangge.registry.imports.fields import FIELDS
from wangge.registry.imports.workbooks import template_bytes, template_filename
from wangge.registry.models import ImportJob, ImportKind, ImportMode, ImportStatus
from wangge.registry.permissions import REGISTRY_EXPORT, REGISTRY_IMPORT
from wangge.registry.selectors import shown_id, shown_phone

ID_FIELDS = {"id_number", "landlord_id", "head_id", "tenant_id"}
PHONE_FIELDS = {"phone", "landlord_phone", "manager_phone", "head_phone", "tenant_phone"}
ACTIVE = (ImportStatus.QUEUED, ImportStatus.RUNNING)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file contains"), choices=ImportKind.choices)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("Excel (xlsx, xls) or CSV in UTF-8 or GBK; at most 50 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.xlsm,.csv,.txt"}),
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Village or community (for a rental roll)"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=gettext_lazy("A rental roll is imported for one village or community."),
    )
    sheet = forms.CharField(
        label=gettext_lazy("Sheet"),
        required=False,
        max_length=100,
        help_text=gettext_lazy(
            "For a workbook of several sheets: the sheet's name or number (0 is the first). Empty: the first sheet with a recognised header."
        ),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("When some rows are wrong"),
        choices=ImportMode.choices,
        initial=ImportMode.VALID_ROWS,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        villages = engine.villages_for_import(actor)
        self.fields["unit"].queryset = villages
        if len(villages[:2]) < 2:
            del self.fields["unit"]  # a village's own account: the roll is for its village


def _jobs(request):
    return request.scope.filter(ImportJob.objects.filter(actor=request.user))


def _job(request, job_id) -> ImportJob:
    return request.scope.get(_jobs(request), pk=job_id)


@scoped_view(REGISTRY_IMPORT)
def import_list(request):
    page = paginate(request, _jobs(request).select_related("scope_unit"))
    return render(request, "registry/imports/list.html", {"page_obj": page, "kinds": ImportKind.choices})


@scoped_view(REGISTRY_IMPORT)
def import_new(request):
    if request.scope.is_empty:
        raise PermissionDenied(_("Your account has no jurisdiction."))
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, actor=request.user)
        if form.is_valid():
            data = form.cleaned_data
            unit = data.get("unit")
            if unit is None and "unit" not in form.fields:
                unit = engine.villages_for_import(request.user).first()
            try:
                job = engine.create_job(
                    actor=request.user,
                    kind=data["kind"],
                    upload=data["file"],
                    mode=data["mode"],
                    unit=unit if data["kind"] in engine.VILLAGE_KINDS else None,
                    sheet=data["sheet"].strip() or None,
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                return redirect("registry:import_detail", job_id=job.pk)
    else:
        kind = request.GET.get("kind", "")
        form = UploadForm(
            initial={"kind": kind if kind in ImportKind.values else ImportKind.PEOPLE}, actor=request.user
        )
    return render(request, "registry/imports/new.html", {"form": form, "kinds": ImportKind.choices})


@scoped_view(REGISTRY_IMPORT)
def import_template(request):
    kind = request.GET.get("kind", "")
    if kind not in ImportKind.values:
        raise not_found()
    from io import BytesIO

    return FileResponse(
        BytesIO(template_bytes(kind)),
        as_attachment=True,
        filename=template_filename(kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _preview_context(request, job: ImportJob) -> dict:
    data = engine.preview(job)
    mapping = {int(v): k for k, v in job.mapping.get("fields", {}).items()}
    fields = FIELDS[job.kind]
    columns = []
    for col, header in enumerate(data["headers"]):
        columns.append({"index": col, "header": header, "field": mapping.get(col, "")})
    rows = []
    for cells in data["rows"]:
        shown = []
        for col, value in enumerate(cells):
            key = mapping.get(col, "")
            text = value.isoformat() if hasattr(value, "isoformat") else str(value)
            if key in ID_FIELDS:
                text = shown_id(request.user, text)
            elif key in PHONE_FIELDS:
                text = shown_phone(request.user, text)
            shown.append(text)
        rows.append(shown)
    return {
        "columns": columns,
        "rows": rows,
        "fields": fields,
        "missing": engine.missing_required(job.kind, job.mapping.get("fields", {})),
        "modes": ImportMode.choices,
        "same_file": engine.same_file_before(job),
    }


@scoped_view(REGISTRY_IMPORT)
def import_detail(request, job_id: int):
    job = _job(request, job_id)
    waiting = job.status in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED)
    if request.method == "POST":
        if not waiting:
            messages.info(request, _("This import has already been started."))
            return redirect("registry:import_detail", job_id=job.pk)
        fields = {}
        for col in range(len(job.mapping.get("headers", []))):
            key = request.POST.get(f"col_{col}", "")
            if key:
                if key in fields:
                    fields[key] = -1  # the same field twice: refused below
                else:
                    fields[key] = col
        try:
            if -1 in fields.values():
                raise ValidationError(_("Each field can be taken from one column only."))
            engine.set_mapping(actor=request.user, job=job, fields=fields, mode=request.POST.get("mode", ""))
            job = engine.start(actor=request.user, job=job)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if job.status in ACTIVE:
                messages.info(request, _("The import runs in the background; this page shows its progress."))
        return redirect("registry:import_detail", job_id=job.pk)
    context = {"job": job, "active": job.status in ACTIVE, "waiting": waiting}
    if job.kind in engine.VILLAGE_KINDS and not waiting:
        context["held"] = holding.waiting(request.user, job.scope_unit).filter(job=job).count()
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "import-progress":
        response = render(request, "registry/imports/_progress.html", context)
        if not context["active"]:
            response["HX-Refresh"] = "true"  # done: show the results page
        patch_vary_headers(response, ["HX-Request", "HX-Target"])
        return response
    if waiting:
        try:
            context.update(_preview_context(request, job))
        except ValidationError as exc:
            context["read_error"] = " ".join(exc.messages)
    response = render(request, "registry/imports/detail.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@scoped_view(REGISTRY_IMPORT)
def import_errors(request, job_id: int):
    job = _job(request, job_id)
    if not job.errors_file:
        raise not_found()
    return FileResponse(
        job.errors_file.open("rb"),
        as_attachment=True,
        filename=f"errors-{job.pk}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@scoped_view(REGISTRY_EXPORT)
def export(request):
    list_name = request.GET.get("list", "")
    if list_name not in exports.LISTS:
        raise not_found()
    qs = exports.filtered(request.scope, list_name, request.GET)
    return exports.export_response(request, list_name, qs)
