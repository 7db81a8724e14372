"""The rules for gatherings with their validity periods, and a new version from a date (district)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.core.access import scoped_view
from wangge.core.forms import add_service_error
from wangge.gatherings.permissions import GATHERINGS_RULES, GATHERINGS_VIEW
from wangge.gatherings.rules import selectors, services
from wangge.gatherings.rules.forms import RuleVersionForm


@scoped_view(GATHERINGS_VIEW)
def rule_list(request):
    return render(
        request,
        "gatherings/rules.html",
        {"rules": list(selectors.rules()), "may_edit": request.user.can(GATHERINGS_RULES)},
    )


@scoped_view(GATHERINGS_RULES)
@require_http_methods(["GET", "POST"])
def rule_new(request):
    form = RuleVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.new_version(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The new version is saved; the one before ends the day before."))
            return redirect("gatherings:rules")
    return render(request, "gatherings/rule_form.html", {"form": form})
