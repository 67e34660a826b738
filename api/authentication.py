"""Who is calling: a personal API token (``Authorization: Bearer smm_…``) or the app's own
session (with CSRF, for the pages' JavaScript)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.throttling import failed_authentication
from smm.models_api import ApiToken, hash_token

LAST_USED_EVERY = dt.timedelta(minutes=1)  # write last_used_at at most this often


class TooManyFailures(exceptions.Throttled):
    default_detail = "Too many failed sign-in attempts from your address."
    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        # Tokens cannot be guessed, but trying them costs us a lookup each: an address that
        # keeps failing waits, whatever it sends next (else a right guess would still pass).
        failures = failed_authentication(request)
        wait = failures.exceeded()
        if wait is not None:
            raise TooManyFailures(wait=wait)
        try:
            return self._authenticate(header)
        except exceptions.AuthenticationFailed:
            failures.record()
            raise

    def _authenticate(self, header):
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be “Bearer <token>”.")
        try:
            raw = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That token is not valid.") from None
        token = ApiToken.objects.select_related("user", "workspace").filter(token_hash=hash_token(raw)).first()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("That token is not valid or was revoked.")
        now = timezone.now()
        if token.is_expired(now):
            raise exceptions.AuthenticationFailed(
                f"This token expired on {token.expires_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC. "
                "Create a new one on the workspace's “API & webhooks” page."
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The owner of this token can no longer sign in.")
        membership = token.effective_membership()
        if membership is None:
            raise exceptions.AuthenticationFailed("The owner of this token has left the workspace.")
        token.membership = membership
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in user of the app's pages; unsafe methods need the CSRF token."""


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from the workspace's “API & webhooks” page.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The app's own pages (unsafe methods also need the X-CSRFToken header).",
        }
