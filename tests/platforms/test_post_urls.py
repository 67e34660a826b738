"""A post's address on its network read back into the id the adapter stores (a person who
found a post of unknown outcome pastes its link): each network's URL shapes, and None
wherever the link cannot name that account's post."""

from __future__ import annotations

import pytest

from smm.platforms import adapter_class
from smm.platforms.base import AccountContext

MASTODON = AccountContext(
    network="mastodon", remote_id="1091", handle="@acme@social.example", base_url="https://social.example"
)
SANDBOX = AccountContext(network="mastodon", remote_id="3", handle="@acme", base_url="http://127.0.0.1:8000/sandbox")
BLUESKY = AccountContext(
    network="bluesky",
    remote_id="did:plc:abc123",
    handle="@acme.bsky.social",
    credentials={"did": "did:plc:abc123"},
)
X = AccountContext(network="x", remote_id="2244994945", handle="@acmecoffee")
LINKEDIN = AccountContext(network="linkedin", remote_id="urn:li:organization:5515715", handle="Acme")
FACEBOOK = AccountContext(
    network="facebook", remote_id="1029384756", handle="Acme Coffee", credentials={"page_id": "1029384756"}
)
INSTAGRAM = AccountContext(network="instagram", remote_id="17841400000000000", handle="@acme")
THREADS = AccountContext(network="threads", remote_id="1234567", handle="@acme")


@pytest.mark.parametrize(
    ("account", "url", "expected"),
    [
        # Mastodon: the status id on the account's own server, from its public or ActivityPub address
        (MASTODON, "https://social.example/@acme/113512345678901234", "113512345678901234"),
        (MASTODON, "https://social.example/users/acme/statuses/113512345678901234", "113512345678901234"),
        (MASTODON, "https://SOCIAL.example/@acme/42/", "42"),
        (MASTODON, "https://mastodon.social/@acme/113512345678901234", None),  # another server: another id
        (MASTODON, "https://social.example/@acme", None),  # the profile, not a post
        (SANDBOX, "http://127.0.0.1:8000/sandbox/@acme/17", "17"),
        (SANDBOX, "http://127.0.0.1:8000/@acme/17", None),
        # Bluesky: the record's at:// URI, when the link names this account
        (
            BLUESKY,
            "https://bsky.app/profile/acme.bsky.social/post/3kq2abcde7s2x",
            "at://did:plc:abc123/app.bsky.feed.post/3kq2abcde7s2x",
        ),
        (
            BLUESKY,
            "https://bsky.app/profile/did:plc:abc123/post/3kq2abcde7s2x",
            "at://did:plc:abc123/app.bsky.feed.post/3kq2abcde7s2x",
        ),
        (BLUESKY, "https://bsky.app/profile/someone.else/post/3kq2abcde7s2x", None),
        (BLUESKY, "https://bsky.app/profile/acme.bsky.social", None),
        # X: the tweet id, on x.com or twitter.com
        (X, "https://x.com/acmecoffee/status/1858123456789012345", "1858123456789012345"),
        (X, "https://twitter.com/acmecoffee/status/1858123456789012345?s=20", "1858123456789012345"),
        (X, "https://mobile.twitter.com/i/web/status/1858123456789012345", "1858123456789012345"),
        (X, "https://x.com/acmecoffee", None),
        (X, "https://x.com/someoneelse/status/1858123456789012345", None),  # not our tweet
        (X, "https://example.com/acmecoffee/status/1858123456789012345", None),
        # LinkedIn: the share or ugcPost URN (an activity URN is another id)
        (
            LINKEDIN,
            "https://www.linkedin.com/feed/update/urn:li:share:7215000000000000000/",
            "urn:li:share:7215000000000000000",
        ),
        (
            LINKEDIN,
            "https://www.linkedin.com/feed/update/urn%3Ali%3AugcPost%3A7215000000000000001",
            "urn:li:ugcPost:7215000000000000001",
        ),
        (LINKEDIN, "https://www.linkedin.com/feed/update/urn:li:activity:7215000000000000002/", None),
        # Facebook: page id _ post id
        (FACEBOOK, "https://www.facebook.com/1029384756_8877665544", "1029384756_8877665544"),
        (FACEBOOK, "https://www.facebook.com/acmecoffee/posts/8877665544", "1029384756_8877665544"),
        (
            FACEBOOK,
            "https://www.facebook.com/permalink.php?story_fbid=8877665544&id=1029384756",
            "1029384756_8877665544",
        ),
        (FACEBOOK, "https://www.facebook.com/acmecoffee/posts/pfbid02abcXYZ", None),  # an opaque id
        (FACEBOOK, "https://www.facebook.com/5555555555_8877665544", None),  # another page's post
        # Instagram and Threads links carry a short code, not the media id their APIs use
        (INSTAGRAM, "https://www.instagram.com/p/C9abcDEFghi/", None),
        (THREADS, "https://www.threads.net/@acme/post/C9abcDEFghi", None),
    ],
)
def test_a_post_url_gives_the_remote_id_or_none(account, url, expected):
    # when a person pastes the post's link
    found = adapter_class(account.network).remote_id_from_url(url, account)
    # then the adapter names the post as it stores it, or says it cannot
    assert found == expected
