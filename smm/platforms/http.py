"""The one place adapters speak HTTP: timeouts always, one User-Agent, errors classified.

Network modules call ``HttpClient.request`` and get a ``requests.Response`` back for any
status; transport failures become ``Transient`` (nothing was sent) or ``OutcomeUnknown``
(the request may have arrived). Mapping HTTP statuses onto the error vocabulary is each
adapter's job, because every network words its errors differently.
"""

from __future__ import annotations

import http.cookiejar
import ipaddress
import socket
import threading
from urllib.parse import urljoin, urlsplit

import requests

from smm.platforms.base import OutcomeUnknown, Permanent, Transient

USER_AGENT = "SMM/1.0 (+self-hosted social media manager)"
DEFAULT_TIMEOUT = (5, 20)
MAX_REDIRECTS = 5  # connect, read (seconds)


_local = threading.local()


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie, request) -> bool:
        return False


def thread_session() -> requests.Session:
    """One keep-alive ``requests.Session`` per thread, for callers that make many calls
    (the publishing worker): no new TCP (or TLS) connection and pool per call.

    It keeps no cookies, so nothing one account's call received can ride along with
    another account's call; headers are only set per request. Threads never share it."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.cookies.set_policy(_NoCookies())
        _local.session = session
    return session


class BlockedAddress(Permanent):
    """The URL resolves to a private, loopback or link-local address (SSRF guard)."""


def _is_public_host(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return True  # let requests report the DNS failure itself
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            return False
    return True


class HttpClient:
    """A thin wrapper around a ``requests.Session``.

    ``allow_private`` is False in production settings: any URL whose host resolves to
    a non-public address is refused before a socket opens.
    """

    def __init__(self, *, timeout=DEFAULT_TIMEOUT, allow_private: bool = True, session=None):
        self.timeout = timeout
        self.allow_private = allow_private
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def check_url(self, url: str) -> None:
        host = urlsplit(url).hostname or ""
        if not self.allow_private and not _is_public_host(host):
            raise BlockedAddress(f"Refusing to connect to a private address ({host})")

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        follow = kwargs.pop("allow_redirects", True)
        if self.allow_private:
            return self._send(method, url, allow_redirects=follow, **kwargs)
        # Every hop is checked: a public URL must not redirect us into the private network.
        for _ in range(MAX_REDIRECTS + 1):
            self.check_url(url)
            response = self._send(method, url, allow_redirects=False, **kwargs)
            if not (follow and response.is_redirect):
                return response
            url = urljoin(response.url or url, response.headers["Location"])
            if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                method = "GET"
                for body in ("data", "json", "files"):
                    kwargs.pop(body, None)
        raise Permanent(f"Too many redirects from {urlsplit(url).hostname}")

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            return self.session.request(method, url, **kwargs)
        except requests.ConnectTimeout as exc:
            raise Transient(f"Could not reach {urlsplit(url).hostname}: connection timed out") from exc
        except requests.ConnectionError as exc:
            # A refused connection sent nothing; a reset/read failure after sending may
            # have been processed by the network.
            if _sent_nothing(exc):
                raise Transient(f"Could not reach {urlsplit(url).hostname}") from exc
            raise OutcomeUnknown(f"The connection to {urlsplit(url).hostname} dropped before it answered") from exc
        except requests.Timeout as exc:
            raise OutcomeUnknown(f"{urlsplit(url).hostname} did not answer in time") from exc

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> requests.Response:
        return self.request("POST", url, **kwargs)


def _sent_nothing(exc: requests.ConnectionError) -> bool:
    text = repr(exc)
    return any(marker in text for marker in ("NewConnectionError", "Connection refused", "NameResolutionError"))
