"""Units as data: the unit registry and stoichiometric conversions.

Quantities carry a ``unit`` column; converting is an explicit call, never a
string comparison buried in a calculation. Mass units convert to tonnes; oxide
and compound bases convert to contained element with the stoichiometric factor
(mass fraction of the element in the compound, from standard atomic weights).
"""
from __future__ import annotations

import pandas as pd

from .errors import DataValidationError

#: mass units → factor to metric tonnes
MASS_TO_T: dict[str, float] = {
    "t": 1.0,
    "kt": 1_000.0,
    "Mt": 1_000_000.0,
    "kg": 0.001,
    "troy_oz": 31.1034768e-6,
}

#: every unit a table may carry
KNOWN_UNITS: set[str] = set(MASS_TO_T) | {
    "kUSD", "USD", "USD/t", "USD/kg", "USD/troy_oz", "USD/dmtu", "USD/lb", "USD/flask",
    "1",          # dimensionless fraction or index
    "percent",
    "carat", "kcarat", "Mcarat",
    "Mm3",        # million cubic metres (helium, gas)
    "kg/MW", "kg/kWh", "kg/vehicle", "t/MW",
    "count",
}

# Standard atomic weights (IUPAC 2021, abridged).
_AW = {"Li": 6.94, "O": 15.999, "C": 12.011, "H": 1.008, "Ti": 47.867, "Nb": 92.906,
       "Ta": 180.948, "Cr": 51.996, "U": 238.029, "V": 50.942, "Mo": 95.95, "W": 183.84,
       "Zr": 91.224, "Si": 28.085, "K": 39.098, "P": 30.974, "B": 10.81, "Mg": 24.305,
       "Nd": 144.242, "Al": 26.982, "Ca": 40.078, "F": 18.998, "Ba": 137.327, "S": 32.06,
       "Sr": 87.62, "As": 74.922}


def _frac(element: str, formula: dict[str, int]) -> float:
    m = sum(_AW[e] * n for e, n in formula.items())
    return _AW[element] * formula.get(element, 0) / m


#: basis → (element, mass fraction of that element in the basis compound)
STOICHIOMETRY: dict[str, tuple[str, float]] = {
    "Li2O": ("Li", _frac("Li", {"Li": 2, "O": 1})),              # 0.4645
    "Li2CO3": ("Li", _frac("Li", {"Li": 2, "C": 1, "O": 3})),     # 0.1879 (LCE)
    "LiOH": ("Li", _frac("Li", {"Li": 1, "O": 1, "H": 1})),        # 0.2898 (anhydrous)
    # the traded hydroxide (HS 2825.20) is the monohydrate LiOH·H2O
    "LiOH.H2O": ("Li", _frac("Li", {"Li": 1, "O": 2, "H": 3})),   # 0.1654
    "TiO2": ("Ti", _frac("Ti", {"Ti": 1, "O": 2})),               # 0.5993
    "Nb2O5": ("Nb", _frac("Nb", {"Nb": 2, "O": 5})),              # 0.6990
    "Ta2O5": ("Ta", _frac("Ta", {"Ta": 2, "O": 5})),              # 0.8190
    "Cr2O3": ("Cr", _frac("Cr", {"Cr": 2, "O": 3})),              # 0.6842
    "U3O8": ("U", _frac("U", {"U": 3, "O": 8})),                  # 0.8480
    "V2O5": ("V", _frac("V", {"V": 2, "O": 5})),                  # 0.5602
    "MoO3": ("Mo", _frac("Mo", {"Mo": 1, "O": 3})),               # 0.6666
    "WO3": ("W", _frac("W", {"W": 1, "O": 3})),                   # 0.7930
    "ZrO2": ("Zr", _frac("Zr", {"Zr": 1, "O": 2})),               # 0.7403
    "K2O": ("K", _frac("K", {"K": 2, "O": 1})),                   # 0.8301
    "P2O5": ("P", _frac("P", {"P": 2, "O": 5})),                  # 0.4364
    "B2O3": ("B", _frac("B", {"B": 2, "O": 3})),                  # 0.3105
    "MgO": ("Mg", _frac("Mg", {"Mg": 1, "O": 1})),                # 0.6030
    "CaF2": ("F", _frac("F", {"Ca": 1, "F": 2})),                 # 0.4867
    "BaSO4": ("Ba", _frac("Ba", {"Ba": 1, "S": 1, "O": 4})),      # 0.5884
    "Nd2O3": ("Nd", _frac("Nd", {"Nd": 2, "O": 3})),              # 0.8573
    "Al2O3": ("Al", _frac("Al", {"Al": 2, "O": 3})),              # 0.5293
    "As2O3": ("As", _frac("As", {"As": 2, "O": 3})),              # 0.7574
}


