"""Pages of the rules as data: key-people categories, risk areas (with their import) and measure
rules. The lists are the district's data, shown to everyone with SCREENING_VIEW; the pages that
change them refuse non-district accounts with 403 before any object is fetched, so that a record
and a missing one answer alike. The "candidates by occupation" page is scoped to the actor."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from wangge.core.access import has_permission, not_found, scoped_view
from wangge.core.forms import add_service_error, paginate, post_data
from wangge.screening import rulebook as rules
from wangge.screening.models import Category, EntryWay, MeasurePolicy, RiskArea
from wangge.screening.permissions import SCREENING_RULES, SCREENING_SCREEN, SCREENING_VIEW
from wangge.screening.rules import selectors as rules_selectors
from wangge.screening.rules import services as rules_admin
from wangge.screening.rules.forms import (
    AsOfForm,
    CategoryForm,
    EndForm,
    ImportConfirmForm,
    ImportUploadForm,
    PolicyForm,
    RiskAreaFilterForm,
    RiskAreaForm,
)

# --- categories -------------------------------------------------------------------------


@scoped_view(SCREENING_VIEW)
@require_GET
def category_list(request):
    categories = Category.objects.order_by("position", "id")
    context = {
        "categories": categories,
        "can_edit": rules_selectors.is_district_editor(request.user),
        "can_screen": has_permission(request.user, SCREENING_SCREEN),
        "occupation": EntryWay.OCCUPATION,
    }
    return render(request, "screening/rules/category_list.html", context)


@scoped_view(SCREENING_RULES)
def category_create(request):
    rules_admin.require_district_editor(request.user)
    form = CategoryForm(post_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            rules_admin.create_category(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The category was saved."))
            return redirect("screening:categories")
    return render(request, "screening/rules/category_form.html", {"form": form, "category": None})


@scoped_view(SCREENING_RULES)
def category_edit(request, category_id: int):
    rules_admin.require_district_editor(request.user)
    category = get_object_or_404(Category, pk=category_id)
    form = CategoryForm(post_data(request), instance=Category.objects.get(pk=category.pk))
    if request.method == "POST" and form.is_valid():
        try:
            rules_admin.update_category(actor=request.user, category=category, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The category was saved."))
            return redirect("screening:categories")
    return render(request, "screening/rules/category_form.html", {"form": form, "category": category})


def _category_from_query(request) -> Category | None:
    raw = request.POST.get("category") if request.method == "POST" else request.GET.get("category")
    try:
        return Category.objects.filter(pk=int(raw), entry=EntryWay.OCCUPATION, is_active=True).first()
    except (TypeError, ValueError):
        return None


@scoped_view(SCREENING_SCREEN)
def category_candidates(request):
    """People of the actor's scope whose employer matches a category's keywords, not yet screened
    into it; the chosen ones are screened into the category. The category is a query parameter
    (?category=…): categories are district-wide, the people are the scope's."""
    category = _category_from_query(request)
    occupation_categories = Category.objects.filter(entry=EntryWay.OCCUPATION, is_active=True)
    if category is None:
        return render(
            request,
            "screening/rules/candidates.html",
            {"category": None, "occupation_categories": occupation_categories},
        )
    if request.method == "POST":
        ids = []
        for raw in request.POST.getlist("people"):
            try:
                ids.append(int(raw))
            except (TypeError, ValueError):
                continue
        try:
            n = rules_admin.screen_into_category(actor=request.user, category=category, person_ids=ids)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(n)d people were screened into %(c)s.") % {"n": n, "c": category.name},
            )
            return redirect(reverse("screening:category_candidates") + f"?category={category.pk}")
    page = paginate(request, rules_selectors.occupation_candidates(request.scope, category))
    context = {
        "category": category,
        "page_obj": page,
        "occupation_categories": occupation_categories,
        "keywords": category.keyword_list(),
    }
    return render(request, "screening/rules/candidates.html", context)


# --- risk areas ---------------------------------------------------------------------------


@scoped_view(SCREENING_VIEW)
@require_GET
def risk_area_list(request):
    form = RiskAreaFilterForm(request.GET)
    f = form.filters()
    qs = rules.risk_areas_on(f["on"])
    if f["level"]:
        qs = qs.filter(level=f["level"])
    if f["province"]:
        qs = qs.filter(province__startswith=f["province"])
    page = paginate(request, qs.order_by("province", "city", "county", "township", "-valid_from", "id"))
    context = {
        "form": form,
        "on": f["on"],
        "today": timezone.localdate(),
        "page_obj": page,
        "can_edit": rules_selectors.is_district_editor(request.user),
    }
    return render(request, "screening/rules/risk_area_list.html", context)


