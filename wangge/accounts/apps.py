from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.accounts"
    label = "accounts"
