"""The short personal code: a column added empty, every existing person given a code in batches
(set-based: one UPDATE per thousand rows, not one save per person; the index checks new codes
against those given); 0006 makes it unique."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    from wangge.registry.shortcode import backfill as fill

    fill(apps.get_model("registry", "Person"), schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_rental_roll"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="short_code",
            field=models.CharField(
                blank=True, db_index=True, editable=False, max_length=12, null=True, verbose_name="short code"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
