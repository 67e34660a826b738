"""Connecting a brand's social accounts: choose a network, run its flow, come back connected.

Three kinds of flow, as the adapter declares (``connect_kind``):

- ``oauth2``: redirect to the network with ``state`` and a PKCE verifier kept in the
  session; the callback checks the state, exchanges the code and stores the tokens.
- ``oauth2_instance`` (Mastodon): the user names the server; SMM registers itself there
  (``register_app``, reused for later connections to the same server), then as oauth2.
- ``app_password`` (Bluesky): a form for the handle and an app password.

Tokens go straight from the adapter into the account's encrypted credentials; they are
never put in a page, a message, the audit log or a log line.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from smm.accounts import network_adapter
from smm.models import Brand, SocialAccount, record_event
from smm.network_urls import http_url
from smm.platforms import adapter_class, registry
from smm.platforms.base import AppCredentials, ConnectedAccount, PlatformError
from smm.request_input import id_or_404
from smm.tenancy import resolve_membership, scoped_or_404, workspace_view

logger = logging.getLogger(__name__)

SESSION_KEY = "smm_pending_connections"
PENDING_FOR = 15 * 60  # seconds a started connection may take to come back
MAX_PENDING = 5

KIND_HELP = {
    "oauth2": "You sign in on {label} and allow SMM to post for the account.",
    "oauth2_instance": "Enter your server (for example mastodon.social), then sign in there.",
    "app_password": "Enter your handle and an app password created in {label}'s settings.",
}


@dataclass
class NetworkChoice:
    network: str
    label: str
    kind: str
    help: str
    configured: bool


def network_choices() -> list[NetworkChoice]:
    choices = []
    for network in registry.NETWORKS:
        adapter = adapter_class(network)
        label = registry.label(network)
        choices.append(
            NetworkChoice(
                network=network,
                label=label,
                kind=adapter.connect_kind,
                help=KIND_HELP.get(adapter.connect_kind, "").format(label=label),
                configured=is_configured(network),
            )
        )
    return choices


def is_configured(network: str) -> bool:
    """Networks with one global OAuth app need its client id; Mastodon registers itself
    per server and Bluesky uses app passwords, so they need nothing."""
    if adapter_class(network).connect_kind in ("oauth2_instance", "app_password"):
        return True
    return bool((settings.PLATFORM_APPS.get(network) or {}).get("client_id"))


def build_adapter(network: str, app: AppCredentials | None = None):
    return network_adapter(network, app)


def callback_url(request, network: str) -> str:
    return request.build_absolute_uri(reverse("connect_callback", kwargs={"network": network}))


# --- pending flows in the session ----------------------------------------------------------


def _remember(request, state: str, flow: dict) -> None:
    pending = {
        key: value
        for key, value in request.session.get(SESSION_KEY, {}).items()
        if time.time() - value.get("started", 0) < PENDING_FOR
    }
    # Keep only the newest few: a user clicking "connect" many times must not grow the session forever.
    for key in sorted(pending, key=lambda k: pending[k]["started"])[: max(0, len(pending) - MAX_PENDING + 1)]:
        del pending[key]
    pending[state] = {**flow, "started": time.time()}
    request.session[SESSION_KEY] = pending


def _take(request, state: str) -> dict | None:
    pending = request.session.get(SESSION_KEY, {})
    flow = pending.pop(state, None) if state else None
    request.session[SESSION_KEY] = pending
    if flow is None or time.time() - flow.get("started", 0) >= PENDING_FOR:
        return None
    return flow


# --- storing the result ---------------------------------------------------------------------


def save_connection(request, brand: Brand, network: str, connected: ConnectedAccount, extra: dict | None = None):
    """Create or update the brand's account from a finished flow; atomic, audited."""
    credentials = {**(extra or {}), **connected.credentials}
    with transaction.atomic():
        account = (
            SocialAccount.objects.select_for_update()
            .filter(brand=brand, network=network, remote_id=connected.remote_id)
            .first()
        )
        created = account is None
        if created:
            account = SocialAccount(brand=brand, network=network, remote_id=connected.remote_id)
        account.handle = connected.handle[:191]
        account.display_name = (connected.display_name or "")[:191]
        account.avatar_url = http_url(connected.avatar_url, max_length=500)
        account.base_url = connected.base_url or account.base_url
        account.credentials = credentials
        account.status = SocialAccount.Status.CONNECTED
        account.status_reason = ""
        account.token_expires_at = connected.token_expires_at
        if connected.limits:
            account.limits = connected.limits
        account.connected_at = timezone.now()
        account.save()
        verb = "account.connected" if created else "account.reconnected"
        record_event(brand.workspace, request.user, verb, account, f"{account} for {brand.name}")
    return account, created


