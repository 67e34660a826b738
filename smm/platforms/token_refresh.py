"""One network call with one token refresh: what the inbox does when a network refuses a token.

A network answers 401 (or its own "token refused") before it processes a request, so a
call refused that way stored nothing and can be made again once the token is renewed.
Only a refresh the network refuses, or a renewed token refused too, is final: the caller
then asks a person to reconnect the account.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from smm.platforms.base import AccountContext, AuthExpired, PlatformError, RateLimited, Transient

log = logging.getLogger(__name__)

T = TypeVar("T")


def call_refreshing_once(adapter, account: AccountContext, call: Callable[[], T]) -> T:
    """``call()``; on ``AuthExpired`` the account's tokens are refreshed once (where its
    network can) and ``call()`` runs again.

    Raises the ``AuthExpired`` when the network cannot refresh (Mastodon: a refused token
    is a revoked one), when it refuses the refresh, or when the renewed token is refused
    too. A token endpoint that is down or busy is not a refusal: that raises ``Transient``
    (nothing was sent, try later), never a request to reconnect.
    """
    token = account.credentials.get("access_token")
    try:
        return call()
    except AuthExpired as refused:
        if not adapter.supports_refresh:
            raise
        if account.credentials.get("access_token") != token:
            # The adapter renewed the token during the call (X does on a 401; YouTube just
            # before expiry) and the new one was refused: another refresh would not help.
            raise
        try:
            adapter.refresh(account)
        except (Transient, RateLimited) as refresh_failed:
            log.info("Refreshing %s tokens did not get through: %s", adapter.label, type(refresh_failed).__name__)
            raise Transient(
                f"Token refresh did not get through: {refresh_failed.message}",
                user_message=f"{adapter.label} did not answer when we renewed our access; we will try again.",
            ) from refresh_failed
        except PlatformError as refresh_refused:
            log.info("Refreshing %s tokens was refused: %s", adapter.label, type(refresh_refused).__name__)
            raise refused from refresh_refused
    # The refused call stored nothing (a 401 comes before any write): making it again
    # cannot post twice.
    return call()
