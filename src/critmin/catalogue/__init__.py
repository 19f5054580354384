"""The catalogue: minerals, their names (en/ja), unit basis and the HS codes of each stage.

Read from CSV files shipped with the package (data, not code):

* ``minerals.csv`` — id, English and Japanese names, group, parent (for rare-earth
  and platinum-group elements), JOGMEC stockpile flag, unit basis of the series;
* ``hs_codes.csv`` — per mineral the HS 6-digit codes of each supply-chain stage
  (``concentrate`` = ore/concentrate, ``intermediate``, ``refined`` =
  unwrought/refined metal or refined compound, ``chemical``, ``scrap``), with
  shared multi-metal codes marked;
* ``aliases.csv`` — other names a user may type for a mineral: element symbols
  (``Li``, ``Nd``; matched case-sensitively where the lower-case form is an English word
  or a one-letter symbol: ``In`` is indium, ``in`` is not), Japanese alternates
  (レアアース, 希土類, グラファイト, 白金族金属) and English alternates (aluminum, barite, PGM);
* ``lists.csv`` + ``list_sources.csv`` — published mineral lists (Japan's 34 stockpiled rare
  metals, the critical minerals under Japan's Economic Security Promotion Act, the EU's
  critical raw materials, the USGS 2022 critical minerals), each entry as published and the
  catalogue id it maps to, with the publisher, document, date and the page the list was read
  from (:func:`lists`, :func:`list_members`).

Known gaps are stated in :data:`STAGE_GAPS`.
"""
from __future__ import annotations

import functools
import unicodedata
from importlib import resources

import pandas as pd

from ..errors import DataValidationError, UnknownNameError, did_you_mean

STAGES = ("concentrate", "intermediate", "refined", "chemical", "scrap")

#: Supply-chain stages with no trade code of their own, said out loud.
STAGE_GAPS: dict[tuple[str, str], str] = {
    ("lithium", "concentrate"): "lithium ores (spodumene, petalite) have no HS code of their own "
                                "(inside 2530.90 'mineral substances n.e.s.')",
    ("rare_earths", "concentrate"): "rare-earth ores and concentrates have no HS code of their own "
                                    "(inside 2530.90 / 2617.90)",
    ("gallium", "concentrate"): "gallium is a by-product of alumina refining: no ore is traded",
    ("germanium", "concentrate"): "germanium is a by-product of zinc and coal: no ore is traded",
    ("indium", "concentrate"): "indium is a by-product of zinc: no ore is traded",
    ("selenium", "concentrate"): "selenium is a by-product of copper refining: no ore is traded",
    ("tellurium", "concentrate"): "tellurium is a by-product of copper refining: no ore is traded",
    ("cobalt", "concentrate"): "cobalt ores (HS 2605.00) are not in the shipped BACI extract",
    ("gallium", "refined"): "HS 8112.92 (HS2007+) mixes gallium, germanium, indium, niobium, rhenium "
                            "and vanadium: shares are of the whole code",
    ("germanium", "refined"): "HS92 8112.30 is germanium's own code; HS2007+ moved it into the shared 8112.92",
    ("nickel", "refined"): "unwrought nickel 7502.10 is only in the Critical Materials Atlas flows "
                           "(top suppliers per country; minor partners truncated)",
    ("copper", "refined"): "refined copper cathode 7403.11 is only in the Critical Materials Atlas flows "
                           "(top suppliers per country; minor partners truncated)",
    ("vanadium", "concentrate"): "vanadium is recovered from titanomagnetite iron ore, steel slag (2619/2620) "
                                 "and oil residues: no ore code of its own",
    ("beryllium", "concentrate"): "beryl ore has no code of its own (inside 2617.90 'other ores')",
    ("mercury", "concentrate"): "cinnabar ore has no code of its own (inside 2617.90 'other ores')",
    ("graphite", "refined"): "purified and spherical natural graphite have no code of their own "
                             "(inside 2504 / 3801.90)",
    ("niobium", "concentrate"): "niobium ores are inside 2615.90 (with tantalum and vanadium), not in the "
                                "shipped BACI extract",
    ("tantalum", "concentrate"): "tantalum ores are inside 2615.90 (with niobium and vanadium), not in the "
                                 "shipped BACI extract",
    ("cadmium", "concentrate"): "cadmium is a by-product of zinc refining: no ore is traded",
    ("thallium", "concentrate"): "thallium is a by-product of zinc, lead and copper smelting: no ore is traded",
    ("thallium", "refined"): "unwrought thallium is inside 8112.91 (HS92) / 8112.92 (HS2007+) with other "
                             "minor metals",
    ("indium", "refined"): "unwrought indium is inside 8112.91 (HS92) / 8112.92 (HS2007+) with other minor "
                           "metals",
    ("hafnium", "concentrate"): "hafnium is a by-product of zirconium refining: no ore is traded",
    ("rhenium", "concentrate"): "rhenium is a by-product of molybdenum roasting (porphyry copper): no ore is "
                                "traded",
    ("rhenium", "refined"): "unwrought rhenium is inside 8112.91 (HS92) / 8112.92 (HS2007+) with other minor "
                            "metals",
    ("helium", "concentrate"): "helium is separated from natural gas: no ore is traded",
    ("iodine", "concentrate"): "iodine is recovered from caliche (Chile) and natural-gas brines (Japan): "
                               "no ore is traded",
    ("magnesium", "concentrate"): "magnesium metal is made from dolomite, magnesite and brines: see magnesite",
    ("strontium", "concentrate"): "celestite ore has no code of its own (inside 2530.90 'mineral substances "
                                  "n.e.s.')",
    ("wollastonite", "concentrate"): "wollastonite has no code of its own (inside 2530.90 'mineral substances "
                                     "n.e.s.')",
    ("zeolites", "concentrate"): "natural zeolites have no code of their own (inside 2530.90 'mineral "
                                 "substances n.e.s.')",
    ("iron_oxide_pigments", "concentrate"): "natural iron oxide pigments (earth colours, micaceous iron "
                                            "oxide) are inside 2530.90 'mineral substances n.e.s.'",
    ("arsenic", "concentrate"): "arsenic is a by-product of copper and gold smelting: no ore is traded",
    ("bismuth", "concentrate"): "bismuth is a by-product of lead, tungsten and copper: no ore is traded",
    ("bromine", "concentrate"): "bromine is recovered from brines and seawater: no ore is traded",
    ("strontium", "refined"): "strontium carbonate 2836.92 is in the Critical Materials Atlas HS17 flows but "
                              "not yet mapped as strontium's refined stage",
    ("soda_ash", "concentrate"): "natural soda ash (trona) is inside 2530.90; the traded product is "
                                 "disodium carbonate 2836.20, chemical stage",
}


