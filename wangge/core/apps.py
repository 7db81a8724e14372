from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.core"
    label = "core"
