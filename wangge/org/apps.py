from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.org"
    label = "org"
