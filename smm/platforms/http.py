"""The one place adapters speak HTTP: timeouts always, one User-Agent, errors classified,
and the SSRF guard.

Network modules call ``HttpClient.request`` and get a ``requests.Response`` back for any
status; transport failures become ``Transient`` (nothing was sent) or ``OutcomeUnknown``
(the request may have arrived). Mapping HTTP statuses onto the error vocabulary is each
adapter's job, because every network words its errors differently.

The guard (``allow_private`` False, or "loopback") checks every address a host name
resolves to before each request and each redirect hop, and again where it counts: the
connection resolves the name once, checks every answer, and connects to a checked address,
so a name that answers differently the second time (DNS rebinding) gains nothing. TLS still
sends and verifies the host name. A name that does not resolve is refused. Behind an
outbound proxy (HTTPS_PROXY) the proxy connects, and only the check before the request holds.
"""

from __future__ import annotations

import functools
import http.cookiejar
import ipaddress
import logging
import os
import socket
import threading
import urllib.request
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import create_connection

from smm.platforms.base import OutcomeUnknown, Permanent, Transient

logger = logging.getLogger(__name__)

USER_AGENT = "SMM/1.0 (+self-hosted social media manager)"
DEFAULT_TIMEOUT = (5, 20)
MAX_REDIRECTS = 5  # connect, read (seconds)


_local = threading.local()


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie, request) -> bool:
        return False


@functools.cache
def _environment() -> tuple[bool, str | None]:
    """Read once per process: whether an outbound proxy is configured (HTTP(S)_PROXY,
    ALL_PROXY), and the CA bundle named by REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE."""
    proxied = any(key in ("http", "https", "all") for key in urllib.request.getproxies())
    return proxied, os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


def new_session() -> requests.Session:
    """A ``requests.Session`` that does not look the environment up on every call.

    By default requests reads the proxy variables, NO_PROXY and ~/.netrc for each request
    (a scan of the environment and file look-ups, per call). Here the environment is read
    once: behind a proxy the session keeps requests' per-call handling (NO_PROXY is per
    URL); without one it stops looking, keeping a CA bundle named in the environment.
    ~/.netrc is never used then: adapters send their own credentials."""
    session = requests.Session()
    proxied, ca_bundle = _environment()
    if not proxied:
        session.trust_env = False
        if ca_bundle:
            session.verify = ca_bundle
    return session


def thread_session() -> requests.Session:
    """One keep-alive ``requests.Session`` per thread, for callers that make many calls
    (the publishing worker): no new TCP (or TLS) connection and pool per call.

    It keeps no cookies, so nothing one account's call received can ride along with
    another account's call; headers are only set per request. Threads never share it."""
    session = getattr(_local, "session", None)
    if session is None:
        session = new_session()
        session.cookies.set_policy(_NoCookies())
        _local.session = session
    return session


class BlockedAddress(Permanent):
    """The URL resolves to a private, loopback or link-local address (SSRF guard)."""


class UnresolvableHost(Transient):
    """The host name does not resolve (now): nothing was sent; worth trying again later."""

    def __init__(self, host: str):
        super().__init__(
            f"Could not find {host}: the name does not resolve",
            user_message=f"We could not find {host}: the name does not resolve. Check the URL for typos.",
        )
        self.host = host


LOOPBACK = "loopback"
_said_loopback = threading.Event()


