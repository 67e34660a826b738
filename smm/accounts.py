"""The one factory for talking to a network: an adapter, and an account as adapters see it.

``network_adapter`` builds a network's adapter with the installation's OAuth client (or
the one given, e.g. a Mastodon server's own) and the SSRF guard of the settings;
``adapter_for`` is that adapter for one connected account, with the content limits its
server announced (``SocialAccount.limits``); ``account_context`` decrypts the account's
credentials and saves refreshed ones back encrypted. Every app reaches them through
``SocialAccount.adapter()`` and ``SocialAccount.context()``; tests replace
``adapter_for`` to hand the app a scripted network.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from smm.platforms import get_adapter
from smm.platforms.base import AccountContext, Adapter, AppCredentials
from smm.platforms.http import HttpClient, thread_session


def network_adapter(network: str, app: AppCredentials | None = None, *, keep_alive: bool = False) -> Adapter:
    """``keep_alive``: reuse the thread's HTTP session (a worker's connections stay open
    between calls); a web request's one-off call (connecting an account) needs none."""
    if app is None:
        configured = settings.PLATFORM_APPS.get(network) or {}
        app = AppCredentials(
            client_id=configured.get("client_id", ""), client_secret=configured.get("client_secret", "")
        )
    session = thread_session() if keep_alive else None
    adapter = get_adapter(network, app, http=HttpClient(allow_private=settings.ALLOW_PRIVATE_OUTBOUND, session=session))
    if getattr(adapter, "quota_limits", None):
        from smm.quota import counter

        adapter.count_quota = counter(network)  # a daily API allowance, counted (YouTube)
    return adapter


def adapter_for(account) -> Adapter:
    """The adapter of a connected account, its server's own limits applied (a Mastodon
    instance may allow 5,000 characters)."""
    return network_adapter(account.network, keep_alive=True).apply_limits(account.limits)


def account_context(account) -> AccountContext:
    """The account as an adapter sees it. Refreshed credentials are stored encrypted at once
    (in their own transaction: a token the network rotated must not be lost with a rollback)."""

    def save_credentials(credentials: dict[str, Any]) -> None:
        account.credentials = credentials
        with transaction.atomic():
            account.save(update_fields=["credentials"])

    return AccountContext(
        network=account.network,
        remote_id=account.remote_id,
        handle=account.handle,
        base_url=account.base_url,
        credentials=dict(account.credentials or {}),
        save_credentials=save_credentials,
    )
