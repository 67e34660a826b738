"""The monitor form: lists typed one per line or separated by commas."""

from __future__ import annotations

import re

from django import forms

from listening.models import Competitor, ListeningSettings, Monitor
from smm.models import Brand

LIST_FIELDS = ("terms", "phrases", "hashtags", "handles", "exclusions", "languages")
MAX_ENTRIES = 100
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


def _split(value: str) -> list[str]:
    out = []
    for line in (value or "").replace(",", "\n").splitlines():
        entry = " ".join(line.split())
        if entry and entry not in out:
            out.append(entry)
    return out


class MonitorForm(forms.ModelForm):
    terms = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Words; one per line or comma-separated; whole words, any case",
    )
    phrases = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Words in this order, one phrase per line"
    )
    hashtags = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="#acme or acme: only the hashtag"
    )
    handles = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="@acme.bsky.social or a DID: mentions of the account and its own posts",
    )
    exclusions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A post with any of these words or phrases is left out",
    )
    languages = forms.CharField(required=False, help_text="Language codes (en, de, pt-br); empty: every language")

    class Meta:
        model = Monitor
        fields = ["brand", "name", "kind", *LIST_FIELDS, "active", "alert_deviations", "alert_min_count"]
        labels = {
            "alert_deviations": "Alert at deviations above usual",
            "alert_min_count": "Alert only from this many mentions",
        }

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["brand"].queryset = Brand.objects.for_workspace(workspace)
        if not self.is_bound:  # the lists as lines (a new monitor's are empty, not "[]")
            for name in LIST_FIELDS:
                self.initial[name] = "\n".join(getattr(self.instance, name) or [])

    def _list(self, name: str) -> list[str]:
        entries = _split(self.cleaned_data.get(name, ""))
        if len(entries) > MAX_ENTRIES:
            raise forms.ValidationError(f"At most {MAX_ENTRIES} entries.")
        return entries

    def clean_terms(self):
        return self._list("terms")

    def clean_phrases(self):
        return self._list("phrases")

    def clean_hashtags(self):
        tags = [tag.lstrip("#") for tag in self._list("hashtags")]
        bad = [tag for tag in tags if not re.fullmatch(r"\w+", tag)]
        if bad:
            raise forms.ValidationError(f"A hashtag is one word without spaces: {', '.join(bad)}")
        return tags

    def clean_handles(self):
        return self._list("handles")

    def clean_exclusions(self):
        return self._list("exclusions")

    def clean_languages(self):
        langs = [lang.lower() for lang in self._list("languages")]
        bad = [lang for lang in langs if not LANGUAGE.match(lang)]
        if bad:
            raise forms.ValidationError(f"Not a language code: {', '.join(bad)} (use en, de, pt-br…)")
        return langs

    def clean_alert_deviations(self):
        value = self.cleaned_data["alert_deviations"]
        if not 0.5 <= value <= 10:
            raise forms.ValidationError("Between 0.5 and 10 deviations.")
        return value

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in ("terms", "phrases", "hashtags", "handles")):
            raise forms.ValidationError("Give at least one term, phrase, hashtag or handle to listen for.")
        brand, name = data.get("brand"), data.get("name")
        if brand and name and Monitor.objects.filter(brand=brand, name=name).exclude(pk=self.instance.pk).exists():
            self.add_error("name", f"{brand.name} already has a monitor of that name.")
        return data


class ListeningSettingsForm(forms.ModelForm):
    class Meta:
        model = ListeningSettings
        fields = ["x_recent_search"]


class CompetitorForm(forms.ModelForm):
    class Meta:
        model = Competitor
        fields = ["brand", "name", "network", "handle"]
        help_texts = {"handle": "Mastodon: name@server.example; Bluesky: name.bsky.social"}

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["brand"].queryset = Brand.objects.for_workspace(workspace)
        self.fields["network"].choices = Competitor.Network.choices  # no empty choice

    def clean(self):
        data = super().clean()
        handle = " ".join((data.get("handle") or "").split()).lstrip("@")
        network = data.get("network")
        if network == Competitor.Network.MASTODON and not re.fullmatch(r"[\w.]+@[\w.:-]+\.?[\w:-]*", handle):
            self.add_error("handle", "A Mastodon handle is name@server (for example acme@mastodon.social).")
        elif network == Competitor.Network.BLUESKY and not re.fullmatch(r"[\w-]+(\.[\w-]+)+", handle):
            self.add_error("handle", "A Bluesky handle is a domain name (for example acme.bsky.social).")
        data["handle"] = handle.lower()
        brand = data.get("brand")
        if (
            brand
            and network
            and Competitor.objects.filter(brand=brand, network=network, handle=data["handle"])
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error("handle", f"{brand.name} already follows this account.")
        return data
