"""``Idempotency-Key`` on POST creates, stored per token: the same key with the same body
returns the first answer (no second object); the same key with another body is a 409.

Only successful answers are kept, so a request refused for its content can be corrected
and sent again under the same key.
"""

from __future__ import annotations

import hashlib
import json
from functools import wraps

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.response import Response

from smm.models_api import ApiToken, IdempotencyRecord

MAX_KEY_LENGTH = 255


def request_fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    files = getattr(request, "FILES", {}) or {}
    data = {}
    for key in sorted(request.data.keys()) if hasattr(request.data, "keys") else []:
        if key in files:
            continue
        value = request.data.getlist(key) if hasattr(request.data, "getlist") else request.data[key]
        data[key] = value
    if not hasattr(request.data, "keys"):
        data = request.data
    digest.update(json.dumps(data, sort_keys=True, default=str).encode())
    for key in sorted(files.keys()):
        for upload in files.getlist(key):
            digest.update(key.encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def _conflict(message: str) -> Response:
    return Response({"detail": message, "code": "idempotency_conflict"}, status=status.HTTP_409_CONFLICT)


def idempotent(handler):
    """Wrap a view method that creates something."""

    @wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or not isinstance(request.auth, ApiToken):
            return handler(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return Response(
                {"detail": f"Idempotency-Key can be at most {MAX_KEY_LENGTH} characters."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        fingerprint = request_fingerprint(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    token=request.auth, key=key, path=request.path[:500], request_hash=fingerprint
                )
        except IntegrityError:
            first = IdempotencyRecord.objects.get(token=request.auth, key=key)
            if first.request_hash != fingerprint:
                return _conflict("This Idempotency-Key was used with a different request; use a new key.")
            if first.status_code is None:
                return _conflict("The first request with this Idempotency-Key is still running; try again shortly.")
            response = Response(first.response_body, status=first.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = handler(self, request, *args, **kwargs)
        except BaseException:
            record.delete()
            raise
        if 200 <= response.status_code < 300:
            record.status_code = response.status_code
            record.response_body = json.loads(json.dumps(response.data, default=str))
            record.save(update_fields=["status_code", "response_body"])
        else:
            record.delete()
        return response

    return wrapper
