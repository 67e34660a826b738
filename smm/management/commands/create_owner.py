"""Create an owner and their first workspace from a shell: the first-run setup page's
job for installations set up by script (or to let someone in again later).

    python manage.py create_owner --username maria --email maria@acme.example --workspace "Acme"

The password comes from ``--password``, else the ``SMM_OWNER_PASSWORD`` environment
variable (kept out of the process list and the shell history), else a prompt. With
``--no-input`` nothing is asked: a missing or weak password is an error (exit status 1).
"""

from __future__ import annotations

import os
import sys
from getpass import getpass

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from smm.first_run import create_owner
from smm.forms import SetupForm

PASSWORD_ENV = "SMM_OWNER_PASSWORD"


def can_prompt() -> bool:
    return sys.stdin.isatty()


def form_errors(form) -> str:
    """A form's errors, a line each, named by the field's label."""
    lines = []
    for name, errors in form.errors.items():
        label = "Password" if name.startswith("password") else form[name].label if name in form.fields else ""
        lines += [f"{label}: {error}" if label else error for error in errors]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Create a user who owns a new workspace (the first-run setup, from a shell)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--password", help=f"Visible in the process list: prefer the {PASSWORD_ENV} environment variable"
        )
        parser.add_argument("--workspace", required=True, help="Name of the new workspace")
        parser.add_argument("--time-zone", default="UTC", help="The workspace's time zone (default: UTC)")
        parser.add_argument(
            "--admin", action="store_true", help="Also make them an administrator of this installation (the admin)"
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Never prompt (for scripts)"
        )

    def handle(self, *args, username, email, password, workspace, time_zone, admin, interactive, **options):
        password = password or os.environ.get(PASSWORD_ENV) or ""
        if not password:
            if not interactive:
                raise CommandError(f"No password: pass --password or set {PASSWORD_ENV}.")
            if not can_prompt():
                raise CommandError(f"No password and no terminal to ask for one: set {PASSWORD_ENV}.")
            password = self.prompt_password(username, email)
        form = SetupForm(
            {
                "username": username,
                "email": email,
                "password1": password,
                "password2": password,
                "workspace_name": workspace,
                "time_zone": time_zone,
            }
        )
        if not form.is_valid():
            raise CommandError("Nothing was created:\n" + form_errors(form))
        data = form.cleaned_data
        user, new_workspace = create_owner(
            username=data["username"],
            email=data["email"],
            password=password,
            workspace_name=data["workspace_name"],
            time_zone=data["time_zone"],
            administrator=admin,
            how="from the command line",
        )
        url = settings.SITE_URL.rstrip("/") + new_workspace.get_absolute_url()
        role = "owner and administrator" if admin else "owner"
        self.stdout.write(f"Created {user.get_username()}, {role} of {new_workspace.name}: {url}")

    def prompt_password(self, username: str, email: str) -> str:
        probe = get_user_model()(username=username, email=email)
        while True:
            password = getpass("Password: ")
            if getpass("Password (again): ") != password:
                self.stderr.write("The two passwords differ. Try again.")
                continue
            try:
                password_validation.validate_password(password, probe)
            except ValidationError as error:
                self.stderr.write("\n".join(error.messages))
                continue
            return password
