"""Seeds the default readiness checklist (十一个一) and site staff roles (六大员)."""

from django.db import migrations


def seed(apps, schema_editor):
    from wangge.testing.rounds.checklists import seed_defaults

    seed_defaults(apps.get_model("testing", "ChecklistItem"))


class Migration(migrations.Migration):
    dependencies = [("testing", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
