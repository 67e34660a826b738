"""Production settings pass Django's deployment checklist, and every response carries
the security headers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra) -> dict:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DEBUG": "false",
        "SECRET_KEY": "a-production-secret-" + "x9Q2" * 12,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "smm.example.com",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
    env.update(extra)
    return env


def test_check_deploy_has_no_warnings_with_production_settings():
    # given the production environment (DEBUG off, real secrets, PostgreSQL and Redis)
    # when Django's deployment checklist runs
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then it finds nothing to warn about
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_missing_encryption_keys():
    env = production_env()
    del env["FIELD_ENCRYPTION_KEYS"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set" in result.stderr


@pytest.mark.django_db
def test_pages_carry_csp_frame_and_referrer_headers(client):
    # when anyone opens the login page
    response = client.get("/login/")
    # then the browser is told: scripts and styles only from here (or with this page's
    # nonce), no framing, no referrer to other sites, no MIME sniffing
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-eval" not in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_script_nonce_matches_the_header(client, make_user):
    # given a logged-in user (the page loads htmx with the request's nonce)
    client.force_login(make_user())
    response = client.get("/profile/")
    csp = response["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    # then the nonce in the page is the one the header allows
    assert f'nonce="{nonce}"' in response.content.decode()
