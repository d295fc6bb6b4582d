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
_PRONOUN_TAGS = {"PRP", "WP", "WDT", "EX"}


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
            # The parser makes a dateline's place ("MOSCOW (AP) — The upper house ... ratified") a second
            # subject of the sentence's verb: the actor is the other one.
            actor_tok = next((c for c in token.children if c.dep_ in _SUBJECTS and not attributor.in_dateline(c.idx)),
                             None)
            passive = actor_tok is not None and actor_tok.dep_ == "nsubjpass"
            agent = next((c for c in token.children if c.dep_ == "agent"), None)
            target_tok = _child(token, _OBJECTS)
            if passive:
                target_tok, actor_tok = actor_tok, (_child(agent, {"pobj"}) if agent is not None else None)
            if actor_tok is None and token.dep_ in ("conj", "xcomp", "advcl", "relcl", "acl"):
                actor_tok = _child(token.head, _SUBJECTS) if token.dep_ != "relcl" else token.head
            if actor_tok is None or actor_tok.tag_ in _PRONOUN_TAGS:
                actor_tok = _governing_subject(token) or actor_tok
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


def _governing_subject(token):
    """The nearest named subject up the parse from an event without one ("Seoul said it would consider sending
    weapons": "it" and the subject-less "sending" both lead up to Seoul), so that the same action reported by
    two outlets, one naming the actor and one using a pronoun, keys the same actor. Stops at the sentence root;
    a pronoun or a bare common noun is not taken as a name. Inside a relative clause the actor is the noun the
    clause describes ("Ukraine, which has been asking for weapons to strike Russia")."""
    node = token
    while node.head.i != node.i:  # spaCy makes a new Token object on each access: compare positions
        if node.dep_ == "relcl":
            return node.head if node.head.tag_ in ("NNP", "NNPS") else None
        node = node.head
        subject = _child(node, _SUBJECTS)
        if subject is not None and subject.tag_ in ("NNP", "NNPS"):
            return subject
    return None


def _core(token) -> list:
    """The words of a phrase without the clauses that describe it: "Ukraine, which has been asking for weapons
    to strike Russia" is Ukraine (Russia is not its actor)."""
    words, stack = [], [token]
    while stack:
        t = stack.pop()
        words.append(t)
        stack.extend(c for c in t.children if c.dep_ not in ("relcl", "acl", "punct"))
    return words


def _phrase(token) -> str | None:
    if token is None:
        return None
    words = _core(token)
    span = token.doc[min(t.i for t in words):max(t.i for t in words) + 1]
    text = span.text
    return text if len(text) <= 120 else token.text


def _keys(spans: list[tuple[int, int, str]], token) -> tuple[str, ...]:
    if token is None:
        return ()
    words = _core(token)
    start = min(t.idx for t in words)
    end = max(t.idx + len(t) for t in words)
    keys = []
    for s, e, key in spans:
        if s >= end:
            break
        if s < end and start < e and key not in keys:
            keys.append(key)
    return tuple(keys)
