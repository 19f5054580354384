"""Secondary supply (スクラップ等再生): risk that end-of-life products are not recycled.

``risk = 1 − min(1, S / D)`` with ``S`` secondary supply (metal from domestic scrap
and residues) and ``D`` domestic demand. Where no national figure exists the
documented proxy is a recycling *input* rate — the share of demand met by
recycled material:

1. a national ratio ``S / D`` supplied by the user (``variable = "secondary_ratio"``);
2. EU 2023 end-of-life recycling input rate (EoL-RIR = old scrap / total input);
3. UNEP IRP 2011 recycled content (RC, includes new scrap);
4. UNEP IRP 2011 end-of-life recycling rate (EOL-RR: share of end-of-life metal
   recycled — a different denominator, used last and labelled).

The basis used is recorded in every record. An EoL-RIR of 0 for a sheet that
the EU table marks as possibly 'not assessed' is not read as a measured 0 %.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..i18n import N_
from ..reasons import template

#: the proxies in order of preference; the label is the record's ``basis`` (translated where shown)
PRIORITY = (("secondary_ratio", template(N_("national secondary supply / domestic demand"))),
            ("eol_rir", template(N_("EU 2023 EoL-RIR (end-of-life recycling input rate)"))),
            ("rc", template(N_("UNEP 2011 recycled content (RC)"))),
            ("eol_rr", template(N_("UNEP 2011 end-of-life recycling rate (EOL-RR)"))))


def secondary_risk(rates: pd.DataFrame, minerals: list[str]) -> pd.DataFrame:
    """Per mineral: ``value`` (the rate used), ``risk = 1 − min(1, rate)``, ``basis``, ``source``.

    ``rates`` holds recycling observations (``mineral, variable, value, source, edition``).

    >>> r = pd.DataFrame({"mineral": ["copper", "copper"], "variable": ["eol_rir", "eol_rr"],
    ...                   "value": [0.55, 0.45], "source": "s", "edition": "e", "year": 2023})
    >>> secondary_risk(r, ["copper"])[["value", "risk"]].round(2).values.tolist()
    [[0.55, 0.45]]
    """
    rows = []
    for m in minerals:
        sub = rates[(rates["mineral"] == m) & np.isfinite(rates["value"])]
        if "note" in sub.columns:  # a 0 the source marks as possibly 'not assessed' is not a rate
            sub = sub[~sub["note"].fillna("").str.contains("not assessed")]
        for var, label in PRIORITY:
            hit = sub[sub["variable"] == var]
            if len(hit):
                r = hit.sort_values("year").iloc[-1]
                rows.append({"mineral": m, "value": float(r["value"]),
                             "risk": 1.0 - min(1.0, float(r["value"])), "basis": label,
                             "variable": var, "source": r["source"], "edition": r["edition"],
                             "data_year": int(r["year"])})
                break
    return pd.DataFrame(rows, columns=["mineral", "value", "risk", "basis", "variable", "source",
                                       "edition", "data_year"])
