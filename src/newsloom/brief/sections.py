"""Sections: the briefing's sentences grouped by sub-topic, each titled with its key phrases.

Sentences are clustered (average-linkage agglomerative clustering on TF-IDF cosine, the vocabulary and weights
fitted on all the story's candidate sentences) into 2 to ``max_sections`` groups, about one per two or three
sentences; each group is titled with its most distinctive phrase (one to three words that do not start or end
with a stop word, weighted by how often the group uses it over how common it is in the story), and a second one
when the first is a single word. With a part-of-speech tagger (the facts stage's spaCy pipeline), a title must
end on a noun and hold no verb or adverb ("Korea envisioning mutual" is no title); without one, word endings
stand in for the tags. Sections keep the summary's order, by their first sentence. No two titles name one
entity: with the story's entities (their names as written, each with its story-wide key), a title that names an
entity an earlier title named, by any of its names ("BP" after "British Petroleum", "UK" after "Britain", "Hayward"
after "Tony Hayward"), is passed over; without them, capitalised words stand in for names.
"""

from __future__ import annotations

import calendar
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ..facts.entities import base_key
from ..records import BriefSection, Entity
from ..represent.tfidf import story_tfidf
from ..stages import process_cache

_DATE_WORDS = {m.lower() for m in list(calendar.month_name) + list(calendar.day_name) if m} | {"today", "yesterday"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
# Titles and forms of address: "Mr Hayward" names a person by a courtesy, not by who he is.
HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "prof", "professor", "rev", "mister",
              "madam", "messrs"}
_STOP = ENGLISH_STOP_WORDS | {"said", "says", "say", "according", "also", "would", "could", "new", "year", "years",
                              "including", "told", "like", "just", "time", "week", "lrb", "rrb", "s", "amid", "despite",
                              "however", "while", "within", "via", "recently", "previous", "significant"}


def section_count(n_sentences: int, max_sections: int = 6) -> int:
    if n_sentences < 2:
        return 1
    return max(2, min(max_sections, math.ceil(n_sentences / 2.5), n_sentences))


# Tags of a sentence's words: for each sentence, (character offset of a token, Penn Treebank tag) in order.
Tagger = Callable[[list[str]], list[list[tuple[int, str]]]]
_TITLE_TAGS = ("NN", "JJ", "CC", "IN")  # nouns, adjectives, and "of" / "and" inside a phrase


def entity_names(entities: Iterable[Entity]) -> dict[str, str]:
    """A story's entity names, normalised as entity keys are (``base_key``), each with the story-wide key its
    mentions carry most often: "bp" -> "british petroleum" where the story resolves the abbreviation."""
    counts: dict[str, Counter] = {}
    for e in entities:
        counts.setdefault(base_key(e.text, e.label), Counter())[e.key] += 1
    return {name: keys.most_common(1)[0][0] for name, keys in counts.items() if name}


def make_sections(sentences: list[str], story_sentences: list[str], max_sections: int = 6,
                  tagger: Tagger | None = None, names: Mapping[str, str] | None = None) -> tuple[BriefSection, ...]:
    """``names``: the story's ``entity_names``, so that no two titles name one entity by different names."""
    if not sentences:
        return ()
    k = section_count(len(sentences), max_sections)
    labels = _cluster(sentences, story_sentences or sentences, k)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, []).append(i)
    ordered = sorted(groups.values(), key=lambda members: members[0])
    tags = tagger(sentences) if tagger else [None] * len(sentences)
    story = story_sentences or sentences
    story_df = Counter(p for s in story for p in _phrase_set(s))
    used: set[str] = set()
    sections = []
    for members in ordered:
        title = _title([(sentences[i], tags[i]) for i in members], story_df, len(story), used, names or {})
        sections.append(BriefSection(title=title, sentences=tuple(members)))
    return tuple(sections)


def _cluster(sentences: list[str], story_sentences: list[str], k: int) -> list[int]:
    if k <= 1:
        return [0] * len(sentences)
    try:
        vectorizer = story_tfidf().fit(story_sentences + sentences)
        matrix = vectorizer.transform(sentences).toarray()
    except ValueError:
        return [i % k for i in range(len(sentences))]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = matrix / np.where(norms == 0, 1, norms)
    similarity = matrix @ matrix.T
    # Average-linkage agglomeration down to k clusters (at most a dozen sentences: a plain loop is enough).
    clusters = [[i] for i in range(len(sentences))]
    while len(clusters) > k:
        best, pair = -np.inf, (0, 1)
        for a in range(len(clusters)):
            for b in range(a + 1, len(clusters)):
                link = similarity[np.ix_(clusters[a], clusters[b])].mean()
                # Adjacent sentences (same source, same thread of thought) join a little more readily.
                if any(abs(x - y) == 1 for x in clusters[a] for y in clusters[b]):
                    link += 0.02
                # Balanced sections: merging into an already large group costs a little.
                link -= 0.03 * (len(clusters[a]) + len(clusters[b]) - 2)
                if link > best:
                    best, pair = link, (a, b)
        a, b = pair
        clusters[a] = sorted(clusters[a] + clusters[b])
        del clusters[b]
    labels = [0] * len(sentences)
    for label, members in enumerate(clusters):
        for i in members:
            labels[i] = label
    return labels


