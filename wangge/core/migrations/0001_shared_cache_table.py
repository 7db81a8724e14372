"""The table of the shared cache (settings.CACHES["shared"]) when it is the database: the rate
limits of the public forms, counted alike by every worker. With Redis configured, nothing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies: list = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
