from django.urls import reverse

from wangge.core.access import has_permission
from wangge.core.menu import menu_entries, menu_groups


def navigation(request):
    """The viewer's menus: [{"label", "items": [...], "active"}], one per task group they have
    an entry in (an entry of no group is a menu of its own, with one item)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_groups": []}
    current = request.resolver_match.view_name if getattr(request, "resolver_match", None) else ""
    groups = menu_groups()
    menus: dict[str, dict] = {}
    items = []
    for entry in menu_entries():
        if entry.permission and not has_permission(user, entry.permission):
            continue
        item = {"url": reverse(entry.url_name), "label": entry.label, "active": current == entry.url_name}
        items.append(item)
        group = groups.get(entry.group)
        key = group.key if group else f"entry:{entry.url_name}"
        menu = menus.setdefault(
            key,
            {
                "key": key,
                "label": group.label if group else entry.label,
                "order": group.order if group else entry.order,
                "single": group is None,
                "items": [],
                "active": False,
            },
        )
        menu["items"].append(item)
        menu["active"] = menu["active"] or item["active"]
    return {"nav_items": items, "nav_groups": sorted(menus.values(), key=lambda m: m["order"])}
