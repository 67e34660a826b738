"""Outbound requests (adapters, account connection, webhooks) refuse private, loopback
and link-local addresses when ALLOW_PRIVATE_OUTBOUND is off (production), refuse names
that do not resolve, and connect to the very address they checked."""

import datetime as dt
import http.server
import json
import os
import socket
import ssl
import subprocess
import sys

import pytest
import requests
import responses

from smm.platforms.base import OutcomeUnknown, Transient
from smm.platforms.http import BlockedAddress, HttpClient, UnresolvableHost
from tests.loopback_server import LoopbackServer

PRIVATE_URLS = [
    "http://127.0.0.1:8000/admin/",
    "http://localhost/",
    "http://10.0.0.5/",
    "http://172.16.3.4/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[::1]/",
    "http://[fc00::1]/",
    "http://[fe80::1]/",
    "http://0.0.0.0/",
    "http://100.64.0.1/",  # carrier-grade NAT
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
@responses.activate
def test_private_addresses_are_refused_before_any_request(url):
    client = HttpClient(allow_private=False)
    with pytest.raises(BlockedAddress):
        client.get(url)
    assert len(responses.calls) == 0


@responses.activate
def test_public_addresses_pass_and_timeouts_are_always_set():
    responses.get("http://93.184.216.34/ok", body="fine")
    client = HttpClient(allow_private=False)
    assert client.get("http://93.184.216.34/ok").text == "fine"
    assert client.timeout == (5, 20)


def test_adapters_for_publishing_follow_the_setting(settings):
    from smm.accounts import network_adapter as adapter_for
    from smm.connections import build_adapter

    settings.ALLOW_PRIVATE_OUTBOUND = False
    for network in ("mastodon", "x", "bluesky", "linkedin"):
        assert adapter_for(network).http.allow_private is False
        assert build_adapter(network).http.allow_private is False
    settings.ALLOW_PRIVATE_OUTBOUND = True
    assert adapter_for("mastodon").http.allow_private is True


def test_a_mastodon_instance_on_a_private_address_cannot_be_published_to(settings):
    from smm.accounts import network_adapter as adapter_for
    from smm.platforms.base import AccountContext, PostContent, PublishAttempt

    settings.ALLOW_PRIVATE_OUTBOUND = False
    adapter = adapter_for("mastodon")
    account = AccountContext(
        network="mastodon", base_url="http://169.254.169.254", credentials={"access_token": "t"}, remote_id="1"
    )
    with pytest.raises(BlockedAddress):
        adapter.publish(account, PostContent(text="hi"), PublishAttempt(idempotency_key="k", state={}))


def test_webhook_targets_on_private_addresses_are_refused(settings):
    from smm.webhooks import check_target_url

    settings.ALLOW_PRIVATE_OUTBOUND = False
    with pytest.raises(BlockedAddress):
        check_target_url("http://127.0.0.1:6379/")
    check_target_url("https://93.184.216.34/hook")  # a public address is fine


@responses.activate
def test_a_redirect_to_a_private_address_is_refused():
    responses.get("http://93.184.216.34/go", status=302, headers={"Location": "http://169.254.169.254/meta"})
    responses.get("http://169.254.169.254/meta", body="secret-credentials")
    client = HttpClient(allow_private=False)
    with pytest.raises(BlockedAddress):
        client.get("http://93.184.216.34/go")
    # and the private address was never asked
    assert [call.request.url for call in responses.calls] == ["http://93.184.216.34/go"]


@responses.activate
def test_a_redirect_between_public_addresses_is_followed():
    responses.get("http://93.184.216.34/go", status=302, headers={"Location": "/there"})
    responses.get("http://93.184.216.34/there", body="fine")
    assert HttpClient(allow_private=False).get("http://93.184.216.34/go").text == "fine"


# --- names: a failed lookup is a refusal, and the connection goes where the check looked ---------

_real_getaddrinfo = socket.getaddrinfo


def answers(monkeypatch, names: dict):
    """Fake DNS: ``names`` maps a host name to a list of answers, one per lookup (the last one
    repeats), each a list of addresses; None makes the lookup fail. Other names and address
    literals resolve as usual. Returns the list of names looked up."""
    asked = []

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host not in names:
            return _real_getaddrinfo(host, port, family, type, proto, flags)
        asked.append(host)
        script = names[host]
        answer = script.pop(0) if len(script) > 1 else script[0]
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port or 0)) for a in answer
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


class LocalServer(LoopbackServer):
    """An HTTP(S) server on 127.0.0.1 that records the paths it was asked for."""

    def __init__(self, tls_context=None):
        seen = self.paths = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(self.path)
                body = b"private data"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        super().__init__(Handler, tls_context)


@responses.activate
def test_a_name_that_does_not_resolve_is_refused_not_waved_through(monkeypatch):
    # given: a host whose lookup fails (the check used to let it pass and requests try again)
    answers(monkeypatch, {"gone.example": [None]})
    responses.get("https://gone.example/api", body="reached")
    # when / then: refused before any request, as a network error worth retrying later
    with pytest.raises(UnresolvableHost) as refused:
        HttpClient(allow_private=False).get("https://gone.example/api")
    assert isinstance(refused.value, Transient)
    assert "gone.example" in str(refused.value)
    assert len(responses.calls) == 0


