"""The home page is made of panels that the parts register from their AppConfig.

A panel says what its viewer needs to see first; it returns None when it has nothing for
this viewer (their role does not cover it), and the kernel shows the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class HomePanel:
    name: str
    template: str
    # The panel's context for this request (which carries `scope`), or None to leave it out.
    context: Callable[[HttpRequest], dict[str, Any] | None]
    order: int = 1000


_panels: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    _panels[panel.name] = panel


def home_panels() -> list[HomePanel]:
    return sorted(_panels.values(), key=lambda p: p.order)


# --- "today": what needs doing now, per role ------------------------------------------------------


@dataclass(frozen=True)
class HomeItem:
    """One thing that may need doing today, with the list that resolves it.

    `count(request)` says how many wait for this viewer (None: not for this viewer, e.g. a level
    the item does not concern); `url` is the list where they are resolved. An item with a
    permission is asked only of viewers who hold it."""

    name: str
    label: str | Any
    count: Callable[[HttpRequest], int | None]
    url: str | Callable[[HttpRequest], str]
    permission: str | None = None
    group: str = ""  # the task group of the navigation (registry, testing, screening …)
    urgent: bool = False  # shown as an alarm when any wait
    order: int = 1000
    # Asked of accounts without an area too (a venue's own account): such an account's home
    # shows these items instead of the "no jurisdiction" message when any answers for it.
    without_area: bool = False


_items: dict[str, HomeItem] = {}


def register_home_item(item: HomeItem) -> None:
    _items[item.name] = item


def registered_home_items() -> list[HomeItem]:
    """Every item the parts registered, in order (whoever may see them)."""
    return sorted(_items.values(), key=lambda i: i.order)


def home_items(request: HttpRequest, *, without_area_only: bool = False) -> list[dict[str, Any]]:
    """The viewer's items, [{"name", "label", "count", "url", "urgent", "group"}], in order; those
    with nothing waiting are kept (count 0) so the page can say that all is done.
    `without_area_only`: only the items meant for accounts without an area."""
    from django.urls import reverse

    from wangge.core.access import has_permission

    viewer: Any = request.user  # an authenticated account (the home is a scoped view)
    shown = []
    for item in sorted(_items.values(), key=lambda i: i.order):
        if without_area_only and not item.without_area:
            continue
        if item.permission and not has_permission(viewer, item.permission):
            continue
        n = item.count(request)
        if n is None:
            continue
        url = item.url(request) if callable(item.url) else reverse(item.url)
        shown.append(
            {
                "name": item.name,
                "label": item.label,
                "count": n,
                "url": url,
                "urgent": item.urgent,
                "group": item.group,
            }
        )
    return shown
