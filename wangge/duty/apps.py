from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.duty"
    label = "duty"

    def ready(self) -> None:
        # Checkpoints (卡点), their shifts and entry logs, and volunteers: registered here as the packages land.
        pass
