"""Search-quality evaluation (``khabar eval search``): one fresh index per analysis configuration,
known-item queries derived from the ANT news corpus and question -> paragraph retrieval on a SQuAD
file, scored by MRR@10, nDCG@10 and recall@100. See docs/search-quality.md."""
