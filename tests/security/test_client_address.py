"""The client's address: REMOTE_ADDR, unless the request came through a trusted proxy, whose
X-Forwarded-For is then read from the right, one trusted hop at a time."""

import pytest
from django.test import RequestFactory

from smm.proxies import client_address


def request_from(remote_addr, forwarded=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request_from("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_the_visitor_behind_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request_from("10.0.0.5", "198.51.100.7")) == "198.51.100.7"


@pytest.mark.parametrize(
    "forwarded, expected",
    [
        # what the visitor wrote themselves (left) is not believed past the first untrusted hop
        ("1.1.1.1, 198.51.100.7", "198.51.100.7"),
        # two proxies of ours: the address the outer one saw
        ("198.51.100.7, 10.1.2.3", "198.51.100.7"),
        # an address that is not one is where believing stops
        ("not-an-address, 10.1.2.3", "10.1.2.3"),
        ("", "10.0.0.5"),
        ("2001:db8::7", "2001:db8::7"),
    ],
)
def test_forwarded_chains(settings, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request_from("10.0.0.5", forwarded)) == expected


def test_a_direct_visitor_cannot_claim_another_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request_from("203.0.113.9", "10.0.0.7")) == "203.0.113.9"
