from django import forms

from content_calendar.models import CalendarNote
from smm.models import Brand


class CalendarNoteForm(forms.ModelForm):
    class Meta:
        model = CalendarNote
        fields = ["title", "brand", "starts_on", "ends_on", "colour"]
        labels = {"starts_on": "First day", "ends_on": "Last day"}
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "colour": forms.TextInput(attrs={"type": "color"}),
        }

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.workspace = workspace
        self.fields["brand"].queryset = Brand.objects.for_workspace(workspace)
        self.fields["brand"].empty_label = "Every brand"
        self.fields["ends_on"].required = False
        self.fields["ends_on"].help_text = "Leave empty for a one-day note"

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and not data.get("ends_on"):
            data["ends_on"] = data["starts_on"]
            self.instance.ends_on = data["starts_on"]
        return data
