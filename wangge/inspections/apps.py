from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.inspections"
    label = "inspections"

    def ready(self) -> None:
        # Checklists, inspections (督查), rectification orders, joint patrols and disinfection plans
        # of the venues part: registered here as the packages land.
        pass
