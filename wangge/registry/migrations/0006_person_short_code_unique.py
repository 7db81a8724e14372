"""The short personal code is unique (its index finds a typed code) and new people get one."""

from django.db import migrations, models

import wangge.registry.shortcode


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_person_short_code"),
    ]

    operations = [
        migrations.AlterField(
            model_name="person",
            name="short_code",
            field=models.CharField(
                blank=True,
                default=wangge.registry.shortcode.new_short_code,
                editable=False,
                max_length=12,
                null=True,
                unique=True,
                verbose_name="short code",
            ),
        ),
    ]
