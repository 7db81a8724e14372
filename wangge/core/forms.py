"""Helpers for forms whose work is done by a service."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Page

from wangge.core.paging import CappedPaginator


def add_service_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the named field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def paginate(request, qs, param: str = "page", per_page: int | None = None, cap: int | None = None) -> Page:
    """One page of `qs`, counted up to `cap` rows only (settings.WANGGE_COUNT_CAP): see core/paging.py."""
    return CappedPaginator(qs, per_page or settings.WANGGE_PAGE_SIZE, cap=cap).get_page(
        request.GET.get(param)
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def post_data(request):
    """The submitted data on POST (even when empty, so the form is bound), else None."""
    return request.POST if request.method == "POST" else None


def htmx_target(request) -> str:
    htmx = getattr(request, "htmx", None)
    return (htmx.target or "") if htmx else ""


def render_page_or_fragment(request, page_template: str, fragment_template: str, target: str, context: dict):
    """The whole page, or only the fragment when htmx asks to refresh `target`."""
    from django.shortcuts import render
    from django.utils.cache import patch_vary_headers

    template = fragment_template if htmx_target(request) == target else page_template
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
