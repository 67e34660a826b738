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


def start_settings(env: dict) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter, as a production process starts."""
    return subprocess.run(
        [sys.executable, "-c", "import smm.settings"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def example_value(name: str) -> str:
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"{name} is not in .env.example")


@pytest.mark.parametrize(
    ("secret", "says"),
    [
        (example_value("SECRET_KEY"), "SECRET_KEY is still the example value from .env.example"),
        ("x9Q2-short-but-varied", "SECRET_KEY is too weak (21 characters"),
        ("ab" * 40, "SECRET_KEY is too weak (80 characters, 2 different"),
        ("django-insecure-" + "k3Y!" * 15, "SECRET_KEY is too weak"),
    ],
    ids=["the .env.example value", "short", "low variety", "Django's insecure prefix"],
)
def test_production_refuses_a_weak_secret_key_and_says_how_to_make_one(secret, says):
    # given production settings with a secret key anyone could guess
    # when a process starts
    result = start_settings(production_env(SECRET_KEY=secret))
    # then it refuses, naming the variable and how to generate a good value
    assert result.returncode != 0
    assert says in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


@pytest.mark.parametrize(
    ("keys", "says"),
    [
        ("not-a-fernet-key", "FIELD_ENCRYPTION_KEYS: key 1 of 1 is not a Fernet key"),
        (Fernet.generate_key().decode() + ",c2hvcnQ=", "FIELD_ENCRYPTION_KEYS: key 2 of 2 is not a Fernet key"),
        (Fernet.generate_key().decode()[:-2] + "!!", "FIELD_ENCRYPTION_KEYS: key 1 of 1 is not a Fernet key"),
    ],
    ids=["not base64", "a second key of 5 bytes", "not url-safe"],
)
def test_production_refuses_a_malformed_encryption_key_and_says_how_to_make_one(keys, says):
    # given production settings whose encryption keys are not all Fernet keys
    # when a process starts
    result = start_settings(production_env(FIELD_ENCRYPTION_KEYS=keys))
    # then it refuses, naming the variable, which key, and how to generate one, without
    # printing the key itself
    assert result.returncode != 0
    assert says in result.stderr
    assert "Fernet.generate_key()" in result.stderr
    assert keys.split(",")[-1] not in result.stderr


def test_the_image_build_values_pass_the_production_checks():
    # given the throw-away secrets the Dockerfile sets to collect static files (DEBUG=false)
    build = (ROOT / "Dockerfile").read_text().split("RUN DEBUG=false", 1)[1].split("python manage.py")[0]
    values = dict(part.split("=", 1) for part in build.replace("\\", " ").split() if "=" in part)
    # when settings start with them, then they are accepted
    result = start_settings(production_env(**values))
    assert result.returncode == 0, result.stderr


def test_healthz_answers_over_plain_http_behind_the_https_redirect():
    # given production settings: HTTPS redirect on, ALLOWED_HOSTS naming the public host only
    # when the container's own check asks http://127.0.0.1:8000/healthz (as docker-compose.yml does)
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client()\n"
        "check = client.get('/healthz', HTTP_HOST='127.0.0.1:8000')\n"
        "page = client.get('/login/', HTTP_HOST='smm.example.com')\n"
        "print(check.status_code, check.json()['status'], page.status_code, page['Location'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=production_env(DJANGO_SETTINGS_MODULE="smm.settings", SECURE_SSL_REDIRECT="true"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    # then it is answered (200, database and broker up), while pages still go to https
    assert result.stdout.split() == ["200", "ok", "301", "https://smm.example.com/login/"]


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
