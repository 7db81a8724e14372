from django.db import migrations


def load(apps, schema_editor):
    from wangge.gatherings.rules.defaults import load as load_defaults

    load_defaults(apps.get_model("gatherings", "GatheringKind"), apps.get_model("gatherings", "GatheringRule"))


class Migration(migrations.Migration):
    dependencies = [("gatherings", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