def _read(name: str) -> pd.DataFrame:
    with resources.files(__package__).joinpath(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@functools.lru_cache(maxsize=1)
def minerals() -> pd.DataFrame:
    """The mineral catalogue as a DataFrame indexed by mineral id."""
    df = _read("minerals.csv")
    df["stockpile"] = df["stockpile"].eq("true")
    return df.set_index("mineral")


@functools.lru_cache(maxsize=1)
def hs_codes() -> pd.DataFrame:
    """HS code → (mineral, stage) map; a code may serve several minerals (``shared``)."""
    return _read("hs_codes.csv")


def mineral_ids() -> list[str]:
    """All mineral ids."""
    return minerals().index.tolist()


def _norm(text: str) -> str:
    """NFKC (full-width letters and brackets → ASCII), trimmed."""
    return unicodedata.normalize("NFKC", str(text)).strip()


def _fold(text: str) -> str:
    """The case-insensitive key: NFKC, lower case, spaces and hyphens → underscores."""
    return _norm(text).lower().replace(" ", "_").replace("-", "_")


@functools.lru_cache(maxsize=1)
def aliases() -> pd.DataFrame:
    """Other names of minerals (``aliases.csv``): alias, mineral, kind, case_sensitive, note.

    Validated on read: every mineral is a catalogue id, and no alias names two minerals.
    """
    f = "critmin/catalogue/aliases.csv"
    df = _read("aliases.csv")
    ids = set(minerals().index)
    seen: dict[str, str] = {}
    for i, r in enumerate(df.itertuples(index=False), 2):
        if r.mineral not in ids:
            raise DataValidationError(f"unknown mineral id{did_you_mean(r.mineral, ids)}", file=f, row=i,
                                      field="mineral", found=r.mineral, fix="use an id of minerals.csv")
        if r.case_sensitive not in ("true", "false"):
            raise DataValidationError("case_sensitive must be true or false", file=f, row=i,
                                      field="case_sensitive", found=r.case_sensitive)
        key = _norm(r.alias) if r.case_sensitive == "true" else _fold(r.alias)
        if seen.get(key, r.mineral) != r.mineral:
            raise DataValidationError("alias names two minerals", file=f, row=i, field="alias", found=r.alias,
                                      fix=f"it already names {seen[key]}")
        seen[key] = r.mineral
    df["case_sensitive"] = df["case_sensitive"].eq("true")
    return df


@functools.lru_cache(maxsize=1)
def _lookup() -> tuple[dict[str, str], dict[str, str]]:
    """(exact-case map, folded map) from every id, English and Japanese name and alias to its id."""
    m = minerals()
    exact: dict[str, str] = {}
    folded: dict[str, str] = {_fold(k): k for k in m.index}
    for col in ("name_en", "name_ja"):
        for k, v in m[col].items():
            folded.setdefault(_fold(v), k)
    a = aliases()
    for r in a.itertuples(index=False):
        if r.case_sensitive:
            exact[_norm(r.alias)] = r.mineral
        else:
            folded.setdefault(_fold(r.alias), r.mineral)
    return exact, folded


def check_mineral(name: str, *, file: str | None = None, field: str = "mineral") -> str:
    """Resolve a mineral id, English or Japanese name, element symbol or alias to its id.

    Ids and names first, then the aliases of ``aliases.csv``; symbols that are English words or
    one letter (``In``, ``As``, ``W``) match only as printed. Unknown → :class:`UnknownNameError`
    with a 'did you mean'.

    >>> check_mineral("Rare earths"), check_mineral("銅"), check_mineral("レアアース")
    ('rare_earths', 'copper', 'rare_earths')
    >>> check_mineral("Li"), check_mineral("nd"), check_mineral("In")
    ('lithium', 'neodymium', 'indium')
    """
    exact, folded = _lookup()
    key = _norm(name)
    if key in exact:
        return exact[key]
    low = _fold(key)
    if low in folded:
        return folded[low]
    choices = list(minerals().index) + [a for a in aliases()["alias"] if a.isascii()]
    raise UnknownNameError(f"unknown mineral{did_you_mean(low, choices)}", file=file, field=field,
                           found=name, fix="use an id listed by `critmin data info` (e.g. copper, rare_earths), "
                           "an element symbol (Li, Nd) or a Japanese name (レアアース)")


# -- published mineral lists ---------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def lists() -> pd.DataFrame:
    """The published mineral lists (``list_sources.csv``), indexed by list id, with ``entries`` and
    ``minerals`` counts (entries as published; distinct catalogue ids they map to).

    >>> [int(x) for x in lists().loc["eu-crm-2023", ["entries", "minerals"]]]
    [34, 31]
    """
    f = "critmin/catalogue/list_sources.csv"
    src = _read("list_sources.csv")
    ent = list_entries()
    missing = sorted(set(ent["list_id"]) - set(src["list_id"]))
    if missing:
        raise DataValidationError("list without a source", file="critmin/catalogue/lists.csv", field="list_id",
                                  found=missing, fix=f"add a row to {f}")
    for col in ("publisher", "document", "date", "url", "page_url", "page_title"):
        empty = src.loc[src[col].str.strip() == "", "list_id"].tolist()
        if empty:
            raise DataValidationError(f"list source without {col}", file=f, field=col, found=empty)
    src = src.set_index("list_id")
    g = ent.groupby("list_id", sort=False)
    src["entries"] = g.size().reindex(src.index).fillna(0).astype(int)
    src["minerals"] = g["mineral"].agg(lambda s: s[s != ""].nunique()).reindex(src.index).fillna(0).astype(int)
    return src


@functools.lru_cache(maxsize=1)
def list_entries() -> pd.DataFrame:
    """Every list entry as published (``lists.csv``): list_id, entry, mineral (catalogue id, '' where
    the catalogue has none), note. Validated: ids exist, no entry twice in a list."""
    f = "critmin/catalogue/lists.csv"
    df = _read("lists.csv")
    ids = set(minerals().index)
    for i, r in enumerate(df.itertuples(index=False), 2):
        if r.mineral and r.mineral not in ids:
            raise DataValidationError(f"unknown mineral id{did_you_mean(r.mineral, ids)}", file=f, row=i,
                                      field="mineral", found=r.mineral, fix="use an id of minerals.csv or leave "
                                      "it empty where the catalogue has no such mineral")
    dup = df[df.duplicated(["list_id", "entry"])]
    if len(dup):
        raise DataValidationError("entry twice in a list", file=f, row=int(dup.index[0]) + 2, field="entry",
                                  found=dup["entry"].iat[0])
    return df


def check_list(name: str) -> str:
    """Resolve a list id (or one of its ``aliases``) → list id, with a 'did you mean'."""
    src = lists()
    key = _norm(name).lower().replace("_", "-")
    if key in src.index:
        return key
    for lid, al in src["aliases"].items():
        if key in {a.strip().lower() for a in al.split(";") if a.strip()}:
            return lid
    raise UnknownNameError(f"unknown mineral list{did_you_mean(key, src.index)}", field="list", found=name,
                           fix=f"use one of {', '.join(src.index)} (`critmin lists`)")


def list_members(name: str) -> list[str]:
    """The catalogue ids of a published list, in the list's order, each once.

    Mapping rule (stated in ``list_sources.csv``): an entry maps to the catalogue id of the same
    material — a group entry (REE, LREE, HREE, PGM) to the group id (``rare_earths``,
    ``platinum_group_metals``), an element entry to the element id; nothing is expanded or added;
    an entry the catalogue lacks (EU: coking coal) maps to nothing and is listed by
    :func:`list_entries`.

    >>> list_members("jp-stockpile-34")[:3]
    ['lithium', 'beryllium', 'boron']
    """
    lid = check_list(name)
    e = list_entries()
    ms = e.loc[(e["list_id"] == lid) & (e["mineral"] != ""), "mineral"]
    return list(dict.fromkeys(ms))


def name(mineral: str, lang: str = "en") -> str:
    """Display name of a mineral in ``en`` or ``ja``."""
    row = minerals().loc[mineral]
    return row["name_ja"] if lang == "ja" else row["name_en"]


def stage_reason(mineral: str, stage: str, held: set[str] | frozenset[str]) -> str | None:
    """Why ``mineral`` can have no trade data at ``stage``, or None when a code of it is ``held``
    (in the trade data: an importer without flows then simply recorded none).

    >>> stage_reason("lithium", "concentrate", set())[:40]
    'lithium ores (spodumene, petalite) have '
    >>> stage_reason("zinc", "refined", {"260800"})
    'HS 790111 not in the trade data held (the shipped BACI HS92 extract lacks it): `critmin data import baci FILE` with it fills this'
    >>> stage_reason("zinc", "refined", {"790111"}) is None
    True
    """
    cs = codes(mineral, stage)
    if cs and set(cs) & set(held):
        return None
    if (mineral, stage) in STAGE_GAPS:
        return STAGE_GAPS[(mineral, stage)]
    if cs:
        return (f"HS {', '.join(cs)} not in the trade data held (the shipped BACI HS92 extract lacks "
                f"{'it' if len(cs) == 1 else 'them'}): `critmin data import baci FILE` with "
                f"{'it' if len(cs) == 1 else 'them'} fills this")
    group = minerals()["group"].get(mineral, "")
    if group == "ree_element":
        return ("rare-earth elements are mined together and traded as mixed ores, compounds and metals "
                "(2805.30, 2846) with no code per element: see rare_earths")
    if group == "pgm_element" and stage == "concentrate":
        return ("platinum-group elements are mined together; their ores are inside the shared 2616.90 "
                "(with gold): see platinum_group_metals")
    if group == "industrial" and stage == "refined":
        return "an industrial mineral traded as mined or processed mineral: it has no refined (metal) stage"
    return f"no HS code for the {stage} stage of {mineral} in the catalogue"


def codes(mineral: str, stage: str) -> list[str]:
    """HS codes of ``mineral`` at ``stage``."""
    return list(_code_map().get((mineral, stage), ()))


@functools.lru_cache(maxsize=1)
def _code_map() -> dict:
    h = hs_codes()
    return {k: tuple(g["hs"]) for k, g in h.groupby(["mineral", "stage"], sort=False)}
