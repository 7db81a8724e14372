# Joint patrols (联合巡查): each stop a short inspection, the checklist's items flagged for patrols.

from django.db import migrations, models


def flag_patrol_items(apps, schema_editor):
    """The checklists already loaded get their short check: every critical item, and the common
    part's placards and masks (as the starting templates now ship them)."""
    from wangge.inspections.checklists.defaults import PATROL_ALSO

    ChecklistItem = apps.get_model("inspections", "ChecklistItem")
    ChecklistItem.objects.filter(models.Q(critical=True) | models.Q(text__in=PATROL_ALSO)).update(on_patrol=True)


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0003_campaign_team"),
    ]

    operations = [
        migrations.AddField(
            model_name="checklistitem",
            name="on_patrol",
            field=models.BooleanField(default=False, verbose_name="on a joint patrol's short check"),
        ),
        migrations.RunPython(flag_patrol_items, migrations.RunPython.noop),
    ]
