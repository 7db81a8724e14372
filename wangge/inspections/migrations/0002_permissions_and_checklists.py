from django.db import migrations


def update_roles(apps, schema_editor):
    # Only adds the new permissions to the standard roles that have them by default.
    from wangge.accounts.roles import grant_new_permissions, permissions_of

    grant_new_permissions(apps.get_model("accounts", "Role"), permissions_of("inspections"))


def load_checklists(apps, schema_editor):
    # The starting checklist of every kind there is now; a kind added later gets its own the
    # first time it is inspected (checklists.services.ensure_checklist) or by `load_checklists`.
    from wangge.inspections.checklists.defaults import load_default_checklists

    load_default_checklists(
        apps.get_model("venues", "VenueKind"),
        apps.get_model("inspections", "ChecklistTemplate"),
        apps.get_model("inspections", "ChecklistItem"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0001_initial"),
        ("accounts", "0005_screening_permissions"),
        ("venues", "0002_venue_records"),
    ]
    operations = [
        migrations.RunPython(update_roles, migrations.RunPython.noop),
        migrations.RunPython(load_checklists, migrations.RunPython.noop),
    ]
