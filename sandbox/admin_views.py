"""A JSON switch for the sandbox's runtime faults: GET shows them, POST replaces them.

Open to staff users and to loopback callers (a benchmark on the same machine); the
sandbox app is never installed in production.
"""

from __future__ import annotations

import ipaddress
import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.faults import FaultError, clean
from sandbox.models import SandboxFaults


def _allowed(request) -> bool:
    if request.user.is_authenticated and request.user.is_staff:
        return True
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@csrf_exempt
def faults(request):
    if not _allowed(request):
        return JsonResponse({"error": "Only staff or local callers may change the sandbox's faults"}, status=403)
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
            SandboxFaults.store(clean(body))
        except (ValueError, FaultError) as exc:
            return JsonResponse({"error": str(exc)}, status=422)
    elif request.method != "GET":
        return JsonResponse({"error": "Use GET or POST"}, status=405)
    return JsonResponse({"faults": SandboxFaults.current()})
