"""The index template and the write alias: ``setup_index`` makes Elasticsearch ready to take articles.

Layout: concrete indices ``<alias>-000001``, ``<alias>-000002``... (``news-articles-*`` by default)
share the composable template in ``schemas/index-template.json``; the alias ``news-articles`` points
at them and marks one as the write index. Searches go to the alias; a reindex builds
``next_index_name(...)`` and swaps the alias, so readers never see a half-built index.

Analysis (why each step, measured with ``khabar eval search``, docs/search-quality.md):

- a ``mapping`` char filter for what Lucene's Arabic normalizer leaves: tatweel, bidi marks,
  alef wasla/superscript alef, hamza carriers ؤ/ئ (also written as و/ي + combining hamza),
  Persian keheh/yeh; then, first after the tokenizer, the ``icu_normalizer`` token filter (NFKC +
  case folding; also drops default-ignorable marks). Same folding as
  :func:`pipelines.normalize.arabic.normalize_text`, so enrichment and search agree. Until version
  3 the ICU normalizer was the first char filter: the same tokens (tested on ANT articles), but a
  char filter normalizes the whole text with offset bookkeeping, where the token filter skips the
  tokens that are already normalized (most of them): about 15 % of the indexing time.
- the stock ``arabic`` chain: ``lowercase``, ``decimal_digit`` (٢٠٢٥ -> 2025), ``stop`` (_arabic_,
  before and after normalization, so hamza-less spellings of stop words go too),
  ``arabic_normalization`` (alef variants, ى, ة, harakat), then the light stemmer ``arabic_stem``.
- clitics: ``arabic_stem`` strips ال/وال/بال/كال/فال/لل and a lone و, not the prepositions ب/ل/ك
  (``بسوريا``, ``لسوريا``). ``khabar_stem_forms`` (``pattern_capture``, original kept) adds two
  more forms at the same position, each then stemmed: the word without a leading و/ف, and without
  [و/ف]+ب/ك/ل (at least 3 letters left). The plain word is always kept, so a word that merely
  starts with ب (``بريطانيا``) still matches itself; the price is an extra variant (``بريطانيا``
  also indexes ``ريطانيا``). ``remove_duplicates`` drops identical variants. One regex pass per
  token: until template version 3 two ``multiplexer`` filters made the same tokens with three
  ``pattern_replace`` branches each, every branch re-running the override and the stemmer, at
  about twice the indexing time (docs/search-quality.md, "Template cost ablation").
- ``stemmer_override`` (before the stemmer): ``سورية`` -> ``سوريا``. Syrian media spell the country
  with teh marbuta; the stemmer would cut it to ``سوري`` ("Syrian"), so the two spellings of the
  country would never meet.
- ``khabar_question_stop`` (after normalization): interrogatives the ``_arabic_`` list lacks
  (``متى``, ``كيف``, ``لماذا``, ``كم``, ``هل``, joined ``ماهو``/``ماهي``) and a lone ``ال``; a question
  otherwise matches news that merely asks the same kind of question.
- search analyzer ``khabar_arabic_search`` = the same chain plus ``khabar_name_aliases`` (a
  ``synonym_graph`` from ``schemas/name-aliases.txt``, filled in by :func:`load_template`; see
  :mod:`pipelines.elastic.aliases`) so ``Lavrov`` finds ``لافروف`` and ``Saudi Arabia`` ``السعودية``.
- similarity BM25 ``k1=1.2, b=1.0``: full length normalization. With the stock ``b=0.75`` long
  news articles that mention a question's subject in passing outrank the short text that answers
  it; b=1 was worth ~4 points of nDCG@10 on the question task (b=0.9 gains a point on known-item
  search and loses two on questions).
- ``.words`` subfields of lead and body (``khabar_arabic_words``): normalized words without their
  proclitics, not stemmed. ``khabar_word_forms`` (``pattern_capture``, original kept) adds the word
  without ال/وال/بال/كال/لل, without و/ف, and without [و/ف]+ب/ك/ل; ``stemmer_override`` then maps
  ``سورية`` to ``سوريا``. ``بسوريا``, ``وسوريا`` and ``سوريا`` meet, while ``سوري`` (Syrian) and
  ``سوريا`` stay apart, which the light stemmer does not do. The search analyzer adds the name aliases. Scored highest by the query.
  The title has no ``.words``: the query scores the title on its stems and ``title.exact``.
- ``.exact`` subfields (normalized, not stemmed, stop words kept) for exact-form boosts and phrases,
  and for Latin-script words: ``asciifolding`` so ``Lavrov``, ``lavrov`` and ``Lavróv`` match (it
  leaves Arabic letters alone), and no name aliases, so a Latin name finds Latin-script text there
  while the analyzed fields turn it into its Arabic spelling. Until version 3 a fourth copy of
  every text field (``.latin``, ``icu_folding``) did this; the evaluation found it worth nothing.
- ``index_options: offsets`` on the text fields: the unified highlighter uses the postings.

Mappings are ``dynamic: strict``: :func:`pipelines.indexer.enrich.to_document` chooses every field,
so an unknown field is a bug that must fail loudly (the indexer dead-letters the document) rather
than silently grow the mapping with a guessed type. New fields are added to the template and
``setup_index`` puts them on the live write index (an additive mapping update).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, BadRequestError, Elasticsearch, NotFoundError

from pipelines.config import Settings
from pipelines.elastic.aliases import load_rules
from pipelines.errors import IndexingError
from pipelines.profile import index_replicas
from pipelines.resources import shipped

TEMPLATE_FILE = shipped("schemas", "index-template.json")
DEFAULT_ALIAS = "news-articles"
_SUFFIX = re.compile(r"^(?P<prefix>.+)-(?P<n>\d{6})$")


class IndexSetupError(IndexingError):
    """The alias or the indices are in a state setup cannot repair by itself."""

    reason = "index_setup"


class IndexNeedsReindexError(IndexSetupError):
    """The live index predates the template's analysis: ``khabar index reindex`` rebuilds it."""