def _finish(request, brand: Brand, network: str, connected: ConnectedAccount, extra=None):
    account, created = save_connection(request, brand, network, connected, extra)
    label = registry.label(network)
    if created:
        messages.success(request, f"{label} account {account.handle} is connected to {brand.name}.")
    else:
        messages.success(request, f"{label} account {account.handle} is reconnected.")
    return redirect(brand.get_absolute_url())


def _failed(request, brand: Brand, network: str, exc: PlatformError):
    label = registry.label(network)
    # The network's message goes to the log without the request (no tokens in it).
    logger.info("Connecting %s for brand %s failed: %s", network, brand.pk, exc.message)
    messages.error(request, f"Could not connect {label}: {exc.user_message}")
    return redirect(brand.get_absolute_url())


# --- views ----------------------------------------------------------------------------------


def _network_or_404(network: str) -> str:
    if network not in registry.NETWORKS:
        raise Http404("No such network")
    return network


def _reconnecting(request, brand) -> SocialAccount | None:
    account_id = request.GET.get("account") or request.POST.get("account")
    if not account_id:
        return None
    return SocialAccount.objects.filter(brand=brand, pk=id_or_404(account_id)).first()


@workspace_view("connect_accounts")
def choose_network(request, ws, brand_id):
    brand = scoped_or_404(request, Brand, pk=brand_id)
    return render(request, "connections/choose.html", {"brand": brand, "choices": network_choices()})


class InstanceForm(forms.Form):
    instance = forms.CharField(
        label="Your Mastodon server",
        max_length=200,
        help_text="The address of the server the account lives on, e.g. mastodon.social",
        widget=forms.TextInput(attrs={"placeholder": "mastodon.social", "autofocus": True}),
    )

    def clean_instance(self):
        value = self.cleaned_data["instance"].strip().rstrip("/")
        if "://" not in value:
            value = f"https://{value}"
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise forms.ValidationError("Enter a server address such as mastodon.social.")
        if parts.query or parts.fragment or "@" in parts.netloc:
            raise forms.ValidationError("Enter just the server's address, without anything after it.")
        return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


class AppPasswordForm(forms.Form):
    identifier = forms.CharField(
        label="Handle", max_length=253, widget=forms.TextInput(attrs={"placeholder": "you.bsky.social"})
    )
    password = forms.CharField(
        label="App password",
        max_length=100,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Create one in Bluesky under Settings → Privacy and security → App passwords. "
        "Never use your main password.",
    )
    server = forms.CharField(
        label="Server (leave empty for bsky.social)",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "https://bsky.social"}),
    )


@workspace_view("connect_accounts")
def start(request, ws, brand_id, network):
    brand = scoped_or_404(request, Brand, pk=brand_id)
    network = _network_or_404(network)
    if not is_configured(network):
        messages.error(request, f"{registry.label(network)} is not configured by your administrator.")
        return redirect("connect_choose", ws=ws, brand_id=brand.pk)
    kind = adapter_class(network).connect_kind
    reconnect = _reconnecting(request, brand)
    if kind == "app_password":
        return _app_password(request, brand, network, reconnect)
    if kind == "oauth2_instance":
        return _instance(request, brand, network, reconnect)
    if request.method != "POST":
        return redirect("connect_choose", ws=ws, brand_id=brand.pk)
    return _redirect_to_network(request, brand, network, build_adapter(network))


def _redirect_to_network(request, brand, network, adapter, *, base_url="", app_credentials=None):
    state = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(64)  # 86 characters: within RFC 7636's 43..128
    _remember(
        request,
        state,
        {
            "workspace": brand.workspace.slug,
            "brand": brand.pk,
            "network": network,
            "verifier": verifier,
            "base_url": base_url,
            "app": app_credentials or {},
        },
    )
    try:
        url = adapter.authorization_url(
            redirect_uri=callback_url(request, network), state=state, code_verifier=verifier, base_url=base_url
        )
    except PlatformError as exc:
        return _failed(request, brand, network, exc)
    return redirect(url)


