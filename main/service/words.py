"""The search's word rule: each word of `q` must start a word of the name. Words are read as
the stores' word indexes read them (SQLite's FTS5 unicode61 tokenizer with remove_diacritics
2): lower case, accents dropped, split on anything that is not a letter or a digit."""

from __future__ import annotations

import re
import unicodedata

TOKEN = re.compile(r"[^\W_]+")


def name_words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return TOKEN.findall("".join(c for c in decomposed if not unicodedata.combining(c)))
