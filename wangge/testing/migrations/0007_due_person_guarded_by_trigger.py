"""Due.person without a database foreign-key check (see the model), and on PostgreSQL a trigger
that refuses deleting a person who is due in a round: the guarantee the constraint gave, kept
where it matters, without locking every person row when a population is built."""

import django.db.models.deletion
from django.db import migrations, models

# %% is a literal % (the statement goes through the driver with parameters).
GUARD = """
CREATE OR REPLACE FUNCTION testing_due_keeps_person() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM testing_due WHERE person_id = OLD.id) THEN
        RAISE EXCEPTION 'person %% is due in a testing round', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER testing_due_keeps_person BEFORE DELETE ON registry_person
    FOR EACH ROW EXECUTE FUNCTION testing_due_keeps_person();
"""
UNGUARD = """
DROP TRIGGER IF EXISTS testing_due_keeps_person ON registry_person;
DROP FUNCTION IF EXISTS testing_due_keeps_person();
"""


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_person_short_code_unique"),
        ("testing", "0006_due_fewer_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="due",
            name="person",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="testing_dues",
                to="registry.person",
            ),
        ),
        migrations.RunPython(guard, unguard),
    ]