def _app_password(request, brand, network, reconnect):
    initial = {"identifier": reconnect.handle.lstrip("@")} if reconnect else {}
    if reconnect and reconnect.base_url:
        initial["server"] = reconnect.base_url
    form = AppPasswordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            connected = build_adapter(network).connect_with_password(
                identifier=form.cleaned_data["identifier"].strip().lstrip("@"),
                password=form.cleaned_data["password"],
                base_url=form.cleaned_data["server"].strip(),
            )
        except PlatformError as exc:
            logger.info("Bluesky sign-in for brand %s failed: %s", brand.pk, exc.message)
            form.add_error(None, exc.user_message)
        else:
            return _finish(request, brand, network, connected)
    return render(
        request,
        "connections/app_password.html",
        {"brand": brand, "form": form, "label": registry.label(network), "reconnect": reconnect},
    )


def _instance(request, brand, network, reconnect):
    initial = {"instance": reconnect.base_url} if reconnect and reconnect.base_url else {}
    form = InstanceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        base_url = form.cleaned_data["instance"]
        try:
            app = instance_app(request, network, base_url)
        except PlatformError as exc:
            logger.info("Registering SMM on %s failed: %s", base_url, exc.message)
            form.add_error("instance", f"Could not reach that server to sign in: {exc.user_message}")
        else:
            adapter = build_adapter(network, app)
            return _redirect_to_network(
                request,
                brand,
                network,
                adapter,
                base_url=base_url,
                app_credentials={"client_id": app.client_id, "client_secret": app.client_secret},
            )
    return render(
        request,
        "connections/instance.html",
        {"brand": brand, "form": form, "label": registry.label(network), "reconnect": reconnect},
    )


def instance_app(request, network: str, base_url: str) -> AppCredentials:
    """SMM's client registration on this server: reused from an account already
    connected there with the same callback, else registered now."""
    redirect_uri = callback_url(request, network)
    for account in SocialAccount.objects.filter(network=network, base_url=base_url).order_by("-connected_at")[:20]:
        creds = account.credentials or {}
        if creds.get("client_id") and creds.get("client_secret") and creds.get("redirect_uri") == redirect_uri:
            return AppCredentials(client_id=creds["client_id"], client_secret=creds["client_secret"])
    return build_adapter(network).register_app(base_url, redirect_uri)


def oauth_callback(request, network):
    """Where every network sends the browser back. Not under /w/<ws>/ because networks
    want one fixed redirect address; the workspace comes from the pending flow."""
    network = _network_or_404(network)
    if not request.user.is_authenticated:
        raise Http404
    flow = _take(request, request.GET.get("state", ""))
    if flow is None or flow.get("network") != network:
        messages.error(
            request,
            "This connection attempt could not be verified (it expired or did not start here). "
            "Nothing was connected; please start again.",
        )
        return redirect("home")
    membership = resolve_membership(request.user, flow["workspace"])
    if not membership.can("connect_accounts"):
        raise PermissionDenied("Your role cannot connect accounts here.")
    brand = Brand.objects.filter(workspace=membership.workspace, pk=flow["brand"]).first()
    if brand is None:
        raise Http404("No such brand")
    label = registry.label(network)
    if request.GET.get("error"):
        if request.GET["error"] == "access_denied":
            messages.warning(request, f"You did not allow SMM on {label}; nothing was connected.")
        else:
            messages.error(request, f"{label} did not connect the account: {request.GET['error'][:100]}.")
        return redirect(brand.get_absolute_url())
    code = request.GET.get("code", "")
    if not code:
        messages.error(request, f"{label} sent no authorization; nothing was connected.")
        return redirect(brand.get_absolute_url())
    app = AppCredentials(**flow["app"]) if flow.get("app") else None
    adapter = build_adapter(network, app)
    redirect_uri = callback_url(request, network)
    try:
        connected = adapter.exchange_code(
            code=code, redirect_uri=redirect_uri, code_verifier=flow["verifier"], base_url=flow.get("base_url", "")
        )
    except PlatformError as exc:
        return _failed(request, brand, network, exc)
    extra = {**flow["app"], "redirect_uri": redirect_uri} if flow.get("app") else None
    return _finish(request, brand, network, connected, extra)


@require_POST
@workspace_view("connect_accounts")
def reconnect(request, ws, account_id):
    """Start the account's network flow again, for the same brand."""
    account = scoped_or_404(request, SocialAccount, pk=account_id)
    url = reverse("connect_start", kwargs={"ws": ws, "brand_id": account.brand_id, "network": account.network})
    kind = adapter_class(account.network).connect_kind
    if kind == "oauth2":
        if not is_configured(account.network):
            messages.error(request, f"{account.network_label} is not configured by your administrator.")
            return redirect(account.brand.get_absolute_url())
        return _redirect_to_network(request, account.brand, account.network, build_adapter(account.network))
    return redirect(f"{url}?account={account.pk}")
