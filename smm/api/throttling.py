"""Rate limits per token (or per signed-in user), counted in the cache (Redis in CI and
production). Over the limit: 429 with Retry-After (DRF adds the header)."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from smm.models_api import ApiToken


class PerTokenThrottle(SimpleRateThrottle):
    scope = "api"
    cache_format = "api-throttle:%(scope)s:%(ident)s"

    def get_rate(self):
        # Read at request time so a changed setting (tests, a reload) takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
