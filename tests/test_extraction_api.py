"""extract_page and its renderings, the benchmark metric and flattening, the line model, and pathological
HTML (refused or cleaned within the time limit, never a hang)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from newsloom.clean import PageExtraction, extract_job, extract_page
from newsloom.clean.stage import warm_up
from newsloom.clean.html import flatten_html
from newsloom.errors import InputRejected
from newsloom.evaluation import c4_line_filter, macro_scores, shingle_counts, shingle_scores
from newsloom.records import Document
from newsloom.workers import DocumentWorkers
from support import shared_or_skip

ARTICLE = ("<p>The harbour authority said on Monday that the new quay would open in the spring, two months later "
           "than planned, because of delays in the delivery of steel.</p>"
           "<p>Shipping companies have been told to keep using the old berths until then, and the authority "
           "promised to publish a new timetable for the works by the end of the month.</p>")


def html_doc(body: str, head: str = "<title>Quay opening delayed</title>") -> Document:
    return Document(id="d", uri="page.html", format="html",
                    content=f"<html><head>{head}</head><body>{body}</body></html>")


# --------------------------------------------------------------------------------------------------------
# extract_page


def test_html_and_text_give_the_same_record_type():
    html = extract_page(html_doc(f"<article><h1>Quay opening delayed</h1>{ARTICLE}</article>"))
    text = extract_page(Document(id="t", uri="page.txt", format="text",
                                 content="Quay opening delayed\n" + flatten_html(ARTICLE)))
    for page in (html, text):
        assert isinstance(page, PageExtraction)
        assert page.title == "Quay opening delayed"
        assert page.text.startswith("The harbour authority said on Monday")
        assert "Quay opening delayed" not in page.text  # the title is metadata, not body
        assert page.language == "en"
    assert (html.format, text.format) == ("html", "text")


def test_renderings():
    page = extract_page(Document(id="t", uri="page.txt", format="text", content="\n".join([
        "Port strike enters second week as talks stall", "Ferry timetable cut back for the winter",
        "New lighthouse museum draws thousands of visitors", "Quay Opening Delayed", "By Ana Ruiz",
        flatten_html(ARTICLE), "We use cookies to improve your experience, accept our cookie policy."])))
    data = json.loads(page.as_json(furniture=True))
    assert {"title", "text", "author", "date", "language", "headlines", "furniture"} <= set(data)
    assert data["author"] == "Ana Ruiz"
    assert data["headlines"][0] == {"text": "Port strike enters second week as talks stall", "teaser": None,
                                    "position": 0}
    assert any(f["reason"] == "cookie" for f in data["furniture"])
    assert "furniture" not in page.as_dict()
    markdown = page.as_markdown(furniture=True)
    assert markdown.startswith("# Quay Opening Delayed") and "## Headlines" in markdown and "[cookie]" in markdown
    assert "cookie" not in page.as_text() and "[cookie]" in page.as_text(furniture=True)


def test_page_without_article_text_is_refused_with_a_reason():
    """Never an empty page with no word said (issue 19): extract_page refuses it, and the CLI prints the
    reason and exits 3."""
    for body in ("<div><a href='/a'>Home</a></div>", "<nav><a href='/'>Home</a></nav><script>var a = 1;</script>"):
        with pytest.raises(InputRejected) as refused:
            extract_page(html_doc(body))
        assert refused.value.reason_code == "no-content" and "no article text" in refused.value.reason


def test_unsupported_format():
    with pytest.raises(InputRejected):
        extract_page(Document(id="x", uri="x", format="pdf", content=""))


# --------------------------------------------------------------------------------------------------------
# Pathological HTML: refused or cleaned, fast


@pytest.fixture(scope="module")
def workers():
    """Pages are extracted as the pipeline does, in a document worker stopped at a 5 s limit."""
    with DocumentWorkers(timeout_s=5.0, memory_mb=500, initializer=warm_up) as pool:
        pool.call(len, "warm")
        yield pool


def timed_extract(workers, doc: Document, limit_s: float = 10.0):
    start = time.perf_counter()
    try:
        result = workers.call(extract_job, (doc, True))
    except InputRejected as exc:
        result = exc
    assert time.perf_counter() - start < limit_s
    return result


def test_deep_nesting_is_refused(workers):
    result = timed_extract(workers, html_doc("<div>" * 5000 + ARTICLE + "</div>" * 5000))
    assert isinstance(result, InputRejected) and result.reason_code == "bad-html"


def test_megabyte_single_line(workers):
    words = " ".join(["harbour", "steel", "quay", "spring"] * 60_000)  # ~1.2 MB with no line break
    result = timed_extract(workers, html_doc(f"<p>{words}.</p>{ARTICLE}"))
    assert isinstance(result, (PageExtraction, InputRejected))


@pytest.mark.parametrize("content", [
    "", "   ", "<html></html>", "<html><head><title>Only a head</title></head></html>",
    "<script>var a = 1;</script>", "\x00\x01\x02<p>\x00</p>", "<p>\ud800 lone surrogate</p>" + ARTICLE,
    "<p>Ã©tÃ© mojibake Ã\x83Â©</p>" + ARTICLE, "<<<>>><p<p<p>" + ARTICLE, "<html><body>" + "<p>x" * 20_000,
])
def test_broken_or_empty_pages(workers, content):
    result = timed_extract(workers, Document(id="b", uri="b.html", format="html", content=content))
    assert isinstance(result, (PageExtraction, InputRejected))


def test_article_cut_short_by_the_precision_setting_is_read_again(monkeypatch):
    """When favor_precision keeps a fraction of the running text another reading finds, that reading is used;
    when it keeps most of it, the precision reading stays."""
    import trafilatura

    real = trafilatura.bare_extraction

    def cut(keep_words):
        def extraction(tree, **kwargs):
            result = real(tree, **kwargs)
            if kwargs.get("favor_precision") and result is not None:
                result.text = " ".join(result.text.split()[:keep_words])
            return result
        return extraction

    full = extract_page(html_doc(f"<article>{ARTICLE}</article>")).text
    words = len(full.split())
    monkeypatch.setattr(trafilatura, "bare_extraction", cut(words // 3))
    assert extract_page(html_doc(f"<article>{ARTICLE}</article>")).text == full
    monkeypatch.setattr(trafilatura, "bare_extraction", cut(words - 3))
    assert len(extract_page(html_doc(f"<article>{ARTICLE}</article>")).text.split()) == words - 3


PROMO = "Readers of the harbour newsletter can win two tickets to the spring regatta this year."
LINKS = "\n".join(f"Harbour story number {n} draws a crowd at the quay" for n in range(40))


def _precision_reading_says(monkeypatch, text: str | None):
    """trafilatura, with its favor_precision reading replaced by ``text`` (None: it finds nothing)."""
    import trafilatura

    real = trafilatura.bare_extraction

    def extraction(tree, **kwargs):
        result = real(tree, **kwargs)
        if kwargs.get("favor_precision") and result is not None:
            result.text = text or ""
        return result
    monkeypatch.setattr(trafilatura, "bare_extraction", extraction)


def test_precision_reading_locked_on_a_promotion_gives_way_to_the_article(monkeypatch):
    from newsloom.clean.html import extract_html

    page = f"<html><head><title>Quay opening delayed</title></head><body><article>{ARTICLE}</article>" \
           f"<aside><p>{PROMO}</p></aside></body></html>"
    _precision_reading_says(monkeypatch, PROMO)
    extracted = extract_html(page, None)
    assert extracted.reading in ("recall", "default")
    assert any(p.startswith("The harbour authority said on Monday") for p in extracted.paragraphs)
    # With a factor no reading reaches, the precision reading stays: the factor is what decides.
    assert extract_html(page, None, prefer_factor=100).paragraphs == (PROMO,)


def test_a_reading_of_link_lines_does_not_replace_the_article():
    from newsloom.clean.html import Reading, prefer_reading, running_words
    from newsloom.clean.text import _analyse

    article = flatten_html(ARTICLE)
    readings = [Reading(name, text, running_words(_analyse(text)[0]))
                for name, text in (("precision", article), ("recall", f"{article}\n{LINKS}"), ("default", LINKS))]
    assert readings[2].running_words == 0 and len(LINKS.split()) > 5 * len(article.split())
    assert prefer_reading(readings, 2.0).name == "precision"
    # An empty first reading gives way to any reading with text, even one without running text.
    assert prefer_reading([Reading("precision", "", 0), readings[2]], 2.0).name == "default"


def test_page_that_our_tree_reads_as_empty_is_read_as_a_string(monkeypatch):
    import trafilatura

    from newsloom.clean.html import extract_html

    real = trafilatura.bare_extraction
    monkeypatch.setattr(trafilatura, "bare_extraction",
                        lambda source, **kwargs: real(source, **kwargs) if isinstance(source, str) else None)
    extracted = extract_html(f"<html><body><article>{ARTICLE}</article></body></html>", None)
    assert extracted.reading == "string"
    assert extracted.paragraphs[0].startswith("The harbour authority said on Monday")


# --------------------------------------------------------------------------------------------------------
# The benchmark metric, flattening and the C4 baseline


def test_shingle_metric():
    assert shingle_counts("a b c d e") == {"a b c d": 1, "b c d e": 1}
    assert shingle_counts("one two") == {"one two": 1}  # shorter than four tokens: one shingle
    assert shingle_scores("a b c d e", "a b c d e") == (1.0, 0.0, 0.0)
    tp, fp, fn = shingle_scores("a b c d e f", "a b c d x")
    assert (tp, fp, fn) == (0.25, 0.25, 0.5)  # 1 shared, 1 extra, 2 missed, normalised by their sum
    scores = macro_scores([(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)])  # second: nothing predicted
    assert scores.precision == 1.0 and scores.recall == 0.5  # empty predictions do not count for precision


def test_metric_reproduces_the_stored_trafilatura_score():
    folder = shared_or_skip("extraction", "scrapinghub")
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    stored = json.loads((folder / "baseline-outputs" / "trafilatura.json").read_text(encoding="utf-8"))
    stored = stored.get("output", stored)
    scores = macro_scores(shingle_scores(truth[k]["articleBody"], stored.get(k, {}).get("articleBody", ""))
                          for k in truth)
    assert abs(scores.f1 - 0.958) <= 0.002, scores


def test_flatten_html():
    html = ("<html><head><title>T</title><style>p{}</style></head><body><script>x()</script>"
            "<div>One <b>bold</b> line<br>Two</div><ul><li>Item</li></ul>"
            "<table><tr><td>1</td><td>2</td></tr></table><!-- c --><p>End</p></body></html>")
    assert flatten_html(html) == "One bold line\nTwo\nItem\n1 | 2\nEnd"
    assert flatten_html("") == ""
    assert flatten_html("<div>" * 1500 + "deep" + "</div>" * 1500) == "deep"  # iterative: no recursion limit


def test_c4_line_filter():
    text = "Too short.\nA line without end punctuation here\nThis sentence is kept.\nWe use cookies on this site."
    assert c4_line_filter(text) == "This sentence is kept."


# --------------------------------------------------------------------------------------------------------
# The line model


def test_line_model_trees_match_scikit_learn():
    """The numpy evaluator of the exported trees gives scikit-learn's probabilities."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from newsloom.clean import linemodel

    rng = np.random.default_rng(0)
    X = rng.random((600, len(linemodel.FEATURES)))
    y = (X[:, 0] + X[:, 3] * X[:, 5] + rng.normal(0, 0.1, 600) > 0.8).astype(int)
    trees = linemodel._Trees(json.loads(json.dumps(linemodel.fit_trees(X, y))))
    reference = HistGradientBoostingClassifier(**linemodel._PARAMS, early_stopping=False, random_state=0).fit(X, y)
    assert np.allclose(trees.probabilities(X), reference.predict_proba(X)[:, 1], atol=1e-6)


