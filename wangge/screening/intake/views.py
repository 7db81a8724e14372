"""Screening intake pages: the records (list, new, detail), the village's queue of self-reports
to place, and the import of 协查 lists (upload → preview → import → batch page, error file).

Everything starts from the actor's scope; ID numbers and phones are shown as the role allows;
a record's page is an audited view."""

from __future__ import annotations

import contextlib
import datetime
import os
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wangge.audit import services as audit
from wangge.core.access import not_found, scoped_view, under
from wangge.core.forms import add_service_error, paginate
from wangge.screening.intake import lists as imports
from wangge.screening.intake import services as intake
from wangge.screening.intake import tasks
from wangge.screening.intake.forms import ImportForm, PlaceForm, RecordFilterForm, ScreenForm
from wangge.screening.models import Measure, ScreeningBatch, ScreeningRecord, SelfReport
from wangge.screening.permissions import SCREENING_SCREEN, SCREENING_VIEW

SESSION_KEY = "screening_imports"
RUNNING_KEY = "screening_imports_running"
UPLOAD_DIR = "screening-imports"
PREVIEW_ERRORS = 200
ALLOWED = (".xlsx", ".xlsm", ".xls", ".csv", ".txt")


def optional_url(name: str, **kwargs) -> str:
    """A link to a page another part may provide; '' while it does not exist."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


# --- records -----------------------------------------------------------------------------------


@scoped_view(SCREENING_VIEW)
def records(request):
    scope = request.scope
    form = RecordFilterForm(request.GET or None, scope=scope)
    qs = scope.filter(ScreeningRecord.objects.all())
    f = form.cleaned_data if form.is_valid() else {}
    for key in ("source", "status", "risk_level"):
        if f.get(key):
            qs = qs.filter(**{key: f[key]})
    if f.get("category"):
        qs = qs.filter(category=f["category"])
    if f.get("grid"):
        qs = under(qs, f["grid"])
    if f.get("date"):
        start = datetime.datetime.combine(f["date"], datetime.time.min)
        from django.utils import timezone

        start = timezone.make_aware(start)
        qs = qs.filter(screened_at__gte=start, screened_at__lt=start + datetime.timedelta(days=1))
    qs = qs.select_related("person", "grid", "category").annotate(sightings_n=Count("sightings"))
    page = paginate(request, qs.order_by("-screened_at", "-id"))
    context = {"form": form, "page_obj": page, "can_screen": request.user.can(SCREENING_SCREEN)}
    return render(request, "screening/intake/records.html", context)


def _screen_message(request, outcome) -> None:
    name = outcome.record.person.name
    if outcome.created:
        text = _("%(name)s: a new screening record.") % {"name": name}
    else:
        text = _("%(name)s was already screened for this trip: the report was merged into that record.") % {
            "name": name
        }
    if outcome.person_created:
        text += " " + _("%(name)s was not in the registry: added as provisional in %(grid)s.") % {
            "name": name,
            "grid": outcome.record.grid.name,
        }
    if outcome.measure is not None:
        text += " " + _("The rules propose: %(kind)s until %(end)s.") % {
            "kind": outcome.measure.get_kind_display(),
            "end": outcome.measure.ends_on.isoformat(),
        }
    messages.success(request, text)


@scoped_view(SCREENING_SCREEN)
@require_http_methods(["GET", "POST"])
def record_new(request):
    form = ScreenForm(request.POST or None, scope=request.scope)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        report = intake.Report(
            name=d["name"],
            id_type=d["id_type"],
            id_number=d["id_number"],
            phone=d["phone"],
            came_from=d["came_from"],
            left_area_on=d["left_area_on"],
            arrival_date=d["arrival_date"],
            address=d["address"],
            category=d["category"],
            contact_of=d["contact_of"],
            note=d["note"],
        )
        try:
            outcome = intake.screen_one(actor=request.user, source=d["source"], report=report, grid=d["grid"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            _screen_message(request, outcome)
            # The record's page links the proposed measure and offers the next person.
            return redirect("screening:record_detail", record_id=outcome.record.pk)
    return render(request, "screening/intake/record_new.html", {"form": form})


@scoped_view(SCREENING_VIEW)
def record_detail(request, record_id: int):
    scope = request.scope
    record = scope.get(
        ScreeningRecord.objects.select_related(
            "person", "grid", "category", "risk_area", "batch", "screened_by"
        ),
        pk=record_id,
    )
    audit.record_view(actor=request.user, obj=record, path=record.path)
    person = record.person
    sightings = list(record.sightings.select_related("batch", "by").order_by("at", "id"))
    measures = list(scope.filter(Measure.objects.filter(screening=record)).order_by("-proposed_at"))
    for m in measures:
        m.url = optional_url("screening:measure", measure_id=m.pk)
    context = {
        "record": record,
        "person": person,
        "person_url": optional_url("registry:person_detail", person_id=person.pk)
        if scope.covers_path(person.path)
        else "",
        "sightings": sightings,
        "measures": measures,
        "can_screen": request.user.can(SCREENING_SCREEN),
    }
    return render(request, "screening/intake/record_detail.html", context)


# --- self-reports --------------------------------------------------------------------------------


@scoped_view(SCREENING_SCREEN)
def self_reports(request):
    qs = request.scope.filter(SelfReport.objects.filter(record__isnull=True)).select_related("village")
    page = paginate(request, qs.order_by("submitted_at", "id"))
    return render(request, "screening/intake/self_reports.html", {"page_obj": page})


@scoped_view(SCREENING_SCREEN)
@require_http_methods(["GET", "POST"])
def self_report_place(request, self_report_id: int):
    report = request.scope.get(SelfReport.objects.select_related("village"), pk=self_report_id)
    form = PlaceForm(request.POST or None, scope=request.scope, village=report.village)
    if report.record_id:
        messages.info(request, _("This self-report is already a screening record."))
        return redirect("screening:record_detail", record_id=report.record_id)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = intake.place_self_report(
                actor=request.user, self_report=report, grid=form.cleaned_data["grid"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            _screen_message(request, outcome)
            return redirect("screening:record_detail", record_id=outcome.record.pk)
    return render(request, "screening/intake/self_report_place.html", {"report": report, "form": form})


# --- imports -------------------------------------------------------------------------------------


# An upload checked but never confirmed (the tab closed at the preview) is deleted after this long.
STALE_UPLOAD_AGE = datetime.timedelta(hours=24)


def prune_stale_uploads(*, now=None) -> int:
    """Delete uploads left behind by previews nobody confirmed. Run at each new upload, so the
    folder never holds more than a day of them; a late confirm then says "expired"."""
    cutoff = (now or timezone.now()) - STALE_UPLOAD_AGE
    try:
        _dirs, files = default_storage.listdir(UPLOAD_DIR)
    except (FileNotFoundError, NotImplementedError):
        return 0
    removed = 0
    for name in files:
        path = f"{UPLOAD_DIR}/{name}"
        with contextlib.suppress(OSError, NotImplementedError):
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
    return removed


def _pending(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def _forget(request, token: str) -> None:
    pending = _pending(request)
    item = pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    if item:
        with contextlib.suppress(OSError):
            default_storage.delete(item["path"])


@scoped_view(SCREENING_SCREEN)
@require_http_methods(["GET", "POST"])
def import_new(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        prune_stale_uploads()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = os.path.splitext(upload.name)[1].lower()
        if suffix not in ALLOWED:
            form.add_error("file", _("Upload an Excel file (xlsx, xls) or a CSV file."))
        else:
            try:
                analysis = imports.analyse(
                    actor=request.user,
                    raw=upload,
                    name=upload.name,
                    sheet=form.cleaned_data["sheet"].strip() or None,
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                token = uuid.uuid4().hex
                upload.seek(0)
                stored = default_storage.save(f"{UPLOAD_DIR}/{token}{suffix}", upload)
                pending = _pending(request)
                pending[token] = {
                    "path": stored,
                    "original": upload.name[:255],
                    "sheet": analysis.sheet,
                    "sheets": analysis.sheet_names,
                    "name": form.cleaned_data["name"],
                    "reference": form.cleaned_data["reference"],
                    "rows": analysis.counts["total"],
                }
                request.session[SESSION_KEY] = pending
                return render(
                    request, "screening/intake/import_preview.html", _preview(token, analysis, pending[token])
                )
    return render(request, "screening/intake/import_new.html", {"form": form})


def _preview(token: str, analysis, item: dict) -> dict:
    return {
        "token": token,
        "item": item,
        "counts": analysis.counts,
        "errors": [
            {"row": r.row_no, "error": "；".join(r.errors)} for r in analysis.error_rows[:PREVIEW_ERRORS]
        ],
        "more_errors": max(0, len(analysis.error_rows) - PREVIEW_ERRORS),
    }


@scoped_view(SCREENING_SCREEN)
@require_POST
def import_confirm(request):
    token = request.POST.get("token", "")
    item = _pending(request).get(token)
    if item is None:
        messages.error(request, _("This upload has expired: upload the file again."))
        return redirect("screening:import_new")
    mode = imports.MODE_ALL if request.POST.get("mode") == imports.MODE_ALL else imports.MODE_VALID
    if item.get("rows", 0) > tasks.QUEUE_ABOVE_ROWS:
        return _queue(request, token, item, mode)
    try:
        with default_storage.open(item["path"], "rb") as f:
            analysis = imports.analyse(
                actor=request.user, raw=f, name=item["original"], sheet=item.get("sheet") or None
            )
        batch = imports.run_import(
            actor=request.user, analysis=analysis, name=item["name"], reference=item["reference"], mode=mode
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if mode == imports.MODE_ALL:
            _forget(request, token)
        return redirect("screening:import_new")
    except FileNotFoundError:
        _forget(request, token)
        messages.error(request, _("This upload has expired: upload the file again."))
        return redirect("screening:import_new")
    _forget(request, token)
    messages.success(
        request,
        _("Imported %(n)d rows: %(new)d new records, %(merged)d merged, %(m)d measures proposed.")
        % {
            "n": batch.total_rows - batch.error_rows - batch.outside_rows,
            "new": batch.new_records,
            "merged": batch.merged_rows,
            "m": batch.measures_proposed,
        },
    )
    return redirect("screening:import_detail", batch_id=batch.pk)


def _queue(request, token: str, item: dict, mode: str):
    """A large list runs as a background task; its state shows on the imports page."""
    pending = _pending(request)
    pending.pop(token, None)  # the task deletes the file when done
    request.session[SESSION_KEY] = pending
    running = request.session.get(RUNNING_KEY, [])
    running.append({"token": token, "name": item["name"], "rows": item["rows"]})
    request.session[RUNNING_KEY] = running[-20:]
    tasks.set_state(token, state="queued", name=item["name"])
    tasks.run_screening_import.delay(
        user_id=request.user.pk,
        token=token,
        path=item["path"],
        original=item["original"],
        sheet=item.get("sheet", ""),
        name=item["name"],
        reference=item["reference"],
        mode=mode,
    )
    messages.info(
        request,
        _("The list of %(n)d rows is being imported: it appears below when it is done.")
        % {"n": item["rows"]},
    )
    return redirect("screening:imports")


def _running(request) -> list[dict]:
    """This account's background imports, with their state (the finished ones once more, then forgotten)."""
    out, keep = [], []
    for entry in request.session.get(RUNNING_KEY, []):
        state = tasks.get_state(entry["token"]) or {"state": "failed"}
        out.append({**entry, **state})
        if state.get("state") in ("queued", "running"):
            keep.append(entry)
    if out:
        request.session[RUNNING_KEY] = keep
    return out


