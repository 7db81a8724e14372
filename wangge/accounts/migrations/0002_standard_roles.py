from django.db import migrations


def create_roles(apps, schema_editor):
    from wangge.accounts.roles import create_standard_roles

    create_standard_roles(apps.get_model("accounts", "Role"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
