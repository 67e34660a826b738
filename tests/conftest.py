"""Shared test fixtures, the CI service guard, and the no-internet guard."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_sessionstart(session):
    """In CI, PostgreSQL and Redis are required: missing means failure, not skip."""
    if not IN_CI:
        return
    problems = []
    db_url = os.environ.get("DATABASE_URL", "")
    if not db_url.startswith(("postgres://", "postgresql://")):
        problems.append("DATABASE_URL must point at PostgreSQL in CI")
    else:
        import psycopg

        try:
            psycopg.connect(db_url.replace("postgresql://", "postgres://"), connect_timeout=5).close()
        except Exception as exc:
            problems.append(f"PostgreSQL unreachable at DATABASE_URL: {exc}")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        problems.append("REDIS_URL must be set in CI")
    else:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
        except Exception as exc:
            problems.append(f"Redis unreachable at REDIS_URL: {exc}")
    if problems:
        pytest.exit("CI services missing:\n  " + "\n  ".join(problems), returncode=3)


_real_connect = socket.socket.connect


def _loopback_only_connect(sock, address):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            ip = ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            ip = None
        if ip is None or not ip.is_loopback:
            raise OSError(f"Tests may only talk to loopback; refused connection to {host}")
    return _real_connect(sock, address)


@pytest.fixture(autouse=True, scope="session")
def _no_internet():
    socket.socket.connect = _loopback_only_connect
    yield
    socket.socket.connect = _real_connect


@pytest.fixture(autouse=True, scope="session")
def _live_server_threads_close_their_connections():
    """The live server answers a browser on a thread that lives as long as the browser
    keeps its HTTP connection open; with CONN_MAX_AGE that thread's database connection
    outlived the run and the test database could not be dropped ("being accessed by
    other users"). Such threads close theirs after each request."""
    import threading

    from django.core.signals import request_finished
    from django.db import connections

    def close(**kwargs):
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()

    request_finished.connect(close, dispatch_uid="tests-live-server-close")
    yield
    request_finished.disconnect(dispatch_uid="tests-live-server-close")


# --- data builders --------------------------------------------------------------------


@pytest.fixture
def make_user(django_user_model):
    counter = {"n": 0}

    def make(username=None, **extra):
        counter["n"] += 1
        username = username or f"user{counter['n']}"
        extra.setdefault("email", f"{username}@example.com")
        return django_user_model.objects.create_user(username=username, password="pw-for-tests-1", **extra)

    return make


@pytest.fixture
def make_workspace():
    from smm.models import Workspace

    def make(name="Acme", **extra):
        return Workspace.objects.create(name=name, **extra)

    return make


@pytest.fixture
def make_member(make_user):
    from smm.models import Membership

    def make(workspace, role="owner", user=None, **user_extra):
        user = user or make_user(**user_extra)
        Membership.objects.create(workspace=workspace, user=user, role=role)
        return user

    return make


@pytest.fixture
def make_brand():
    from smm.models import Brand

    def make(workspace, name="Acme Coffee", **extra):
        return Brand.objects.create(workspace=workspace, name=name, **extra)

    return make


@pytest.fixture
def make_account():
    from smm.models import SocialAccount

    def make(brand, network="mastodon", handle="@acme", **extra):
        extra.setdefault("remote_id", handle.lstrip("@"))
        extra.setdefault("credentials", {"access_token": "secret-token-value"})
        return SocialAccount.objects.create(brand=brand, network=network, handle=handle, **extra)

    return make


@pytest.fixture
def use_adapter(monkeypatch):
    """Hand every account the given adapter instead of its network's (through the one
    factory, ``smm.accounts.adapter_for``); returns the adapter."""

    def use(adapter):
        monkeypatch.setattr("smm.accounts.adapter_for", lambda account: adapter)
        return adapter

    return use


@pytest.fixture
def two_workspaces(make_workspace, make_member, make_brand, make_account):
    """Workspace A (with an owner, a brand and an account) and B with its own owner."""
    ws_a = make_workspace("Alpha")
    ws_b = make_workspace("Beta")
    owner_a = make_member(ws_a, "owner", username="alice")
    owner_b = make_member(ws_b, "owner", username="bob")
    brand_a = make_brand(ws_a, "Alpha Brand", time_zone="Europe/Paris")
    account_a = make_account(brand_a, handle="@alpha")
    return {"a": ws_a, "b": ws_b, "owner_a": owner_a, "owner_b": owner_b, "brand_a": brand_a, "account_a": account_a}


# --- browser ----------------------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test-artifacts")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (its own browser download is not used)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/ensure-chromium.sh")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 860})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    os.makedirs(ARTIFACTS, exist_ok=True)

    def take(name: str):
        path = os.path.join(ARTIFACTS, f"{name}.png")
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def login(page, live_server):
    def do(username: str, password: str = "pw-for-tests-1"):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    return do


# --- outages ----------------------------------------------------------------------------

# A closed loopback port: every call fails at once, as when Redis is down. The password
# lets tests check that it never reaches a message.
UNREACHABLE_REDIS_URL = "redis://:redis-secret-pw@127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    """The cache's Redis is unreachable for this test (what a process sees during an outage)."""
    from axes.handlers.proxy import AxesProxyHandler

    # Through pytest-django's settings, so that a test's own settings changes unwind in order.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": UNREACHABLE_REDIS_URL}
    }
    # django-axes builds its handler once per process, with the cache of that moment.
    AxesProxyHandler.get_implementation(force=True)
    yield UNREACHABLE_REDIS_URL
    AxesProxyHandler.implementation = None  # built again on first use, with the cache restored
