"""Re-encrypt every stored secret (each EncryptedJSONField) with the first key of
FIELD_ENCRYPTION_KEYS, in batches, so an old key can then be removed.

Put the new key first, deploy, run this, then drop the old key::

    FIELD_ENCRYPTION_KEYS=new,old manage.py rotate_encryption_keys
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from smm.crypto import EncryptedJSONField, rotate_token


def encrypted_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedJSONField):
                yield model, field


def rotate_field(model, field, batch_size: int = 500) -> int:
    """Rotate one column; returns how many values were re-encrypted. A row written
    concurrently (its token changed since it was read) is left as the writer stored it,
    which is already under the first key."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    column = connection.ops.quote_name(field.column)
    rotated = 0
    last = None
    while True:
        with connection.cursor() as cursor:
            where = f"WHERE {pk} > %s " if last is not None else ""
            cursor.execute(
                f"SELECT {pk}, {column} FROM {table} {where}ORDER BY {pk} LIMIT %s",  # noqa: S608 - quoted names
                [last, batch_size] if last is not None else [batch_size],
            )
            rows = cursor.fetchall()
        if not rows:
            return rotated
        with transaction.atomic(), connection.cursor() as cursor:
            for row_pk, token in rows:
                if token:
                    new_token = rotate_token(token)
                    cursor.execute(
                        f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",  # noqa: S608
                        [new_token, row_pk, token],
                    )
                    rotated += cursor.rowcount
        last = rows[-1][0]


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        total = 0
        for model, field in encrypted_fields():
            count = rotate_field(model, field, batch_size=batch_size)
            total += count
            self.stdout.write(f"{model._meta.label}.{field.name}: {count} re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"Done: {total} secrets now under the first key."))
