from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.registry"
    label = "registry"

    def ready(self) -> None:
        from wangge.org.paths import register_path_copy
        from wangge.registry import models as m

        for model in (m.Building, m.Room, m.Household, m.Person, m.Rental, m.Tenancy, m.Visit, m.PartyLink):
            register_path_copy(model)
