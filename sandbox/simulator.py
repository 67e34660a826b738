"""The audience simulator: simulated people like, boost and answer the brands' recent posts.

Deterministic: each (seed, post, minute) gets its own random stream, so the same seed,
clock and data give the same actions. Plausible: engagement is highest in a post's first
hours and fades; most replies are friendly, some are questions, a few are complaints
(the inbox needs something to prioritise).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from django.utils import timezone

from sandbox.actions import NewStatus, follow, interact, post_status
from sandbox.models import SandboxAccount, SandboxInteraction, SandboxStatus

AUDIENCE = [
    ("maya_brews", "Maya Chen"),
    ("jonas_outdoors", "Jonas Berg"),
    ("priya_reads", "Priya Nair"),
    ("tom_on_trails", "Tom Walker"),
    ("lena_k", "Lena Krüger"),
    ("sam_eats", "Sam Okafor"),
    ("ana_sketches", "Ana Ribeiro"),
    ("dev_dan", "Dan Murphy"),
    ("hikinghanna", "Hanna Svensson"),
    ("coffee_carlos", "Carlos Méndez"),
    ("yuki_daily", "Yuki Tanaka"),
    ("grumpy_gary", "Gary Fields"),
]

FRIENDLY = [
    "Love this! 😍",
    "This made my morning, thank you.",
    "Looks amazing, can't wait to try it.",
    "Great news, congrats to the whole team!",
    "Yes!! Been waiting for this.",
    "Shared with my friends, they'll love it.",
    "Beautiful photo 📸",
    "You folks never disappoint.",
]
QUESTIONS = [
    "Do you ship to Canada?",
    "Is this available in stores too or only online?",
    "What time do you open on Sundays?",
    "Any discount codes for students?",
    "How long does delivery usually take?",
]
COMPLAINTS = [
    "my order arrived broken, I want a refund",
    "Still waiting for my parcel after two weeks. Terrible service.",
    "I was charged twice for the same order. Please fix this.",
    "Your support never answers emails. Very disappointed.",
]

# Per minute (one tick), at a post's first moment; decays with a half-life of a few hours.
FAVOURITE_CHANCE = 0.004  # per audience member
REBLOG_CHANCE = 0.0015  # per audience member
REPLY_CHANCE = 0.015  # per post
FOLLOW_CHANCE = 0.008  # per post
HALF_LIFE_HOURS = 3.0
MAX_REPLIES_PER_POST = 6
WINDOW = dt.timedelta(hours=48)


@dataclass
class Outcome:
    favourites: int = 0
    reblogs: int = 0
    replies: int = 0
    follows: int = 0
    actions: list[tuple] = field(default_factory=list)


def audience() -> list[SandboxAccount]:
    members = []
    for username, name in AUDIENCE:
        account, _ = SandboxAccount.objects.get_or_create(
            username=username, defaults={"display_name": name, "is_audience": True, "followers_count": 40}
        )
        members.append(account)
    return members


def simulate(*, seed: int = 2026, now: dt.datetime | None = None, tick: dt.timedelta = dt.timedelta(minutes=1)):
    """One tick of the audience: act on every brand post of the last two days."""
    now = now or timezone.now()
    members = audience()
    tick_number = int(now.timestamp() // tick.total_seconds())
    outcome = Outcome()
    posts = SandboxStatus.objects.filter(
        account__is_audience=False,
        in_reply_to__isnull=True,
        visibility=SandboxStatus.Visibility.PUBLIC,
        created_at__gte=now - WINDOW,
        created_at__lte=now,
    ).select_related("account")
    for post in posts.order_by("id"):
        # Keyed by what the post is, not its row id, so a run repeats on any database.
        rng = random.Random(f"{seed}:{post.account.username}:{post.created_at.isoformat()}:{tick_number}")
        age_hours = (now - post.created_at).total_seconds() / 3600
        heat = math.pow(0.5, age_hours / HALF_LIFE_HOURS)
        for member in members:
            if rng.random() < FAVOURITE_CHANCE * heat and interact(
                member, post, SandboxInteraction.Kind.FAVOURITE, now=now
            ):
                outcome.favourites += 1
                outcome.actions.append(("favourite", member.username, post.pk))
            if rng.random() < REBLOG_CHANCE * heat and interact(member, post, SandboxInteraction.Kind.REBLOG, now=now):
                outcome.reblogs += 1
                outcome.actions.append(("reblog", member.username, post.pk))
        if rng.random() < REPLY_CHANCE * heat and post.replies_count < MAX_REPLIES_PER_POST:
            member = rng.choice(members)
            text = f"@{post.account.username} {_reply_text(rng)}"
            reply, _ = post_status(member, NewStatus(text=text, in_reply_to_id=str(post.pk)), now=now)
            outcome.replies += 1
            outcome.actions.append(("reply", member.username, post.pk, reply.text))
        if rng.random() < FOLLOW_CHANCE * heat:
            member = rng.choice(members)
            follow(member, post.account, now=now)
            outcome.follows += 1
            outcome.actions.append(("follow", member.username, post.account.username))
    return outcome


def _reply_text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        return rng.choice(FRIENDLY)
    if roll < 0.85:
        return rng.choice(QUESTIONS)
    return rng.choice(COMPLAINTS)
