"""The composer's Repeat section, and the evergreen category form."""

from __future__ import annotations

from django import forms

from recurring import rules
from recurring.models import Category

PRESET_CHOICES = [
    ("", "Does not repeat"),
    ("daily", "Daily"),
    ("weekdays", "Every weekday (Monday to Friday)"),
    ("weekly", "Weekly, on the days below"),
    ("monthly_day", "Monthly, on the same day of the month"),
    ("monthly_weekday", "Monthly, on the same weekday (e.g. 2nd Tuesday)"),
]
END_CHOICES = [("never", "Never"), ("on", "On a date"), ("after", "After a number of times")]
DAY_CHOICES = [(code, name[:3]) for code, name in zip(rules.WEEKDAYS, rules.DAY_NAMES, strict=True)]


class RepeatForm(forms.Form):
    repeat = forms.ChoiceField(choices=PRESET_CHOICES, required=False, label="Repeat")
    repeat_interval = forms.IntegerField(
        min_value=1, max_value=rules.MAX_INTERVAL, initial=1, required=False, label="Every"
    )
    repeat_days = forms.MultipleChoiceField(
        choices=DAY_CHOICES, required=False, widget=forms.CheckboxSelectMultiple, label="On"
    )
    repeat_end = forms.ChoiceField(choices=END_CHOICES, initial="never", required=False, label="Ends")
    repeat_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    repeat_count = forms.IntegerField(min_value=1, max_value=rules.MAX_COUNT, required=False)

    def clean(self):
        data = super().clean()
        if data.get("repeat") == "weekly" and not data.get("repeat_days") and "repeat_days" not in self.errors:
            self.add_error("repeat_days", "Pick at least one day of the week.")
        end = data.get("repeat_end") or "never"
        if end == "on" and not data.get("repeat_until") and "repeat_until" not in self.errors:
            self.add_error("repeat_until", "Pick the last date.")
        if end == "after" and not data.get("repeat_count") and "repeat_count" not in self.errors:
            self.add_error("repeat_count", "Say how many times.")
        return data

    def recurrence(self, starts_on, at, zone) -> rules.Recurrence:
        data = self.cleaned_data
        end = data.get("repeat_end") or "never"
        return rules.Recurrence(
            preset=data.get("repeat") or "",
            starts_on=starts_on,
            at=at,
            zone=zone,
            interval=data.get("repeat_interval") or 1,
            days=list(data.get("repeat_days") or []),
            until=data.get("repeat_until") if end == "on" else None,
            count=data.get("repeat_count") if end == "after" else None,
        )

    @classmethod
    def initial_for(cls, rec: rules.Recurrence) -> dict:
        end = "on" if rec.until else "after" if rec.count else "never"
        return {
            "repeat": rec.preset,
            "repeat_interval": rec.interval,
            "repeat_days": rec.days,
            "repeat_end": end,
            "repeat_until": rec.until,
            "repeat_count": rec.count,
        }


class CategoryForm(forms.ModelForm):
    per_network = forms.CharField(
        label="A network's own values (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "x 72 60"}),
        help_text="One line per network: its name, gap in hours, duplicate window in days (e.g. “x 72 60”).",
    )

    class Meta:
        model = Category
        fields = ["brand", "name", "min_gap_hours", "duplicate_days"]
        labels = {"min_gap_hours": "Minimum gap per network (hours)", "duplicate_days": "Duplicate window (days)"}

    def clean_per_network(self):
        from smm.platforms.registry import NETWORKS

        rules_by_network = {}
        for number, line in enumerate(self.cleaned_data.get("per_network", "").splitlines(), start=1):
            parts = line.replace(",", " ").split()
            if not parts:
                continue
            if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
                raise forms.ValidationError(f"Line {number}: write the network, hours and days, like “x 72 60”.")
            name = parts[0].lower()
            if name not in NETWORKS:
                raise forms.ValidationError(f"Line {number}: {parts[0]} is not a network ({', '.join(NETWORKS)}).")
            if int(parts[1]) < 1 or int(parts[2]) < 1:
                raise forms.ValidationError(f"Line {number}: the gap and the window are at least 1.")
            rules_by_network[name] = {"gap_hours": int(parts[1]), "duplicate_days": int(parts[2])}
        return rules_by_network

    def save(self, commit=True):
        self.instance.network_rules = self.cleaned_data.get("per_network") or {}
        return super().save(commit)

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        from smm.models import Brand

        self.workspace = workspace
        self.fields["brand"].queryset = Brand.objects.for_workspace(workspace)
        self.fields["min_gap_hours"].min_value = 1
        self.fields["duplicate_days"].min_value = 1

    def clean(self):
        data = super().clean()
        brand, name = data.get("brand"), data.get("name")
        if brand and name and Category.objects.filter(brand=brand, name__iexact=name).exists():
            self.add_error("name", f"{data['brand']} already has a category named {data['name']}.")
        return data