def _phrases(text: str, tags: list[tuple[int, str]] | None = None) -> list[str]:
    # Phrases never run across punctuation or numbers: "about 11,000 soldiers" gives "soldiers", not
    # "about soldiers".
    found = []
    text = text.replace("’", "'")
    for run in re.finditer(r"[A-Za-z'\- ]+", text):
        matches = list(_WORD.finditer(run.group()))
        words = [m.group() for m in matches]
        word_tags = [_tag_at(tags, run.start() + m.start()) for m in matches] if tags else None
        # Each word is judged once as a phrase's first, inner or last word; a phrase is kept when its words are.
        lower = [w.lower() for w in words]
        edge = [len(w) >= 2 and w not in _STOP and w not in _DATE_WORDS for w in lower]
        # Verbs and adverbs make poor titles ("Deployed troops"); without a tagger, their usual endings.
        starts = [ok and not w.endswith(("ed", "ly", "ing")) for ok, w in zip(edge, lower)]
        # "alliance between Russian" ends on an adjective; dates belong to the timeline, not titles.
        ends = [ok and not w.endswith(("ly", "ian", "ean", "ese")) for ok, w in zip(edge, lower)]
        inner = [w not in _DATE_WORDS and (w not in _STOP or w in ("of", "and")) for w in lower]
        for n in (1, 2, 3):
            for i in range(len(words) - n + 1):
                last = i + n - 1
                if not (starts[i] and ends[last] and all(inner[i + 1:last])):
                    continue
                if word_tags and not _noun_phrase(word_tags[i:i + n]):
                    continue
                found.append(" ".join(words[i:i + n]))
    return found


@process_cache(maxsize=1 << 14)
def _phrase_set(sentence: str) -> frozenset[str]:
    """A sentence's distinct phrases, lower-cased: what the story's document frequencies count. Cached by text,
    because a growing story's briefing is written again with each batch over mostly the same sentences."""
    return frozenset(p.lower() for p in _phrases(sentence))


def _tag_at(tags: list[tuple[int, str]], offset: int) -> str:
    """The tag of the token holding ``offset`` (the last token starting at or before it)."""
    tag = ""
    for start, t in tags:
        if start > offset:
            break
        tag = t
    return tag


def _noun_phrase(tags: list[str]) -> bool:
    return tags[-1].startswith("NN") and all(t.startswith(_TITLE_TAGS) for t in tags)


def _title(group: list[tuple[str, list | None]], story_df: Counter, story_size: int, used: set[str],
           names: Mapping[str, str]) -> str:
    """``story_df``: in how many of the story's ``story_size`` sentences each phrase occurs."""
    in_group = Counter()
    surface: dict[str, Counter] = {}
    for s, tags in group:
        for p in _phrases(s, tags):
            in_group[p.lower()] += 1
            surface.setdefault(p.lower(), Counter())[p] += 1
    n = max(story_size, 1)
    scored = []
    for p, tf in in_group.items():
        words = p.split()
        idf = math.log((n + 1) / (story_df.get(p, 0) + 1)) + 1
        # Longer phrases name a sub-topic better than single words; phrases shared by the whole story do not.
        scored.append((tf * idf * (1 + 0.6 * (len(words) - 1)), p))
    scored.sort(key=lambda x: (-x[0], x[1]))
    chosen: list[str] = []
    for _, p in scored:
        if p in used or any(p in c or c in p for c in chosen) \
                or any(f" {u} " in f" {p} " or f" {p} " in f" {u} " for u in used
                       if not u.startswith(("name:", "entity:"))):
            continue  # nor "Oil spill" and then "Oil spill hitherto"
        if any(w in HONORIFICS for w in p.split()):
            continue  # never "Mr Hayward"; the person's full name is a phrase of its own
        named = _named(surface[p].most_common(1)[0][0], names)
        if named & used or any(named & _named(surface[c].most_common(1)[0][0], names) for c in chosen):
            continue  # one section per entity: "Tony Hayward" and then "Hayward" would be the same person
        chosen.append(p)
        if len(chosen) == 2 or len(chosen[0].split()) >= 2:
            break
    if not chosen:
        return "Overview"
    used.update(chosen)
    for p in chosen:
        used.update(_named(surface[p].most_common(1)[0][0], names))
    return " and ".join(_display(surface[p].most_common(1)[0][0]) for p in chosen)


def name_words(phrase: str) -> set[str]:
    """The words of a phrase as written that name something (capitalised, not a stop word), lower-cased and
    prefixed so that they never collide with a phrase in a set of used titles."""
    return {f"name:{w.lower()}" for w in phrase.split() if w[:1].isupper() and w.lower() not in _STOP
            and w.lower() not in HONORIFICS}


def _named(phrase: str, names: Mapping[str, str]) -> set[str]:
    """What a phrase names: its capitalised words (``name_words``) and the keys of the story's entities that any
    run of its words names ("BP engineers" names "british petroleum" when the story says so)."""
    found = name_words(phrase)
    words = phrase.split()
    for n in range(1, len(words) + 1):
        for i in range(len(words) - n + 1):
            run = " ".join(words[i:i + n])
            for label in ("ORG", "PERSON"):  # a person's run loses its title ("President Obama")
                key = names.get(base_key(run, label))
                if key:
                    found.add(f"entity:{key}")
    return found


def _display(phrase: str) -> str:
    # Keep proper nouns and acronyms as written; capitalise the first word.
    return phrase[:1].upper() + phrase[1:]
