"""Import stability per supply-chain stage: concentration of the importer's partners × partner risk.

For importer J, mineral m, stage k (``concentrate`` or ``refined``, never mixed),
year t, with import shares ``s_j = M_j / Σ M`` and partner risk ``g_j``:

``weighted_hhi`` (default; EU CRM form, JRC 2017)
    ``Σ_j s_j² · g_j``
``product`` (METHODS §1.3a)
    ``HHI_M × Σ_j s_j · g_j``
``geopolrisk`` (Gemechu et al. 2016; Koyamparambath et al. 2024)
    ``Σ_j g_j · M_j / (p_J + Σ_j M_j)``.

Domestic production ``p_J`` (the importer's mine production for the concentrate
stage, its refined production for the refined stage) is counted as a secure
source (g = 0) in every variant by default (``domestic="secure"``): shares are
taken of domestic production plus imports, as GeoPolRisk does. Without it a
net exporter's few, small imports (Japan's refined copper: ~1.5 Mt produced at
home, some kt imported) would look like a concentrated, risky supply.
``domestic="ignore"`` gives the pure import-concentration form. Where no
domestic production is recorded it is 0 (never a reason for a lower score).

Quantities are tonnes of the traded product; codes reported as a compound with a
known stoichiometry (lithium carbonate, hydroxide) are converted to contained
element so that codes of one stage can be added. Flows with a value but no
quantity get a quantity from the importer's unit value of that code and year,
else the world's of that year, else the code's over all years (so that shares
follow values where a source reports values only); the count of such flows is
recorded. Self-trade (exporter =
importer, re-imports) is excluded. Over a window, quantities are pooled first — imports and
domestic production alike.
"""
from __future__ import annotations

import pandas as pd

from ..units import STOICHIOMETRY
from .concentration import pool_window
from .governance import MISSING_RULES

VARIANTS = ("weighted_hhi", "product", "geopolrisk")

#: the partner code of domestic production in share tables
DOMESTIC = "domestic"


def prepare_trade(flows: pd.DataFrame) -> pd.DataFrame:
    """Trade flows (``Store.trade_flows()`` rows: ..., q, v) → ``importer, exporter, mineral, stage,
    year, q, imputed``.

    Quantities in content terms where the code's basis has a stoichiometry; missing quantities
    imputed from unit values (flag ``imputed``).
    """
    key = ["mineral", "stage", "hs", "importer", "exporter", "year"]
    m = flows[key + ["q", "v", "content_basis"]]
    if "v" in m and m["v"].notna().any():
        has = m["q"].notna() & m["v"].gt(0)
        mh = m[has]
        uv_imp = mh.groupby(["importer", "hs", "year"])[["q", "v"]].sum()
        uv_imp = (uv_imp["q"] / uv_imp["v"]).rename("qpv_imp")
        uv_w = mh.groupby(["hs", "year"])[["q", "v"]].sum()
        uv_w = (uv_w["q"] / uv_w["v"]).rename("qpv_w")
        uv_all = mh.groupby("hs")[["q", "v"]].sum()
        uv_all = (uv_all["q"] / uv_all["v"]).rename("qpv_all")
        miss = m["q"].isna()
        mm = m[miss].join(uv_imp, on=["importer", "hs", "year"]).join(uv_w, on=["hs", "year"]).join(
            uv_all, on="hs")
        factor = mm["qpv_imp"].fillna(mm["qpv_w"]).fillna(mm["qpv_all"])
        m = m.assign(imputed=False)
        m.loc[miss, "q"] = mm["v"] * factor
        m.loc[miss, "imputed"] = factor.notna()
    else:
        m = m.assign(imputed=False)
    factor = m["content_basis"].map({b: f for b, (_, f) in STOICHIOMETRY.items()}).fillna(1.0)
    m = m.assign(q=m["q"] * factor)
    m = m[(m["importer"] != m["exporter"]) & m["q"].notna() & (m["q"] > 0)]
    return m.groupby(["mineral", "stage", "importer", "exporter", "year"], as_index=False,
                     observed=True).agg(q=("q", "sum"), imputed=("imputed", "sum"))


