"""The webhook part of the API & webhooks page: a workspace's webhook URLs, their
deliveries and attempts (sending, signing and retrying is the core's smm/webhooks.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from api.forms import WebhookForm
from api.views.tokens import WEBHOOK_RIGHT, api_page
from smm import webhooks
from smm.models import record_event
from smm.models_api import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from smm.request_input import id_or_404
from smm.tenancy import require, scoped_or_404, workspace_view


@require_POST
@workspace_view(WEBHOOK_RIGHT)
def webhook_create(request, ws):
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return api_page(request, webhook_form=form, status=400)
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
        from smm.tasks import deliver_webhook

        deliver_webhook.delay(delivery.pk)
        messages.success(request, "Sending it again.")
    elif action == "delete":
        require(request, WEBHOOK_RIGHT)
        record_event(request.workspace, request.user, "webhook.deleted", endpoint, f"Removed webhook {endpoint.url}")
        endpoint.delete()
        messages.success(request, "Webhook removed.")
        return redirect("api_home", ws=ws)
    return redirect("api_webhook", ws=ws, endpoint_id=endpoint.pk)
