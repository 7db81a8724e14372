from django.db import migrations


def update_roles(apps, schema_editor):
    # Only adds the new permissions to the standard roles that have them by default: roles a
    # district has edited keep their edits (see roles.grant_new_permissions).
    from wangge.accounts.roles import grant_new_permissions, permissions_of

    grant_new_permissions(apps.get_model("accounts", "Role"), permissions_of("duty"))


class Migration(migrations.Migration):
    dependencies = [("duty", "0001_initial"), ("accounts", "0005_screening_permissions")]
    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
