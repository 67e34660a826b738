"""Hashtag groups and snippets of a brand: the form that checks them, and what the
composer's Insert menu lists."""

from __future__ import annotations

import re

from django import forms

from posts.models import Snippet

# Instagram refuses a caption with more than 30 hashtags; a group is made to be pasted
# whole, so none may hold more (PLATFORMS.md, Instagram limits).
MAX_HASHTAGS = 30
HASHTAG = re.compile(r"#\w+")


class SnippetForm(forms.ModelForm):
    class Meta:
        model = Snippet
        fields = ["kind", "name", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}
        labels = {"kind": "Kind", "name": "Name", "body": "Inserts"}
        error_messages = {
            "name": {"required": "Give it a name.", "max_length": "Keep the name under 80 characters."},
            "body": {"required": "Write what it inserts.", "max_length": "Keep it under 2,000 characters."},
        }

    def __init__(self, *args, brand, **kwargs):
        super().__init__(*args, **kwargs)
        self.brand = brand

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give it a name.")
        same = Snippet.objects.filter(brand=self.brand, name__iexact=name)
        if self.instance.pk:
            same = same.exclude(pk=self.instance.pk)
        if same.exists():
            raise forms.ValidationError(f"{self.brand.name} already has one named “{name}”: pick another name.")
        return name

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError("Write what it inserts.")
        return body

    def clean(self):
        data = super().clean()
        if data.get("kind") == Snippet.Kind.HASHTAGS and data.get("body"):
            words = data["body"].split()
            wrong = [w for w in words if not HASHTAG.fullmatch(w)]
            if wrong:
                self.add_error(
                    "body",
                    f"A hashtag group holds only hashtags, separated by spaces: “{wrong[0]}” is not one "
                    f"(write it as #{wrong[0].lstrip('#') or 'tag'}), or make this a snippet.",
                )
            elif len(words) > MAX_HASHTAGS:
                self.add_error(
                    "body", f"At most {MAX_HASHTAGS} hashtags (Instagram's limit): this group has {len(words)}."
                )
            else:
                data["body"] = " ".join(words)
        return data


def for_composer(brands) -> list[Snippet]:
    """The hashtag groups and snippets of the composer's brands (already the workspace's),
    in the order the Insert menu lists them."""
    return list(Snippet.objects.filter(brand__in=list(brands)).order_by("brand_id", "kind", "name"))
