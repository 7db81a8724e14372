from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.demo"
    label = "demo"
