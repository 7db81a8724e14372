from django.urls import reverse

from wangge.core.access import has_permission
from wangge.core.menu import menu_entries


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    current = request.resolver_match.view_name if getattr(request, "resolver_match", None) else ""
    items = []
    for entry in menu_entries():
        if entry.permission and not has_permission(user, entry.permission):
            continue
        items.append(
            {"url": reverse(entry.url_name), "label": entry.label, "active": current == entry.url_name}
        )
    return {"nav_items": items}