def import_risk(flows: pd.DataFrame, g: pd.DataFrame, *, variant: str = "weighted_hhi",
                missing: str = "worst", window: int = 1,
                domestic: pd.DataFrame | None = None, domestic_rule: str = "secure") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Import-stability values for every (importer, mineral, stage, year) at once.

    Parameters
    ----------
    flows : DataFrame
        ``importer, exporter, mineral, stage, year, q`` (from :func:`prepare_trade`).
    g : DataFrame
        ``country, year, g`` partner risk (from :func:`governance.scores`).
    variant : {"weighted_hhi", "product", "geopolrisk"}
    missing : {"worst", "neutral", "drop"}
        Rule for partners without a governance score.
    window : int
        Years pooled (quantities summed before shares are taken).
    domestic : DataFrame, optional
        ``country, mineral, stage, year, p`` domestic production at that stage and year.
    domestic_rule : {"secure", "ignore"}
        Count domestic production as a partner with g = 0 (default) or leave it out.

    Returns
    -------
    (summary, shares) : summary per group with ``value``, ``hhi``, ``gbar`` (share-
    weighted g), ``n_partners``, ``total_q``, ``missing_g_share``; shares per partner.

    Examples
    --------
    Two equal partners with g = 0.2 and 0.6: Σ s²g = 0.25·0.2 + 0.25·0.6 = 0.2.

    >>> f = pd.DataFrame({"importer": "JPN", "exporter": ["A", "B"], "mineral": "x",
    ...                   "stage": "refined", "year": 2020, "q": [10.0, 10.0]})
    >>> gg = pd.DataFrame({"country": ["A", "B"], "year": 2020, "g": [0.2, 0.6]})
    >>> round(float(import_risk(f, gg)[0]["value"].iloc[0]), 6)
    0.2
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown import-stability variant {variant!r}; use one of {VARIANTS}")
    if missing not in MISSING_RULES:
        raise ValueError(f"unknown missing-governance rule {missing!r}; use one of {list(MISSING_RULES)}")
    grp = ["importer", "mineral", "stage", "year"]
    f = pool_window(flows, window) if window > 1 else flows
    f = f.groupby(grp + ["exporter"], as_index=False, observed=True)["q"].sum()
    if domestic_rule not in ("secure", "ignore"):
        raise ValueError(f"unknown domestic rule {domestic_rule!r}; use 'secure' or 'ignore'")
    if domestic is not None and len(domestic) and domestic_rule == "secure":
        d = domestic.rename(columns={"country": "importer"})
        if window > 1:   # pooled like the imports it is compared with
            d = pool_window(d, window).groupby(grp, as_index=False, observed=True)["p"].sum()
        d = d.merge(f[grp].drop_duplicates(), on=grp)  # only where the importer imports
        d = d[d["p"] > 0].assign(exporter=DOMESTIC, q=lambda x: x["p"])[grp + ["exporter", "q"]]
        f = pd.concat([f, d], ignore_index=True)
    f = f.merge(g[["country", "year", "g"]].rename(columns={"country": "exporter"}),
                on=["exporter", "year"], how="left")
    f.loc[f["exporter"] == DOMESTIC, "g"] = 0.0
    f["g_missing"] = f["g"].isna()
    if missing == "drop":
        f = f[~f["g_missing"]]
    else:
        f["g"] = f["g"].fillna(MISSING_RULES[missing])
    tot = f.groupby(grp, observed=True)["q"].transform("sum")
    f["share"] = f["q"] / tot
    f["s2"] = f["share"] ** 2
    f["s2g"] = f["s2"] * f["g"]
    f["sg"] = f["share"] * f["g"]
    f["qg"] = f["q"] * f["g"]
    f["miss_q"] = f["q"].where(f["g_missing"], 0.0)
    a = f.groupby(grp, observed=True).agg(hhi=("s2", "sum"), s2g=("s2g", "sum"), gbar=("sg", "sum"),
                                          qg=("qg", "sum"), total_q=("q", "sum"),
                                          n_partners=("exporter", "size"), miss_q=("miss_q", "sum"))
    a = a.reset_index()
    a["missing_g_share"] = a["miss_q"] / a["total_q"]
    if variant == "weighted_hhi":
        a["value"] = a["s2g"]
    elif variant == "product":
        a["value"] = a["hhi"] * a["gbar"]
    else:
        a["value"] = a["qg"] / a["total_q"]
    dom = f[f["exporter"] == DOMESTIC].set_index(grp)["q"]
    a["domestic_p"] = a.set_index(grp).index.map(dom).to_numpy(dtype=float)
    a["domestic_p"] = a["domestic_p"].fillna(0.0)
    a["total_q"] = a["total_q"] - a["domestic_p"]
    a["variant"] = variant
    shares = f[grp + ["exporter", "q", "share", "g", "g_missing"]]
    return a.drop(columns=["miss_q", "qg", "s2g"]), shares
