"""Pages of lab results (file upload with preview, one typed result), conflicts, the re-test list
(单采复核) and alerts.

The uploaded file is parsed once; the parsed rows (barcode, result, time, lab, row number, error)
are kept in the user's session between the preview and "apply", so the file itself is never
stored on disk and nobody else can apply or read another user's upload. "Apply" re-checks every
row against the database (a tube may have been sealed or resulted meanwhile) and sends the valid
rows in one call to results.record_results. The rows that were not applied stay in the session
for the error file (错误原因) until the next upload.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from wangge.core.access import not_found, scoped_view, under
from wangge.core.forms import add_service_error, paginate
from wangge.org.models import Level, OrgUnit
from wangge.registry import selectors as registry_selectors
from wangge.testing.models import (
    Alert,
    Result,
    ResultReport,
    ResultSource,
    Retest,
    RetestStatus,
)
from wangge.testing.permissions import TESTING_EXPORT, TESTING_RESULTS, TESTING_VIEW
from wangge.testing.results import lab_files as results_import
from wangge.testing.results import services as result_services
from wangge.testing.rounds import selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 10 * 1024 * 1024
PREVIEW_LIMIT = 500


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Reason, for tubes the lab has not received"),
        help_text=gettext_lazy("Only when a result must be recorded before the box's handover to the lab."),
        max_length=200,
        required=False,
    )


class _MayRecordUnreceived(forms.Form):
    """The reason field is there only for a role allowed to record results of tubes not received."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None or not result_services.can_record_unreceived(user):
            del self.fields["unreceived_reason"]

    def reason(self) -> str:
        return (self.cleaned_data.get("unreceived_reason") or "").strip()


class UploadForm(_MayRecordUnreceived):
    file = forms.FileField(label=gettext_lazy("Lab file (xlsx, xls or CSV)"))
    lab = forms.CharField(label=gettext_lazy("Lab"), max_length=100, required=False)
    unreceived_reason = _reason_field()

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return f


class OneResultForm(_MayRecordUnreceived):
    barcode = forms.CharField(label=gettext_lazy("Tube barcode"), max_length=40)
    result = forms.ChoiceField(label=gettext_lazy("Result"), choices=Result.choices)
    unreceived_reason = _reason_field()


class ResolveForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("0", gettext_lazy("Keep the earlier result")), ("1", gettext_lazy("Take the new result"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=gettext_lazy("How was it settled?"), max_length=200)


def _key(kind: str, round_id: int) -> str:
    return f"testing_results_{kind}_{round_id}"


def _results_context(request, rnd, **extra) -> dict:
    session = request.session
    preview = session.get(_key("preview", rnd.pk))
    summary = session.get(_key("summary", rnd.pk))
    context = {
        "round": rnd,
        "upload_form": UploadForm(user=request.user),
        "one_form": OneResultForm(user=request.user),
        "preview": None,
        "summary": summary,
        "has_errors_file": bool(session.get(_key("errors", rnd.pk))),
        "conflicts_open": selectors_conflicts(request.scope, rnd).filter(resolved_at__isnull=True).count(),
    }
    if preview:
        rows = preview["rows"]
        context["preview"] = {
            "name": preview.get("name", ""),
            "lab": preview.get("lab", ""),
            "unreceived_reason": preview.get("unreceived_reason", ""),
            "rows": rows[:PREVIEW_LIMIT],
            "more": max(0, len(rows) - PREVIEW_LIMIT),
            "total": len(rows),
            "valid": sum(1 for r in rows if not r["error"]),
            "errors": sum(1 for r in rows if r["error"]),
        }
    context.update(extra)
    return context


def selectors_conflicts(scope, rnd):
    return scope.filter(
        ResultReport.objects.filter(tube__round=rnd, conflict=True).select_related("tube", "resolved_by"),
        path_field="tube__path",
    )


@scoped_view(TESTING_RESULTS)
def results_page(request, round_id: int):
    rnd = selectors.get_round(request.scope, round_id)
    if request.method != "POST":
        return render(request, "testing/results/results.html", _results_context(request, rnd))
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = results_import.parse_file(upload.file, upload.name)
            rows = results_import.check_rows(request.user, rnd, rows, unreceived_reason=form.reason())
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if not rows:
                form.add_error("file", _("The file has no data rows."))
            else:
                request.session[_key("preview", rnd.pk)] = {
                    "name": upload.name[:100],
                    "lab": results_import.lab_of(rows, form.cleaned_data["lab"]),
                    "unreceived_reason": form.reason(),
                    "rows": [r.as_dict() for r in rows],
                }
                request.session.pop(_key("summary", rnd.pk), None)
                request.session.pop(_key("errors", rnd.pk), None)
                return redirect("testing:results", round_id=rnd.pk)
    return render(request, "testing/results/results.html", _results_context(request, rnd, upload_form=form))


@scoped_view(TESTING_RESULTS)
@require_POST
def results_apply(request, round_id: int):
    rnd = selectors.get_round(request.scope, round_id)
    preview = request.session.get(_key("preview", rnd.pk))
    if not preview:
        messages.error(request, _("Upload a file first."))
        return redirect("testing:results", round_id=rnd.pk)
    rows = [results_import.ParsedRow(**r) for r in preview["rows"]]
    try:
        applied = results_import.apply_rows(
            actor=request.user,
            round=rnd,
            rows=rows,
            lab=preview.get("lab", ""),
            source=ResultSource.FILE,
            all_or_nothing=request.POST.get("mode") == "all_or_nothing",
            unreceived_reason=preview.get("unreceived_reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("testing:results", round_id=rnd.pk)
    request.session.pop(_key("preview", rnd.pk), None)
    request.session[_key("summary", rnd.pk)] = {
        **applied.counts,
        "conflict_rows": [o.as_dict() for o in applied.outcomes if o.status == result_services.CONFLICT][
            :200
        ],
        "errors_list": applied.errors[:200],
    }
    request.session[_key("errors", rnd.pk)] = applied.errors
    return redirect("testing:results", round_id=rnd.pk)


@scoped_view(TESTING_RESULTS)
@require_GET
def results_errors(request, round_id: int):
    rnd = selectors.get_round(request.scope, round_id)
    errors = request.session.get(_key("errors", rnd.pk))
    if errors is None:
        preview = request.session.get(_key("preview", rnd.pk)) or {}
        errors = [r for r in preview.get("rows", []) if r.get("error")]
    if not errors:
        raise not_found()
    response = HttpResponse(results_import.errors_xlsx(errors), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="result-errors-{rnd.pk}.xlsx"'
    return response


@scoped_view(TESTING_RESULTS)
@require_GET
def results_template(request):
    response = HttpResponse(results_import.template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="lab-results-template.xlsx"'
    return response


@scoped_view(TESTING_RESULTS)
@require_POST
def result_one(request, round_id: int):
    rnd = selectors.get_round(request.scope, round_id)
    form = OneResultForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            [outcome] = result_services.record_results(
                actor=request.user,
                round=rnd,
                rows=[
                    result_services.ResultRow(
                        barcode=form.cleaned_data["barcode"],
                        result=form.cleaned_data["result"],
                        reason=form.reason(),
                    )
                ],
                source=ResultSource.WEB,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if outcome.status == result_services.ERROR:
                form.add_error("barcode", outcome.message)
            else:
                text = {
                    result_services.APPLIED: _("Result recorded for tube %(t)s (%(n)d people)."),
                    result_services.UNCHANGED: _("Tube %(t)s already had this result."),
                    result_services.CONFLICT: _(
                        "Tube %(t)s already has another result: kept aside as a conflict."
                    ),
                }[outcome.status] % {"t": outcome.barcode, "n": outcome.members}
                (messages.warning if outcome.status == result_services.CONFLICT else messages.success)(
                    request, text
                )
                return redirect("testing:results", round_id=rnd.pk)
    return render(request, "testing/results/results.html", _results_context(request, rnd, one_form=form))


# ------------------------------------------------------------------------------- conflicts


@scoped_view(TESTING_RESULTS)
@require_GET
def conflicts(request, round_id: int):
    rnd = selectors.get_round(request.scope, round_id)
    qs = selectors_conflicts(request.scope, rnd).order_by(
        F("resolved_at").asc(nulls_first=True), "-recorded_at", "-id"
    )
    page = paginate(request, qs)
    reports = list(page.object_list)
    earlier = {}
    for report in reports:
        earlier[report.pk] = (
            ResultReport.objects.filter(tube_id=report.tube_id, applied=True)
            .exclude(pk=report.pk)
            .order_by("recorded_at", "id")
            .first()
        )
        report.earlier = earlier[report.pk]
    context = {"round": rnd, "page_obj": page, "reports": reports, "form": ResolveForm()}
    return render(request, "testing/results/conflicts.html", context)


@scoped_view(TESTING_RESULTS)
@require_POST
def report_resolve(request, report_id: int):
    report = request.scope.get(
        ResultReport.objects.select_related("tube__round"), path_field="tube__path", pk=report_id
    )
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            result_services.resolve_conflict(
                actor=request.user,
                report=report,
                accept=form.cleaned_data["accept"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(
                request, _("The conflict on tube %(t)s is settled.") % {"t": report.tube.barcode}
            )
    else:
        messages.error(request, _("Choose which result stands and say how it was settled."))
    return redirect("testing:conflicts", round_id=report.tube.round_id)


# ------------------------------------------------------------------------------- re-tests


class RetestFilterForm(forms.Form):
    grid = forms.ModelChoiceField(label=gettext_lazy("Grid"), queryset=None, required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[("", "—"), *RetestStatus.choices], required=False
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = scope.filter(OrgUnit.objects.filter(level=Level.GRID)).order_by("path")


def retest_rows(request, rnd):
    scope = request.scope
    form = RetestFilterForm(request.GET or None, scope=scope)
    qs = scope.filter(Retest.objects.filter(round=rnd)).select_related(
        "person__household__room__building", "due__grid", "origin_tube", "sample__tube"
    )
    if form.is_bound and form.is_valid():
        if form.cleaned_data["grid"] is not None:
            qs = under(qs, form.cleaned_data["grid"])
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
    return form, qs.order_by("path", "origin_tube__barcode", "created_at", "id")


def _shown(user, retest) -> None:
    person = retest.person
    retest.id_shown = registry_selectors.shown_id(user, person.id_number)
    retest.phone_shown = registry_selectors.shown_phone(user, person.phone)
    retest.address = str(person.household) if person.household_id else ""


@scoped_view(TESTING_VIEW)
@require_GET
def retests(request, round_id: int):
    rnd = selectors.get_round(request.scope, round_id)
    form, qs = retest_rows(request, rnd)
    page = paginate(request, qs, per_page=200)
    for r in page.object_list:
        _shown(request.user, r)
    context = {
        "round": rnd,
        "form": form,
        "page_obj": page,
        "can_export": request.user.can(TESTING_EXPORT),
        "query": request.GET.urlencode(),
        "printed_at": timezone.localtime(),
    }
    return render(request, "testing/results/retests.html", context)


@scoped_view(TESTING_EXPORT)
@require_GET
def retests_export(request, round_id: int):
    import io

    import xlsxwriter

    rnd = selectors.get_round(request.scope, round_id)
    _form, qs = retest_rows(request, rnd)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(_("Re-tests"))
    bold = book.add_format({"bold": True})
    headers = [
        _("Name"),
        _("ID number"),
        _("Phone"),
        _("Address"),
        _("Grid"),
        _("Origin tube"),
        _("Reason"),
        _("Status"),
        _("Result"),
    ]
    sheet.write_row(0, 0, headers, bold)
    i = 0
    for i, r in enumerate(qs.iterator(chunk_size=500), start=1):
        _shown(request.user, r)
        sheet.write_row(
            i,
            0,
            [
                r.person.name,
                r.id_shown,
                r.phone_shown,
                r.address,
                r.due.grid.name,
                r.origin_tube.barcode,
                r.get_reason_display(),
                r.get_status_display(),
                r.get_result_display() if r.result else "",
            ],
        )
    sheet.set_column(0, 8, 16)
    book.close()
    from wangge.registry.imports.exports import audit_export

    audit_export(
        actor=request.user, scope=request.scope, list_name="testing_retests", count=i, params=request.GET
    )
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="retests-{rnd.pk}.xlsx"'
    return response


# ------------------------------------------------------------------------------- alerts


@scoped_view(TESTING_VIEW)
@require_GET
def alerts(request):
    scope = request.scope
    qs = scope.filter(Alert.objects.select_related("round", "grid", "tube", "acknowledged_by")).order_by(
        "-created_at", "-id"
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    for alert in page.object_list:
        alert.members = results_import.alert_members(scope, alert)
    return render(request, "testing/results/alerts.html", {"page_obj": page})


@scoped_view(TESTING_VIEW)
@require_POST
def alert_ack(request, alert_id: int):
    alert = request.scope.get(Alert.objects.all(), pk=alert_id)
    result_services.acknowledge_alert(actor=request.user, alert=alert)
    messages.success(request, _("Alert acknowledged."))
    return redirect("testing:alerts")
