"""Short links answered before the session, CSRF, authentication and first-run layers: a
visitor's redirect reads no session, sets no cookie and costs no query of theirs (as
/healthz is answered first by smm.health.HealthzFirst)."""

from __future__ import annotations

import re

from django.conf import settings

CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


class ShortLinksFirst:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = f"/{settings.SHORT_LINK_PREFIX.strip('/')}/"

    def __call__(self, request):
        path = request.path_info
        if path.startswith(self.prefix) and request.method in ("GET", "HEAD"):
            code = path[len(self.prefix) :]
            if CODE.fullmatch(code):
                from links.views import follow

                return follow(request, code)
        return self.get_response(request)
