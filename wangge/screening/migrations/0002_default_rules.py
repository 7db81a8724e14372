from django.db import migrations


def load(apps, schema_editor):
    from wangge.screening.rules.defaults import load as load_defaults

    load_defaults(
        apps.get_model("screening", "Category"),
        apps.get_model("screening", "MeasurePolicy"),
        apps.get_model("screening", "PolicyPhase"),
    )


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
