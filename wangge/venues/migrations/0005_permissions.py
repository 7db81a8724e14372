from django.db import migrations

# A role the district gives venue accounts (its manager's phone login): its own venue only.
VENUE_MANAGER_ROLE = "venue_manager"


def update_roles(apps, schema_editor):
    # Only adds the new permissions to the standard roles that have them by default: roles a
    # district has edited keep their edits (see roles.grant_new_permissions).
    from wangge.accounts.roles import grant_new_permissions, permissions_of

    Role = apps.get_model("accounts", "Role")
    grant_new_permissions(Role, permissions_of("venues"))
    Role.objects.get_or_create(
        code=VENUE_MANAGER_ROLE,
        defaults={"name": "Venue manager", "permissions": ["venues.own"]},
    )


class Migration(migrations.Migration):
    dependencies = [("venues", "0004_default_kinds"), ("accounts", "0005_screening_permissions")]
    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
