"""OAuth 2 plumbing the redirect-based networks share: PKCE, the authorize URL, token lifetimes.

Mastodon and X use PKCE (S256); LinkedIn, Facebook, Instagram and Threads bind the code
to the client secret instead. Every one of them sends the person to an authorize
endpoint with the same five parameters and answers a token request with
``expires_in`` seconds, so those parts live here once.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from urllib.parse import urlencode


def pkce_challenge(code_verifier: str) -> str:
    """RFC 7636 S256: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(
    endpoint: str,
    *,
    client_id: str,
    redirect_uri: str,
    scope: str,
    state: str,
    code_verifier: str | None = None,
) -> str:
    """The authorization-code request (RFC 6749 4.1.1); with ``code_verifier`` also the
    PKCE challenge derived from it (the verifier itself never leaves us here)."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
    }
    if code_verifier is not None:
        params["code_challenge"] = pkce_challenge(code_verifier)
        params["code_challenge_method"] = "S256"
    return f"{endpoint}?{urlencode(params)}"


def expires_at(expires_in, now: dt.datetime | None = None) -> dt.datetime | None:
    """When a token with ``expires_in`` seconds to live runs out; None when the network
    did not say (or said something that is not a number)."""
    try:
        seconds = int(expires_in)
    except (TypeError, ValueError):
        return None
    return (now or dt.datetime.now(dt.UTC)) + dt.timedelta(seconds=seconds)
