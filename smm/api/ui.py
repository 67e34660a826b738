"""The workspace's API & webhooks page (/w/<ws>/api/): personal API tokens (created,
shown once, revoked) and webhook URLs with their deliveries and attempts."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from smm.api import webhooks
from smm.api.forms import TokenForm, WebhookForm
from smm.models import record_event
from smm.models_api import WEBHOOK_EVENTS, ApiToken, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from smm.request_input import id_or_404
from smm.tenancy import require, scoped, scoped_or_404, workspace_view

# Webhooks are the workspace's, not one person's: owners and managers look after them.
WEBHOOK_RIGHT = "manage_brands"


def _tokens(request):
    tokens = scoped(request, ApiToken).select_related("user")
    if not request.membership.can("manage_members"):
        tokens = tokens.filter(user=request.user)
    return tokens


def _page(request, token_form=None, webhook_form=None, new_token=None, status=200):
    endpoints = scoped(request, WebhookEndpoint) if request.membership.can(WEBHOOK_RIGHT) else None
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
        },
        status=status,
    )


@workspace_view("manage_api")
def api_home(request, ws):
    return _page(request)


@require_POST
@workspace_view("manage_api")
def token_create(request, ws):
    form = TokenForm(request.POST, membership=request.membership)
    if not form.is_valid():
        return _page(request, token_form=form, status=400)
    token, raw = ApiToken.issue(
        request.workspace,
        request.user,
        form.cleaned_data["name"],
        form.cleaned_data["role"],
        expires_at=form.cleaned_data["expires"],
    )
    record_event(request.workspace, request.user, "api.token_created", token, f"Created API token “{token.name}”")
    # Shown in this response only: it is stored hashed and cannot be shown again.
    return _page(request, new_token={"token": token, "raw": raw})


@require_POST
@workspace_view("manage_api")
def token_revoke(request, ws, token_id):
    token = get_object_or_404(_tokens(request), pk=token_id)
    if token.revoke(request.user):
        messages.success(request, f"Revoked “{token.name}”. Programs using it now get 401.")
    return redirect("api_home", ws=ws)


@require_POST
@workspace_view(WEBHOOK_RIGHT)
def webhook_create(request, ws):
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _page(request, webhook_form=form, status=400)
    endpoint = WebhookEndpoint.objects.create(
        workspace=request.workspace,
        url=form.cleaned_data["url"],
        events=form.cleaned_data["events"],
        description=form.cleaned_data["description"],
        created_by=request.user,
    )
    record_event(request.workspace, request.user, "webhook.created", endpoint, f"Added webhook {endpoint.url}")
    messages.success(request, "Webhook added. Its signing secret is on its page.")
    return redirect("api_webhook", ws=ws, endpoint_id=endpoint.pk)


@workspace_view(WEBHOOK_RIGHT)
def webhook_detail(request, ws, endpoint_id):
    endpoint = scoped_or_404(request, WebhookEndpoint, pk=endpoint_id)
    deliveries = endpoint.deliveries.prefetch_related(
        Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("number"))
    )
    page = Paginator(deliveries, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "api/webhook_detail.html",
        {
            "endpoint": endpoint,
            "page": page,
            "signature_header": webhooks.SIGNATURE_HEADER,
            "timestamp_header": webhooks.TIMESTAMP_HEADER,
        },
    )


@require_POST
@workspace_view(WEBHOOK_RIGHT)
def webhook_action(request, ws, endpoint_id):
    endpoint = scoped_or_404(request, WebhookEndpoint, pk=endpoint_id)
    action = request.POST.get("action")
    if action == "enable":
        webhooks.enable(endpoint)
        messages.success(request, "Enabled again.")
    elif action == "disable":
        webhooks.disable(endpoint, f"Disabled by {request.user.get_username()}")
        messages.success(request, "Disabled.")
    elif action == "ping":
        if not endpoint.active:
            messages.error(request, "Enable the webhook first.")
        else:
            webhooks.emit(request.workspace, webhooks.PING, {"message": "Hello from SMM"})
            messages.success(request, "Sent a ping; it shows below in a moment.")
    elif action == "redeliver":
        delivery_id = id_or_404(request.POST.get("delivery"))
        delivery = scoped_or_404(request, WebhookDelivery, pk=delivery_id, endpoint=endpoint)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=WebhookDelivery.State.PENDING, next_attempt_at=timezone.now()
        )
        from smm.api.tasks import deliver_webhook

        deliver_webhook.delay(delivery.pk)
        messages.success(request, "Sending it again.")
    elif action == "delete":
        require(request, WEBHOOK_RIGHT)
        record_event(request.workspace, request.user, "webhook.deleted", endpoint, f"Removed webhook {endpoint.url}")
        endpoint.delete()
        messages.success(request, "Webhook removed.")
        return redirect("api_home", ws=ws)
    return redirect("api_webhook", ws=ws, endpoint_id=endpoint.pk)
