"""A location string narrowed to the places it names for the company, each as its comma tokens.

* a sentence names it after "headquartered in", "head office in", "based in"... (a
  clause saying where the company is incorporated or registered is not its place, unless
  it is the only one named);
* punctuation feeds add is made plain (initials spaced out, a spaced dash between places),
  an encyclopedia's footnote marks go, and a parenthesis naming a state or country becomes
  a token (any other is dropped);
* coordinates and postal codes are dropped (every word holding a digit: `34°41'N`,
  `541-0041`, `SW1A 1AA`, street numbers);
* several places (`X (operational) Y (legal)`, `A; B`, `A / B`, `A and B`, `A, and B`, or a
  country run straight into the next place: `Toronto, Ontario, Canada Chicago, Illinois,
  US`) are returned in the order they are named; a name holding "and" (`Trinidad and
  Tobago`, `Newfoundland and Labrador`) is not split; a place ends at its country
  (`Oslo, Norway, Houston, Texas`).

Which of them is the company's, and what each token is, the resolver decides
(offline_geocoder.py).
"""

from __future__ import annotations

import itertools
import re

from main.resources.geo.gazetteer import Gazetteer

_PARENTHESES = re.compile(r"\(([^)]*)\)")
_SPACED_INITIALS = re.compile(r"\b(?:[A-Z]\.\s){1,3}[A-Z]\.")
_DASH_BETWEEN = re.compile(r"\s+[\u2013\u2014-]\s+")
_DASHES = frozenset("\u2013\u2014-")
# what a parenthesis may say around a state's name: "canton of Schwyz", "Saitama Prefecture"
_STATE_WORDS = re.compile(
    r"^(?:the\s+)?(?:canton|prefecture|province|state|county|region|department|land)\s+(?:of\s+)?"
    r"|\s+(?:canton|prefecture|province|state|county|region|department)$",
    re.IGNORECASE,
)
# an encyclopedia's footnote marks: "U.S.[1]", "France[a]", "Germany[note 1]"
_FOOTNOTES = re.compile(r"\[[^\]]{0,24}\]")
_HEADQUARTERS = re.compile(
    r"\b(?:head\s*quarter(?:s|ed)?|hq|head\s+office|main\s+office"
    r"|(?:principal|corporate)\s+(?:executive\s+)?office(?:s)?|executive\s+office(?:s)?"
    r"|based|located)\s*(?:is\s+|are\s+)?(?:located\s+)?(?:(?:in|at)\s+|:\s*)",
    re.IGNORECASE,
)
_LEGAL_CLAUSE = re.compile(
    r"\b(?:incorporated|registered|domiciled|organi[sz]ed|listed)\b[^,;]*(?:[,;]|$)", re.IGNORECASE
)
_LEGAL_WORDS = re.compile(
    r"\b(?:incorporated|registered|domiciled|organi[sz]ed|listed)\s+(?:in|under\s+the\s+laws\s+of)\s+",
    re.IGNORECASE,
)
# words before a place in a token: "in", "at", "(with) offices in"
_LEADING_WORDS = re.compile(
    r"^(?:(?:with\s+)?(?:(?:main|regional|branch|other|executive|corporate)\s+)?offices?\s+)?(?:in|at)\s+",
    re.IGNORECASE,
)
# a token opening another place of a list: "Dayton, Ohio, and Reno, Nevada"
_AND_NEXT = re.compile(r"^and\s+", re.IGNORECASE)
_COORDINATES = re.compile(
    r"-?\d+(?:\.\d+)?\s*°(?:\s*\d+(?:\.\d+)?\s*[\u2032'])?(?:\s*\d+(?:\.\d+)?\s*[\u2033\"])?\s*[NSEW]?"
)
_DIGIT = re.compile(r"\d")
_WITH_DIGIT = re.compile(r"[^\s,;/]*\d[^\s,;/]*")
_PLACE_SEPARATORS = re.compile(r"\s*(?:;|\s/\s|/|\||\s&\s)\s*")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


