"""Forgotten passwords: Django's reset views with our pages, and an email whose link and
wording name this installation by its SITE_URL (not whatever Host header came in).

The email is written and sent by a worker after the request has answered, so a known
address answers as fast as an unknown one (no timing tells whether an account exists),
and the link's token never travels through the broker (the task gets a user id). Asking is
limited per client address (a visible wait) and per account (silently: one person's inbox
cannot be flooded, and the answer still does not tell whether the address is known)."""

from __future__ import annotations

import logging
import math
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from smm.proxies import client_address
from smm.ratelimit import SlidingWindow

logger = logging.getLogger(__name__)

EMAIL_TEMPLATE = "registration/password_reset_email.txt"
SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"


def _site() -> dict:
    site_url = settings.SITE_URL.rstrip("/")
    days = max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400))
    return {
        "site_url": site_url,
        "site_name": urlsplit(site_url).netloc or site_url,
        "valid_for": f"{days} day{'s' if days != 1 else ''}",
    }


def requests_from(address: str) -> SlidingWindow:
    return SlidingWindow(f"password-reset:address:{address}", settings.PASSWORD_RESET_LIMIT_PER_ADDRESS, 3600)


def emails_to(user_id: int) -> SlidingWindow:
    return SlidingWindow(f"password-reset:user:{user_id}", settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT, 3600)


class ResetForm(PasswordResetForm):
    def save(self, **kwargs) -> None:
        """Hands each matching account's email to a worker, after commit."""
        for user in self.get_users(self.cleaned_data["email"]):
            if emails_to(user.pk).hit().allowed:
                transaction.on_commit(partial(_hand_to_worker, user.pk))
            else:
                logger.info("Password reset email to user %s held back: too many asked this hour", user.pk)


def _hand_to_worker(user_id: int) -> None:
    from smm.tasks import send_password_reset_email

    try:
        send_password_reset_email.delay(user_id)
    except Exception:  # the broker is away: the visitor sees the same page and may ask again
        logger.exception("Could not hand the password reset email of user %s to a worker", user_id)


def send_reset_email(user_id: int) -> bool:
    """Writes and sends one reset email (smm.tasks.send_password_reset_email). Returns False
    when the account is gone, inactive or cannot take a new password any more."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return False
    context = {
        **_site(),
        "email": user.email,
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    ResetForm().send_mail(SUBJECT_TEMPLATE, EMAIL_TEMPLATE, context, None, user.email)
    return True


class PasswordResetView(auth_views.PasswordResetView):
    """Answers the same for known and unknown addresses: the "check your email" page."""

    form_class = ResetForm
    email_template_name = EMAIL_TEMPLATE
    subject_template_name = SUBJECT_TEMPLATE
    success_url = reverse_lazy("password_reset_done")

    def post(self, request, *args, **kwargs):
        decision = requests_from(client_address(request)).hit()
        if not decision.allowed:
            minutes = max(1, math.ceil(decision.retry_after / 60))
            form = self.get_form()
            form.is_valid()  # keeps what was typed on the page
            form.add_error(
                None,
                f"Too many reset links were asked from your address. Try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}.",
            )
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(math.ceil(decision.retry_after))
            return response
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    # Not logged in afterwards: the new password goes through the login page, with its
    # lockout and two-factor step, like any other login.
    post_reset_login = False
    success_url = reverse_lazy("password_reset_complete")
