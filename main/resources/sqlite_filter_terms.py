"""A company's filter keys as terms of the word index, so FTS5 answers words and filters together.

A search with words and filters is an intersection of posting lists, which FTS5 walks
as search engines do: from the shortest, skipping ahead in the others through their
doclist indexes, so a sparse intersection costs about its smaller side whichever list
is a hub's. Each filter key is one term: a private-use character no name word can
start with (`name_words` keeps letters and digits only), then the node id's UTF-8 in
hex, so every key, whatever its characters, is a single token of the unicode61
tokenizer and no word prefix a client types reaches one.
"""

from __future__ import annotations

from collections.abc import Iterable

from main.service.keys import CITY, COUNTRY, INDUSTRY

MARK = "\ue000"
# The node collections a search filters by
FILTERED = (f"{COUNTRY}/", f"{CITY}/", f"{INDUSTRY}/")


def filter_term(target: str) -> str:
    """The term of one node id (`Country/US`)."""
    return MARK + target.encode().hex()


def filter_terms(targets: Iterable[str]) -> str:
    """The terms of the filterable nodes among a company's targets, as the index stores them."""
    return " ".join(filter_term(target) for target in targets if target.startswith(FILTERED))
