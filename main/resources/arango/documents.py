"""How the graph is laid out in ArangoDB's collections, and the keys that make writes replayable.

Every document's key is a function of what it is (a company's key, a hash of an edge's
ends), so a batch written twice, or committed with an outcome the client never heard,
leaves what one write leaves.

Names are ordered as SQLite's NOCASE orders them (ASCII letters folded, then UTF-8 bytes),
and ids as bytes. ArangoDB compares strings in indexes by ICU collation, which orders
punctuation, case and accents by language rules, so the sort attributes hold the hex of
those bytes: hex digits collate in byte order under every ICU locale, and a prefix of a
word is a prefix of its hex, so word prefixes are index ranges too. Every store then
gives the same pages in the same order, cursors included.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Sequence
from typing import Any

from main.service.keys import COMPANY, INDUSTRY_EDGE, LOCATE, PLACE_COLLECTIONS
from main.service.words import name_words
from main.service.write_plan import pairs_of

NODE_COLLECTIONS = (*PLACE_COLLECTIONS, "Industry")
EDGE_COLLECTIONS = (LOCATE, INDUSTRY_EDGE)
# the pairs a place-and-industry search reads, their counts, the word index, its term
# counts, the versions and applied events of the write plan, remembered places, and one
# document holding what every write moves (row ids given, the generation, the tallies)
PAIR, PAIR_COUNT, POSTING, TERM_COUNT = "pair", "pair_count", "posting", "term_count"
VERSION, APPLIED, PLACE_LOOKUP, META = "company_version", "applied_event", "place_lookup", "meta"
DOCUMENT_COLLECTIONS = (
    COMPANY,
    *NODE_COLLECTIONS,
    PAIR,
    PAIR_COUNT,
    POSTING,
    TERM_COUNT,
    VERSION,
    APPLIED,
    PLACE_LOOKUP,
    META,
)
STATE_KEY = "state"
# Word prefixes held, as the other stores hold them
MAX_PREFIX = 6
_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def ordered(text: str) -> str:
    """`text`'s UTF-8 bytes as hex: ICU collation orders these as the bytes order."""
    return text.encode().hex()


def sort_key(name: str) -> str:
    """A name as lists order it (NOCASE: ASCII letters folded, nothing else)."""
    return ordered(name.translate(_ASCII_FOLD))


def hashed(*parts: str) -> str:
    """A document key for what has no short key of its own (edges, pairs, terms, events)."""
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def edge_collection(kind: str) -> str:
    if kind not in EDGE_COLLECTIONS:
        raise ValueError(f"no edge collection for {kind!r}")
    return kind


def edge_key(company: str, kind: str, target: str) -> str:
    return hashed(company, kind, target)


def pair_key(place: str, industry: str, company: str) -> str:
    return hashed(place, industry, company)


def pair_count_key(place: str, industry: str) -> str:
    return hashed(place, industry)


def term(kind: str, *values: str) -> str:
    """A term of the word index: `w` a name's word, `p` a word's prefix, `t` a node or a pair."""
    return f"{kind}:{ordered('+'.join(values))}"


def word_term(word: str) -> str:
    return term("w", word)


def prefix_term(prefix: str) -> str:
    return term("p", prefix)


def target_term(targets: Sequence[str]) -> str:
    return term("t", *targets)


def posting_key(found_by: str, seq: int) -> str:
    return hashed(found_by, str(seq))


def terms_of(name: str, links: Sequence[str]) -> set[str]:
    """What a company is found by: its name's words and their prefixes, its nodes and pairs."""
    words = set(name_words(name))
    found = {word_term(word) for word in words}
    found.update(prefix_term(word[:n]) for word in words for n in range(1, min(len(word), MAX_PREFIX) + 1))
    found.update(target_term((target,)) for target in links)
    found.update(target_term(pair) for pair in pairs_of(("", target) for target in links))
    return found


def company_document(key: str, doc: dict[str, Any], name: str, links: Sequence[str], seq: int) -> dict:
    return {
        "_key": key,
        "doc": doc,
        "name": name,
        "sort": sort_key(name),
        "order": ordered(key),
        "links": list(links),
        "seq": seq,
    }
