"""A day or a start date read from the query string: today when missing or malformed."""

from __future__ import annotations

from datetime import date

from django.utils import timezone


def day_param(request, name: str = "day") -> date:
    raw = request.GET.get(name, "")
    try:
        return date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()