def load_template(path: Path = TEMPLATE_FILE) -> dict[str, Any]:
    """The template with the name aliases (``schemas/name-aliases.txt``) filled in."""
    body = json.loads(path.read_text(encoding="utf-8"))
    filters = body["template"]["settings"]["analysis"]["filter"]
    filters["khabar_name_aliases"]["synonyms"] = load_rules()
    return body


def template_body(settings: Settings) -> dict[str, Any]:
    """The template for ``settings.index_alias``: patterns ``<alias>-*`` (tests use their own alias)."""
    body = copy.deepcopy(load_template())
    body["index_patterns"] = [f"{settings.index_alias}-*"]
    replicas = index_replicas(settings)
    if replicas is not None:  # the cluster profile: a fixed replica count instead of auto-expand
        index = body["template"]["settings"]["index"]
        index["auto_expand_replicas"] = False
        index["number_of_replicas"] = replicas
    # Elasticsearch returns a stored template reformatted (settings flattened to strings), so the
    # template carries a hash of what we sent: setup compares hashes, not documents.
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")
    body["_meta"]["content_hash"] = hashlib.sha256(canonical).hexdigest()
    return body


def first_index_name(alias: str) -> str:
    return f"{alias}-000001"


def next_index_name(current: str) -> str:
    """``news-articles-000007`` -> ``news-articles-000008`` (the reindex target)."""
    match = _SUFFIX.match(current)
    if not match:
        return first_index_name(current)
    return f"{match['prefix']}-{int(match['n']) + 1:06d}"


