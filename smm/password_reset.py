"""Forgotten passwords: Django's reset views with our pages, and an email whose link and
wording name this installation by its SITE_URL (not whatever Host header came in)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


def _site() -> dict:
    site_url = settings.SITE_URL.rstrip("/")
    days = max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400))
    return {
        "site_url": site_url,
        "site_name": urlsplit(site_url).netloc or site_url,
        "valid_for": f"{days} day{'s' if days != 1 else ''}",
    }


class PasswordResetView(auth_views.PasswordResetView):
    """Answers the same for known and unknown addresses (Django's view already does: it
    always goes on to the "check your email" page)."""

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        # Read per request, so SITE_URL is the one in effect now (tests change it).
        self.extra_email_context = _site()
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    # Not logged in afterwards: the new password goes through the login page, with its
    # lockout and two-factor step, like any other login.
    post_reset_login = False
    success_url = reverse_lazy("password_reset_complete")