class Narrower:
    """Narrows with the gazetteer's names: whether a token names a place decides where a
    parenthesis is kept and where a run of words is split."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def places(self, text: str) -> list[list[str]]:
        """The comma tokens of each place the text names, in the order it names them."""
        text = _punctuated(text)
        if "[" in text:
            text = _FOOTNOTES.sub("", text)
        if "(" in text:
            text = self._parenthesised(text)
        said = _HEADQUARTERS.search(text)
        if said:
            text = text[said.end() :]
        # where it is incorporated or registered is not its place, unless it is the only one named
        unregistered = _LEGAL_CLAUSE.sub(" ", text)
        text = unregistered if unregistered.strip(" ,;.") else _LEGAL_WORDS.sub("", text)
        if _DIGIT.search(text):
            text = _WITH_DIGIT.sub(" ", _COORDINATES.sub(" ", text))
        places = []
        for part in _PLACE_SEPARATORS.split(text):
            places.extend(self._split_runs(part))
        cleaned = [[_LEADING_WORDS.sub("", t).strip(" .-") for t in place] for place in places]
        kept = [[t for t in place if t] for place in cleaned]
        return [ended for place in kept if place for ended in self._ended_at_countries(place)]

    def _ended_at_countries(self, place: list[str]) -> list[list[str]]:
        """A place ends at its country: what follows a country named after the place's own
        tokens is another place (`Oslo, Norway, Houston, Texas`) or none (`Paris, France,
        Europe`). Not where the country's name is a state of the next token's country
        (`Athens, Georgia, USA`), nor after a code in capitals (`Sacramento, CA, USA`: CA is
        Canada's code too)."""
        if len(place) < 3:
            return [place]
        places = [place[:1]]
        for token, following in itertools.pairwise(place[1:]):
            places[-1].append(token)
            if (
                (len(token) > 3 or not token.replace(".", "").isupper())
                and self.gazetteer.country(token)
                and not self._state_of(token, following)
            ):
                places.append([])
        places[-1].append(place[-1])
        return places

    def _state_of(self, token: str, following: str) -> bool:
        country = self.gazetteer.country(following)
        return country is not None and self.gazetteer.subdivision(country, token) is not None

    def _parenthesised(self, text: str) -> str:
        """A parenthesis naming the state or country of the place before it (`Zug (ZG)`,
        `Pfäffikon (canton of Schwyz)`, `Dublin (Ohio)`) becomes one of its tokens; any other
        (`(headquarters)`, `(legal)`) is dropped, and where another place follows it without a
        separator (`Zurich (operational) Baar (legal)`) the text ends there: the first place
        named is the company's."""
        kept, rest = "", text
        while match := _PARENTHESES.search(rest):
            before, inside, rest = rest[: match.start()], match.group(1), rest[match.end() :]
            named = _STATE_WORDS.sub("", inside).strip(" .")
            if named and (self.gazetteer.country(named) or self.gazetteer.subdivisions(named)):
                kept += f"{before}, {named}"
                continue
            kept += before
            if rest.strip() and not rest.lstrip().startswith((",", ";", "/", "|")):
                return kept
        return kept + rest

    def _split_runs(self, part: str) -> list[list[str]]:
        """One separator-free part into places: at an "and" that no place name holds, and
        after a country run straight into the next place ("Canada Chicago")."""
        tokens = [t.strip() for t in part.split(",") if t.strip()]
        hint = self.gazetteer.country(tokens[-1]) if tokens else None
        places: list[list[str]] = [[]]
        for token in tokens:
            if _AND_NEXT.match(token) and places[-1]:
                places.append([])
                token = _AND_NEXT.sub("", token)
            joined = _AND.search(token) is not None and not self.gazetteer.names_a_place(token, hint)
            pieces = _AND.split(token) if joined else [token]
            for number, piece in enumerate(pieces):
                if number:
                    places.append([])
                head, rest = self._country_then_more(piece)
                places[-1].append(head)
                if rest:
                    places.append([rest])
        return [p for p in places if p]

    def _country_then_more(self, token: str) -> tuple[str, str]:
        """("Canada", "Chicago") for "Canada Chicago"; (token, "") when no country leads it."""
        words = token.split()
        for size in range(min(4, len(words) - 1), 0, -1):
            head, rest = " ".join(words[:size]), " ".join(words[size:])
            # "Canada Square" is a street, not Canada and a place
            if (
                # a code runs into a place only in capitals ("US Reading"; "Mt. Laurel": MT is Malta)
                (len(head) > 3 or head.replace(".", "").isupper())
                and self.gazetteer.country(head)
                and self.gazetteer.names_a_place(rest, None)
                and not self.gazetteer.names_a_place(token, None)
            ):
                return head, rest
        return token, ""


def _punctuated(text: str) -> str:
    """Punctuation as feeds add it, made plain: initials spaced out (`U. S. A.`) closed up, and
    a spaced dash between two places (`Porto - Portugal`, an en or em dash too) read as a
    comma. (Trailing periods, spaces before commas and `U.S.A.` need nothing: tokens are
    stripped, and the country aliases hold the abbreviations.)"""
    if ". " in text:
        text = _SPACED_INITIALS.sub(lambda m: m.group(0).replace(" ", ""), text)
    return _DASH_BETWEEN.sub(", ", text) if _DASHES.intersection(text) else text
