"""PostgreSQL: an index for the admin's subject search (subjects starting with a term,
any case), which Django runs as `UPPER("subject"::text) LIKE UPPER('term%')`.

A B-tree serves a LIKE prefix only with the `text_pattern_ops` operator class (unless the
database's collation is "C"), and only for the exact expression the query uses, so this
is raw SQL. Other databases get nothing (SQLite's LIKE is not served by an index). The
index is not part of the models' state: `makemigrations` does not see it.

On a large existing table this builds the index while holding a write lock on the table
for the build; to avoid that, create it yourself first with CREATE INDEX CONCURRENTLY
under the same name (this migration then leaves it alone).
"""

from django.db import migrations

INDEX = "anymail_log_subject_prefix"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = apps.get_model("anymail_mail_log", "SentMessage")._meta.db_table
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(INDEX)}"
            f' ON {schema_editor.quote_name(table)} (UPPER("subject"::text) text_pattern_ops)'
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(INDEX)}")


class Migration(migrations.Migration):
    dependencies = [("anymail_mail_log", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
