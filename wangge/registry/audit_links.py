"""The registry's records in the audit log: people and buildings named (inside the viewer's scope),
and each row linked to its page."""

from django.urls import reverse

from wangge.audit.display import register_object_url, register_reference
from wangge.registry import selectors


def register() -> None:
    register_reference(
        "person",
        lambda scope, ids: selectors.people(scope, include_departed=True).filter(pk__in=ids),
        "person_id",
        "head_id",
        "landlord_id",
    )
    register_reference(
        "building", lambda scope, ids: selectors.buildings(scope).filter(pk__in=ids), "building_id"
    )
    pages = {
        "registry.person": ("registry:person_detail", "person_id"),
        "registry.building": ("registry:building_detail", "building_id"),
        "registry.household": ("registry:household_detail", "household_id"),
        "registry.rental": ("registry:rental_detail", "rental_id"),
    }
    for model, (name, kwarg) in pages.items():
        register_object_url(model, lambda pk, snap, name=name, kwarg=kwarg: reverse(name, kwargs={kwarg: pk}))
