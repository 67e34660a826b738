"""The calendar page and its notes: what a member sees before any JavaScript runs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from content_calendar.models import CalendarNote
from tests.html import external_resources

pytestmark = pytest.mark.django_db


def test_the_calendar_is_in_the_menu_and_configured_for_the_viewer(client, studio):
    # given / when
    client.force_login(studio.owner)
    response = client.get(reverse("calendar:view", kwargs={"ws": studio.workspace.slug}), {"view": "week"})

    # then: menu entry, the user's zone, the week view, FullCalendar served locally
    html = response.content.decode()
    assert response.status_code == 200
    menu = {item["label"]: item for item in response.context["workspace_menu"]}
    assert menu["Calendar"]["url"] == f"/w/{studio.workspace.slug}/calendar/" and menu["Calendar"]["active"]
    config = response.context["config"]
    assert config["timeZone"] == "Europe/Paris"
    assert config["initialView"] == "timeGridWeek"
    assert config["composerUrl"].startswith(f"/w/{studio.workspace.slug}/posts/")
    assert "/static/vendor/fullcalendar/index.global.min.js" in html
    assert external_resources(html) == []


def test_a_brand_calendar_is_the_workspace_calendar_filtered(client, studio):
    client.force_login(studio.owner)
    url = reverse("calendar:view", kwargs={"ws": studio.workspace.slug})

    response = client.get(url, {"brand": studio.roast.pk, "view": "list", "date": "2030-03-01"})

    assert response.context["selected_brand"] == studio.roast
    assert "<h1>Roast calendar</h1>" in response.content.decode()
    assert response.context["config"]["initialView"] == "listMonth"
    assert response.context["config"]["initialDate"] == "2030-03-01"


def test_a_client_sees_the_calendar_without_moving_or_writing(client, studio):
    client.force_login(studio.client)
    response = client.get(reverse("calendar:view", kwargs={"ws": studio.workspace.slug}))

    assert response.status_code == 200
    assert response.context["config"]["canSchedule"] is False
    assert response.context["config"]["canWrite"] is False
    assert "Your role can look but not move posts." in response.content.decode()


def test_notes_are_created_edited_and_deleted(client, studio):
    # given
    client.force_login(studio.editor)
    ws = studio.workspace.slug

    # when: a one-day note is written (no last day)
    response = client.post(
        reverse("calendar:note_create", kwargs={"ws": ws}),
        {"title": "Bank holiday", "brand": "", "starts_on": "2030-05-06", "ends_on": "", "colour": "#f59e0b"},
    )

    # then: saved as one day, back on the calendar at that date
    note = CalendarNote.objects.get(workspace=studio.workspace)
    assert (note.title, str(note.starts_on), str(note.ends_on), note.brand) == (
        "Bank holiday",
        "2030-05-06",
        "2030-05-06",
        None,
    )
    assert response.url == f"/w/{ws}/calendar/?date=2030-05-06"

    # when: edited with a last day before the first
    response = client.post(
        reverse("calendar:note_edit", kwargs={"ws": ws, "note_id": note.pk}),
        {"title": "Bank holiday", "starts_on": "2030-05-06", "ends_on": "2030-05-01", "colour": "#f59e0b"},
    )
    # then: the form comes back with the reason and what was typed
    assert response.status_code == 200
    assert "The last day cannot be before the first day." in response.content.decode()
    assert 'value="2030-05-01"' in response.content.decode()

    # when: deleted
    client.post(reverse("calendar:note_delete", kwargs={"ws": ws, "note_id": note.pk}))
    assert not CalendarNote.objects.exists()


def test_notes_of_another_workspace_are_404_and_clients_cannot_write(client, studio, make_workspace):
    other = make_workspace("Other")
    theirs = CalendarNote.objects.create(
        workspace=other, title="Secret launch", starts_on="2030-01-01", ends_on="2030-01-01"
    )
    client.force_login(studio.owner)
    assert (
        client.get(
            reverse("calendar:note_edit", kwargs={"ws": studio.workspace.slug, "note_id": theirs.pk})
        ).status_code
        == 404
    )
    assert (
        "Secret launch"
        not in client.get(reverse("calendar:notes", kwargs={"ws": studio.workspace.slug})).content.decode()
    )

    client.force_login(studio.client)
    assert client.get(reverse("calendar:note_create", kwargs={"ws": studio.workspace.slug})).status_code == 403
