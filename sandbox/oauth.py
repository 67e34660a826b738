"""The sandbox's OAuth 2 server, as Mastodon runs it: app registration, a consent page,
and the code-for-token exchange with PKCE (S256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox.api import api_view, error, request_data
from sandbox.models import SandboxAccount, SandboxApp, SandboxAuthorization, SandboxToken, new_token

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI "
    "used in the authorization request, or was issued to another client."
)


@api_view(["POST"], auth=False)
def register_app(request):
    data = request_data(request)
    name = str(data.get("client_name") or "").strip()
    redirect_uris = data.get("redirect_uris") or ""
    if isinstance(redirect_uris, list):
        redirect_uris = "\n".join(redirect_uris)
    if not name:
        return error("Validation failed: Application name can't be blank", 422)
    if not str(redirect_uris).strip():
        return error("Validation failed: Redirect URI can't be blank", 422)
    app = SandboxApp.objects.create(
        name=name[:120],
        website=str(data.get("website") or "")[:300],
        redirect_uris=str(redirect_uris).strip(),
        scopes=str(data.get("scopes") or "read"),
    )
    uris = app.redirect_uris.split()
    return JsonResponse(
        {
            "id": str(app.pk),
            "name": app.name,
            "website": app.website or None,
            "scopes": app.scopes.split(),
            "redirect_uri": "\n".join(uris),
            "redirect_uris": uris,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "vapid_key": "",
        }
    )


def _redirect_with(uri: str, **params) -> HttpResponseRedirect:
    separator = "&" if "?" in uri else "?"
    return HttpResponseRedirect(f"{uri}{separator}{urlencode({k: v for k, v in params.items() if v})}")


def authorize(request):
    """Consent page: the demo user picks (or creates) a sandbox account and approves.
    There are no sandbox passwords: this network exists only for the demo and tests."""
    params = request.POST if request.method == "POST" else request.GET
    app = SandboxApp.objects.filter(client_id=params.get("client_id", "")).first()
    redirect_uri = params.get("redirect_uri", "")
    if app is None or not app.allows_redirect(redirect_uri):
        return render(
            request,
            "sandbox/authorize.html",
            {"problem": "This app is not registered on the sandbox, or its redirect address does not match."},
            status=400,
        )
    if params.get("response_type", "code") != "code":
        return _redirect_with(redirect_uri, error="unsupported_response_type", state=params.get("state"))
    method = params.get("code_challenge_method", "")
    if params.get("code_challenge") and method != "S256":
        return _redirect_with(
            redirect_uri,
            error="invalid_request",
            error_description="Only S256 code challenges are supported",
            state=params.get("state"),
        )
    accounts = SandboxAccount.objects.filter(is_audience=False).order_by("username")
    context = {"app": app, "params": params, "accounts": accounts, "scopes": params.get("scope", app.scopes)}
    if request.method != "POST":
        return render(request, "sandbox/authorize.html", context)
    if params.get("decision") == "deny":
        return _redirect_with(
            redirect_uri,
            error="access_denied",
            error_description="The resource owner or authorization server denied the request.",
            state=params.get("state"),
        )
    account = _chosen_account(params)
    if account is None:
        context["problem"] = "Pick an account, or type a new username (letters, digits and _ only)."
        return render(request, "sandbox/authorize.html", context, status=400)
    grant = SandboxAuthorization.objects.create(
        app=app,
        account=account,
        redirect_uri=redirect_uri,
        scopes=params.get("scope", app.scopes),
        code_challenge=params.get("code_challenge", ""),
        code_challenge_method=method,
    )
    return _redirect_with(redirect_uri, code=grant.code, state=params.get("state"))


def _chosen_account(params) -> SandboxAccount | None:
    new_username = params.get("new_username", "").strip().lstrip("@")
    if new_username:
        if not USERNAME_RE.match(new_username):
            return None
        account, _ = SandboxAccount.objects.get_or_create(
            username=new_username, defaults={"display_name": new_username.replace("_", " ").title()}
        )
        return account
    return SandboxAccount.objects.filter(pk=_int(params.get("account"))).first()


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def pkce_matches(verifier: str, challenge: str) -> bool:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, challenge)


def _oauth_error(code: str, description: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": code, "error_description": description}, status=status)


@csrf_exempt
def token(request):
    if request.method != "POST":
        return _oauth_error("invalid_request", "Use POST", 405)
    data = request_data(request)
    if data.get("grant_type") != "authorization_code":
        return _oauth_error("unsupported_grant_type", "The authorization grant type is not supported.")
    app = SandboxApp.objects.filter(client_id=str(data.get("client_id") or "")).first()
    if app is None or not hmac.compare_digest(app.client_secret, str(data.get("client_secret") or "")):
        return _oauth_error(
            "invalid_client",
            "Client authentication failed due to unknown client, no client authentication included, "
            "or unsupported authentication method.",
            401,
        )
    with transaction.atomic():
        grant = (
            SandboxAuthorization.objects.select_for_update()
            .filter(code=str(data.get("code") or ""), app=app)
            .select_related("account")
            .first()
        )
        if grant is None or not grant.is_usable or grant.redirect_uri != data.get("redirect_uri"):
            return _oauth_error("invalid_grant", INVALID_GRANT)
        if grant.code_challenge and not pkce_matches(str(data.get("code_verifier") or ""), grant.code_challenge):
            return _oauth_error("invalid_grant", INVALID_GRANT)
        grant.used_at = timezone.now()
        grant.save(update_fields=["used_at"])
        issued = SandboxToken.objects.create(account=grant.account, app=app, token=new_token(), scopes=grant.scopes)
    return JsonResponse(
        {
            "access_token": issued.token,
            "token_type": "Bearer",
            "scope": issued.scopes,
            "created_at": int(issued.created_at.timestamp()),
        }
    )


@csrf_exempt
def revoke(request):
    if request.method != "POST":
        return _oauth_error("invalid_request", "Use POST", 405)
    data = request_data(request)
    SandboxToken.objects.filter(token=str(data.get("token") or ""), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return JsonResponse({})
