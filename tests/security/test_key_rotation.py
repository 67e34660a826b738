"""manage.py rotate_encryption_keys: after it, the old key can be removed."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db


def raw_credentials(account_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM smm_socialaccount WHERE id = %s", [account_id])
        return cursor.fetchone()[0]


def test_rotation_reencrypts_every_secret_so_the_old_key_can_go(settings, make_workspace, make_brand, make_account):
    from smm.models import SocialAccount

    # given accounts whose tokens are encrypted under the old key (more than one batch)
    old_key = Fernet.generate_key().decode()
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    brand = make_brand(make_workspace())
    accounts = [
        make_account(brand, handle=f"@acct{i}", credentials={"access_token": f"token-{i}", "refresh_token": f"r-{i}"})
        for i in range(5)
    ]
    before = {a.pk: raw_credentials(a.pk) for a in accounts}

    # when the new key is put first and the rotation runs in batches of two
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", batch_size=2, stdout=io.StringIO())

    # then every stored value changed, and with only the new key left, all still decrypt
    assert all(raw_credentials(pk) != token for pk, token in before.items())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    for i, account in enumerate(accounts):
        assert SocialAccount.objects.get(pk=account.pk).credentials == {
            "access_token": f"token-{i}",
            "refresh_token": f"r-{i}",
        }
    # and the old key alone can no longer read them
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    with pytest.raises(ValueError):
        SocialAccount.objects.get(pk=accounts[0].pk).credentials  # noqa: B018


def test_rotation_covers_every_encrypted_field():
    from smm.management.commands.rotate_encryption_keys import encrypted_fields

    labels = {f"{model._meta.label}.{field.name}" for model, field in encrypted_fields()}
    assert "smm.SocialAccount.credentials" in labels


def test_without_an_old_key_the_column_never_holds_plaintext(make_workspace, make_brand, make_account):
    account = make_account(make_brand(make_workspace()), credentials={"access_token": "plain-secret-123"})
    assert "plain-secret-123" not in raw_credentials(account.pk)
