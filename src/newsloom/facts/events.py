"""Events: who did what to whom, when, for key predicates, read from spaCy's dependency parse.

Only sentences whose words include a key predicate are looked at (a word list, no lemmatiser needed): sign,
ratify, deploy, send, supply, attack, kill, warn, deny, say (and a few synonyms that news uses for them: "ink" a
deal, "dispatch" troops). The actor is the subject (the "by" agent of a passive), the target the direct object,
or the recipient of "send/supply/deploy ... to X" when that is where the action goes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..records import Entity, Event, content_id
from .attribution import Attributor
from .timex import find_times, nearest_time

_FORMS = {
    "sign": "sign sign signs signed signing ink inks inked inking",
    "ratify": "ratify ratifies ratified ratifying",
    "deploy": "deploy deploys deployed deploying",
    "send": "send sends sent sending dispatch dispatches dispatched dispatching",
    "supply": "supply supplies supplied supplying provide provides provided providing",
    "attack": "attack attacks attacked attacking strike strikes struck striking bomb bombs bombed bombing",
    "kill": "kill kills killed killing",
    "warn": "warn warns warned warning",
    "deny": "deny denies denied denying",
    "say": "say says said saying",
}
PREDICATES = {form: lemma for lemma, forms in _FORMS.items() for form in forms.split()}
_PREDICATE_WORDS = re.compile(r"\b(?:" + "|".join(sorted(PREDICATES, key=len, reverse=True)) + r")\b", re.I)
_SUBJECTS = {"nsubj", "nsubjpass", "csubj"}
_OBJECTS = {"dobj", "obj", "attr", "oprd"}


def has_predicate(sentence: str) -> bool:
    return bool(_PREDICATE_WORDS.search(sentence))


def doc_events(article_id: str, doc, entities: list[Entity], published: str | None,
               attributor: Attributor) -> Iterator[Event]:
    """Events of one parsed article (``doc`` covers the article text from offset 0)."""
    spans = sorted((e.span[0], e.span[1], e.key) for e in entities)
    for sent in doc.sents:
        if not _PREDICATE_WORDS.search(sent.text):
            continue
        times = None
        for token in sent:
            lemma = PREDICATES.get(token.lower_)
            if lemma is None or not token.tag_.startswith("VB"):
                continue
            if lemma == "say" and token.dep_ not in ("ROOT", "conj", "ccomp", "parataxis"):
                continue
            actor_tok = _child(token, _SUBJECTS)
            passive = actor_tok is not None and actor_tok.dep_ == "nsubjpass"
            agent = next((c for c in token.children if c.dep_ == "agent"), None)
            target_tok = _child(token, _OBJECTS)
            if passive:
                target_tok, actor_tok = actor_tok, (_child(agent, {"pobj"}) if agent is not None else None)
            if actor_tok is None and token.dep_ in ("conj", "xcomp", "advcl", "relcl", "acl"):
                actor_tok = _child(token.head, _SUBJECTS) if token.dep_ != "relcl" else token.head
            recipient = None
            for child in token.children:
                if child.dep_ in ("prep", "dative") and child.lower_ in ("to", "into", "on", "against"):
                    recipient = _child(child, {"pobj"})
            if lemma == "say":
                target_tok = None  # what was said is the rest of the sentence
            actor = _phrase(actor_tok)
            target = _phrase(target_tok)
            if recipient is not None and lemma in ("send", "supply", "deploy", "attack"):
                target = f"{target} -> {_phrase(recipient)}" if target else _phrase(recipient)
            if not actor and not target:
                continue
            if times is None:
                times = find_times(sent.text, published)
            when = nearest_time(times, (token.idx - sent.start_char, token.idx - sent.start_char + len(token)),
                                sent.text)
            negated = any(c.dep_ == "neg" for c in token.children)
            yield Event(
                id=content_id("ev", article_id, str(token.idx), lemma), article_id=article_id, predicate=lemma,
                actor=actor, actor_keys=_keys(spans, actor_tok), target=target,
                target_keys=_keys(spans, target_tok) + (_keys(spans, recipient) if recipient is not None else ()),
                negated=negated, time_text=when.text if when else None, time_start=when.start if when else None,
                time_end=when.end if when else None,
                attribution=attributor.attribution(sent.text, sent.start_char) if lemma != "say" else actor,
                sentence=sent.text.strip(), span=(sent.start_char, sent.end_char))


def _child(token, deps):
    if token is None:
        return None
    return next((c for c in token.children if c.dep_ in deps), None)


def _phrase(token) -> str | None:
    if token is None:
        return None
    words = [t for t in token.subtree if t.dep_ not in ("relcl", "acl", "punct") or t.i == token.i]
    left = min(t.i for t in words)
    right = max(t.i for t in words)
    span = token.doc[left:right + 1]
    text = span.text
    return text if len(text) <= 120 else token.text


def _keys(spans: list[tuple[int, int, str]], token) -> tuple[str, ...]:
    if token is None:
        return ()
    start = min(t.idx for t in token.subtree)
    end = max(t.idx + len(t) for t in token.subtree)
    keys = []
    for s, e, key in spans:
        if s >= end:
            break
        if s < end and start < e and key not in keys:
            keys.append(key)
    return tuple(keys)
