"""Account security: login with lockout and optional TOTP second step, password change
that logs out every other session, and two-factor enrolment."""

from __future__ import annotations

import base64
import io

from axes.backends import AxesStandaloneBackend
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxLengthValidator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from smm.request_input import local_next

PENDING_KEY = "two_factor_pending"


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped for programmatic ``authenticate()`` calls that
    carry no request (there is no address to count against); logins over HTTP always
    carry one."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class LoginForm(AuthenticationForm):
    """Django's form puts the username's max_length on the widget only: a longer name went on
    to authenticate() and into the lockout's table (a 500 on PostgreSQL). Here it is refused
    as a form error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class LoginView(auth_views.LoginView):
    """Username and password; users who enrolled a TOTP device then give a code."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if confirmed_device(user) is None:
            return super().form_valid(form)
        # Not logged in yet: remember who passed the first step, for this session only.
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "user_id": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
        }
        return redirect("login_verify")


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


@never_cache
@sensitive_post_parameters("code")
def login_verify(request):
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()
    device = confirmed_device(user) if user else None
    if device is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # verify_is_allowed/verify_token throttle repeated wrong codes (django-otp).
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"].strip()):
            request.session.pop(PENDING_KEY, None)
            login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(local_next(request, pending.get("next"), reverse("home")))
        form.add_error(
            "code",
            "That code did not match. Codes change every 30 seconds; try the current one."
            if allowed
            else "Too many wrong codes: wait a little before the next try.",
        )
    return render(request, "registration/login_verify.html", {"form": form})


def admin_login_redirect(request):
    """The admin has its own login form, which would skip lockout messages and 2FA, so
    visitors log in through ours. A signed-in user lands here when the admin refuses
    them: sending them to log in again would bounce straight back (a redirect loop)."""
    target = request.GET.get("next", "/admin/")
    if not request.user.is_authenticated:
        return auth_views.redirect_to_login(target)
    if not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied("The administration pages are for the installation's administrators only.")
    return redirect(local_next(request, target, reverse("admin:index")))


def _qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _secret_text(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@never_cache
@sensitive_post_parameters()
def account_security(request):
    """Change password (other sessions are logged out) and see two-factor status."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # The session hash changes with the password: every other session of this user
        # stops authenticating; this one is kept.
        update_session_auth_hash(request, user)
        messages.success(request, "Your password is changed. Every other session has been logged out.")
        return redirect("account_security")
    return render(
        request,
        "registration/security.html",
        {"form": form, "device": confirmed_device(request.user)},
    )


@login_required
@never_cache
@sensitive_post_parameters("code")
def two_factor_setup(request):
    if confirmed_device(request.user):
        return redirect("account_security")
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, "Two-factor login is on: next time you log in, we will ask for a code.")
            return redirect("account_security")
        form.add_error("code", "That code did not match. Check the clock of your phone and try the current code.")
    return render(
        request,
        "registration/two_factor_setup.html",
        {"form": form, "qr": _qr_data_uri(device.config_url), "secret": _secret_text(device)},
    )


@login_required
@require_POST
@sensitive_post_parameters("code")
def two_factor_disable(request):
    device = confirmed_device(request.user)
    form = CodeForm(request.POST)
    if device and form.is_valid() and device.verify_token(form.cleaned_data["code"].strip()):
        TOTPDevice.objects.filter(user=request.user).delete()
        messages.success(request, "Two-factor login is off.")
    else:
        messages.error(request, "Two-factor login stays on: the code did not match.")
    return redirect("account_security")
