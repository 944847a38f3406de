"""Countries and first-level divisions as the datasets name them → ISO codes (pycountry,
plus the names ACLED and UCDP use that pycountry does not know), and which row place is
the same as a known location.

A location is the same place as a row's when their normalised names agree (compared in
SQL with ``sitrep_norm``), their countries do not disagree, and, when both have
coordinates, they are within ``SAME_PLACE_KM`` of each other (more for a row
whose point is only a district's, province's or country's).
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

import pycountry

SAME_PLACE_KM = 10.0
# a coarser row point (a district's, a province's or a country's centroid) may lie
# further from the same named place
SAME_PLACE_KM_BY_PRECISION = {"ADMIN2": 50.0, "ADMIN1": 100.0, "COUNTRY": 500.0}

# Names the datasets use that pycountry does not resolve (UCDP keeps former names in
# brackets, which are dropped first).
COUNTRY_ALIASES = {
    "turkey": "TR",
    "turkiye": "TR",
    "syria": "SY",
    "iran": "IR",
    "russia": "RU",
    "palestine": "PS",
    "democratic republic of congo": "CD",
    "dr congo": "CD",
    "republic of congo": "CG",
    "ivory coast": "CI",
    "bosnia herzegovina": "BA",
    "macedonia fyr": "MK",
    "kingdom of eswatini": "SZ",
    "eswatini": "SZ",
    "east timor": "TL",
    "laos": "LA",
    "vietnam": "VN",
    "north korea": "KP",
    "south korea": "KR",
    "czech republic": "CZ",
    "yemen north yemen": "YE",
}

# First-level divisions as ACLED and UCDP spell them (Iraq and Syria, the seed's region),
# where pycountry's transliteration differs.
ADMIN1_ALIASES = {
    ("IQ", "erbil"): "IQ-AR",
    ("IQ", "arbil"): "IQ-AR",
    ("IQ", "anbar"): "IQ-AN",
    ("IQ", "al anbar"): "IQ-AN",
    ("IQ", "ninewa"): "IQ-NI",
    ("IQ", "nineveh"): "IQ-NI",
    ("IQ", "ninawa"): "IQ-NI",
    ("IQ", "salah al din"): "IQ-SD",
    ("IQ", "salah ad din"): "IQ-SD",
    ("IQ", "saladin"): "IQ-SD",
    ("IQ", "diyala"): "IQ-DI",
    ("IQ", "duhok"): "IQ-DA",
    ("IQ", "dohuk"): "IQ-DA",
    ("IQ", "sulaymaniyah"): "IQ-SU",
    ("IQ", "al sulaymaniyah"): "IQ-SU",
    ("IQ", "basrah"): "IQ-BA",
    ("IQ", "basra"): "IQ-BA",
    ("IQ", "qadisiyah"): "IQ-QA",
    ("IQ", "muthanna"): "IQ-MU",
    ("IQ", "najaf"): "IQ-NA",
    ("IQ", "babylon"): "IQ-BB",
    ("SY", "deir ez zor"): "SY-DY",
    ("SY", "deir ez zor governorate"): "SY-DY",
    ("SY", "deir al zour"): "SY-DY",
    ("SY", "hasakah"): "SY-HA",
    ("SY", "al hasakah"): "SY-HA",
    ("SY", "raqqa"): "SY-RA",
    ("SY", "ar raqqa"): "SY-RA",
    ("SY", "aleppo"): "SY-HL",
    ("SY", "homs"): "SY-HI",
    ("SY", "hama"): "SY-HM",
    ("SY", "damascus"): "SY-DI",
    ("SY", "rural damascus"): "SY-RD",
    ("SY", "daraa"): "SY-DR",
    ("SY", "quneitra"): "SY-QU",
    ("SY", "tartus"): "SY-TA",
    ("SY", "lattakia"): "SY-LA",
    ("SY", "latakia"): "SY-LA",
    ("SY", "as sweida"): "SY-SU",
    ("SY", "as suwayda"): "SY-SU",
}

_DIVISION_WORDS = re.compile(r"\b(governorate|province|muhafazat|region|wilayah)\b")


def plain(text: str) -> str:
    """Lower case, accents and apostrophes removed, other punctuation a space (close to
    ``sitrep_norm``, for matching names against pycountry in Python)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    stripped = re.sub(r"['`´‘’ʼʻʿʾ.]", "", stripped)  # noqa: RUF001
    return " ".join(re.sub(r"[^0-9a-z]+", " ", stripped).split())


@lru_cache(maxsize=1024)
def country_code(iso_numeric: str, name: str) -> str | None:
    """ISO 3166-1 alpha-2 from ACLED's numeric ``iso`` or a country name."""
    found = None
    if iso_numeric.strip().isdigit():
        found = pycountry.countries.get(numeric=iso_numeric.strip().zfill(3))
    if found is not None:
        return str(found.alpha_2)
    base = name.split("(", maxsplit=1)[0].strip()
    if not base:
        return None
    alias = COUNTRY_ALIASES.get(plain(base)) or COUNTRY_ALIASES.get(plain(name))
    if alias:
        return alias
    try:
        return str(pycountry.countries.lookup(base).alpha_2)
    except LookupError:
        return None


@lru_cache(maxsize=4096)
def admin1_code(country: str | None, name: str | None) -> str | None:
    """ISO 3166-2 code of a first-level division named as the datasets name it."""
    if not country or not name:
        return None
    key = " ".join(_DIVISION_WORDS.sub(" ", plain(name)).split())
    if (country, key) in ADMIN1_ALIASES:
        return ADMIN1_ALIASES[(country, key)]
    for sub in pycountry.subdivisions.get(country_code=country) or []:
        if sub.parent_code is None and plain(sub.name) in (key, f"al {key}", f"an {key}"):
            return str(sub.code)
    return None


_KINDS = [
    ("AIRPORT", re.compile(r"\bairport\b", re.I)),
    ("AIRBASE", re.compile(r"\bair ?base\b|\bairfield\b", re.I)),
    ("MILITARY_BASE", re.compile(r"\bbase\b|\bgarrison\b", re.I)),
    ("BORDER_CROSSING", re.compile(r"\bborder crossing\b|\bcrossing point\b", re.I)),
]


def kind_of(name: str) -> str:
    """A new place's kind from its name (an airport, an air base, a base), else TOWN."""
    for kind, pattern in _KINDS:
        if pattern.search(name):
            return kind
    return "TOWN"


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (mean Earth radius, as ``earthdistance``)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))
