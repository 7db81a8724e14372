from django.db import migrations


def update_roles(apps, schema_editor):
    from wangge.accounts.roles import STANDARD_ROLES

    Role = apps.get_model("accounts", "Role")
    for code, name, permissions in STANDARD_ROLES:
        Role.objects.update_or_create(code=code, defaults={"name": name, "permissions": sorted(permissions)})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_testing_permissions")]
    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
