"""The rules for gatherings as they stand, with their validity periods (read-only here; the
district edits them in the administration or through a new version by data migration)."""

from django.shortcuts import render

from wangge.core.access import scoped_view
from wangge.gatherings.permissions import GATHERINGS_VIEW
from wangge.gatherings.rules import selectors


@scoped_view(GATHERINGS_VIEW)
def rule_list(request):
    return render(request, "gatherings/rules.html", {"rules": list(selectors.rules())})