def test_line_model_weighs_lines_by_their_words():
    """Training weighs each line by its words (capped at 200), scaled so that a page's lines weigh as many as
    they are; the weighted fit is scikit-learn's."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from newsloom.clean import linemodel

    X = np.zeros((3, len(linemodel.FEATURES)))
    X[:, linemodel.FEATURES.index("log_words")] = np.log1p([2, 8, 1000])
    w = linemodel.line_weights(X)
    assert np.isclose(w.sum(), 3) and np.isclose(w[1], 4 * w[0]) and np.isclose(w[2], 100 * w[0])

    rng = np.random.default_rng(2)
    X = rng.random((600, len(linemodel.FEATURES)))
    y = (X[:, 0] + rng.normal(0, 0.2, 600) > 0.5).astype(int)
    w = rng.random(600) * 5
    trees = linemodel._Trees(linemodel.fit_trees(X, y, weights=w))
    reference = HistGradientBoostingClassifier(**linemodel._PARAMS, early_stopping=False, random_state=0).fit(
        X, y, sample_weight=w)
    assert np.allclose(trees.probabilities(X), reference.predict_proba(X)[:, 1], atol=1e-6)
    assert not np.allclose(trees.probabilities(X), linemodel._Trees(linemodel.fit_trees(X, y)).probabilities(X))


def test_line_model_stacks_two_stages():
    """The second stage reads the first stage's scores of each line and its neighbours."""
    from newsloom.clean import linemodel

    rng = np.random.default_rng(1)
    samples = []
    for _ in range(8):  # pages whose article is one contiguous block, as real ones mostly are
        X = rng.random((40, len(linemodel.FEATURES)))
        start = rng.integers(0, 20)
        y = np.zeros(40, dtype=int)
        y[start:start + 15] = 1
        X[:, 0] = y + rng.normal(0, 0.6, 40)  # a noisy per-line signal
        samples.append((X, y))
    model = linemodel.LineModel(json.loads(json.dumps(linemodel.train(samples, iterations=20))))
    X, y = samples[0]
    p = model.probabilities(X)
    assert p.shape == (40,) and ((p >= 0) & (p <= 1)).all()
    context = linemodel.context_features(model.first.probabilities(X))
    assert context.shape == (40, len(linemodel.CONTEXT))
    assert np.allclose(context[1:, linemodel.CONTEXT.index("p_at_-1")], context[:-1, 0])
    assert context[0, linemodel.CONTEXT.index("p_at_-1")] == -1.0  # no line above the first


def test_shipped_line_model_loads():
    from newsloom.clean import linemodel
    from newsloom.clean.linemodel import load_model

    model = load_model()
    assert model is not None and len(model.first.trees) == len(model.second.trees) == linemodel._PARAMS["max_iter"]
