from django.apps import AppConfig


class Config(AppConfig):
    name = "wangge.roster"
    label = "roster"

    def ready(self) -> None:
        from wangge.org.paths import register_path_copy
        from wangge.roster.models import Assignment, Department, StaffMember, WorkingGroup

        for model in (StaffMember, Assignment, Department, WorkingGroup):
            register_path_copy(model)
