"""Search indexes for PostgreSQL (a no-op on SQLite).

wangge.registry.people.search asks for:
- UPPER(name) LIKE UPPER('%张海婷%')      (icontains)       → trigram GIN on UPPER(name)
- name LIKE '张三%'                       (startswith, 1–2 CJK characters, too short for trigrams)
                                                            → btree varchar_pattern_ops on name
- id_number LIKE '%123456', phone LIKE '%5678' (endswith)  → trigram GIN on id_number and phone
- UPPER(address) LIKE UPPER('%路1号%')    (icontains)       → trigram GIN on UPPER(address)
name_initials LIKE 'zht%' uses the varchar_pattern_ops index Django makes for db_index fields.
"""

from django.db import migrations

INDEXES = [
    ("registry_person", "person_name_trgm", "UPPER(name) gin_trgm_ops", "gin"),
    ("registry_person", "person_id_number_trgm", "id_number gin_trgm_ops", "gin"),
    ("registry_person", "person_phone_trgm", "phone gin_trgm_ops", "gin"),
    ("registry_person", "person_name_prefix", "name varchar_pattern_ops", "btree"),
    ("registry_household", "household_address_trgm", "UPPER(address) gin_trgm_ops", "gin"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, name, expression, method in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING {method} ({expression})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, name, _expression, _method in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
