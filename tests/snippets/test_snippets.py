"""A brand's hashtag groups and snippets: who sees and changes them, what is refused and
how (the form comes back as typed), another workspace's are not found, and the composer
lists the chosen brand's in its Insert menu."""

import pytest

from posts.models import Snippet
from posts.snippets import SnippetForm

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand_team(make_workspace, make_member, make_brand):
    ws = make_workspace("Acme")
    users = {role: make_member(ws, role, username=role) for role in ("owner", "manager", "editor", "client")}
    brand = make_brand(ws, "Acme Coffee")
    group = Snippet.objects.create(brand=brand, kind="hashtags", name="Coffee tags", body="#coffee #beans")
    return ws, users, brand, group


def url(ws, brand):
    return f"/w/{ws.slug}/posts/snippets/{brand.pk}/"


def test_a_manager_adds_a_hashtag_group_and_an_editor_sees_it(client, brand_team):
    ws, users, brand, _ = brand_team
    # given: the manager
    client.force_login(users["manager"])
    # when: she saves a hashtag group written with extra spaces and line breaks
    response = client.post(url(ws, brand), {"kind": "hashtags", "name": " Autumn ", "body": "#autumn   #blend\n#cosy"})
    # then: it is saved tidy, and the page lists it
    assert response.status_code == 302
    saved = Snippet.objects.get(name="Autumn")
    assert (saved.brand, saved.body) == (brand, "#autumn #blend #cosy")
    # and an editor sees it (without the edit buttons), as do the composer's Insert menu
    client.force_login(users["editor"])
    page = client.get(url(ws, brand)).content.decode()
    assert "#autumn #blend #cosy" in page and "Coffee tags" in page
    assert "Delete Autumn" not in page
    composer = client.get(f"/w/{ws.slug}/posts/new/").content.decode()
    assert 'data-insert="#autumn #blend #cosy"' in composer


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "hashtags", "name": "", "body": "#a"}, "name", "Give it a name."),
        ({"kind": "hashtags", "name": "coffee TAGS", "body": "#a"}, "name", "Acme Coffee already has one named"),
        ({"kind": "text", "name": "Sign-off", "body": "   "}, "body", "Write what it inserts."),
        ({"kind": "hashtags", "name": "Mixed", "body": "#coffee beans"}, "body", "“beans” is not one"),
        (
            {"kind": "hashtags", "name": "Many", "body": " ".join(f"#t{n}" for n in range(31))},
            "body",
            "At most 30 hashtags (Instagram's limit): this group has 31.",
        ),
    ],
)
def test_bad_input_comes_back_as_typed_with_a_clear_message(client, brand_team, data, field, message):
    ws, users, brand, _ = brand_team
    client.force_login(users["owner"])
    # when: the owner saves something wrong
    response = client.post(url(ws, brand), data)
    # then: the page comes back with the message by the field and what was typed
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    page = response.content.decode()
    assert message.split("“")[0].replace("'", "&#x27;") in page
    if data["body"].strip():
        assert data["body"].split()[0] in page
    assert Snippet.objects.count() == 1


def test_a_snippet_may_hold_any_text(brand_team):
    _, _, brand, _ = brand_team
    form = SnippetForm({"kind": "text", "name": "Visit", "body": "Come by! https://example.com #coffee"}, brand=brand)
    assert form.is_valid(), form.errors


def test_a_manager_changes_and_deletes_a_group(client, brand_team):
    ws, users, brand, group = brand_team
    client.force_login(users["manager"])
    # the edit form comes filled with the group
    page = client.get(url(ws, brand) + f"?edit={group.pk}").content.decode()
    assert "Change “Coffee tags”" in page and "#coffee #beans" in page
    # keeping its own name is not a duplicate
    response = client.post(
        url(ws, brand), {"snippet": group.pk, "kind": "hashtags", "name": "Coffee tags", "body": "#coffee"}
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.body == "#coffee"
    client.post(url(ws, brand), {"delete": group.pk})
    assert not Snippet.objects.filter(pk=group.pk).exists()


@pytest.mark.parametrize("role", ["editor", "client"])
def test_only_owners_and_managers_change_them(client, brand_team, role):
    ws, users, brand, group = brand_team
    client.force_login(users[role])
    created = client.post(url(ws, brand), {"kind": "text", "name": "X", "body": "y"})
    deleted = client.post(url(ws, brand), {"delete": group.pk})
    assert (created.status_code, deleted.status_code) == (403, 403)
    assert list(Snippet.objects.values_list("name", flat=True)) == ["Coffee tags"]


def test_a_client_does_not_see_the_page(client, brand_team):
    ws, users, brand, _ = brand_team
    client.force_login(users["client"])
    assert client.get(url(ws, brand)).status_code == 403


def test_another_workspaces_brand_and_snippets_are_not_found(client, brand_team, make_workspace, make_member):
    ws, _, brand, group = brand_team
    other = make_workspace("Beta")
    outsider = make_member(other, "owner", username="bob")
    client.force_login(outsider)
    # another workspace's brand, under its own slug or under the outsider's
    assert client.get(url(ws, brand)).status_code == 404
    assert client.get(f"/w/{other.slug}/posts/snippets/{brand.pk}/").status_code == 404
    # and its own composer lists none of Acme's
    assert "Coffee tags" not in client.get(f"/w/{other.slug}/posts/new/").content.decode()
    # a group of another brand cannot be edited or deleted through this brand's page
    ws_brand_b = other.brands.create(name="Beta Brand")
    client.post(f"/w/{other.slug}/posts/snippets/{ws_brand_b.pk}/", {"delete": group.pk})
    assert Snippet.objects.filter(pk=group.pk).exists()
    edit = client.get(f"/w/{other.slug}/posts/snippets/{ws_brand_b.pk}/?edit={group.pk}")
    assert edit.status_code == 404


def test_names_are_unique_per_brand_not_per_workspace(brand_team, make_brand):
    ws, _, _, _ = brand_team
    second = make_brand(ws, "Second")
    form = SnippetForm({"kind": "hashtags", "name": "Coffee tags", "body": "#x"}, brand=second)
    assert form.is_valid(), form.errors


def test_the_demo_seed_gives_every_brand_two_groups_and_two_snippets_once():
    from django.core.management import call_command

    from smm.models import Brand

    call_command("seed_demo", "--no-history", verbosity=0)
    call_command("seed_demo", "--no-history", verbosity=0)
    brands = Brand.objects.all()
    assert brands.count() >= 3
    for brand in brands:
        kinds = sorted(brand.snippets.values_list("kind", flat=True))
        assert kinds == ["hashtags", "hashtags", "text", "text"], brand.name
