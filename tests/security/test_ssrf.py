"""Outbound requests (adapters, account connection, webhooks) refuse private, loopback
and link-local addresses when ALLOW_PRIVATE_OUTBOUND is off (production)."""

import pytest
import responses

from smm.platforms.http import BlockedAddress, HttpClient

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
    from posts.content import adapter_for
    from smm.connections import build_adapter

    settings.ALLOW_PRIVATE_OUTBOUND = False
    for network in ("mastodon", "x", "bluesky", "linkedin"):
        assert adapter_for(network).http.allow_private is False
        assert build_adapter(network).http.allow_private is False
    settings.ALLOW_PRIVATE_OUTBOUND = True
    assert adapter_for("mastodon").http.allow_private is True


def test_a_mastodon_instance_on_a_private_address_cannot_be_published_to(settings):
    from posts.content import adapter_for
    from smm.platforms.base import AccountContext, PostContent, PublishAttempt

    settings.ALLOW_PRIVATE_OUTBOUND = False
    adapter = adapter_for("mastodon")
    account = AccountContext(
        network="mastodon", base_url="http://169.254.169.254", credentials={"access_token": "t"}, remote_id="1"
    )
    with pytest.raises(BlockedAddress):
        adapter.publish(account, PostContent(text="hi"), PublishAttempt(idempotency_key="k", state={}))


def test_webhook_targets_on_private_addresses_are_refused(settings):
    from smm.api.webhooks import check_target_url

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
