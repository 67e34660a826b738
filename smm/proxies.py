"""The client's address: the one place the login lockout and the API's limits ask it."""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.lru_cache(maxsize=8)
def trusted_networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs)


def _parse(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; CIDRs are written in IPv4.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def client_address(request) -> str:
    """REMOTE_ADDR, unless that is one of ``settings.TRUSTED_PROXIES``: then X-Forwarded-For
    is read from the right (each proxy appends the address it saw), one trusted hop at a
    time, and the first address that is not a trusted proxy is the client. Whatever a
    visitor writes into the header themselves stays left of that and is never believed."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks:
        return remote
    current = _parse(remote)
    if current is None:
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        if not any(current in network for network in networks):
            break
        previous = _parse(hop)
        if previous is None:
            break
        current = previous
    return str(current)
