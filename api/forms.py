"""Forms of the API & webhooks page."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from smm.models_api import WEBHOOK_EVENTS
from smm.platforms.base import PlatformError
from smm.platforms.http import UnresolvableHost
from smm.roles import ROLE_RANK, Role
from smm.webhooks import check_target_url

EXPIRY_CHOICES = [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"), ("never", "Never")]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="What it is for, e.g. “BI export” or “Zapier”")
    role = forms.ChoiceField(help_text="What the token may do; never more than your own role")
    expires = forms.ChoiceField(
        choices=EXPIRY_CHOICES,
        initial="90",
        required=False,  # left out: never, as tokens were before they could expire
        help_text="From then on, programs using it are refused and you create a new one",
    )

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        mine = ROLE_RANK[membership.role]
        self.fields["role"].choices = [(value, label) for value, label in Role.choices if ROLE_RANK[value] <= mine]
        # A token is handed to a program: it starts with the least it may do (read-only
        # client) and is raised on purpose, never given the creator's full power by default.
        self.fields["role"].initial = min(
            (value for value, _ in self.fields["role"].choices), key=ROLE_RANK.__getitem__
        )

    def clean_expires(self):
        """The moment the token stops working, or None for never."""
        days = self.cleaned_data.get("expires") or "never"
        return None if days == "never" else timezone.now() + dt.timedelta(days=int(days))


class WebhookForm(forms.Form):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https", help_text="We POST JSON to it")
    events = forms.MultipleChoiceField(
        choices=WEBHOOK_EVENTS, widget=forms.CheckboxSelectMultiple, help_text="Which events it receives"
    )
    description = forms.CharField(max_length=120, required=False)

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.startswith(("https://", "http://")):
            raise forms.ValidationError("Use an http:// or https:// URL.")
        try:
            check_target_url(url)
        except UnresolvableHost as exc:
            raise forms.ValidationError(exc.user_message)
        except PlatformError:
            raise forms.ValidationError("This URL points at a private or local address; webhooks go to public ones.")
        return url