#: price units → factor to USD per metric tonne of the priced product
PRICE_TO_USD_PER_T: dict[str, float] = {
    "USD/t": 1.0,
    "USD/kg": 1_000.0,
    "USD/lb": 1.0 / 0.45359237e-3,
    "USD/troy_oz": 1.0 / 31.1034768e-6,
}


def price_per_tonne(values, unit):
    """Prices in ``unit`` (scalar or Series of units) as USD per tonne; NaN where the unit is not a
    mass price (USD/dmtu, USD/flask, ...).

    >>> round(float(price_per_tonne(1.0, "USD/lb")), 2)
    2204.62
    >>> import pandas as pd
    >>> price_per_tonne(pd.Series([2.0, 5.0]), pd.Series(["USD/kg", "USD/dmtu"])).tolist()
    [2000.0, nan]
    """
    if isinstance(unit, str):
        return values * PRICE_TO_USD_PER_T.get(unit, float("nan"))
    return values * pd.Series(unit).map(PRICE_TO_USD_PER_T).astype(float).to_numpy()


def content_factors(basis: pd.Series) -> pd.Series:
    """Element mass fraction per row of a ``basis``/``content_basis`` column; NaN where the basis is
    gross weight (or a mixture such as REO) and cannot be converted.

    >>> content_factors(pd.Series(["metal", "Li2CO3", "gross", ""])).round(4).tolist()
    [1.0, 0.1879, nan, 1.0]
    """
    b = basis.fillna("").astype(str)
    f = b.map({k: v for k, (_, v) in STOICHIOMETRY.items()})
    return f.where(~b.isin(["metal", "", "element"]), 1.0).astype(float)


def to_tonnes(values: pd.Series | float, unit: str) -> pd.Series | float:
    """Convert mass ``values`` in ``unit`` to metric tonnes.

    >>> to_tonnes(2500.0, "kg")
    2.5
    >>> to_tonnes(3.0, "kt")
    3000.0
    """
    try:
        return values * MASS_TO_T[unit]
    except KeyError:
        raise DataValidationError("not a mass unit", field="unit", found=unit,
                                  expected=f"one of {sorted(MASS_TO_T)}") from None


def content_factor(basis: str) -> float:
    """Mass fraction of the element in ``basis`` (1.0 for ``metal``).

    >>> round(content_factor("Li2O"), 4)
    0.4645
    >>> content_factor("metal")
    1.0
    """
    if basis in ("metal", "", "element"):
        return 1.0
    try:
        return STOICHIOMETRY[basis][1]
    except KeyError:
        raise DataValidationError("no stoichiometric conversion for this basis", field="basis",
                                  found=basis, expected=f"'metal' or one of {sorted(STOICHIOMETRY)}",
                                  fix="gross-weight series cannot be converted to content") from None


def convert_basis(values, from_basis: str, to_basis: str):
    """Convert quantities between bases of the same element.

    >>> round(convert_basis(100.0, "Li2O", "metal"), 2)
    46.45
    >>> round(convert_basis(1.0, "metal", "Li2CO3"), 3)
    5.323
    """
    if from_basis == to_basis:
        return values
    if "gross" in (from_basis, to_basis):
        raise DataValidationError("cannot convert gross weight to content", field="basis",
                                  found=f"{from_basis} -> {to_basis}",
                                  fix="use a series reported in content terms")
    return values * content_factor(from_basis) / content_factor(to_basis)
