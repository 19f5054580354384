"""Indicator families, one module each, as pure vectorised functions on tidy tables.

* :mod:`.concentration` — HHI of country shares (reserves, production), with the
  'Other countries' residual rules and multi-year pooling.
* :mod:`.import_stability` — governance-weighted import concentration per stage
  (EU-style Σ s²·g, product HHI × Σ s·g, GeoPolRisk import risk).
* :mod:`.governance` — partner risk g ∈ [0, 1] from WGI.
* :mod:`.price` — price-volatility measures over a trailing window.
* :mod:`.secondary` — secondary-supply risk 1 − min(1, S/D).
* :mod:`.normalise` — anchors, min–max and percentile scaling to 0–1.
"""
