"""Optional abstractive briefing through an OpenAI-compatible chat-completions endpoint (off by default).

The model is given the story's numbered source sentences ([S1], [S2], ...: the extractive summary, the timeline
and the best other candidates) and asked for short sentences, each ending with the ids of the sentences it rests
on. Each generated sentence is then checked against the sentences it cites, strictly: every number it states
must appear in them, a negation it makes must be there too, and at least ``support_min_overlap`` of its content
words (lower-cased, crudely stemmed) must occur in them. A sentence that cites nothing, cites ids that do not
exist, or fails the check is dropped and counted; the kept ones cite every article containing a supporting
sentence. Failures of the endpoint never fail the briefing: they are recorded in ``extra["abstractive"]``.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import replace

from ..config import BriefConfig
from ..records import Briefing, GeneratedSentence

_MAX_SOURCES = 30
_ID = re.compile(r"\[?\bS(\d+)\b\]?")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NEGATION = {"not", "no", "never", "none", "nor", "without", "deny", "denies", "denied", "n't"}
_STOP = {"the", "a", "an", "of", "to", "in", "on", "and", "or", "for", "with", "by", "at", "as", "is", "are", "was",
         "were", "be", "been", "has", "have", "had", "that", "this", "it", "its", "from", "which", "who", "their",
         "they", "he", "she", "his", "her", "also", "than", "but", "after", "before", "into", "over", "about", "s"}

SYSTEM_PROMPT = (
    "You write news briefings. Use only the numbered source sentences. Write at most {n} short, plain sentences "
    "that summarise the story. End every sentence with the ids of the source sentences that state what it says, "
    "like [S2][S5]. Do not add anything the cited sentences do not say.")


def endpoint(url: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else url + "/chat/completions"


def chat(config: BriefConfig, messages: list[dict]) -> str:
    """One chat-completions call; the reply's text."""
    body = json.dumps({"model": config.llm_model, "messages": messages, "temperature": 0}).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if config.llm_api_key:
        headers["Authorization"] = f"Bearer {config.llm_api_key}"
    request = urllib.request.Request(endpoint(config.llm_url), data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=config.llm_timeout_s) as response:  # noqa: S310 (configured URL)
        reply = json.loads(response.read(5_000_000).decode("utf-8"))
    return reply["choices"][0]["message"]["content"] or ""


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+(?:'t)?|n't", text.lower().replace("’", "'"))


def _content(text: str) -> set[str]:
    return {_stem(w) for w in _words(text) if w not in _STOP and w not in _NEGATION and len(w) > 1}


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def support_score(sentence: str, sources: list[str]) -> float:
    """Share of the sentence's content words found in ``sources``; 0 when it states a number or a negation
    that they do not."""
    joined = " ".join(sources)
    if not _numbers(sentence) <= _numbers(joined):
        return 0.0
    negated = set(_words(sentence)) & _NEGATION
    if negated and not negated & set(_words(joined)):
        return 0.0
    words = _content(sentence)
    if not words:
        return 0.0
    return len(words & _content(joined)) / len(words)


def parse(reply: str) -> list[tuple[str, list[int]]]:
    """(sentence without its ids, cited ids) for each sentence of the reply; a sentence's ids may follow its end
    punctuation. A JSON reply {"sentences": [{"text", "cites"}]} is read too."""
    reply = reply.strip()
    try:
        data = json.loads(reply)
        if isinstance(data, dict) and isinstance(data.get("sentences"), list):
            out = []
            for item in data["sentences"]:
                ids = [int(m) for m in _ID.findall(" ".join(map(str, item.get("cites", []))))]
                out.append((_ID.sub("", str(item.get("text", ""))).strip(), ids))
            return out
    except (json.JSONDecodeError, AttributeError, TypeError, ValueError):
        pass
    out = []
    # Split after end punctuation plus any citation markers that follow it.
    for chunk in re.split(r"(?<=[.!?])((?:\s*\[S\d+\])*)\s+", reply + " "):
        if chunk is None:
            continue
        if out and re.fullmatch(r"(?:\s*\[S\d+\])+", chunk):
            text, ids = out[-1]
            out[-1] = (text, ids + [int(m) for m in _ID.findall(chunk)])
            continue
        text = chunk.strip().lstrip("-*• ").strip()
        if not text:
            continue
        ids = [int(m) for m in _ID.findall(text)]
        text = re.sub(r"\s*\[S\d+\]", "", text).strip()
        if text:
            out.append((text, ids))
    return out


def abstract(briefing: Briefing, articles, pool_texts, config: BriefConfig, cite) -> Briefing:
    """``briefing`` with its ``abstract`` filled (kept sentences) and ``extra["abstractive"]`` counting what was
    generated, kept and dropped; ``cite(text)`` gives the source numbers of the articles containing ``text``."""
    sources: list[tuple[str, str, tuple[int, int]]] = []
    seen = set()
    for s in list(briefing.summary) + [x for t in briefing.timeline for x in t.sentences]:
        if s.text not in seen:
            seen.add(s.text)
            sources.append((s.text, s.article_id, tuple(s.span)))
    for text, article_id, span in pool_texts:
        if len(sources) >= _MAX_SOURCES:
            break
        if text not in seen:
            seen.add(text)
            sources.append((text, article_id, tuple(span)))
    stats = {"generated": 0, "kept": 0, "dropped_unsupported": 0, "dropped_uncited": 0, "error": None,
             "model": config.llm_model}
    numbered = "\n".join(f"[S{i}] {text}" for i, (text, _, _) in enumerate(sources, start=1))
    messages = [{"role": "system", "content": SYSTEM_PROMPT.format(n=config.llm_max_sentences)},
                {"role": "user", "content": f"Story: {briefing.title}\n\nSource sentences:\n{numbered}"}]
    kept: list[GeneratedSentence] = []
    try:
        reply = chat(config, messages)
    except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        stats["error"] = f"{type(exc).__name__}: {exc}"[:300]
        return replace(briefing, extra={**briefing.extra, "abstractive": stats})
    for text, ids in parse(reply)[: config.llm_max_sentences * 2]:
        stats["generated"] += 1
        cited = [sources[i - 1] for i in dict.fromkeys(ids) if 1 <= i <= len(sources)]
        if not cited:
            stats["dropped_uncited"] += 1
            continue
        score = support_score(text, [c[0] for c in cited])
        if score < config.support_min_overlap:
            stats["dropped_unsupported"] += 1
            continue
        numbers = sorted({n for c in cited for n in cite(c[0])})
        kept.append(GeneratedSentence(text=text, citations=tuple(numbers), score=round(score, 3),
                                      support=tuple({"article_id": a, "span": list(span), "text": t}
                                                    for t, a, span in cited)))
        if len(kept) >= config.llm_max_sentences:
            break
    stats["kept"] = len(kept)
    return replace(briefing, abstract=tuple(kept), extra={**briefing.extra, "abstractive": stats})
