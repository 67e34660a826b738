"""The money settings' "Google Analytics 4" section: connect a property with a service
account's JSON key (uploaded or pasted; never shown back), test the connection, pull now,
remove. Same role as the money settings page (manage_brands)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from links import ga4
from smm.tenancy import workspace_view


class KeyTextarea(forms.Textarea):
    """A pasted key is never sent back to the browser, not even after a refusal."""

    def format_value(self, value):
        return None


class Ga4Form(forms.Form):
    property_id = forms.CharField(
        label="Property id",
        max_length=40,
        help_text="Digits, in GA4 Admin > Property details (not the G-… measurement id)",
    )
    key_file = forms.FileField(
        label="Service account key (JSON file)",
        required=False,
        help_text="Google Cloud console > IAM & Admin > Service accounts > Keys > Add key > JSON. "
        "Add the account's email as a Viewer of the property in GA4 Admin > Property access management.",
    )
    key_text = forms.CharField(
        label="…or paste the key's JSON",
        required=False,
        widget=KeyTextarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, connection=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = connection
        if connection is not None:
            self.fields[
                "key_file"
            ].help_text = (
                f"Stored: the key of {connection.client_email}. Leave empty to keep it; give a file to replace it."
            )

    def clean_property_id(self):
        return ga4.read_property_id(self.cleaned_data["property_id"])

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("key_file")
        text = (cleaned.get("key_text") or "").strip()
        cleaned["key"] = None
        if upload and text:
            self.add_error("key_text", "Give the key once: as a file or pasted, not both.")
            return cleaned
        if not upload and not text:
            if self.connection is None or not self.connection.key:
                self.add_error("key_file", "Upload the service account's JSON key file (or paste its content).")
            return cleaned
        raw = upload.read(ga4.MAX_KEY_BYTES + 1) if upload else text
        try:
            cleaned["key"] = ga4.read_key(raw)
        except ValidationError as error:
            self.add_error("key_file" if upload else "key_text", error)
        return cleaned


def section(request, form: Ga4Form | None = None) -> dict:
    """What the money settings page shows of GA4."""
    connection = ga4.connection_for(request.workspace)
    return {
        "ga4": connection,
        "ga4_form": form
        or Ga4Form(
            connection=connection, initial={"property_id": connection.property_id} if connection is not None else None
        ),
        "ga4_unmatched": ga4.unmatched(request.workspace) if connection is not None else [],
        "ga4_definitions": ga4.DEFINITIONS,
        "ga4_days": ga4.days_note(connection, request.workspace),
    }


@require_POST
@workspace_view("manage_brands")
def save(request, ws):
    connection = ga4.connection_for(request.workspace)
    form = Ga4Form(request.POST, request.FILES, connection=connection)
    if not form.is_valid():
        from links.roi_views import money

        return money(request, ws, ga4_form=form)
    data = form.cleaned_data
    connection = ga4.connect(request.workspace, property_id=data["property_id"], key=data["key"])
    messages.success(
        request,
        f"Google Analytics 4 property {connection.property_id} saved with the key of {connection.client_email}; "
        "the first pull runs in the background (the result shows below).",
    )
    return redirect("links:money", ws=ws)


@require_POST
@workspace_view("manage_brands")
def check(request, ws):
    connection = ga4.connection_for(request.workspace)
    if connection is None:
        messages.error(request, "Connect a Google Analytics 4 property first.")
    else:
        ok, words = ga4.test_connection(connection)
        (messages.success if ok else messages.error)(request, words)
    return redirect("links:money", ws=ws)


@require_POST
@workspace_view("manage_brands")
def pull_now(request, ws):
    connection = ga4.connection_for(request.workspace)
    if connection is None:
        messages.error(request, "Connect a Google Analytics 4 property first.")
    else:
        from links.tasks import ga4_pull

        ga4_pull.delay(connection.pk)
        messages.success(request, "The pull runs in the background: reload this page in a minute for its result.")
    return redirect("links:money", ws=ws)


@require_POST
@workspace_view("manage_brands")
def remove(request, ws):
    ga4.disconnect(request.workspace)
    messages.success(
        request,
        "Google Analytics 4 removed: its key and pulled figures are deleted; the money figures use SMM's conversions.",
    )
    return redirect("links:money", ws=ws)
