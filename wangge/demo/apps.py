from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.demo"
    label = "demo"

    def ready(self) -> None:
        from wangge.demo import audit_labels

        audit_labels.register()
