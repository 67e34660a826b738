"""Bad request input, one rule for every view: text the database cannot hold is refused
before a view sees it, and ids and dates are read from parameters through this module.

PostgreSQL refuses a NUL byte in text and psycopg cannot encode a lone surrogate: either,
reaching a query, was a 500. So the middleware answers 400 to a request whose path, query
string, form fields, upload names, JSON body or headers carry one. An id that cannot be an
id (letters, "²" which str.isdigit() accepts and int() refuses, 40 digits that overflow a
64-bit column) is a 404 like any unknown object; a date that is not a date is a 400 that
quotes it. Pages answer with templates/400.html, the API (/api/) with JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from django import forms
from django.conf import settings
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme

HEADLINE = "This request could not be read"
UNREADABLE = (
    "The address or the form contains characters that are not text (a NUL byte or a broken "
    "character). Check the link, or retype what you entered."
)
# Ids are 64-bit (BigAutoField); ASCII digits only.
MAX_ID = 2**63 - 1
_ID = re.compile(r"[0-9]{1,19}")
# Only bodies that may hold an escaped NUL or surrogate are parsed a second time.
_SUSPECT_JSON = re.compile(rb"\\u(?:0000|d[89a-f][0-9a-f]{2})|\x00", re.IGNORECASE)
_SURROGATE_OR_NUL = re.compile("[\x00\ud800-\udfff]")
_JSON_TYPES = ("application/json", "+json")


class BadParameter(BadRequest):
    """A parameter that cannot be what it claims; the message says so in plain words."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- reading values ------------------------------------------------------------------------


def as_id(value) -> int | None:
    """The object id ``value`` spells, or None when it cannot be one."""
    text = "" if value is None else str(value).strip()
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def id_or_404(value) -> int:
    number = as_id(value)
    if number is None:
        raise Http404("No such object.")
    return number


def get_id(params, name: str) -> int | None:
    """The id in ``params[name]``: None when absent or blank, a 404 when it cannot be an id."""
    raw = params.get(name)
    if raw is None or str(raw).strip() == "":
        return None
    return id_or_404(raw)


def _shown(raw: str) -> str:
    return raw if len(raw) <= 40 else raw[:40] + "…"


def get_datetime(params, name: str, tz: dt.tzinfo) -> dt.datetime | None:
    """The aware date-time in ``params[name]`` (read in ``tz`` when it has no offset); None
    when absent; a 400 when it is not a real date and time ("2026-13-45T99:99")."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
    except ValueError:  # well-formed but impossible: month 13, hour 99
        moment = None
    if moment is None:
        raise BadParameter(f"“{_shown(raw)}” is not a date and time like 2026-03-14T09:30.", field=name)
    return timezone.make_aware(moment, tz) if timezone.is_naive(moment) else moment


def get_date(params, name: str) -> dt.date | None:
    """The date in ``params[name]``; None when absent; a 400 when it is not a real date."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = parse_date(raw)
    except ValueError:  # 2026-02-30
        day = None
    if day is None:
        raise BadParameter(f"“{_shown(raw)}” is not a date like 2026-03-14.", field=name)
    return day


def local_next(request, value: str | None, default: str) -> str:
    """Where a ``next`` parameter may send the user: a path on this site, else ``default``.
    (``redirect("abc")`` would try to reverse a URL named "abc": a 500.)"""
    value = (value or "").strip()
    if value.startswith("/") and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure()):
        return value
    return default


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField that refuses a value that cannot be an id before asking the
    database: inside ``IN (...)`` SQLite raises OverflowError on 40 digits (a 500)."""

    def _check_values(self, value):
        if isinstance(value, list | tuple):
            for pk in value:
                if as_id(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super()._check_values(value)


# --- answering -----------------------------------------------------------------------------


def wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def bad_request(request, exception=None):
    """The 400 answer (also Django's handler400): the page, or JSON for the API."""
    message = exception.message if isinstance(exception, BadParameter) else UNREADABLE
    if wants_json(request):
        field = getattr(exception, "field", None)
        body = {"detail": f"{HEADLINE}. {message}"}
        if field:
            body[field] = [message]
        return JsonResponse(body, status=400)
    return render(request, "400.html", {"headline": HEADLINE, "message": message}, status=400)


# --- the guard -----------------------------------------------------------------------------


def _unreadable(text: str) -> bool:
    return bool(_SURROGATE_OR_NUL.search(text))


def _in_json(document) -> bool:
    waiting = [document]  # a stack, not recursion: the nesting is the client's to choose
    while waiting:
        value = waiting.pop()
        if isinstance(value, str) and _unreadable(value):
            return True
        if isinstance(value, dict):
            waiting.extend(value.keys())
            waiting.extend(value.values())
        elif isinstance(value, list):
            waiting.extend(value)
    return False


def _fits_in_memory(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is not None and length <= limit


def unreadable_input(request) -> bool:
    """Whether any part of the request carries a NUL byte or a lone surrogate."""
    if _unreadable(request.path_info):
        return True
    # Headers: a session cookie or an Authorization token is looked up in the database too.
    if any(_unreadable(value) for key, value in request.META.items() if key.startswith("HTTP_")):
        return True
    if request.method == "POST" and request.content_type == "multipart/form-data" and _fits_in_memory(request):
        # Reading the form would consume the stream; read into memory first, so a view that
        # reads the raw body (a JSON endpoint sent a form) still can.
        request.body  # noqa: B018
    for params in (request.GET, request.POST) if request.method == "POST" else (request.GET,):
        for key, values in params.lists():
            if _unreadable(key) or any(_unreadable(value) for value in values):
                return True
    if request.method == "POST":
        for _, uploads in request.FILES.lists():
            if any(_unreadable(upload.name or "") for upload in uploads):
                return True
    content_type = request.content_type or ""
    if request.method not in ("GET", "HEAD", "OPTIONS") and content_type.endswith(_JSON_TYPES):
        body = request.body
        if _SUSPECT_JSON.search(body):
            try:
                return _in_json(json.loads(body))
            except (ValueError, RecursionError):
                return b"\x00" in body  # invalid JSON is the view's to explain, unless it holds a NUL
    return False


def _past_every_id(value) -> bool:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    return isinstance(value, int) and value > MAX_ID


class RequestInputGuard:
    """Refuses unreadable input before any view (or the session lookup) sees it, and turns a
    BadParameter raised in a view into the same 400 answer, in DEBUG too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if unreadable_input(request):
            return bad_request(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # <int:...> in a route takes any number of digits; past 64 bits it names nothing, and
        # some lookups (a foreign key on SQLite) raise OverflowError instead of finding nothing.
        if any(_past_every_id(value) for value in (*view_args, *view_kwargs.values())):
            if wants_json(request):
                return JsonResponse({"detail": "Not found."}, status=404)
            raise Http404("No such object.")
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, BadParameter):
            return bad_request(request, exception)
        return None
