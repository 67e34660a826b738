"""What every page of the site shares whatever the app: the favicon, and the product's own
error pages in development (the demo) unless a developer asks for Django's."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.views import defaults
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

FAVICON = "img/favicon.svg"


@require_GET
@cache_control(public=True, max_age=86400)
def favicon(request):
    """Browsers ask /favicon.ico whatever the page links; answer with the SVG the pages link."""
    with open(finders.find(FAVICON), "rb") as file:
        return HttpResponse(file.read(), content_type="image/svg+xml")


class ProductErrorPages:
    """With DEBUG on, Django answers a 404 with its page listing every URL pattern and a 500
    with the traceback. The demo runs with DEBUG on and must look like the product, so those
    pages become ours (templates/404.html, 500.html); DEBUG_PAGES=true keeps Django's for a
    developer. Django has already logged the error, and with DEBUG off it uses our pages by
    itself, so this only swaps the body of an HTML answer: JSON (the API) is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not settings.DEBUG or settings.DEBUG_PAGES or response.status_code not in (404, 500):
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if response.status_code == 404:
            return defaults.page_not_found(request, exception=None)
        return defaults.server_error(request)
