"""Forms of the composer and its side pages. Rules stay in posts.actions; these only
turn what was typed into arguments (and keep it for a re-render)."""

from __future__ import annotations

from django import forms

from posts import network_options
from posts.models import Campaign, MediaAsset, PostingSlot
from smm.models import Brand, SocialAccount
from smm.request_input import IdMultipleChoiceField


def cannot_publish_reason(account) -> str:
    """Why nothing can be posted to ``account`` ("" when it can). An account without
    credentials has nothing to publish with: the demo's history-only Instagram and LinkedIn
    accounts (the sandbox speaks only Mastodon's API) say why in their status reason."""
    if account.credentials:
        return ""
    return account.status_reason or f"it is not connected to {account.network_label}; reconnect it first."


class ComposerForm(forms.Form):
    brand = forms.ModelChoiceField(queryset=Brand.objects.none(), empty_label=None)
    accounts = IdMultipleChoiceField(
        queryset=SocialAccount.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    text = forms.CharField(
        label="Text", required=False, widget=forms.Textarea(attrs={"rows": 6, "placeholder": "Write your post once…"})
    )
    link = forms.URLField(label="Link", required=False, assume_scheme="https", max_length=1000)
    media = IdMultipleChoiceField(
        queryset=MediaAsset.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    upload = forms.FileField(label="Upload an image", required=False)
    upload_alt = forms.CharField(label="Alt text of the upload", required=False, max_length=1500)
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none(), required=False, empty_label="No campaign")
    date = forms.DateField(
        label="Date", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(label="Time", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["brand"].queryset = Brand.objects.for_workspace(workspace)
        accounts = (
            SocialAccount.objects.for_workspace(workspace)
            .exclude(status=SocialAccount.Status.DISCONNECTED)
            .select_related("brand")
            .order_by("brand__name", "network", "handle")
        )
        self.account_list = list(accounts)
        for account in self.account_list:
            account.cannot_publish = cannot_publish_reason(account)  # shown where it is picked
        self.fields["accounts"].queryset = accounts
        self.fields["media"].queryset = MediaAsset.objects.for_workspace(workspace)
        self.fields["campaign"].queryset = Campaign.objects.for_workspace(workspace)
        for account in self.account_list:
            self.fields[f"variant_{account.pk}"] = forms.CharField(
                required=False,
                label=str(account),
                widget=forms.Textarea(attrs={"rows": 5, "placeholder": "Same as the main text"}),
            )
        network_options.add_fields(self, self.account_list)

    def clean(self):
        data = super().clean()
        brand, accounts = data.get("brand"), data.get("accounts") or []
        if brand is not None:
            stray = [a for a in accounts if a.brand_id != brand.pk]
            if stray:
                self.add_error("accounts", f"{', '.join(map(str, stray))} belong to another brand than {brand}.")
        for account in accounts:
            reason = cannot_publish_reason(account)
            if reason:
                self.add_error("accounts", f"{account} cannot be posted to: {reason}")
        return data

    def variants(self) -> dict[int, str]:
        """Adapted texts by account id; an empty or unchanged variant follows the main text."""
        main = self.cleaned_data.get("text", "")
        out = {}
        for account in self.cleaned_data.get("accounts") or []:
            value = self.cleaned_data.get(f"variant_{account.pk}", "")
            if value.strip() and value != main:
                out[account.pk] = value
        return out

    def variant_rows(self):
        """(account, bound variant field, checked) for the per-network tabs."""
        chosen = {str(v) for v in (self["accounts"].value() or [])}
        return [(a, self[f"variant_{a.pk}"], str(a.pk) in chosen) for a in self.account_list]

    def target_options(self) -> dict[int, dict]:
        """The networks' own options by account id (visibility, poll, who may reply...)."""
        return {a.pk: network_options.options_for(self, a) for a in self.cleaned_data.get("accounts") or []}

    def option_groups(self):
        """The option fields of each account, for the composer's "Network options" card."""
        chosen = {str(v) for v in (self["accounts"].value() or [])}
        return network_options.groups(self, self.account_list, chosen)

    def chosen_media_ids(self) -> set[str]:
        return {str(v) for v in (self["media"].value() or [])}


class CommentForm(forms.Form):
    text = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 2}))


class PostLinkForm(forms.Form):
    """The link of a post found on its network (checked by ``actions.mark_on_network``)."""

    url = forms.CharField(
        label="Link to the post (optional)",
        required=False,
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://…", "autocomplete": "off"}),
        help_text="With its link, SMM reads the post's figures as for any published post.",
    )


class SlotForm(forms.ModelForm):
    class Meta:
        model = PostingSlot
        fields = ["weekday", "time"]
        widgets = {"time": forms.TimeInput(attrs={"type": "time"})}


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "colour", "starts_on", "ends_on"]
        widgets = {
            "colour": forms.TextInput(attrs={"type": "color"}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Campaign.objects.for_workspace(self.workspace).filter(name__iexact=name).exists():
            raise forms.ValidationError("A campaign with this name exists already.")
        return name

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The campaign ends before it starts.")
        return data


class UploadForm(forms.Form):
    file = forms.FileField(label="Image or video (JPEG, PNG, GIF, WebP; MP4, MOV, WebM)")
    alt_text = forms.CharField(
        label="Alt text", required=False, max_length=1500, help_text="Describe the image or video"
    )


class FilterForm(forms.Form):
    brand = forms.ModelChoiceField(queryset=Brand.objects.none(), required=False, empty_label="All brands")
    status = forms.ChoiceField(required=False)

    def __init__(self, *args, workspace, **kwargs):
        from posts.models import PostStatus

        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = Brand.objects.for_workspace(workspace)
        self.fields["status"].choices = [("", "Any status"), *PostStatus.choices]
