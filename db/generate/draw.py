"""The one source of randomness, and the names, statuses and weights drawn from it.

Everything the generator makes comes from one ``random.Random(seed)`` shared by the world
builder and the incident batches, in a fixed order: the same seed gives the same data.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence

from db.generate.tables import Ids
from db.generate.vocabulary import SYLLABLES


class Draw:
    """The random generator, the next ids, and the names already used (kept unique)."""

    def __init__(self, seed: int, ids: Ids) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.seed = seed
        self.ids = ids
        self.used_names: set[str] = set()
        self.tag = f"s{seed}-{ids.incident}"  # keeps URLs unique across --append runs

    def word(self, lo: int = 2, hi: int = 3) -> str:
        r = self.rng
        return "".join(r.choice(SYLLABLES) for _ in range(r.randint(lo, hi))).capitalize()

    def unique(self, make: Callable[[], str]) -> str:
        for _ in range(50):
            name = make()
            if name.lower() not in self.used_names:
                self.used_names.add(name.lower())
                return name
        name = f"{make()} {len(self.used_names)}"
        self.used_names.add(name.lower())
        return name

    def status(self) -> str:
        return "DRAFT" if self.rng.random() < 0.01 else "PUBLISHED"


def bind(make: Callable[[str], str], value: str) -> Callable[[], str]:
    """``make`` with its argument fixed now (a loop variable's current value)."""
    return lambda: make(value)


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1.0 / (rank**s) for rank in range(1, n + 1)]


def cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))
