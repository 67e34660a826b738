"""Which monitors a public post matches: one compiled index over every active monitor.

A post is lowercased once and cut into words, hashtags and @handles by three regular
expressions; each is looked up in a dictionary built from the monitors, so the cost per
post grows with the post's length, not with the number of monitors (100 monitors cost
about what 1 does). Rules, in the user's words:

- a term matches a whole word, in any case and also as a hashtag ("acme" finds "ACME",
  "#acme" and "acme's", not "acmeville"); a term of several words is a phrase;
- a phrase matches those words in that order, whatever the spacing or punctuation between
  them ("cold brew" finds "Cold-brew" and "cold  brew");
- a hashtag ("#acme" or "acme") matches only the hashtag;
- a handle ("@acme.bsky.social", or a DID) matches a mention of it in the text, or a post
  by that author;
- an exclusion (a word or a phrase) found in the post drops the post for that monitor;
- languages: a post declaring languages must declare one of the monitor's; a post that
  declares none is kept (it cannot be told apart).
Scripts written without spaces (Chinese, Japanese, Thai) are matched as substrings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

WORD = re.compile(r"\w+")
HASHTAG = re.compile(r"#(\w+)")
HANDLE = re.compile(r"@([\w-]+(?:\.[\w-]+)*)")
NO_SPACE_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "HANGUL")


def _fold(text: str) -> str:
    return text.casefold()


def _no_spaces(term: str) -> bool:
    return any(any(script in unicodedata.name(char, "") for script in NO_SPACE_SCRIPTS) for char in term)


def clean_entries(values: Iterable[str], *, strip: str = "") -> list[str]:
    """The user's entries, folded, without blanks, duplicates or the given leading marks."""
    out = []
    for value in values or []:
        value = " ".join(str(value).split())
        if strip:
            value = value.lstrip(strip)
        value = _fold(value)
        if value and value not in out:
            out.append(value)
    return out


@dataclass
class Rule:
    """One monitor's rule as the index needs it."""

    monitor_id: int
    terms: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    exclusions: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)

    @classmethod
    def from_monitor(cls, monitor) -> Rule:
        return cls(
            monitor_id=monitor.pk,
            terms=clean_entries([*monitor.terms, *monitor.phrases]),
            hashtags=clean_entries(monitor.hashtags, strip="#"),
            handles=clean_entries(monitor.handles, strip="@"),
            exclusions=clean_entries(monitor.exclusions),
            languages=[lang.split("-")[0] for lang in clean_entries(monitor.languages)],
        )


@dataclass
class Post:
    text: str
    langs: list[str] = field(default_factory=list)
    author_id: str = ""
    author_handle: str = ""


@dataclass(frozen=True)
class _Text:
    """A term or exclusion as the index compares it: its words, or a substring for
    scripts written without spaces."""

    folded: str
    words: tuple[str, ...]
    substring: bool

    @classmethod
    def of(cls, term: str) -> _Text:
        return cls(term, tuple(WORD.findall(term)), _no_spaces(term))


@dataclass
class _Words:
    """A lowercased post cut the ways the index looks things up."""

    folded: str
    words: list[str]
    word_set: set[str]
    tags: set[str]
    handles: set[str]

    @classmethod
    def of(cls, text: str) -> _Words:
        folded = _fold(text or "")
        words = WORD.findall(folded)
        return cls(folded, words, set(words), set(HASHTAG.findall(folded)), set(HANDLE.findall(folded)))

    def has(self, text: _Text) -> bool:
        if text.substring:
            return text.folded in self.folded
        if len(text.words) == 1:
            return text.words[0] in self.word_set
        return bool(text.words) and self.has_phrase(text.words)

    def has_phrase(self, phrase: tuple[str, ...]) -> bool:
        first, size = phrase[0], len(phrase)
        words = self.words
        return any(word == first and tuple(words[index : index + size]) == phrase for index, word in enumerate(words))


class Matcher:
    """Built once from the active monitors (rebuilt when they change); ``match`` answers
    {monitor id: [what matched]} for one post."""

    def __init__(self, rules: Iterable[Rule]):
        self.rules = {rule.monitor_id: rule for rule in rules}
        self._words: dict[str, list[tuple[int, str]]] = {}
        self._phrases: dict[str, list[tuple[int, str, tuple[str, ...]]]] = {}
        self._substrings: list[tuple[int, str]] = []
        self._tags: dict[str, list[tuple[int, str]]] = {}
        self._handles: dict[str, list[tuple[int, str]]] = {}
        self._exclusions: dict[int, list[_Text]] = {}
        self._languages: dict[int, set[str]] = {}
        for rule in self.rules.values():
            for term in rule.terms:
                self._add_text(rule.monitor_id, term)
            for tag in rule.hashtags:
                self._tags.setdefault(tag, []).append((rule.monitor_id, f"#{tag}"))
            for handle in rule.handles:
                self._handles.setdefault(handle, []).append(
                    (rule.monitor_id, handle if handle.startswith("did:") else f"@{handle}")
                )
            if rule.exclusions:
                self._exclusions[rule.monitor_id] = [_Text.of(e) for e in rule.exclusions]
            if rule.languages:
                self._languages[rule.monitor_id] = set(rule.languages)

    def _add_text(self, monitor_id: int, term: str) -> None:
        if _no_spaces(term):
            self._substrings.append((monitor_id, term))
            return
        words = tuple(WORD.findall(term))
        if not words:
            return
        if len(words) == 1:
            self._words.setdefault(words[0], []).append((monitor_id, term))
        else:
            self._phrases.setdefault(words[0], []).append((monitor_id, term, words))

    def __len__(self) -> int:
        return len(self.rules)

    def match(self, post: Post) -> dict[int, list[str]]:
        cut = _Words.of(post.text)
        found: dict[int, list[str]] = {}

        def hit(monitor_id: int, what: str) -> None:
            seen = found.setdefault(monitor_id, [])
            if what not in seen:
                seen.append(what)

        for word in cut.word_set:
            for monitor_id, term in self._words.get(word, ()):
                hit(monitor_id, term)
            for monitor_id, term, phrase in self._phrases.get(word, ()):
                if cut.has_phrase(phrase):
                    hit(monitor_id, term)
        for monitor_id, term in self._substrings:
            if term in cut.folded:
                hit(monitor_id, term)
        for tag in cut.tags:
            for monitor_id, shown in self._tags.get(tag, ()):
                hit(monitor_id, shown)
        for handle in cut.handles:
            for monitor_id, shown in self._handles.get(handle, ()):
                hit(monitor_id, shown)
        for author in (_fold(post.author_id), _fold(post.author_handle).lstrip("@")):
            if author:
                for monitor_id, shown in self._handles.get(author, ()):
                    hit(monitor_id, shown)
        if not found:
            return found
        langs = {_fold(lang).split("-")[0] for lang in post.langs or [] if isinstance(lang, str)}
        for monitor_id in list(found):
            wanted = self._languages.get(monitor_id)
            if wanted and langs and not (wanted & langs):
                del found[monitor_id]
                continue
            if any(cut.has(exclusion) for exclusion in self._exclusions.get(monitor_id, ())):
                del found[monitor_id]
        return found


def matcher_for(monitors) -> Matcher:
    return Matcher(Rule.from_monitor(monitor) for monitor in monitors if monitor.active)
