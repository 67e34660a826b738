"""Forms of the links pages: a UTM preset (one level), re-pointing a link."""

from __future__ import annotations

from django import forms

from links.models import UtmPreset

INHERIT = [("", "As the level above"), ("yes", "Yes"), ("no", "No")]
TOP = [("yes", "Yes"), ("no", "No")]


def _to_bool(value: str):
    return {"yes": True, "no": False}.get(value)


class PresetForm(forms.ModelForm):
    add_utm = forms.TypedChoiceField(label="Add UTM parameters", choices=INHERIT, required=False, coerce=_to_bool)
    short_links = forms.TypedChoiceField(
        label="Short links with click counts", choices=INHERIT, required=False, coerce=_to_bool
    )
    override_existing = forms.TypedChoiceField(
        label="Links that already carry UTM parameters", choices=INHERIT, required=False, coerce=_to_bool
    )
    custom_text = forms.CharField(
        label="Other parameters",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "ref=social\nkey=-  (removes an inherited key)"}),
        help_text="One key=value a line.",
    )

    class Meta:
        model = UtmPreset
        fields = ["add_utm", "short_links", "override_existing", "source", "medium", "campaign_name", "content", "term"]

    def __init__(self, *args, level: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.level = level
        choices = TOP if level == "workspace" else INHERIT
        for name in ("add_utm", "short_links", "override_existing"):
            self.fields[name].choices = choices
            value = getattr(self.instance, name)
            self.initial[name] = "" if value is None else ("yes" if value else "no")
        self.fields["override_existing"].choices = [
            (key, {"yes": "Replace them with these", "no": "Leave them as they are"}.get(key, label))
            for key, label in self.fields["override_existing"].choices
        ]
        self.fields[
            "short_links"
        ].help_text = "No: this level's links are published as written and no click is counted."
        self.initial["custom_text"] = "\n".join(f"{k}={v}" for k, v in (self.instance.custom or {}).items())
        for name in ("source", "medium", "campaign_name", "content", "term"):
            self.fields[name].widget.attrs["placeholder"] = "as the level above" if level != "workspace" else "default"

    def clean_custom_text(self):
        custom = {}
        for number, line in enumerate(self.cleaned_data["custom_text"].splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            key = key.strip()
            if not sep or not key or " " in key:
                raise forms.ValidationError(f"Line {number} is not key=value: “{line.strip()}”.")
            if key.lower() in ("smm_cid",):
                raise forms.ValidationError("smm_cid is the click id SMM adds itself.")
            custom[key] = value.strip()
        return custom

    def save(self, commit=True):
        preset = super().save(commit=False)
        preset.custom = self.cleaned_data["custom_text"]
        if commit:
            preset.save()
        return preset


class RepointForm(forms.Form):
    destination = forms.URLField(label="New destination", max_length=2000, assume_scheme="https")

    def clean_destination(self):
        url = self.cleaned_data["destination"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("A web address starting with http:// or https://.")
        return url
