"""Forms of the API & webhooks page."""

from __future__ import annotations

from django import forms

from smm.api.webhooks import check_target_url
from smm.models_api import WEBHOOK_EVENTS
from smm.platforms.base import PlatformError
from smm.platforms.http import UnresolvableHost
from smm.roles import ROLE_RANK, Role


class TokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="What it is for, e.g. “BI export” or “Zapier”")
    role = forms.ChoiceField(help_text="What the token may do; never more than your own role")

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        mine = ROLE_RANK[membership.role]
        self.fields["role"].choices = [(value, label) for value, label in Role.choices if ROLE_RANK[value] <= mine]
        self.fields["role"].initial = membership.role


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
