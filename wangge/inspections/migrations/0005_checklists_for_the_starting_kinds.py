from django.db import migrations


def load_checklists(apps, schema_editor):
    # 0002 loaded a checklist for every kind there was then; on a fresh database the district's
    # starting kinds (venues 0004) may come after it, and every kind shipped needs its checklist.
    from wangge.inspections.checklists.defaults import load_default_checklists

    load_default_checklists(
        apps.get_model("venues", "VenueKind"),
        apps.get_model("inspections", "ChecklistTemplate"),
        apps.get_model("inspections", "ChecklistItem"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0004_checklist_patrol_items"),
        ("venues", "0004_default_kinds"),
    ]
    operations = [migrations.RunPython(load_checklists, migrations.RunPython.noop)]
