from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.gatherings"
    label = "gatherings"

    def ready(self) -> None:
        # Gathering reports (报备), their rules and approvals: registered here as the packages land.
        pass
