"""The names feeds write that ISO 3166 and GeoNames do not give, and GeoNames' own
numbering of some countries' states: data the gazetteer index is built from.

Keys are as `gazetteer_index.norm` leaves a name (lower case, no accents, no dots).
A change here changes the index: raise gazetteer_index.FORMAT_VERSION with it.
"""

from __future__ import annotations

COUNTRY_ALIASES = {
    "us": "US",
    "usa": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "deutschland": "DE",
    "holland": "NL",
    "the netherlands": "NL",
    "russia": "RU",
    "turkey": "TR",
    "south korea": "KR",
    "korea": "KR",
    "republic of korea": "KR",
    "czechia": "CZ",
    "uae": "AE",
    "prc": "CN",
    "pr china": "CN",
    "mainland china": "CN",
    "vietnam": "VN",
    "iran": "IR",
    "taiwan": "TW",
    "hong kong": "HK",
    "hong kong sar": "HK",
    "macau": "MO",
    "macau sar": "MO",
    "macao sar": "MO",
    "republic of ireland": "IE",
    "ivory coast": "CI",
    "brasil": "BR",
    "espana": "ES",
    "italia": "IT",
    "suisse": "CH",
    "schweiz": "CH",
    "osterreich": "AT",
    "nippon": "JP",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "syria": "SY",
    "laos": "LA",
    "moldova": "MD",
}

# The abbreviations of the AP stylebook and of newspapers ("Austin, Tex.", "Edmonton, Alta."),
# dots dropped as `norm` drops them
_US_ABBREVIATIONS = (
    "ala:AL ariz:AZ ark:AR calif:CA cal:CA colo:CO conn:CT del:DE fla:FL ga:GA ill:IL ind:IN"
    " kan:KS kans:KS ky:KY la:LA md:MD mass:MA mich:MI minn:MN miss:MS mo:MO mont:MT neb:NE"
    " nebr:NE nev:NV nh:NH nj:NJ nm:NM ny:NY nc:NC nd:ND okla:OK ore:OR oreg:OR pa:PA penn:PA"
    " ri:RI sc:SC sd:SD tenn:TN tex:TX vt:VT va:VA wash:WA wva:WV wis:WI wisc:WI wyo:WY"
)
_CA_ABBREVIATIONS = "alta:AB sask:SK man:MB ont:ON que:QC nfld:NL pei:PE"


def _abbreviations(country: str, pairs: str) -> dict[str, str]:
    return {key: f"{country}-{code}" for key, _, code in (pair.partition(":") for pair in pairs.split())}


SUBDIVISION_ALIASES = {
    "US": _abbreviations("US", _US_ABBREVIATIONS),
    "CA": _abbreviations("CA", _CA_ABBREVIATIONS),
    "DE": {
        "bavaria": "DE-BY",
        "hesse": "DE-HE",
        "lower saxony": "DE-NI",
        "north rhine-westphalia": "DE-NW",
        "north rhine westphalia": "DE-NW",
        "rhineland-palatinate": "DE-RP",
        "saxony": "DE-SN",
        "thuringia": "DE-TH",
    },
    "CH": {"geneva": "CH-GE", "vaud": "CH-VD", "lucerne": "CH-LU"},
    "IT": {"lombardy": "IT-25", "piedmont": "IT-21", "tuscany": "IT-52", "lazio": "IT-62"},
    "ES": {"catalonia": "ES-CT", "madrid": "ES-MD", "andalusia": "ES-AN"},
    "KR": {"seoul": "KR-11", "gyeonggi": "KR-41"},
    "CN": {"beijing": "CN-BJ", "shanghai": "CN-SH", "guangdong": "CN-GD", "zhejiang": "CN-ZJ"},
    "IL": {"tel aviv": "IL-TA", "jerusalem": "IL-JM", "haifa": "IL-HA", "central": "IL-M"},
    "BE": {"brussels": "BE-BRU", "flanders": "BE-VLG", "wallonia": "BE-WAL"},
    # Mexico City's entity before 2016 (Distrito Federal, "D.F."), and its short name since
    "MX": {"df": "MX-CMX", "distrito federal": "MX-CMX", "cdmx": "MX-CMX"},
    # the Special Capital Region of Jakarta, as Indonesian addresses write it
    "ID": {"dki jakarta": "ID-JK", "jakarta": "ID-JK"},
}


# GeoNames numbers the first-level subdivisions of these countries its own way: their ISO
# 3166-2 codes, so a city's state is known where the text does not say it (checked against
# the cities themselves in test/resources/test_offline_geocoder.py).
def _numbered(codes: str) -> dict[str, str]:
    """GeoNames' admin1 numbers 01, 02, ... in order, to these ISO 3166-2 suffixes."""
    suffixes = codes.split()
    return dict(zip((f"{n:02d}" for n in range(1, len(suffixes) + 1)), suffixes, strict=True))


ADMIN1_ISO = {
    "DE": _numbered("BW BY HB HH HE NI NW RP SL SH BB MV SN ST TH BE"),
    # 06 is unused by GeoNames for Canada
    "CA": {k: v for k, v in _numbered("AB BC MB NB NL - NS ON PE QC SK YT NT NU").items() if v != "-"},
    "AU": _numbered("ACT NSW NT QLD SA TAS VIC WA"),
    # GeoNames: the prefectures in alphabetical order, Okinawa last; ISO: north to south
    "JP": _numbered(
        "23 05 02 12 38 18 40 07 21 10 34 01 28 08 17 03 37 46 14 39 43 26 24 04 45 20 42 29 15 44"
        " 33 27 41 11 25 32 22 09 36 13 31 16 30 06 35 19 47"
    ),
}
