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


def codes(mineral: str, stage: str) -> list[str]:
    """HS codes of ``mineral`` at ``stage``."""
    h = hs_codes()
    return h.loc[(h["mineral"] == mineral) & (h["stage"] == stage), "hs"].tolist()
