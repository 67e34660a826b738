"""The API's rate limits: every request per token (or signed-in user), and failed
authentication per client address, counted by the core's sliding windows (smm/ratelimit.py).
Over a limit: 429 with Retry-After."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from smm.models_api import ApiToken
from smm.proxies import client_address
from smm.ratelimit import SlidingWindow


class PerTokenThrottle(SimpleRateThrottle):
    scope = "api"
    cache_format = "api-throttle:%(scope)s:%(ident)s"

    def get_rate(self):
        # Read at request time so a changed setting (tests, a reload) takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_address(request)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        # DRF's own check reads the request history and writes it back: concurrent requests
        # all read the same history and all pass (756 of 600 admitted). One INCR each is exact.
        self._wait = None
        if self.rate is None:
            return True
        decision = SlidingWindow(self.get_cache_key(request, view), self.num_requests, self.duration).hit()
        self._wait = decision.retry_after
        return decision.allowed

    def wait(self):
        return self._wait


AUTH_FAILURES_KEY = "api-auth-failures:{address}"


def failed_authentication(request) -> SlidingWindow:
    """Failed token authentication from the request's client address."""
    from django.conf import settings

    return SlidingWindow(
        AUTH_FAILURES_KEY.format(address=client_address(request)),
        settings.API_AUTH_FAILURE_LIMIT,
        settings.API_AUTH_FAILURE_WINDOW,
    )
