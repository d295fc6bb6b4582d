"""Tokens, word shingles and MinHash signatures, vectorised over a batch of texts.

Words are the normalised tokens of :func:`newsloom.records.normalize_text` (NFKC, casefolded, split on anything
that is not a letter or digit), after removing wire datelines at the start of a line ("LONDON (Reuters) -",
"SALVADOR, Feb 26 -", "PORT ANDREL (MPA) —"), so that adding or dropping a dateline does not change a copy.
Shingles are ``w`` consecutive words inside one line (paragraph): reordering paragraphs or adding furniture
lines leaves a text's own shingles unchanged.

:class:`Signer` does all of this in numpy over the batch's code points (no Python code per word or shingle),
and signs with one-permutation MinHash and optimal densification: one hash per shingle instead of one per
shingle and permutation, with the same estimator (agreement rate = Jaccard similarity). Signatures are
``uint32`` arrays; with the sets' sizes they also estimate containment.

:class:`DatasketchSigner` makes signatures of the same shingles with datasketch's ``MinHash`` (k hash
functions); it is the reference the benchmark compares with (``bench/dedup.py``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

SCHEME = "newsloom-oph32-v1"  # bump when anything below changes the signature of a text
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_WORD = re.compile(r"[^\W_]+")
_DATELINE = re.compile(
    r"^[ \t]*[A-Z][A-Z.'’ -]{1,40}?(?:,[ \t]*[A-Z][a-z]{2,8}\.?[ \t]+\d{1,2})?[ \t]*(?:\([A-Za-z .&/-]{2,40}\))?"
    r"[ \t]*[-–—]{1,2}[ \t]+", re.M)


def words(text: str) -> list[str]:
    """The normalised words of ``text`` without wire datelines (same tokens as ``normalize_text``)."""
    text = _DATELINE.sub("", text)
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def lines(text: str) -> list[list[str]]:
    """The normalised words of each non-empty line (paragraph) of ``text``, wire datelines removed."""
    text = unicodedata.normalize("NFKC", _DATELINE.sub("", text)).casefold()
    return [found for line in text.split("\n") if (found := _WORD.findall(line))]


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place on a uint64 array."""
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


_ALNUM: np.ndarray | None = None


def _is_alnum(codes: np.ndarray) -> np.ndarray:
    """str.isalnum() per code point (what ``[^\\W_]`` and normalize_text treat as word characters): a table
    for the Basic Multilingual Plane, a lookup of the few distinct code points beyond it."""
    global _ALNUM
    if _ALNUM is None:
        _ALNUM = np.array([chr(i).isalnum() for i in range(0x10000)], dtype=bool)
    high = codes >= 0x10000
    if not high.any():
        return _ALNUM[codes]
    out = np.zeros(len(codes), dtype=bool)
    out[~high] = _ALNUM[codes[~high]]
    distinct, inverse = np.unique(codes[high], return_inverse=True)
    out[high] = np.array([chr(c).isalnum() for c in distinct.tolist()], dtype=bool)[inverse]
    return out


def _word_hash(word: str) -> int:
    """64-bit hash of a word; 0 is reserved for a line break."""
    if word == "\n":
        return 0
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                          "little") or 1


@dataclass
class Signed:
    """Signatures of a batch: ``signatures`` (n, num_perm) uint32, ``sizes`` distinct shingles per text,
    ``exact`` a 63-bit key of each text's normalised words (equal keys = exact duplicates)."""

    signatures: np.ndarray
    sizes: np.ndarray
    exact: np.ndarray


