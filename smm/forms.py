from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from smm.models import TIME_ZONE_CHOICES, Brand, Invitation, Membership, UserProfile, Workspace
from smm.roles import Role


class BrandForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, initial="UTC")

    class Meta:
        model = Brand
        fields = ["name", "time_zone", "colour", "paused"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Brand.objects.for_workspace(self.workspace).filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("This workspace already has a brand with that name.")
        return name


class WorkspaceSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES)

    class Meta:
        model = Workspace
        fields = ["name", "time_zone", "approval_policy"]


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "role"]

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if Membership.objects.for_workspace(self.workspace).filter(user__email__iexact=email).exists():
            raise forms.ValidationError("This person is already a member of the workspace.")
        return email


class MembershipRoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]


class SignupForm(UserCreationForm):
    email = forms.EmailField(disabled=True, required=False)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "email"]


class SetupForm(UserCreationForm):
    """First run: the owner's account (Django's password validators) and the first workspace."""

    email = forms.EmailField(help_text="For password resets and the alerts owners get.")
    workspace_name = forms.CharField(
        label="Workspace name", max_length=120, help_text="Your company or your first client. You can add more later."
    )
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES, initial="UTC", help_text="Weeks in reports and the calendar follow it."
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = "At least 10 characters, not a common password and not like your name."
        if not self.is_bound:
            # static/js/setup.js preselects the browser's zone; after a submit, what was chosen stays.
            self.fields["time_zone"].widget.attrs["data-guess-time-zone"] = ""

    def clean_workspace_name(self):
        return self.cleaned_data["workspace_name"].strip()


class NewWorkspaceForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, initial="UTC")

    class Meta:
        model = Workspace
        fields = ["name", "time_zone"]


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES)

    class Meta:
        model = UserProfile
        fields = ["time_zone", "email_approval_requests", "email_approval_outcomes"]


ROLE_HELP = {
    Role.OWNER: "Everything, including members and workspace settings.",
    Role.MANAGER: "Approves posts, connects accounts, manages brands.",
    Role.EDITOR: "Writes and schedules posts.",
    Role.CONTRIBUTOR: "Writes posts; they go to approval.",
    Role.CLIENT: "Reads and approves; cannot write or reply.",
}