def alias_indices(es: Elasticsearch, alias: str) -> dict[str, bool]:
    """Indices behind ``alias`` -> whether each is the write index ({} if the alias does not exist)."""
    try:
        found = es.indices.get_alias(name=alias)
    except NotFoundError:
        return {}
    out: dict[str, bool] = {}
    for index, info in found.body.items():
        meta = info.get("aliases", {}).get(alias, {})
        out[index] = bool(meta.get("is_write_index", len(found.body) == 1))
    return out


def write_index(es: Elasticsearch, alias: str) -> str | None:
    """The concrete index that writes to ``alias`` go to, or None if there is no alias yet."""
    for index, is_write in alias_indices(es, alias).items():
        if is_write:
            return index
    return None


def create_index(es: Elasticsearch, name: str, *, alias: str | None = None) -> bool:
    """Create ``name`` (settings and mappings come from the template); optionally as write index of
    ``alias``. False if it already existed (another process won the race)."""
    body: dict[str, Any] = {}
    if alias:
        body["aliases"] = {alias: {"is_write_index": True}}
    try:
        es.indices.create(index=name, **body)
    except ApiError as exc:
        if _error_type(exc) == "resource_already_exists_exception":
            return False
        raise
    return True


def _error_type(exc: ApiError) -> str:
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    return str(error.get("type", "")) if isinstance(error, dict) else ""


def _error_reason(exc: ApiError) -> str:
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    return str(error.get("reason", exc)) if isinstance(error, dict) else str(exc)


def _put_template(es: Elasticsearch, name: str, body: dict[str, Any]) -> str:
    try:
        existing = es.indices.get_index_template(name=name).body.get("index_templates", [])
    except NotFoundError:
        existing = []
    if existing and _same_template(existing[0]["index_template"], body):
        return "unchanged"
    es.indices.put_index_template(name=name, **body)
    return "updated" if existing else "created"


def _same_template(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return current.get("_meta", {}).get("content_hash") == wanted["_meta"]["content_hash"]


def setup_index(es: Elasticsearch, settings: Settings) -> dict[str, Any]:
    """Idempotent: put the template, create ``<alias>-000001`` as write index if the alias has no
    index behind it, and add new template fields to the live write index. Returns what it did."""
    alias = settings.index_alias
    body = template_body(settings)
    report: dict[str, Any] = {"template": alias, "alias": alias}
    report["template_status"] = _put_template(es, alias, body)

    indices = alias_indices(es, alias)
    if not indices:
        if es.indices.exists(index=alias):
            raise IndexSetupError(
                f"{alias!r} is a concrete index, not an alias (was something written before setup?); "
                "delete it or reindex it into the alias layout"
            )
        name = first_index_name(alias)
        created = create_index(es, name, alias=alias)
        if not created:  # a concurrent setup created the index: make sure it is behind the alias
            es.indices.put_alias(index=name, name=alias, is_write_index=True)
        report.update(index=name, index_created=created, mapping_updated=False)
        return report

    current = write_index(es, alias)
    if current is None:
        raise IndexSetupError(f"alias {alias!r} points at {sorted(indices)} but none is the write index")
    # Additive mapping change (a new enrichment field) reaches the live index without a reindex;
    # a conflicting change raises here and needs `khabar index reindex`.
    try:
        es.indices.put_mapping(index=current, **body["template"]["mappings"])
    except BadRequestError as exc:
        # e.g. a new analyzer the live index's settings lack: only a rebuilt index can take it
        raise IndexNeedsReindexError(
            f"the live index {current!r} was built with an older template and cannot take the new "
            f"mapping ({_error_reason(exc)}); run `khabar index reindex` to rebuild it"
        ) from exc
    report.update(index=current, index_created=False, mapping_updated=True)
    return report


def delete_alias_and_indices(es: Elasticsearch, alias: str) -> None:
    """Tests and benchmarks: remove an alias, its indices and its template."""
    for index in alias_indices(es, alias):
        es.indices.delete(index=index, ignore_unavailable=True)
    with contextlib.suppress(NotFoundError):
        es.indices.delete_index_template(name=alias)
