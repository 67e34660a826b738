"""Forms of the inbox: the list's filters, reply, assign, snooze, note, keywords, saved replies."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from inbox.models import InboxKeyword, Kind, SavedReply
from smm.platforms import registry

STATUS_FILTERS = [
    ("open", "Open"),
    ("mine", "Assigned to me"),
    ("snoozed", "Snoozed"),
    ("done", "Done"),
    ("all", "Everything"),
]
SENTIMENTS = [("", "Any sentiment"), ("negative", "Negative"), ("neutral", "Neutral"), ("positive", "Positive")]
SORTS = [("priority", "Highest priority first"), ("newest", "Newest first")]


class FilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    status = forms.ChoiceField(choices=STATUS_FILTERS, required=False)
    brand = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    account = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    network = forms.ChoiceField(required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Kind.choices], required=False)
    sentiment = forms.ChoiceField(choices=SENTIMENTS, required=False)
    sort = forms.ChoiceField(choices=SORTS, required=False)
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)

    def __init__(self, data, *, brands, accounts, internal: bool = True):
        super().__init__(data)
        if not internal:
            # Assignment and priority are the team's triage; a client has neither filter.
            self.fields["status"].choices = [choice for choice in STATUS_FILTERS if choice[0] != "mine"]
            self.fields["sort"].choices = [choice for choice in SORTS if choice[0] == "newest"]
        self.fields["brand"].choices = [("", "All brands")] + [(b.pk, b.name) for b in brands]
        self.fields["account"].choices = [("", "All accounts")] + [
            (a.pk, f"{a.handle} ({a.network_label})") for a in accounts
        ]
        self.fields["network"].choices = [("", "All networks"), *registry.choices()]

    def value(self, name, default=None):
        """The cleaned value of one filter; a filter that does not validate is ignored
        on its own, without dropping the others."""
        if not self.is_bound:
            return default
        self.is_valid()
        return self.cleaned_data.get(name) or default


class ReplyForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="Reply")


class SnoozeForm(forms.Form):
    until = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        label="Snooze until",
    )

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until <= timezone.now():
            raise forms.ValidationError("Choose a time in the future.")
        return until


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, label="Internal note")


class KeywordForm(forms.ModelForm):
    class Meta:
        model = InboxKeyword
        fields = ["word", "weight"]

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_word(self):
        word = self.cleaned_data["word"].strip().lower()
        if not word:
            raise forms.ValidationError("Enter a word.")
        if InboxKeyword.objects.filter(workspace=self.workspace, word=word).exists():
            raise forms.ValidationError(f"“{word}” is already a keyword.")
        return word


class SavedReplyForm(forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ["title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if SavedReply.objects.filter(workspace=self.workspace, title=title).exists():
            raise forms.ValidationError(f"A saved reply called “{title}” exists already.")
        return title
