from django.db import migrations


def update_roles(apps, schema_editor):
    # Only adds the new permission to the standard roles that have it by default: roles a
    # district has edited keep their edits (see roles.grant_new_permissions).
    from wangge.accounts.roles import grant_new_permissions

    grant_new_permissions(apps.get_model("accounts", "Role"), ["testing.results_unreceived"])


class Migration(migrations.Migration):
    dependencies = [("testing", "0004_result_receipt_and_conflicts"), ("accounts", "0005_screening_permissions")]
    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
