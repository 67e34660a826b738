"""The workspace's API & webhooks page (/w/<ws>/api/) and its personal API tokens
(created, shown once, revoked). The page's webhook part is views/webhooks.py."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from api.forms import TokenForm, WebhookForm
from smm.models import record_event
from smm.models_api import TOKEN_PREFIX, WEBHOOK_EVENTS, ApiToken, WebhookEndpoint
from smm.tenancy import scoped, workspace_view

# Webhooks are the workspace's, not one person's: owners and managers look after them.
WEBHOOK_RIGHT = "manage_brands"

# The usage hint shows a made-up token of exactly the shape ApiToken.issue hands out
# (prefix, 8 hex digits of lookup prefix, 43-character secret), so people recognise theirs.
EXAMPLE_TOKEN = f"{TOKEN_PREFIX}_5f2b9c1e_k3Xv9QzL0pWb7sYd2RfT8uHn4JcA6mEo1GiK5yVxBqN"


def _tokens(request):
    tokens = scoped(request, ApiToken).select_related("user")
    if not request.membership.can("manage_members"):
        tokens = tokens.filter(user=request.user)
    return tokens


def api_page(request, token_form=None, webhook_form=None, new_token=None, status=200):
    endpoints = scoped(request, WebhookEndpoint) if request.membership.can(WEBHOOK_RIGHT) else None
    api_root = request.build_absolute_uri(f"/api/v1/workspaces/{request.workspace.slug}/")
    return render(
        request,
        "api/home.html",
        {
            "tokens": _tokens(request),
            "token_form": token_form or TokenForm(membership=request.membership),
            "new_token": new_token,
            "endpoints": endpoints,
            "webhook_form": webhook_form or WebhookForm(),
            "events": WEBHOOK_EVENTS,
            "can_webhooks": request.membership.can(WEBHOOK_RIGHT),
            "api_root": api_root,
            "example_token": EXAMPLE_TOKEN,
        },
        status=status,
    )


@workspace_view("manage_api")
def api_home(request, ws):
    return api_page(request)


@require_POST
@workspace_view("manage_api")
def token_create(request, ws):
    form = TokenForm(request.POST, membership=request.membership)
    if not form.is_valid():
        return api_page(request, token_form=form, status=400)
    token, raw = ApiToken.issue(
        request.workspace,
        request.user,
        form.cleaned_data["name"],
        form.cleaned_data["role"],
        expires_at=form.cleaned_data["expires"],
    )
    record_event(request.workspace, request.user, "api.token_created", token, f"Created API token “{token.name}”")
    # Shown in this response only: it is stored hashed and cannot be shown again.
    return api_page(request, new_token={"token": token, "raw": raw})


@require_POST
@workspace_view("manage_api")
def token_revoke(request, ws, token_id):
    token = get_object_or_404(_tokens(request), pk=token_id)
    if token.revoke(request.user):
        messages.success(request, f"Revoked “{token.name}”. Programs using it now get 401.")
    return redirect("api_home", ws=ws)
