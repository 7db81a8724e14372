"""Tables that copy an org unit's path for prefix scoping.

When a unit moves, every registered table's `path` under the old prefix is rewritten
in one UPDATE per table, inside the move's transaction. Later parts (households,
people…) register their own tables here.
"""

from django.db.models import Model, Value
from django.db.models.functions import Concat, Substr

_registry: list[type[Model]] = []


def register_path_copy(model: type[Model]) -> type[Model]:
    if model not in _registry:
        _registry.append(model)
    return model


def path_copy_models() -> list[type[Model]]:
    return list(_registry)


def rewrite_prefix(model: type[Model], old_prefix: str, new_prefix: str) -> int:
    return model.objects.filter(path__startswith=old_prefix).update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1))
    )
