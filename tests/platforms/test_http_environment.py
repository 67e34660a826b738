"""smm.platforms.http reads the proxy and CA environment once per process, not per call,
and still honours it: a proxy configured in the environment is used, a CA bundle named
there is what TLS verifies against."""

from __future__ import annotations

import pytest

from smm.platforms import http


@pytest.fixture
def fresh_environment(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    http._environment.cache_clear()
    yield monkeypatch
    http._environment.cache_clear()


def settings_for(session, url):
    return session.merge_environment_settings(url, {}, None, None, None)


def test_without_a_proxy_the_session_stops_reading_the_environment(fresh_environment):
    session = http.new_session()
    assert session.trust_env is False
    # set later: not read again (the process read its environment once)
    fresh_environment.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert settings_for(session, "https://social.example/api/v1/statuses")["proxies"] == {}


def test_a_ca_bundle_named_in_the_environment_is_still_used(fresh_environment, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    fresh_environment.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    session = http.new_session()
    assert settings_for(session, "https://social.example/")["verify"] == str(bundle)


def test_behind_a_proxy_requests_still_use_it_and_no_proxy(fresh_environment):
    fresh_environment.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    fresh_environment.setenv("NO_PROXY", "direct.example")
    session = http.new_session()
    assert settings_for(session, "https://social.example/")["proxies"].get("https") == "http://proxy.internal:3128"
    assert "https" not in settings_for(session, "https://direct.example/")["proxies"]


def test_the_worker_thread_session_and_clients_use_it(fresh_environment):
    http._local.__dict__.pop("session", None)
    assert http.thread_session().trust_env is False
    assert http.HttpClient().session.trust_env is False
