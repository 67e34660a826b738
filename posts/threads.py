"""Threads and first comments: what the composer, the API and the post page share.

A thread's parts are stored per target (``PostTarget.parts``: the parts after the first;
the first is the target's text). The composer writes one list of parts and gives it to
every chosen account whose network publishes threads (X, Bluesky, Mastodon, Threads);
the API may give an account its own list. Per target, because that is where the engine
works (one target, one exactly-once publish with its own progress) and where a network's
variant of the text already lives: an account's parts can differ without a second table.

A first comment (Instagram, Facebook, LinkedIn) is stored per target too
(``PostTarget.first_comment``), published by the engine after the post, on its own.
The networks that take threads get no "first comment": a further part of the thread is
their self-reply, under the same exactly-once rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from posts.models import FirstCommentStatus, PostTarget, TargetState
from smm.platforms import registry

MAX_PARTS = 25  # parts after the first; a longer thread is rarely meant
MAX_FIRST_COMMENT = 8000


def thread_networks() -> list[str]:
    return [n.name for n in registry.NETWORKS.values() if n.capabilities.get("supports_threads")]


def comment_networks() -> list[str]:
    return [n.name for n in registry.NETWORKS.values() if n.capabilities.get("supports_first_comment")]


def takes_threads(network: str) -> bool:
    return network in thread_networks()


def takes_first_comment(network: str) -> bool:
    return network in comment_networks()


def clean_parts(values) -> list[str]:
    """The parts as typed (a list of strings), without the empty ones."""
    if not isinstance(values, (list, tuple)):
        return []
    return [str(value).strip() for value in values if isinstance(value, str) and value.strip()]


def parts_from(data) -> list[str]:
    """The composer's "part" fields (a QueryDict), in order, without the empty ones."""
    return clean_parts(data.getlist("part"))


def problems(parts: list[str], first_comment: str) -> dict[str, list[str]]:
    """What is wrong whatever the network (the networks' own rules are in posts.validation)."""
    found: dict[str, list[str]] = {}
    if len(parts) > MAX_PARTS:
        found["parts"] = [f"A thread has at most {MAX_PARTS + 1} parts; this one has {len(parts) + 1}."]
    if len(first_comment) > MAX_FIRST_COMMENT:
        found["first_comment"] = [
            f"The first comment is {len(first_comment) - MAX_FIRST_COMMENT:,} characters too long."
        ]
    return found


def set_thread(post, parts: list[str], first_comment: str, *, per_account: dict | None = None) -> None:
    """Give the post's targets their parts (networks that take threads) and first comment
    (networks that take one); the others get none. ``per_account``: {account id: parts}
    for accounts whose parts differ (the API)."""
    first_comment = (first_comment or "").strip()
    changed = []
    for target in post.targets.select_related("account").exclude(state=TargetState.CANCELLED):
        network = target.account.network
        own = (per_account or {}).get(target.account_id, (per_account or {}).get(str(target.account_id)))
        want_parts = (clean_parts(own) if own is not None else list(parts)) if takes_threads(network) else []
        want_comment = first_comment if takes_first_comment(network) else ""
        if target.parts != want_parts or target.first_comment != want_comment:
            target.parts, target.first_comment = want_parts, want_comment
            changed.append(target)
    if changed:
        PostTarget.objects.bulk_update(changed, ["parts", "first_comment"])


def post_thread(post) -> tuple[list[str], str]:
    """The parts and first comment the composer shows for a saved post."""
    parts: list[str] = []
    comment = ""
    for target in post.targets.select_related("account").exclude(state=TargetState.CANCELLED):
        if not parts and target.parts:
            parts = list(target.parts)
        if not comment and target.first_comment:
            comment = target.first_comment
    return parts, comment


@dataclass
class PartRow:
    number: int
    text: str
    state: str  # "published" | "waiting" | "failed" | "unknown" | "unconfirmed"
    url: str = ""
    remote_id: str = ""

    @property
    def state_label(self) -> str:
        return {
            "published": "Published",
            "waiting": "Waiting",
            "failed": "Not sent",
            "unknown": "Being checked",
            "unconfirmed": "Not confirmed",
        }[self.state]


def part_rows(target: PostTarget) -> list[PartRow]:
    """Each part of a target's thread with its state and link (empty for a single post)."""
    parts = [p for p in (target.parts or []) if isinstance(p, str) and p.strip()]
    if not parts:
        return []
    done = (target.publish_state or {}).get("thread")
    done = done if isinstance(done, list) else []
    if target.state == TargetState.PUBLISHED and not done:
        done = [{"id": target.remote_id, "url": target.remote_url}]  # marked by a person
    rows = []
    for index, text in enumerate([target.text, *parts]):
        if index < len(done):
            entry = done[index] if isinstance(done[index], dict) else {}
            rows.append(PartRow(index + 1, text, "published", entry.get("url") or "", str(entry.get("id") or "")))
            continue
        if target.state == TargetState.PUBLISHED:
            state = "unconfirmed"  # a person said the post is out; this part was never confirmed
        elif index == len(done) and target.state == TargetState.FAILED:
            state = "failed"
        elif index == len(done) and target.state == TargetState.UNKNOWN:
            state = "unknown"
        else:
            state = "waiting"
        rows.append(PartRow(index + 1, text, state))
    return rows


def first_comment_line(target: PostTarget) -> str:
    """The first comment's state in words, for the post page ("" when there is none)."""
    if not target.first_comment:
        return ""
    status = target.first_comment_status
    if status == FirstCommentStatus.PUBLISHED:
        return "First comment published."
    if status in (FirstCommentStatus.FAILED, FirstCommentStatus.UNKNOWN):
        return f"The post is live; its first comment failed: {target.first_comment_error}"
    if status in (FirstCommentStatus.PENDING, FirstCommentStatus.SENDING):
        if target.first_comment_error:
            return f"First comment not sent yet: {target.first_comment_error}"
        return "First comment being sent."
    return "First comment: sent after the post."


# --- the composer -------------------------------------------------------------------------------


def save_from_composer(post, data) -> None:
    """The composer's parts and first comment onto the post's targets; refused in words
    (a ``ValidationError`` keyed "parts" / "first_comment") when wrong whatever the network."""
    from django.core.exceptions import ValidationError

    parts, comment = parts_from(data), (data.get("first_comment") or "").strip()
    found = problems(parts, comment)
    if found:
        raise ValidationError(found)
    set_thread(post, parts, comment)


def editor_context(form, post) -> dict:
    """What templates/posts/_thread_editor.html shows: the parts and first comment as
    typed (or saved), and which accounts take a thread or a first comment."""
    if form.is_bound:
        parts = [str(value) for value in form.data.getlist("part")]
        comment = form.data.get("first_comment", "")
    elif post is not None:
        parts, comment = post_thread(post)
    else:
        parts, comment = [], ""
    accounts = getattr(form, "account_list", [])
    return {
        "parts": parts,
        "first_comment": comment,
        "thread_accounts": [str(a.pk) for a in accounts if takes_threads(a.network)],
        "comment_accounts": [str(a.pk) for a in accounts if takes_first_comment(a.network)],
    }