class Signer:
    """Vectorised MinHash over word shingles (newsloom's own; see the module docstring)."""

    scheme = SCHEME

    def __init__(self, num_perm: int = 128, shingle_words: int = 5, seed: int = 1):
        self.num_perm = num_perm
        self.shingle_words = shingle_words
        rng = np.random.default_rng(seed)
        self._weights = (rng.integers(1, 2**63, size=shingle_words, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)

    def describe(self) -> str:
        return f"{self.scheme} num_perm={self.num_perm} shingle_words={self.shingle_words}"

    def sign(self, texts: list[str]) -> Signed:
        """Signatures of texts. Shingles stay inside a line (a paragraph), so that reordered paragraphs and
        added furniture lines do not change the text's own shingles; a line shorter than a shingle is one
        shingle. Tokenising and hashing run in numpy over the whole batch's code points."""
        n, w = len(texts), self.shingle_words
        joined = "\n\x00\n".join(t.replace("\x00", " ") for t in texts)
        folded = unicodedata.normalize("NFKC", _DATELINE.sub("", joined)).casefold()
        codes = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        alnum = _is_alnum(codes)
        doc_of_char = np.cumsum(codes == 0)
        line_of_char = np.cumsum(codes == 10)
        starts = alnum.copy()
        starts[1:] &= ~alnum[:-1]
        start_pos = np.flatnonzero(starts)
        chars = np.flatnonzero(alnum)
        word_of_char = np.cumsum(starts)[chars] - 1
        in_word = (chars - start_pos[word_of_char]).astype(np.uint64)
        with np.errstate(over="ignore"):
            char_h = _mix(codes[chars].astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
                          + in_word * np.uint64(0xC2B2AE3D27D4EB4F) + np.uint64(0x165667B19E3779F9))
            word_len = np.diff(np.append(np.flatnonzero(np.diff(word_of_char, prepend=-1)), len(chars)))
            wh = np.add.reduceat(char_h, np.flatnonzero(np.diff(word_of_char, prepend=-1))) if len(chars) \
                else np.zeros(0, dtype=np.uint64)
            wh = _mix(wh + word_len.astype(np.uint64)) | np.uint64(1)
        seg_of_word, doc_of_word = line_of_char[start_pos], doc_of_char[start_pos]
        total = len(wh)
        lengths = np.bincount(doc_of_word, minlength=n).astype(np.int64)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        exact = self._exact_keys(wh, offsets, lengths)

        # Lines as runs of equal segment numbers among words.
        first = np.ones(total, dtype=bool)
        first[1:] = seg_of_word[1:] != seg_of_word[:-1]
        seg_start = np.flatnonzero(first)
        seg_len = np.diff(np.append(seg_start, total))
        seg_of = np.cumsum(first) - 1
        pos = np.arange(total, dtype=np.int64)
        end_of = (seg_start + seg_len)[seg_of]
        padded = np.concatenate([wh, np.zeros(w, dtype=np.uint64)])
        sh = np.zeros(total, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for k in range(w):
                term = padded[k: k + total] * self._weights[k]
                sh += np.where(pos + k < end_of, term, np.uint64(0))
        valid = (pos + w <= end_of) | ((pos == seg_start[seg_of]) & (seg_len[seg_of] < w))
        sh, sdoc = _mix(sh[valid]), doc_of_word[valid]
        signatures, sizes = self._one_permutation(sh, sdoc, n)
        return Signed(signatures, sizes, exact)

    def _one_permutation(self, sh: np.ndarray, sdoc: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """One-permutation MinHash with optimal densification (Shrivastava, ICML 2017): a shingle's hash picks
        one of ``num_perm`` bins (high bits) and competes for that bin's minimum (low 32 bits); an empty bin
        takes the value of the first non-empty bin along a fixed pseudo-random probe sequence, the same for
        every text, so equal values still mean a shared shingle. One hash per shingle instead of num_perm."""
        k = self.num_perm
        # Distinct shingles per text.
        key = sdoc.astype(np.uint64) << np.uint64(40) | (sh >> np.uint64(24))  # text, then 40 hash bits
        key.sort()
        distinct = np.ones(len(key), dtype=bool)
        distinct[1:] = key[1:] != key[:-1]
        sizes = np.bincount((key[distinct] >> np.uint64(40)).astype(np.int64), minlength=n).astype(np.int64)
        bins = (sh % np.uint64(k)).astype(np.int64)
        values = (sh >> np.uint64(32)).astype(np.uint32)
        flat = np.full(n * k, 0xFFFFFFFF, dtype=np.uint32)
        np.minimum.at(flat, sdoc * k + bins, values)
        signatures = flat.reshape(n, k)
        filled = np.zeros(n * k, dtype=bool)
        filled[sdoc * k + bins] = True
        filled = filled.reshape(n, k)
        empty_d, empty_b = np.nonzero(~filled & (sizes > 0)[:, None])
        attempt = 0
        while len(empty_d) and attempt < 24:
            probe = self._probe(empty_b, attempt)
            got = filled[empty_d, probe]
            signatures[empty_d[got], empty_b[got]] = signatures[empty_d[got], probe[got]]
            empty_d, empty_b = empty_d[~got], empty_b[~got]
            attempt += 1
        if len(empty_d):  # very short texts: the next non-empty bin after the last probe, circularly
            start = self._probe(empty_b, attempt)
            ring = (start[:, None] + np.arange(k)[None, :]) % k
            source = ring[np.arange(len(empty_d)), np.argmax(filled[empty_d[:, None], ring], axis=1)]
            signatures[empty_d, empty_b] = signatures[empty_d, source]
        return signatures, sizes

    def _probe(self, bins: np.ndarray, attempt: int) -> np.ndarray:
        with np.errstate(over="ignore"):
            x = bins.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(attempt + 1) * np.uint64(
                0xD1B54A32D192ED03)
        return (_mix(x) % np.uint64(self.num_perm)).astype(np.int64)

    def _exact_keys(self, wh: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        # Position-weighted sum of word hashes, per text: equal word sequences give equal keys.
        n = len(lengths)
        if len(wh) == 0:
            return np.zeros(n, dtype=np.int64)
        pos = (np.arange(len(wh), dtype=np.uint64) - np.repeat(offsets[:-1], lengths).astype(np.uint64))
        with np.errstate(over="ignore"):
            terms = _mix(wh ^ _mix(pos + np.uint64(0x9E3779B97F4A7C15)))
        sums = np.add.reduceat(terms, np.minimum(offsets[:-1], len(wh) - 1)) if n else terms[:0]
        sums = np.where(lengths > 0, sums, np.uint64(0))
        with np.errstate(over="ignore"):
            sums = _mix(sums + lengths.astype(np.uint64))
        return (sums >> np.uint64(1)).astype(np.int64)


def shingle_strings(segments: list[list[str]], w: int) -> set[bytes]:
    """The same shingles as :class:`Signer`, as byte strings (for datasketch)."""
    out = set()
    for tokens in segments:
        if len(tokens) < w:
            out.add(" ".join(tokens).encode())
        else:
            out.update(" ".join(tokens[j:j + w]).encode() for j in range(len(tokens) - w + 1))
    return out


class DatasketchSigner(Signer):
    """The same words and shingles, hashed and signed by datasketch's ``MinHash`` (the reference)."""

    scheme = "datasketch-affine32"

    def sign(self, texts: list[str]) -> Signed:
        from datasketch import MinHash

        docs = [lines(t) for t in texts]
        signatures = np.empty((len(docs), self.num_perm), dtype=np.uint32)
        sizes = np.empty(len(docs), dtype=np.int64)
        self.minhashes = []
        for i, segments in enumerate(docs):
            shingles = shingle_strings(segments, self.shingle_words)
            mh = MinHash(num_perm=self.num_perm)
            mh.update_batch(list(shingles))
            self.minhashes.append(mh)
            signatures[i] = mh.hashvalues.astype(np.uint32)
            sizes[i] = len(shingles)
        exact = np.array([_word_hash(" ".join(" ".join(t) for t in segments)) >> 1 if segments else 0
                          for segments in docs], dtype=np.int64)
        return Signed(signatures, sizes, exact)
