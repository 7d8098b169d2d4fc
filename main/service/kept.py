"""What a store keeps between requests, per thread, while its data is unchanged.

Some reads give every request the same intermediate answer: a hub's first candidates for
`related`, where every hundredth item of a long list lies. Keeping them makes those reads
cheap without changing a single answer, as long as nothing was committed since: each
answer is kept under the store's generation (for SQLite, `data_version`, which moves
when another connection commits, with the thread's own commit count). Kept per thread,
as the connection that reads the generation.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Protocol, TypeVar

V = TypeVar("V")


class Kept:
    """At most `size` answers, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.generation: object = None
        self.answers: OrderedDict[Hashable, object] = OrderedDict()

    def current(self, generation: object) -> Kept:
        """This copy, emptied first when the file has changed since it was filled."""
        if generation != self.generation:
            self.generation = generation
            self.answers.clear()
        return self

    def peek(self, key: Hashable) -> object | None:
        """What is kept under `key`, if anything, without making it."""
        return self.answers.get(key)

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        if key in self.answers:
            self.answers.move_to_end(key)
            return self.answers[key]  # type: ignore[return-value]
        answer = make()
        self.answers[key] = answer
        if len(self.answers) > self.size:
            self.answers.popitem(last=False)
        return answer


def remembered(kept: Kept | None, key: Hashable, make: Callable[[], V]) -> V:
    """`make()`, or what it answered before while the store is unchanged, when there is a
    `kept` to ask (a word's count to 1,000 was ~110 us of a word search at a million)."""
    return make() if kept is None else kept.get_or_make(key, make)


class Generational(Protocol):
    def generation(self) -> object | None: ...


class PerThread:
    """Each thread's kept answers under a few names, emptied when the store's generation
    moved; none at all where the store cannot tell its generation."""

    def __init__(self, store: Generational, sizes: Mapping[str, int]) -> None:
        self.store = store
        self.sizes = sizes
        self.local = threading.local()

    def current(self, *names: str) -> tuple[Kept | None, ...]:
        """The kept answers under each name, the generation read once for them all."""
        generation = self.store.generation()
        if generation is None:
            return tuple(None for _ in names)
        return tuple(self._kept(name).current(generation) for name in names)

    def one(self, name: str) -> Kept | None:
        """`current` for one name: a list's read asks on every request, and the tuple it
        would build is most of the cost of asking."""
        generation = self.store.generation()
        return None if generation is None else self._kept(name).current(generation)

    def _kept(self, name: str) -> Kept:
        kept = self.local.__dict__.get(name)
        if kept is None:
            kept = Kept(self.sizes[name])
            setattr(self.local, name, kept)
        return kept
