"""Secrets at rest and the health endpoint."""

import pytest
from django.db import connection
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_credentials_are_encrypted_in_the_column(two_workspaces):
    account = two_workspaces["account_a"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM smm_socialaccount WHERE id = %s", [account.pk])
        raw = cursor.fetchone()[0]
    assert "secret-token-value" not in raw
    assert "access_token" not in raw
    account.refresh_from_db()
    assert account.credentials == {"access_token": "secret-token-value"}


def test_old_keys_still_decrypt_after_rotation(two_workspaces, settings):
    from cryptography.fernet import Fernet

    from smm.models import SocialAccount

    account = two_workspaces["account_a"]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]
    assert SocialAccount.objects.get(pk=account.pk).credentials["access_token"] == "secret-token-value"


def test_healthz_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_broker_down(client):
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


def test_healthz_database_down(client, monkeypatch):
    from smm import health

    class Broken:
        def cursor(self):
            from django.db import OperationalError

            raise OperationalError("database is down")

    monkeypatch.setattr(health, "connection", Broken())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"


def test_production_refuses_default_secret_key(monkeypatch):
    import subprocess
    import sys

    env = {"DEBUG": "false", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='smm.settings'; django.setup()",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_strict_boolean_parsing(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from smm.settings import env_bool

    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("SOME_FLAG", False)
    monkeypatch.setenv("SOME_FLAG", "False")
    assert env_bool("SOME_FLAG", True) is False
