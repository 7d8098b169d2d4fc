"""The terms of the word index: the words of each company's name, and its filter keys.

Words are read as the service's word rule reads them (service/words.py), which is how the
FTS5 tokenizer (unicode61, remove_diacritics 2) reads them. Word prefixes of 1 to
`MAX_PREFIX` letters are indexed (schema); a longer word a client types is looked up in
`long_word`, the names' words longer than that, and searched as the few words it starts,
each a posting list FTS5 walks lazily: as a prefix FTS5 has no index for, it would gather
the lists of every word it starts before the first row, at a cost that grows with them
(bench/RESULTS.md).

A search with words and filters is an intersection of posting lists, which FTS5 walks
as search engines do: from the shortest, skipping ahead in the others through their
doclist indexes, so a sparse intersection costs about its smaller side whichever list
is a hub's; a place with an industry is one term of its own (their pair), so words in
a sparse pair walk the pair's list, not the industry's. Each filter key is one term: a
private-use character no name word can start with (`name_words` keeps letters and
digits only), then the node id's UTF-8 in hex, so every key, whatever its characters,
is a single token of the unicode61 tokenizer and no word prefix a client types reaches
one.
"""

from __future__ import annotations

from collections.abc import Iterable

from main.service.words import name_words
from main.service.write_plan import PAIRED_INDUSTRIES, PAIRED_PLACES

# The longest word prefix the word index holds (schema: prefix='1 2 3 4 5 6')
MAX_PREFIX = 6
MARK = "\ue000"


def long_words(name: str) -> list[str]:
    """The words of a name longer than the indexed prefixes, for `long_word`."""
    return sorted({word for word in name_words(name) if len(word) > MAX_PREFIX})


def filter_term(*targets: str) -> str:
    """The term of one node id (`Country/US`), or of a place with an industry: a word with a
    place and an industry walks the pair's list, never the longer list of either."""
    return MARK + "+".join(targets).encode().hex()


def filter_terms(targets: Iterable[str]) -> str:
    """The terms of a company's places, industries and their pairs, as the index stores them."""
    targets = list(targets)
    places = [target for target in targets if target.startswith(PAIRED_PLACES)]
    industries = [target for target in targets if target.startswith(PAIRED_INDUSTRIES)]
    pairs = [(place, industry) for place in places for industry in industries]
    return " ".join(filter_term(*terms) for terms in [*((t,) for t in places + industries), *pairs])