def test_dns_rebinding_cannot_reach_a_private_address(monkeypatch):
    with LocalServer() as private:
        # given: a name that answers a public address first and this machine's afterwards
        asked = answers(monkeypatch, {"rebind.example": [["93.184.216.34"], ["127.0.0.1"]]})
        # when
        with pytest.raises(BlockedAddress):
            HttpClient(allow_private=False).get(f"http://rebind.example:{private.port}/secret")
        # then: the private server was never reached, whatever answer the connection got
        assert private.paths == []
        assert asked


def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch):
    with LocalServer() as private:
        answers(monkeypatch, {"mixed.example": [["93.184.216.34", "127.0.0.1"]]})
        with pytest.raises(BlockedAddress):
            HttpClient(allow_private=False).get(f"http://mixed.example:{private.port}/")
        assert private.paths == []


def test_an_adapter_treats_a_failed_lookup_as_a_transient_network_error(monkeypatch, settings):
    from smm.accounts import network_adapter as adapter_for
    from smm.platforms.base import AccountContext, PostContent, PublishAttempt

    settings.ALLOW_PRIVATE_OUTBOUND = False
    answers(monkeypatch, {"social.example": [None]})
    account = AccountContext(
        network="mastodon", base_url="https://social.example", credentials={"access_token": "t"}, remote_id="1"
    )
    with pytest.raises(Transient) as failed:
        adapter_for("mastodon").publish(account, PostContent(text="hi"), PublishAttempt(idempotency_key="k", state={}))
    assert not isinstance(failed.value, OutcomeUnknown)  # nothing was sent: safe to retry


def test_a_webhook_url_whose_name_does_not_resolve_is_refused_in_plain_words(monkeypatch, settings):
    from api.forms import WebhookForm

    settings.ALLOW_PRIVATE_OUTBOUND = False
    answers(monkeypatch, {"hooks.gone.example": [None]})
    form = WebhookForm(data={"url": "https://hooks.gone.example/in", "events": ["post.published"]})
    assert not form.is_valid()
    assert form.errors["url"] == [
        "We could not find hooks.gone.example: the name does not resolve. Check the URL for typos."
    ]


# --- development: loopback only, said once in the log ---------------------------------------------


def test_in_development_loopback_is_reachable_and_the_log_says_so_once(monkeypatch, caplog):
    answers(monkeypatch, {"sandbox.local": [["127.0.0.1"]]})
    client = HttpClient(allow_private="loopback")
    with LocalServer() as local, caplog.at_level("WARNING", logger="smm.platforms.http"):
        assert client.get(f"http://127.0.0.1:{local.port}/one").text == "private data"
        assert client.get(f"http://sandbox.local:{local.port}/two").text == "private data"
    assert local.paths == ["/one", "/two"]
    notes = [r.getMessage() for r in caplog.records if "loopback" in r.getMessage()]
    assert len(notes) == 1, notes


@pytest.mark.parametrize("url", ["http://10.0.0.5/", "http://169.254.169.254/latest/meta-data/", "http://[fc00::1]/"])
@responses.activate
def test_in_development_other_private_addresses_are_still_refused(url):
    with pytest.raises(BlockedAddress):
        HttpClient(allow_private="loopback").get(url)
    assert len(responses.calls) == 0


def settings_value(**env) -> object:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "ALLOW_PRIVATE_OUTBOUND", "SMM_TESTING")}
    code = (
        "import django, json; django.setup(); from django.conf import settings;"
        " print(json.dumps(settings.ALLOW_PRIVATE_OUTBOUND))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "smm.settings", **env},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return json.loads(done.stdout)


def test_the_setting_refuses_private_addresses_in_production_and_allows_loopback_in_development():
    from cryptography.fernet import Fernet

    production = {
        "DEBUG": "false",
        "SECRET_KEY": "ssrf-test-" + "s" * 50,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "smm.example",
    }
    assert settings_value(**production) is False
    assert settings_value(**production, ALLOW_PRIVATE_OUTBOUND="true") is True
    assert settings_value(DEBUG="true") == "loopback"
    assert settings_value(DEBUG="true", ALLOW_PRIVATE_OUTBOUND="false") is False


# --- TLS: the certificate is checked for the name, not the address connected to -------------------


@pytest.fixture
def tls_server(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "good.example")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("good.example")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server_names = []
    context.sni_callback = lambda sock, server_name, ctx: server_names.append(server_name)
    with LocalServer(context) as server:
        server.ca = str(cert_path)
        server.server_names = server_names
        yield server


def test_tls_is_verified_for_the_host_name_while_connecting_to_the_checked_address(monkeypatch, tls_server):
    answers(monkeypatch, {"good.example": [["127.0.0.1"]], "evil.example": [["127.0.0.1"]]})
    client = HttpClient(allow_private="loopback")
    # the certificate names good.example: the name is sent (SNI) and checked, though the
    # socket went to 127.0.0.1
    response = client.get(f"https://good.example:{tls_server.port}/ok", verify=tls_server.ca)
    assert response.text == "private data"
    assert "good.example" in tls_server.server_names
    # the same address under another name fails the certificate check
    with pytest.raises(Transient) as failed:
        client.get(f"https://evil.example:{tls_server.port}/ok", verify=tls_server.ca)
    assert isinstance(failed.value.__cause__, requests.exceptions.SSLError)
    assert tls_server.paths == ["/ok"]
