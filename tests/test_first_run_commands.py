"""First run from a shell: ``manage.py create_owner`` and ``manage.py create_workspace``."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from smm.models import AuditEvent, Membership, Workspace

pytestmark = pytest.mark.django_db

STRONG = "kettle-harbour-91"


def test_create_owner_from_a_script_with_the_password_in_the_environment(monkeypatch, capsys):
    # given a deployment script that keeps the password out of the process list
    monkeypatch.setenv("SMM_OWNER_PASSWORD", STRONG)
    # when it creates the owner without a terminal
    call_command(
        "create_owner",
        "--username=maria",
        "--email=maria@acme.example",
        "--workspace=Acme Coffee",
        "--time-zone=Europe/Berlin",
        "--no-input",
    )
    # then the owner can log in and owns the new workspace
    user = get_user_model().objects.get(username="maria")
    assert user.email == "maria@acme.example" and user.check_password(STRONG)
    assert not user.is_staff  # administrators only with --admin
    workspace = Workspace.objects.get(name="Acme Coffee")
    assert workspace.time_zone == "Europe/Berlin"
    assert Membership.objects.get(user=user, workspace=workspace).role == "owner"
    assert AuditEvent.objects.filter(workspace=workspace, verb="workspace.created").exists()
    out = capsys.readouterr().out
    assert "maria" in out and "Acme Coffee" in out and f"/w/{workspace.slug}/" in out
    assert STRONG not in out


def test_create_owner_with_admin_makes_the_installation_administrator():
    call_command(
        "create_owner", "--username=root", "--email=r@x.example", f"--password={STRONG}", "--workspace=Ops", "--admin"
    )
    user = get_user_model().objects.get(username="root")
    assert user.is_staff and user.is_superuser


def test_create_owner_refuses_a_weak_password_with_the_validators_messages():
    with pytest.raises(CommandError) as refused:
        call_command(
            "create_owner", "--username=maria", "--email=m@x.example", "--password=password", "--workspace=Acme"
        )
    assert "This password is too short" in str(refused.value)
    assert "This password is too common" in str(refused.value)
    assert not get_user_model().objects.exists() and not Workspace.objects.exists()


def test_create_owner_without_a_password_and_without_a_terminal_says_how_to_give_one(monkeypatch):
    monkeypatch.delenv("SMM_OWNER_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="SMM_OWNER_PASSWORD"):
        call_command("create_owner", "--username=maria", "--email=m@x.example", "--workspace=Acme", "--no-input")
    assert not get_user_model().objects.exists()


def test_create_owner_prompts_for_the_password_twice(monkeypatch):
    monkeypatch.delenv("SMM_OWNER_PASSWORD", raising=False)
    answers = iter(["password", "password", STRONG, "typo-" + STRONG, STRONG, STRONG])
    monkeypatch.setattr("smm.management.commands.create_owner.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("smm.management.commands.create_owner.can_prompt", lambda: True)
    call_command("create_owner", "--username=maria", "--email=m@x.example", "--workspace=Acme")
    # a weak one and a mismatch were asked again; the third pair was taken
    assert get_user_model().objects.get(username="maria").check_password(STRONG)


def test_create_owner_refuses_a_taken_username(make_user):
    make_user("maria")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_owner", "--username=Maria", "--email=m@x.example", f"--password={STRONG}", "--workspace=X")
    assert not Workspace.objects.exists()


def test_create_owner_refuses_an_unknown_time_zone():
    with pytest.raises(CommandError, match="Mars/Olympus"):
        call_command(
            "create_owner",
            "--username=maria",
            "--email=m@x.example",
            f"--password={STRONG}",
            "--workspace=Acme",
            "--time-zone=Mars/Olympus",
        )
    assert not get_user_model().objects.exists()


def test_create_workspace_for_an_existing_owner(make_user, capsys):
    maria = make_user("maria")
    call_command("create_workspace", "--owner=maria", "--time-zone=Asia/Tokyo", "Tokyo Tea")
    workspace = Workspace.objects.get(name="Tokyo Tea")
    assert workspace.time_zone == "Asia/Tokyo"
    assert Membership.objects.get(user=maria, workspace=workspace).role == "owner"
    event = AuditEvent.objects.get(workspace=workspace, verb="workspace.created")
    assert event.actor is None and "command line" in event.message
    assert f"/w/{workspace.slug}/" in capsys.readouterr().out


def test_create_workspace_for_an_unknown_owner_creates_nothing():
    with pytest.raises(CommandError, match="No user named nobody"):
        call_command("create_workspace", "--owner=nobody", "Tokyo Tea")
    assert not Workspace.objects.exists()


def test_create_workspace_names_what_is_wrong_in_words(make_user):
    make_user("maria")
    with pytest.raises(CommandError, match="Time zone: .*Mars/Olympus"):
        call_command("create_workspace", "--owner=maria", "--time-zone=Mars/Olympus", "Tokyo Tea")
    assert not Workspace.objects.exists()
