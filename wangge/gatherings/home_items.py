"""What gatherings put on people's homes: reports to file or approve at their level, gatherings
to supervise today, after-event records overdue."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from wangge.gatherings.approvals.services import can_act
from wangge.gatherings.day import selectors


def to_decide(request: HttpRequest) -> int | None:
    return sum(1 for g in selectors.pending_for(request.scope)[:500] if can_act(request.user, g))


def to_supervise_today(request: HttpRequest) -> int | None:
    return selectors.to_supervise_today(request.scope, request.user).count()


def after_overdue(request: HttpRequest) -> int | None:
    return selectors.after_overdue(request.scope).count()


def list_url(**params: str):
    def url(request: HttpRequest) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return reverse("gatherings:list") + (f"?{query}" if query else "")

    return url
