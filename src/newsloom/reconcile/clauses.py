"""Clauses: the statements inside one sentence, read from spaCy's dependency parse.

News sentences often pack several statements ("South Korea called an emergency meeting and said it would
consider sending weapons to Ukraine"); another outlet may repeat only one of them, in other words. Claims are
therefore grouped clause by clause. A clause is a verb heading a clause of its own (the root, a complement, an
adverbial, a relative or a coordinated clause) with the words it governs, less the clauses nested in it. A
fragment shorter than ``MIN_TOKENS`` words ("Seoul remarked", "said") joins its complement, or else its parent,
so that a report keeps its speaker. A clause without a subject of its own carries the one it inherits (the
coordinated verb's subject, the noun a relative clause describes) in front of its text and in its offsets, so
that its entities and its meaning stay whole.
"""

from __future__ import annotations

from dataclasses import dataclass

_HEADS = {"ccomp", "advcl", "relcl", "conj", "parataxis"}
_SUBJECTS = {"nsubj", "nsubjpass", "csubj", "expl"}
_RELATIVE = {"WDT", "WP", "WP$"}  # "that", "which", "who": the relative clause's noun is the subject
MIN_TOKENS = 4
MAX_SUBJECT_TOKENS = 8
CACHE_SIZE = 50_000


@dataclass(frozen=True, slots=True)
class Clause:
    text: str  # the clause as embedded: an inherited subject first, then its own words in order
    spans: tuple[tuple[int, int], ...]  # character offsets in the sentence of its words and inherited subject


def doc_clauses(doc) -> list[Clause]:
    """The clauses of one parsed sentence (``doc``); one clause, the whole sentence, when it has no other."""
    heads = [t for t in doc if t.dep_ == "ROOT" or (t.dep_ in _HEADS and t.tag_.startswith("VB"))]
    if len(heads) <= 1:
        return [_whole(doc)]
    head_set = {t.i for t in heads}

    def owner(token):
        while token.i not in head_set and token.head.i != token.i:
            token = token.head
        return token.i

    group = {h.i: h.i for h in heads}  # head -> the group (clause) it belongs to after merging
    words = {h.i: [] for h in heads}
    for t in doc:
        words[owner(t)].append(t)

    def find(i):
        while group[i] != i:
            i = group[i]
        return i

    def size(g):
        return sum(1 for h in head_set if find(h) == g for t in words[h] if not t.is_punct)

    def top(g):
        return min((doc[h] for h in head_set if find(h) == g), key=lambda t: len(list(t.ancestors)))

    def parent(g):
        head = top(g)
        return None if head.head.i == head.i else find(owner(head.head))

    while True:
        groups = sorted({find(h) for h in head_set}, key=lambda g: (size(g), g))
        if len(groups) <= 1 or size(groups[0]) >= MIN_TOKENS:
            break
        small = groups[0]
        children = [g for g in groups if g != small and parent(g) == small]
        # a reporting verb joins what was reported ("Seoul remarked" + "that it would reconsider ...")
        target = max(children, key=lambda g: (top(g).dep_ == "ccomp", size(g))) if children else parent(small)
        if target is None:
            break
        group[small] = target
    out = []
    for g in sorted({find(h) for h in head_set}):
        tokens = sorted((t for h in head_set if find(h) == g for t in words[h]), key=lambda t: t.i)
        head = top(g)
        own_subject = any(c.dep_ in _SUBJECTS and c.tag_ not in _RELATIVE for c in head.children)
        out.append(_clause(tokens, None if own_subject else _inherited(head)))
    return [c for c in out if c.text]


def _inherited(top):
    """What a clause without a subject (or with a relative pronoun for one) is about: the noun its relative
    clause describes, else the subject of the nearest governing verb that has one."""
    if top.dep_ == "relcl":
        noun = top.head
        return [t for t in noun.lefts if t.dep_ in ("compound", "amod")] + [noun]
    for verb in top.ancestors:
        subject = next((c for c in verb.children if c.dep_ in _SUBJECTS), None)
        if subject is not None:
            tokens = list(subject.subtree)
            return tokens if len(tokens) <= MAX_SUBJECT_TOKENS else [subject]
    return None


def _clause(tokens, subject) -> Clause:
    own = {t.i for t in tokens}
    subject = [t for t in subject or () if t.i not in own]
    runs = [run for run in (_trim(r) for r in _runs(subject) + _runs(tokens)) if run]
    spans = [(run[0].idx, run[-1].idx + len(run[-1])) for run in runs]
    text = " ".join(_text(run) for run in runs)
    return Clause(text=" ".join(text.split()), spans=tuple(spans))


def _trim(run):
    """A run of words without the punctuation at its ends (left where a nested clause was taken out)."""
    while run and run[0].is_punct:
        run = run[1:]
    while run and run[-1].is_punct:
        run = run[:-1]
    return run


def _whole(doc) -> Clause:
    text = doc.text.strip()
    start = len(doc.text) - len(doc.text.lstrip())
    return Clause(text=text, spans=((start, start + len(text)),))


def _runs(tokens):
    runs = []
    for t in tokens:
        if runs and runs[-1][-1].i + 1 == t.i:
            runs[-1].append(t)
        else:
            runs.append([t])
    return runs


def _text(run) -> str:
    return "".join(t.text_with_ws for t in run).strip()


class ClauseSplitter:
    """Splits sentences into clauses with spaCy's parser (entities are not recognised again), keeping the result
    by sentence text: a story is reconciled again each time it grows, and its old sentences need no new parse."""

    def __init__(self, nlp, batch_size: int = 64):
        self.nlp = nlp
        self.batch_size = batch_size
        self.cache: dict[str, list[Clause]] = {}

    def __call__(self, sentences: list[str]) -> list[list[Clause]]:
        missing = list(dict.fromkeys(s for s in sentences if s not in self.cache))
        if missing:
            if len(self.cache) + len(missing) > CACHE_SIZE:
                self.cache.clear()
            disable = [p for p in self.nlp.pipe_names if p == "ner"]
            for sentence, doc in zip(missing, self.nlp.pipe(missing, batch_size=self.batch_size, disable=disable)):
                self.cache[sentence] = doc_clauses(doc)
        return [self.cache[s] for s in sentences]
