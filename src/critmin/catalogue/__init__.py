"""The catalogue: minerals, their names (en/ja), unit basis and the HS codes of each stage.

Read from two CSV files shipped with the package (data, not code):

* ``minerals.csv`` — id, English and Japanese names, group, parent (for rare-earth
  and platinum-group elements), JOGMEC stockpile flag, unit basis of the series;
* ``hs_codes.csv`` — per mineral the HS 6-digit codes of each supply-chain stage
  (``concentrate`` = ore/concentrate, ``intermediate``, ``refined`` =
  unwrought/refined metal or refined compound, ``chemical``, ``scrap``), with
  shared multi-metal codes marked.

Known gaps are stated in :data:`STAGE_GAPS`.
"""
from __future__ import annotations

import functools
from importlib import resources

import pandas as pd

from ..errors import UnknownNameError, did_you_mean

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


def check_mineral(name: str, *, file: str | None = None, field: str = "mineral") -> str:
    """Resolve a mineral id or English/Japanese name to its id, with a 'did you mean'.

    >>> check_mineral("Rare earths")
    'rare_earths'
    >>> check_mineral("銅")
    'copper'
    """
    m = minerals()
    key = str(name).strip()
    low = key.lower().replace(" ", "_").replace("-", "_")
    if low in m.index:
        return low
    by_name = {**{v.lower(): k for k, v in m["name_en"].items()}, **{v: k for k, v in m["name_ja"].items()}}
    for cand in (key.lower(), key):
        if cand in by_name:
            return by_name[cand]
    alias = {"aluminum": "aluminium", "ree": "rare_earths", "pgm": "platinum_group_metals",
             "pgms": "platinum_group_metals", "fluorspar": "fluorine", "barite": "barium",
             "baryte": "barium", "cesium": "caesium", "iron": "iron_ore", "rare_earth": "rare_earths"}
    if low in alias:
        return alias[low]
    raise UnknownNameError(f"unknown mineral{did_you_mean(low, m.index)}", file=file, field=field,
                           found=name, fix="use an id listed by `critmin data info` (e.g. copper, rare_earths)")


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
