"""Path-scoped tables: records that copy their org unit's materialised path for prefix scoping.

When a unit moves, every registered table's `path` under the old prefix is rewritten in one
UPDATE per table, inside the move's transaction. A part registers its tables from its
AppConfig (`register_path_scoped`), or inherits `PathScopedModel`, which registers itself.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Model, Value
from django.db.models.functions import Concat, Substr
from django.db.models.signals import class_prepared

_registry: list[type[Model]] = []


class PathScopedModel(models.Model):
    """A record scoped by the path of the unit it belongs to (copied, kept in step on moves)."""

    path = models.CharField(max_length=255, editable=False)

    class Meta:
        abstract = True


def register_path_scoped(model: type[Model]) -> type[Model]:
    if model not in _registry:
        _registry.append(model)
    return model


def path_scoped_models() -> list[type[Model]]:
    return list(_registry)


def rewrite_prefix(model: type[Model], old_prefix: str, new_prefix: str) -> int:
    """Move every row under `old_prefix` to `new_prefix` in one statement."""
    return model._default_manager.filter(path__startswith=old_prefix).update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1))
    )


def _register_subclass(sender: type[Model], **kwargs) -> None:
    if issubclass(sender, PathScopedModel) and not sender._meta.abstract and not sender._meta.proxy:
        register_path_scoped(sender)


class_prepared.connect(_register_subclass, dispatch_uid="wangge-path-scoped")
