import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(make_workspace, make_member, make_brand, make_account):
    """A workspace with an owner (who has an email), an editor, a brand and two accounts."""
    workspace = make_workspace("Northwind")
    owner = make_member(workspace, "owner", username="olga", email="olga@example.com")
    editor = make_member(workspace, "editor", username="ed", email="ed@example.com")
    brand = make_brand(workspace, "Northwind Coffee")
    mastodon = make_account(brand, "mastodon", "@northwind")
    x = make_account(brand, "x", "@northwind_x")
    return {"workspace": workspace, "owner": owner, "editor": editor, "brand": brand, "mastodon": mastodon, "x": x}


@pytest.fixture
def make_target():
    from posts.models import Post, PostTarget

    def make(account, *, state="scheduled", due_in=dt.timedelta(0), published_after=None, error_kind=""):
        now = timezone.now()
        brand = account.brand
        post = Post.objects.create(workspace=brand.workspace, brand=brand, text="Hello", scheduled_at=now + due_in)
        target = PostTarget.objects.create(
            post=post, account=account, text="Hello", state=state, due_at=now + due_in, error_kind=error_kind
        )
        if published_after is not None:
            PostTarget.objects.filter(pk=target.pk).update(published_at=target.due_at + published_after)
            target.refresh_from_db()
        return target

    return make