class AddressPolicy:
    """Which addresses outbound requests may reach: any (``True``), public ones and this
    machine (``"loopback"``: development, whose sandbox network is on 127.0.0.1), or public
    ones only (``False``: production)."""

    def __init__(self, allow_private: bool | str):
        if allow_private not in (True, False, LOOPBACK):
            raise ValueError(f"allow_private must be True, False or {LOOPBACK!r}, not {allow_private!r}")
        self.allow_private = allow_private

    def __eq__(self, other) -> bool:
        return isinstance(other, AddressPolicy) and other.allow_private == self.allow_private

    def __hash__(self) -> int:
        return hash(self.allow_private)

    @property
    def guards(self) -> bool:
        return self.allow_private is not True

    def permits(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if not self.guards or ip.is_global:
            return True
        if self.allow_private == LOOPBACK and ip.is_loopback:
            if not _said_loopback.is_set():
                _said_loopback.set()
                logger.warning(
                    "Outbound requests may reach this machine (loopback addresses): ALLOW_PRIVATE_OUTBOUND is"
                    " 'loopback', the development default. Production refuses every non-public address."
                )
            return True
        return False

    def addresses(self, host: str, port: int | None = None) -> list[str]:
        """The addresses ``host`` resolves to, each one permitted; otherwise ``BlockedAddress``
        (one private answer is enough), or ``UnresolvableHost``."""
        if not host:
            raise Permanent("The URL has no host name")
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise UnresolvableHost(host) from None
        found = list(dict.fromkeys(info[4][0] for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)))
        if not found:
            raise UnresolvableHost(host)
        if not all(self.permits(address) for address in found):
            raise BlockedAddress(f"Refusing to connect to a private address ({host})")
        return found


class _CheckedAddressConnection:
    """Mixed into urllib3's connections: resolve once, check every answer, connect to a
    checked address. ``host`` stays the name, for the Host header, SNI and the certificate."""

    policy: AddressPolicy

    def _new_conn(self) -> socket.socket:
        error: Exception | None = None
        for address in self.policy.addresses(self._dns_host, self.port):
            try:
                return create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                error = ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                )
                error.__cause__ = exc
            except OSError as exc:
                error = NewConnectionError(self, f"Failed to establish a new connection: {exc}")
                error.__cause__ = exc
        raise error


@functools.cache
def _pool_classes(policy: AddressPolicy) -> dict:
    def pool(base_pool, base_connection):
        connection = type(f"Checked{base_connection.__name__}", (_CheckedAddressConnection, base_connection), {})
        connection.policy = policy
        return type(f"Checked{base_pool.__name__}", (base_pool,), {"ConnectionCls": connection})

    return {"http": pool(HTTPConnectionPool, HTTPConnection), "https": pool(HTTPSConnectionPool, HTTPSConnection)}


class CheckedAddressAdapter(HTTPAdapter):
    """A transport whose connections go only where ``policy`` permits (see the module)."""

    def __init__(self, policy: AddressPolicy, **kwargs):
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        if self.policy.guards:
            self.poolmanager.pool_classes_by_scheme = _pool_classes(self.policy)


def _use_policy(session: requests.Session, policy: AddressPolicy) -> None:
    """Mount the transport for ``policy`` unless the session has it already (a session
    shared by clients keeps its pooled connections while their policies agree; connections
    made under another policy are dropped with its transport, never reused)."""
    for prefix in ("https://", "http://"):
        current = session.adapters.get(prefix)
        if isinstance(current, CheckedAddressAdapter) and current.policy == policy:
            continue
        if current is not None:
            current.close()
        session.mount(prefix, CheckedAddressAdapter(policy))


class HttpClient:
    """A thin wrapper around a ``requests.Session``.

    ``allow_private`` is False in production settings: any URL whose host resolves to
    a non-public address is refused before a socket opens, and the socket only opens to a
    checked address. "loopback" (development) permits this machine too; True permits all.
    """

    def __init__(self, *, timeout=DEFAULT_TIMEOUT, allow_private: bool | str = True, session=None):
        self.timeout = timeout
        self.policy = AddressPolicy(allow_private)
        self.allow_private = allow_private
        self._session = None
        if session is not None:
            self.session = session

    @property
    def session(self) -> requests.Session:
        # Made on first use: many adapters are built only for their content rules (the
        # publish path builds one per post for that) and never call out.
        if self._session is None:
            self.session = new_session()
        return self._session

    @session.setter
    def session(self, session: requests.Session) -> None:
        session.headers["User-Agent"] = USER_AGENT
        _use_policy(session, self.policy)
        self._session = session

    def check_url(self, url: str) -> None:
        if self.policy.guards:
            self.policy.addresses(urlsplit(url).hostname or "")

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        follow = kwargs.pop("allow_redirects", True)
        if not self.policy.guards:
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
            if isinstance(getattr(exc.args[0] if exc.args else None, "reason", None), NameResolutionError):
                raise UnresolvableHost(urlsplit(url).hostname or "") from exc
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
