from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.venues"
    label = "venues"

    def ready(self) -> None:
        # Permissions, menu ("场所督查"), home items, API routes and path-scoped models are
        # registered here as the part's packages land (README: How to add a part).
        from wangge.venues import models  # noqa: F401  (Venue inherits PathScopedModel)
