"""Near-duplicate clustering: wire copies across outlets share a cluster, other stories do not."""

from __future__ import annotations

from pathlib import Path

from datasketch import MinHash

from pipelines.indexer.enrich.dedup import (
    BANDS,
    NUM_PERM,
    assign_clusters,
    band_keys,
    decode,
    dedup_fields,
    encode,
    shingles,
    signature,
    similarity,
)

SEED = (Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "lavrov-shaibani-moscow.txt").read_text(
    encoding="utf-8"
)
PARAGRAPHS = SEED.splitlines()


def _doc(article_id: str, title: str, body: str) -> dict:
    return {"article_id": article_id, **dedup_fields(title, body)}


def test_signature_is_deterministic_and_round_trips() -> None:
    sig = signature(SEED)
    assert (sig == signature(SEED)).all()  # fixed seed: every process computes the same values
    assert (decode(encode(sig)) == sig).all()
    assert len(band_keys(sig)) == BANDS
    assert len(set(band_keys(sig))) == BANDS  # band number is part of the key


def test_signature_is_datasketch_affine32() -> None:
    """The stored signatures stay comparable: same values as datasketch 2.0's affine32 MinHash."""
    for text in (SEED, PARAGRAPHS[0], "\n".join(PARAGRAPHS[3:7])):
        found = shingles(text)
        reference = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32")
        reference.update_batch([s.encode("utf-8") for s in found])
        assert (signature(text) == reference.hashvalues.astype("<u4")).all()


def test_copy_with_other_headline_diacritics_and_footer_is_similar() -> None:
    # another outlet: own headline, harakat and tatweel, hamza dropped, a footer added
    copy = SEED.replace("وفقًا", "وفقاً").replace("لـسوريا", "لسوريا").replace("أهمية", "اهمية")
    copy += "\nتابعونا على مواقع التواصل الاجتماعي لمزيد من الأخبار."
    assert similarity(signature("لافروف يستقبل الشيباني\n" + copy), signature(SEED)) > 0.8


def test_batch_clusters_copies_and_keeps_other_stories_apart() -> None:
    story = "\n".join(PARAGRAPHS[:6])
    edited = "\n".join(PARAGRAPHS[:5]) + "\nتابعونا للمزيد من التفاصيل حول هذه الزيارة المهمة."
    other = "\n".join(PARAGRAPHS[6:])
    docs = [
        _doc("a" * 32, "لافروف يستقبل الشيباني في موسكو", story),
        _doc("b" * 32, "وزير الخارجية السوري في موسكو", edited),
        _doc("c" * 32, "التعاون في مكافحة الإرهاب", other),
    ]
    joined = assign_clusters(None, "unused", docs)
    assert joined == 1
    assert docs[0]["cluster_id"] == "a" * 32  # the first copy founds the cluster
    assert docs[1]["cluster_id"] == "a" * 32  # the second joins it
    assert docs[2]["cluster_id"] == "c" * 32


def test_short_text_gets_own_cluster() -> None:
    docs = [_doc("a" * 32, "عاجل", "انفجار في دمشق"), _doc("b" * 32, "عاجل", "انفجار في دمشق")]
    assert docs[0]["minhash_bands"] == []
    assert assign_clusters(None, "unused", docs) == 0
    assert [d["cluster_id"] for d in docs] == ["a" * 32, "b" * 32]
