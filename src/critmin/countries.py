"""Country names and codes → ISO3.

Names are resolved with the well-kept ``country_converter`` library (regex
matching of the many spellings sources use: 'Congo (Kinshasa)', 'Burma',
'Korea, Republic of'). On top of it sit only the codes no library knows:

* former countries, kept as their ISO 3166-3 codes so history is not
  silently merged into a successor (USSR ``SUN``, Yugoslavia ``YUG``,
  Czechoslovakia ``CSK``, GDR ``DDR``, Serbia and Montenegro ``SCG``,
  Netherlands Antilles ``ANT``); Zaire is DR Congo renamed, so ``COD``;
* BACI's own numeric codes (490 'Other Asia, nes' = Taiwan, 842 USA, 251
  France, 699 India, 757 Switzerland, 579 Norway, 58 Belgium-Luxembourg);
* the residual buckets of statistical tables: 'Other countries' → ``OTH``,
  'World total' → ``WLD``.
"""
from __future__ import annotations

import functools
import logging
import re
from typing import Iterable

from .errors import UnknownNameError, did_you_mean
from .schema import OTHER, WORLD

FORMER: dict[str, str] = {
    "soviet union": "SUN", "ussr": "SUN", "u.s.s.r.": "SUN", "former ussr": "SUN",
    "yugoslavia": "YUG", "yugoslavia, sfr": "YUG", "former yugoslavia": "YUG",
    "czechoslovakia": "CSK",
    "german democratic republic": "DDR", "german democratic rep.": "DDR", "east germany": "DDR",
    "german federal republic": "DEU", "germany, federal republic of": "DEU",
    "german federal rep.": "DEU", "west germany": "DEU",
    "serbia and montenegro": "SCG", "serbia & montenegro": "SCG",
    "netherlands antilles": "ANT",
    "zaire": "COD",
    "belgium-luxembourg": "BLX",
    "other asia, nes": "TWN", "other asia nes": "TWN", "chinese taipei": "TWN",
}

RESIDUAL_PATTERNS = [
    (re.compile(r"^\s*world", re.I), WORLD),
    (re.compile(r"^\s*(other|others|rest of world|all other)\b", re.I), OTHER),
]

#: Names that are names of no country: groupings, free text.
NOT_COUNTRIES = re.compile(r"(^total$|^\s*$|^(eu|european union)\b|^areas, nes|^free zones"
                           r"|^special categories|^bunkers|^neutral zone|^fr\. south)", re.I)


@functools.lru_cache(maxsize=1)
def converter():
    import country_converter as coco  # lazy: keeps `import critmin` light

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    return coco.CountryConverter()


@functools.lru_cache(maxsize=1)
def iso3_names() -> dict[str, str]:
    """ISO3 → short English name, for every country the converter knows plus former ones."""
    cc = converter()
    names = dict(zip(cc.data["ISO3"], cc.data["name_short"]))
    names.update({"SUN": "USSR (former)", "YUG": "Yugoslavia (former)", "CSK": "Czechoslovakia (former)",
                  "DDR": "German Democratic Republic (former)", "SCG": "Serbia and Montenegro (former)",
                  "ANT": "Netherlands Antilles (former)", "BLX": "Belgium-Luxembourg (BACI, to 1998)",
                  OTHER: "Other countries", WORLD: "World"})
    return names


def _clean(name: str) -> str:
    return re.sub(r"\s+", " ", str(name).replace("\xa0", " ")).strip()


@functools.lru_cache(maxsize=4096)
def _one(name: str) -> str | None:
    n = _clean(name)
    low = n.lower()
    if low in FORMER:
        return FORMER[low]
    for pat, code in RESIDUAL_PATTERNS:
        if pat.search(n):
            return code
    if re.fullmatch(r"[A-Z]{3}", n) and n in iso3_names():
        return n
    if NOT_COUNTRIES.search(n):
        return None
    base = re.sub(r"\s*\((beneficiated|concentrate|.*content.*|e|estimated)\)\s*$", "", n, flags=re.I)
    res = converter().convert(base, to="ISO3", not_found=None)
    if isinstance(res, list):
        res = res[0] if len(res) == 1 else None
    # country_converter returns the input unchanged when it finds nothing
    return res if isinstance(res, str) and res in iso3_names() else None


def to_iso3(names: Iterable[str], *, strict: bool = True, file: str | None = None,
            field: str = "country") -> list[str | None]:
    """Map country names (any spelling sources use) to ISO3 codes.

    Parameters
    ----------
    names : iterable of str
    strict : bool
        If True, an unresolvable name raises :class:`UnknownNameError` with a
        "did you mean"; otherwise it maps to None.

    >>> to_iso3(["Congo (Kinshasa)", "Burma", "Other countries", "World total (rounded)"])
    ['COD', 'MMR', 'OTH', 'WLD']
    """
    out = []
    for n in names:
        code = _one(str(n))
        if code is None and strict:
            raise UnknownNameError(
                f"unknown country name{did_you_mean(_clean(n), iso3_names().values())}",
                file=file, field=field, found=str(n),
                fix="use an ISO3 code (e.g. 'COD' for DR Congo) or a standard English name")
        out.append(code)
    return out


def iso3(name: str) -> str:
    """One name → ISO3 (strict).

    >>> iso3("Korea, Republic of")
    'KOR'
    """
    return to_iso3([name])[0]  # type: ignore[return-value]


def name(code: str) -> str:
    """ISO3 → short English name (the code itself if unknown).

    >>> name("COD")
    'DR Congo'
    """
    return iso3_names().get(code, code)


def check_iso3(code: str, *, file: str | None = None, field: str = "country") -> str:
    """Validate a user-given ISO3 code (case-insensitive), with a 'did you mean'."""
    c = str(code).strip().upper()
    if c in iso3_names():
        return c
    guess = _one(str(code)) if len(str(code)) > 3 else None
    hint = f" — did you mean {guess!r} ({name(guess)})?" if guess else did_you_mean(c, iso3_names())
    raise UnknownNameError(f"unknown country code{hint}", file=file, field=field, found=code,
                           fix="give an ISO 3166 alpha-3 code such as JPN, USA, DEU")
