"""Who is calling: a personal API token (``Authorization: Bearer smm_…``) or the app's own
session (with CSRF, for the pages' JavaScript)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from smm.models_api import ApiToken, hash_token

LAST_USED_EVERY = dt.timedelta(minutes=1)  # write last_used_at at most this often


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("The Authorization header must be “Bearer <token>”.")
        try:
            raw = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That token is not valid.") from None
        token = ApiToken.objects.select_related("user", "workspace").filter(token_hash=hash_token(raw)).first()
        if token is None or not token.is_active:
            raise exceptions.AuthenticationFailed("That token is not valid or was revoked.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The owner of this token can no longer sign in.")
        membership = token.effective_membership()
        if membership is None:
            raise exceptions.AuthenticationFailed("The owner of this token has left the workspace.")
        token.membership = membership
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in user of the app's pages; unsafe methods need the CSRF token."""


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "smm.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from the workspace's “API & webhooks” page.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "smm.api.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The app's own pages (unsafe methods also need the X-CSRFToken header).",
        }
