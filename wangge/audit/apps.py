from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.audit"
    label = "audit"
