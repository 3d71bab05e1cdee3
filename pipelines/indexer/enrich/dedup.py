"""Near-duplicate detection: copies of one story across outlets share a ``cluster_id``.

Signature: MinHash (128 permutations, fixed seed, so every process computes the same values) over
3-word shingles of the folded text (:func:`~pipelines.normalize.arabic.normalize_text` of title +
body). Wire copies differ by a headline, a lead or a footer; their shingle sets still overlap
heavily. The values are datasketch 2.0's ``affine32`` scheme bit for bit (SHA-1's first 4 bytes
of each shingle, the MurmurHash3 32-bit finalizer, then ``a * h + b`` mod 2^32 with ``a`` and ``b``
drawn from ``numpy.random.RandomState(1)``), computed here in one array operation per article and
written out so that a datasketch release changing its default scheme (as 2.0 did) cannot change
the signatures already stored in the index; ``tests/unit/test_enrich_dedup.py`` checks them
against datasketch.

Where the state lives: in Elasticsearch, so every indexer process (and a restarted one) shares it.
Each document stores ``minhash_bands`` (32 LSH band keys of 4 rows each, a keyword field) and
``minhash`` (the signature, binary). :func:`assign_clusters` looks up earlier documents sharing at
least one band key (one search per batch), estimates the Jaccard similarity from the stored
signatures, and adopts the ``cluster_id`` of the most similar one at or above
:data:`SIMILARITY` (else the document founds its own cluster: ``cluster_id = article_id``).
With 32 bands x 4 rows, a pair at Jaccard 0.5 becomes a candidate with probability 87 %, at 0.6
with 99 %, at 0.3 with 23 % (then rejected by the similarity check). Documents of the same batch
are compared with each other in memory, since they are not searchable yet. Known limit: two
copies indexed by two processes within one refresh interval (1 s) may found two clusters.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Collection
from functools import cache
from typing import Any

import numpy as np
from elasticsearch import Elasticsearch

from pipelines.normalize.arabic import normalize_text

log = logging.getLogger(__name__)

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
SHINGLE_WORDS = 3
SEED = 1
#: estimated Jaccard similarity of shingle sets from which two articles are the same story
SIMILARITY = 0.5
#: shorter texts (in shingles) are too small to tell a copy from a shared phrase: own cluster
MIN_SHINGLES = 8
#: indexed documents compared with each new one, at most (the first found, in index order)
NEIGHBOURS = 20
#: a batch's neighbours fetched by its one lookup; more, and each document is looked up alone
BATCH_NEIGHBOURS = 2000
_WORD = re.compile(r"[^\W_]+")


def shingles(text: str, *, folded: str | None = None) -> set[str]:
    """3-word shingles of ``text`` (``folded``: its :func:`normalize_text`, when already computed)."""
    return {
        shingle.decode() for shingle in _encoded_shingles(normalize_text(text) if folded is None else folded)
    }


def _encoded_shingles(folded: str) -> set[bytes]:
    """The UTF-8 of each of :func:`shingles`, as SHA-1 takes them: built from bytes, each word
    encoded once rather than each shingle (UTF-8 is one-to-one, so the set is as large)."""
    words = list(map(str.encode, _WORD.findall(folded)))
    if len(words) < SHINGLE_WORDS:
        return {b" ".join(words)} if words else set()
    return set(map(b" ".join, zip(words, words[1:], words[2:], strict=False)))


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` of the 128 affine permutations, drawn as datasketch's ``affine32`` draws them.

    ``RandomState`` is NumPy's frozen legacy generator: the same seed gives the same numbers in
    every NumPy version.
    """
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (a bijection that spreads SHA-1's bits), wrapping mod 2^32."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signature(text: str) -> np.ndarray:
    """MinHash values (uint32) of ``text``'s shingles."""
    return _minhash(_encoded_shingles(normalize_text(text)))


def _minhash(encoded: Collection[bytes]) -> np.ndarray:
    """:func:`signature` of shingles given as UTF-8."""
    if not encoded:
        return np.full(NUM_PERM, 0xFFFFFFFF, dtype="<u4")  # datasketch's empty sketch
    sha1 = hashlib.sha1
    # Each shingle hashed once: the first 4 bytes of its SHA-1, little-endian (datasketch's sha1_hash32).
    hashed = np.frombuffer(b"".join([sha1(s).digest()[:4] for s in encoded]), dtype="<u4")
    a, b = _permutations()
    # Every permutation of every shingle in one (shingles x 128) array op; uint32 wraps mod 2^32.
    return (_fmix32(hashed.astype(np.uint32))[:, None] * a + b).min(axis=0).astype("<u4")


def band_keys(sig: np.ndarray) -> list[str]:
    """One key per band: band number + a short hash of its rows (equal key = equal band)."""
    # Slices of one bytes object: the same bytes as each band's own tobytes(), without 32 array views.
    rows, size = sig.tobytes(), ROWS * sig.itemsize
    blake2b = hashlib.blake2b
    return [
        f"{band:02d}{blake2b(rows[band * size : (band + 1) * size], digest_size=8).hexdigest()}"
        for band in range(BANDS)
    ]


def encode(sig: np.ndarray) -> str:
    return base64.b64encode(sig.astype("<u4").tobytes()).decode("ascii")


def decode(value: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(value), dtype="<u4")


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity: the share of equal MinHash values."""
    if a.shape != b.shape:
        return 0.0
    return float(np.mean(a == b))


def dedup_fields(title: str, body: str, *, folded: str | None = None) -> dict[str, Any]:
    """The fields :func:`to_document` stores: ``minhash``, ``minhash_bands`` (empty if too short).

    ``folded``: :func:`normalize_text` of title + body, when the caller already has it.
    """
    found = _encoded_shingles(normalize_text(f"{title}\n{body}") if folded is None else folded)
    if len(found) < MIN_SHINGLES:
        return {"minhash": None, "minhash_bands": []}
    sig = _minhash(found)
    return {"minhash": encode(sig), "minhash_bands": band_keys(sig)}


def _best(sig: np.ndarray, candidates: list[tuple[str, str, np.ndarray]]) -> tuple[str, float] | None:
    best: tuple[str, float] | None = None
    for _article_id, cluster_id, other in candidates:
        score = similarity(sig, other)
        if score >= SIMILARITY and (best is None or score > best[1]):
            best = (cluster_id, score)
    return best


def assign_clusters(es: Elasticsearch | None, index: str, docs: list[dict[str, Any]]) -> int:
    """Set ``cluster_id`` on each document of a batch (in place); returns how many joined a cluster.

    ``index`` is the alias to look neighbours up in. ``es=None`` compares within the batch only.
    """
    remote = _neighbours(es, index, docs) if es is not None else [[] for _ in docs]
    earlier: list[tuple[str, str, np.ndarray]] = []  # this batch's documents so far
    # band key -> positions in ``earlier``: testing every earlier document of a 500-document batch
    # for a shared band cost 0.16 ms per document, three times what this whole loop costs now
    by_band: dict[str, list[int]] = {}
    joined = 0
    for doc, found in zip(docs, remote, strict=True):
        doc.setdefault("cluster_id", doc["article_id"])
        if not doc.get("minhash"):
            continue
        sig = decode(doc["minhash"])
        bands = set(doc["minhash_bands"])
        sharing = sorted({p for band in bands for p in by_band.get(band, ())})  # batch order
        local = [earlier[p] for p in sharing if earlier[p][0] != doc["article_id"]]
        best = _best(sig, local + found)
        if best:
            doc["cluster_id"] = best[0]
            joined += 1
        for band in bands:
            by_band.setdefault(band, []).append(len(earlier))
        earlier.append((doc["article_id"], doc["cluster_id"], sig))
    return joined


def _neighbours(es: Elasticsearch, index: str, docs: list[dict[str, Any]]) -> list[list]:
    """For each document: (article_id, cluster_id, signature) of up to :data:`NEIGHBOURS` indexed
    documents sharing a band with it, in index order.

    One search for the whole batch (every band key of every document), mapped back to the documents
    here: 500 searches of 32 keys cost Elasticsearch a third more CPU than indexing the batch (the
    per-search overhead, not the term lookups). If the batch's neighbours exceed
    :data:`BATCH_NEIGHBOURS`, each document is looked up on its own, as before.
    """
    out: list[list] = [[] for _ in docs]
    by_band: dict[str, list[int]] = {}
    for position, doc in enumerate(docs):
        for band in doc.get("minhash_bands") or ():
            by_band.setdefault(band, []).append(position)
    if not by_band:
        return out
    response = es.search(
        index=index,
        ignore_unavailable=True,
        size=BATCH_NEIGHBOURS,
        track_total_hits=BATCH_NEIGHBOURS + 1,
        source=["article_id", "cluster_id", "minhash", "minhash_bands"],
        query={"bool": {"filter": [{"terms": {"minhash_bands": list(by_band)}}]}},
    ).body
    if response["hits"]["total"]["value"] > BATCH_NEIGHBOURS:
        return _neighbours_one_by_one(es, index, docs)
    for hit in response["hits"]["hits"]:
        src = hit.get("_source", {})
        if not (src.get("minhash") and src.get("cluster_id")):
            continue
        sharing = {p for band in src.get("minhash_bands") or () for p in by_band.get(band, ())}
        entry = (src["article_id"], src["cluster_id"], decode(src["minhash"]))
        for position in sorted(sharing):
            if docs[position]["article_id"] != entry[0] and len(out[position]) < NEIGHBOURS:
                out[position].append(entry)
    return out


def _neighbours_one_by_one(es: Elasticsearch, index: str, docs: list[dict[str, Any]]) -> list[list]:
    """:func:`_neighbours` with one search per document (a batch of many copies)."""
    searches: list[dict[str, Any]] = []
    wanted = [bool(d.get("minhash_bands")) for d in docs]
    for doc, want in zip(docs, wanted, strict=True):
        if not want:
            continue
        searches.append({"index": index, "ignore_unavailable": True})
        searches.append(
            {
                "size": NEIGHBOURS,
                "_source": ["article_id", "cluster_id", "minhash"],
                "query": {
                    "bool": {
                        "filter": [{"terms": {"minhash_bands": doc["minhash_bands"]}}],
                        "must_not": [{"ids": {"values": [doc["article_id"]]}}],
                    }
                },
            }
        )
    out: list[list] = [[] for _ in docs]
    if not searches:
        return out
    responses = es.msearch(searches=searches).body["responses"]
    positions = [i for i, want in enumerate(wanted) if want]
    for position, response in zip(positions, responses, strict=True):
        if "error" in response:
            log.warning("near-duplicate lookup failed", extra={"error": str(response["error"])[:300]})
            continue
        for hit in response["hits"]["hits"]:
            src = hit.get("_source", {})
            if src.get("minhash") and src.get("cluster_id"):
                out[position].append((src["article_id"], src["cluster_id"], decode(src["minhash"])))
    return out
