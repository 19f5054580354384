"""Mineral demand from decarbonisation technologies (SPEC §2.5).

Deployment scenarios (EVs by battery chemistry, PHEV/HEV/FCEV, wind, solar PV, stationary
storage, fuel cells) × material intensity (per vehicle, per MW, per kWh) with intensity
improvement over time → demand per mineral and year, set against the importer's domestic
demand and world production.

>>> import critmin.demand as dm
>>> p = dm.project("seed-offshore-wind-10gw")
>>> p.groupby("mineral")["tonnes"].sum().round().to_dict()
{'copper': 115000.0, 'neodymium': 1060.0}
"""
from __future__ import annotations

from .models import Battery, Scenario, Technology
from .project import (by_technology, deployment, domestic_demand, list_scenarios, load_scenario, outlook,
                      project, technology_intensities, to_json, world_production)

__all__ = ["Battery", "Scenario", "Technology", "by_technology", "deployment", "domestic_demand",
           "list_scenarios", "load_scenario", "outlook", "project", "technology_intensities", "to_json",
           "world_production"]