@scoped_view(SCREENING_RULES)
def risk_area_create(request):
    rules_admin.require_district_editor(request.user)
    form = RiskAreaForm(post_data(request), initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            rules_admin.create_risk_area(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The risk area was saved."))
            return redirect("screening:risk_areas")
    return render(request, "screening/rules/risk_area_form.html", {"form": form, "area": None})


@scoped_view(SCREENING_RULES)
def risk_area_edit(request, risk_area_id: int):
    rules_admin.require_district_editor(request.user)
    area = get_object_or_404(RiskArea, pk=risk_area_id)
    form = RiskAreaForm(post_data(request), instance=RiskArea.objects.get(pk=area.pk))
    if request.method == "POST" and form.is_valid():
        try:
            rules_admin.update_risk_area(actor=request.user, risk_area=area, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The risk area was saved."))
            return redirect("screening:risk_areas")
    return render(request, "screening/rules/risk_area_form.html", {"form": form, "area": area})


@scoped_view(SCREENING_RULES)
def risk_area_end(request, risk_area_id: int):
    rules_admin.require_district_editor(request.user)
    area = get_object_or_404(RiskArea, pk=risk_area_id)
    form = EndForm(post_data(request), initial={"valid_to": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            rules_admin.end_risk_area(
                actor=request.user, risk_area=area, valid_to=form.cleaned_data["valid_to"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("The area is listed until %(d)s.") % {"d": form.cleaned_data["valid_to"]}
            )
            return redirect("screening:risk_areas")
    return render(
        request,
        "screening/rules/end_form.html",
        {"form": form, "what": area, "title": _("End a risk area listing"), "back": "screening:risk_areas"},
    )


@scoped_view(SCREENING_RULES)
def risk_area_import(request):
    """Upload → preview (every row checked, bad rows listed) → confirm (valid rows, or all or nothing)."""
    rules_admin.require_district_editor(request.user)
    if request.method == "GET" and request.GET.get("errors"):
        # The bad rows of a preview as an error file (the import toolkit's ErrorBook).
        stored = rules_selectors.stored_preview(actor=request.user, sha256=request.GET["errors"])
        if stored is None or not stored.errors:
            raise not_found()
        response = HttpResponse(
            rules_admin.risk_area_errors_xlsx(stored),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="risk-area-errors.xlsx"'
        return response
    upload_form = ImportUploadForm()
    confirm_form = None
    preview = None
    if request.method == "POST" and "sha256" in request.POST:
        confirm_form = ImportConfirmForm(request.POST)
        if confirm_form.is_valid():
            preview = rules_selectors.stored_preview(
                actor=request.user, sha256=confirm_form.cleaned_data["sha256"]
            )
            if preview is None:
                messages.error(request, _("The preview has expired: upload the file again."))
                return redirect("screening:risk_area_import")
            try:
                result = rules_admin.import_risk_areas(
                    actor=request.user,
                    preview=preview,
                    all_or_nothing=confirm_form.cleaned_data["mode"] == "all_or_nothing",
                )
            except ValidationError as exc:
                confirm_form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    _(
                        "Imported: %(created)d new, %(updated)d changed, %(unchanged)d already listed, %(skipped)d bad rows left out."
                    )
                    % result.__dict__,
                )
                return redirect("screening:risk_areas")
    elif request.method == "POST":
        upload_form = ImportUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            upload = upload_form.cleaned_data["file"]
            try:
                preview = rules_admin.preview_risk_area_file(
                    actor=request.user, raw=upload.file, name=upload.name
                )
            except ValidationError as exc:
                upload_form.add_error("file", exc.messages)
            else:
                confirm_form = ImportConfirmForm(initial={"sha256": preview.sha256, "mode": "valid_rows"})
    context = {"upload_form": upload_form, "confirm_form": confirm_form, "preview": preview}
    return render(request, "screening/rules/risk_area_import.html", context)


@scoped_view(SCREENING_VIEW)
@require_GET
def risk_area_template(request):
    response = HttpResponse(
        rules_admin.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="risk_areas_template.xlsx"'
    return response


# --- measure rules ------------------------------------------------------------------------


@scoped_view(SCREENING_VIEW)
@require_GET
def rule_list(request):
    form = AsOfForm(request.GET)
    on = form.on_date()
    in_force = set(rules.valid_on(MeasurePolicy.objects.all(), on).values_list("pk", flat=True))
    policies = list(
        MeasurePolicy.objects.select_related("category")
        .prefetch_related("phases")
        .order_by("-valid_from", "name", "id")
    )
    for p in policies:
        p.in_force = p.pk in in_force
        p.summary = rules_selectors.describe_policy(p)
        p.applies_to = rules_selectors.describe_trigger(p)
    policies.sort(key=lambda p: (not p.in_force, p.name, -p.valid_from.toordinal()))
    context = {
        "form": form,
        "on": on,
        "policies": policies,
        "in_force_count": len(in_force),
        "can_edit": rules_selectors.is_district_editor(request.user),
    }
    return render(request, "screening/rules/rule_list.html", context)


@scoped_view(SCREENING_RULES)
def rule_create(request):
    rules_admin.require_district_editor(request.user)
    initial = {"valid_from": timezone.localdate(), "priority": 0}
    form = PolicyForm(post_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rules_admin.create_policy(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The rule was saved."))
            return redirect("screening:rules")
    return render(request, "screening/rules/rule_form.html", {"form": form})


@scoped_view(SCREENING_RULES)
def rule_end(request, policy_id: int):
    rules_admin.require_district_editor(request.user)
    policy = get_object_or_404(MeasurePolicy, pk=policy_id)
    form = EndForm(post_data(request), initial={"valid_to": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            rules_admin.end_policy(actor=request.user, policy=policy, valid_to=form.cleaned_data["valid_to"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("The rule is in force until %(d)s.") % {"d": form.cleaned_data["valid_to"]}
            )
            return redirect("screening:rules")
    return render(
        request,
        "screening/rules/end_form.html",
        {"form": form, "what": policy, "title": _("End a measure rule"), "back": "screening:rules"},
    )
