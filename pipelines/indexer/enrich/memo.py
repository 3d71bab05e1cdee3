"""A bounded memo for per-word work (folding a spelling, reading its clitics).

Looking a word up is a plain dict lookup, so ``map(memo.__getitem__, words)`` runs in C: several
times cheaper than a ``functools.lru_cache`` hit, which the enrichment pays for every token of
every article. Bounded because a stranger writes the text: when full, it is emptied at once (news
reuses a small vocabulary, which a few articles bring back). Each indexer worker process has its
own; the function must depend on its key only, so a race between threads at worst computes twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V]):
    """``memo[key]`` is ``function(key)``, computed once while it stays in the memo."""

    def __init__(self, function: Callable[[K], V], maxsize: int) -> None:
        super().__init__()
        self._function = function
        self._maxsize = maxsize

    def __missing__(self, key: K) -> V:
        if len(self) >= self._maxsize:
            self.clear()
        value = self[key] = self._function(key)
        return value
