"""Production settings (DEBUG=false) for the processes a benchmark starts, as a deployment
runs them: the secrets production insists on, loopback hosts, no HTTPS redirect. Shared
by bench/load.py, bench/publish.py and bench/dashboard.py; not a benchmark itself."""

from __future__ import annotations

import base64
import hashlib
import sys

if __name__ == "__main__":  # `make bench` runs every bench/*.py
    print("bench/production_env.py is a helper of the benchmarks; nothing to run.")
    sys.exit(0)

# The key settings derive from the default (development) SECRET_KEY: data sets built in
# development mode (bench/dashboard.py's) stay readable under production settings.
DEV_ENCRYPTION_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"dev-only-insecure-secret-key-change-me").digest()
).decode()


def production_env(name: str, *, encryption_key: str | None = None) -> dict[str, str]:
    """Environment variables for production settings; ``name`` marks the secret key."""
    from cryptography.fernet import Fernet

    return {
        "DEBUG": "false",
        "SECRET_KEY": f"bench-{name}-" + "k" * 40,
        "FIELD_ENCRYPTION_KEYS": encryption_key or Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
    }


def recreate_database(base_url: str, name: str) -> str:
    """Drop (forcing its connections off) and create the benchmark's own PostgreSQL database
    ``name`` on the server of ``base_url``; answer the new database's URL."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(base_url)
    admin = psycopg.connect(urlunsplit(parts._replace(path="/postgres", scheme="postgresql")), autocommit=True)
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        admin.close()
    return urlunsplit(parts._replace(path=f"/{name}"))


def answers(requests, url: str) -> bool:
    """Whether ``url`` answers 200 within 2 s (a started server is up)."""
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False