@scoped_view(SCREENING_VIEW)
def import_list(request):
    qs = request.scope.filter(ScreeningBatch.objects.select_related("created_by"))
    page = paginate(request, qs.order_by("-created_at", "-id"))
    context = {
        "page_obj": page,
        "can_screen": request.user.can(SCREENING_SCREEN),
        "running": _running(request),
    }
    return render(request, "screening/intake/imports.html", context)


@scoped_view(SCREENING_VIEW)
def import_detail(request, batch_id: int):
    batch = request.scope.get(ScreeningBatch.objects.select_related("unit", "created_by"), pk=batch_id)
    errors = [{"row": e.get("row"), "error": e.get("error")} for e in batch.errors[:PREVIEW_ERRORS]]
    context = {
        "batch": batch,
        "errors": errors,
        "more_errors": max(0, len(batch.errors) - PREVIEW_ERRORS),
        "can_screen": request.user.can(SCREENING_SCREEN),
    }
    return render(request, "screening/intake/import_detail.html", context)


@scoped_view(SCREENING_SCREEN)
def import_errors(request, batch_id: int):
    batch = request.scope.get(ScreeningBatch.objects.all(), pk=batch_id)
    if not batch.errors:
        raise not_found()
    response = HttpResponse(
        imports.error_file(batch),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="screening-errors-{batch.pk}.xlsx"'
    return response


@scoped_view(SCREENING_SCREEN)
def import_template(request):
    import io

    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("协查")
    text = book.add_format({"num_format": "@"})
    sheet.write_row(0, 0, imports.TEMPLATE_HEADERS)
    sheet.set_column(0, len(imports.TEMPLATE_HEADERS) - 1, 16, text)
    book.close()
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="screening-list-template.xlsx"'
    return response
