"""The plotly.js bundle of the analytics pages, as production serves it: collected under a
hashed name, gzip-compressed, cached for good by the browser."""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.http import HttpResponseNotFound
from django.templatetags.static import static
from django.test import RequestFactory
from whitenoise.middleware import WhiteNoiseMiddleware

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_STATIC = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "whitenoise": "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE,
    "plotly_js": settings.PLOTLY_JS,
    "dirs": [[d[0], str(d[1])] for d in settings.STATICFILES_DIRS if isinstance(d, tuple)],
}))
"""


def production_static_settings() -> dict:
    """The static-file settings of a production process (DEBUG=false), read in a fresh interpreter."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "smm.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-production-secret-" + "x9Q2" * 12,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "smm.example.com",
    }
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_STATIC], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def fetch(middleware, url: str, accept_encoding: str):
    response = middleware(RequestFactory().get(url, HTTP_ACCEPT_ENCODING=accept_encoding))
    return response, b"".join(response.streaming_content)


def test_production_serves_the_partial_plotly_bundle_compressed_and_cached_for_good(settings, tmp_path):
    # given production's static-file settings, collected as a deployment does (only the
    # plotly directory, to stay fast)
    production = production_static_settings()
    assert production["whitenoise"]
    assert production["plotly_js"] == "vendor/plotly/plotly-cartesian.min.js"
    prefix = production["plotly_js"].rsplit("/", 1)[0]
    directory = next(path for name, path in production["dirs"] if name == prefix)
    source = (Path(directory) / "plotly-cartesian.min.js").read_bytes()
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": production["storage"]}}
    settings.STATICFILES_DIRS = [(prefix, directory)]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    call_command("collectstatic", interactive=False, verbosity=0)
    middleware = WhiteNoiseMiddleware(lambda request: HttpResponseNotFound())

    # when the page's script URL is fetched by a browser (asking for gzip: the production
    # image has no brotli module, while a dev venv gets one through locust, and then
    # collectstatic also writes .br copies that WhiteNoise would prefer)
    url = static(production["plotly_js"])
    assert url != "/static/" + production["plotly_js"]  # a name with the content's hash
    response, body = fetch(middleware, url, "gzip, deflate")

    # then the bundle comes gzip-compressed (a third of its size), to be kept as long as
    # the browser likes (a new version is a new name)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Type"].startswith("text/javascript")
    assert "immutable" in response["Cache-Control"] and "max-age=315360000" in response["Cache-Control"]
    assert gzip.decompress(body) == source
    assert len(body) < len(source) / 2.5  # 1.5 MB -> 0.5 MB

    # and a browser that asks for no compression gets the file itself, cached the same way
    response, plain = fetch(middleware, url, "identity")
    assert "Content-Encoding" not in response
    assert "immutable" in response["Cache-Control"]
    assert plain == source
