from django.db import migrations


def seed_kinds(apps, schema_editor):
    from wangge.venues.places.defaults import KINDS

    VenueKind = apps.get_model("venues", "VenueKind")
    Category = apps.get_model("screening", "Category")
    categories = dict(Category.objects.values_list("code", "id"))
    for order, (code, name, name_en, register, category) in enumerate(KINDS):
        VenueKind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "keeps_visitor_register": register,
                "order": (order + 1) * 10,
                "staff_category_id": categories.get(category),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("venues", "0003_kind_category_and_accounts"), ("screening", "0002_default_rules")]
    operations = [migrations.RunPython(seed_kinds, migrations.RunPython.noop)]
