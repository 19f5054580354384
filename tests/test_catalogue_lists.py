"""Mineral names (symbols, Japanese and English aliases) and the published mineral lists."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin import catalogue
from critmin.cli import app
from critmin.errors import DataValidationError, UnknownNameError

# -- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, mineral", [
    ("Li", "lithium"), ("Co", "cobalt"), ("Nd", "neodymium"), ("Dy", "dysprosium"), ("Pt", "platinum"),
    ("li", "lithium"), ("ＮＤ", "neodymium"), ("In", "indium"), ("W", "tungsten"), ("Sn", "tin"),
    ("レアアース", "rare_earths"), ("希土類", "rare_earths"), ("グラファイト", "graphite"), ("黒鉛", "graphite"),
    ("白金族", "platinum_group_metals"), ("白金族金属", "platinum_group_metals"), ("プラチナ", "platinum"),
    ("ボロン", "boron"), ("リン", "phosphate_rock"), ("aluminum", "aluminium"), ("Barite", "barium"),
    ("PGMs", "platinum_group_metals"), ("iron", "iron_ore"), ("rare earth", "rare_earths"),
    ("銅", "copper"), ("Rare earths", "rare_earths"), ("copper", "copper"),
])
def test_names_symbols_and_aliases(name, mineral):
    assert catalogue.check_mineral(name) == mineral


@pytest.mark.parametrize("word, symbol", [("in", "In"), ("as", "As"), ("w", "W"), ("he", "He"), ("sn", "Sn")])
def test_ambiguous_symbols_are_case_sensitive(word, symbol):
    with pytest.raises(UnknownNameError, match=f"did you mean '{symbol}'"):
        catalogue.check_mineral(word)


def test_every_alias_resolves_to_its_own_mineral_and_every_element_has_a_symbol():
    a = catalogue.aliases()
    got = [catalogue.check_mineral(x) for x in a["alias"]]
    assert got == a["mineral"].tolist()                 # no alias shadowed by an id, a name or another alias
    m = catalogue.minerals()
    elements = set(m.index[m["group"].isin(["ree_element", "pgm_element"])])
    assert elements <= set(a.loc[a["kind"] == "symbol", "mineral"])
    assert len(a[a["kind"] == "symbol"]) == 70


def test_bad_alias_file_names_row(monkeypatch):
    good = catalogue._read

    def fake(name):
        if name == "aliases.csv":
            return pd.DataFrame({"alias": ["Li", "Li"], "mineral": ["lithium", "cobalt"], "kind": ["symbol"] * 2,
                                 "case_sensitive": ["false"] * 2, "note": ["", ""]})
        return good(name)

    monkeypatch.setattr(catalogue, "_read", fake)
    catalogue.aliases.cache_clear()
    try:
        with pytest.raises(DataValidationError, match="alias names two minerals") as e:
            catalogue.aliases()
        assert e.value.row == 3 and e.value.file.endswith("aliases.csv")
    finally:
        catalogue.aliases.cache_clear()
        catalogue._lookup.cache_clear()


# -- lists ---------------------------------------------------------------------------------------

def test_list_counts_and_sources():
    s = catalogue.lists()
    assert s.loc[:, ["entries", "minerals"]].astype(int).to_dict("index") == {
        "jp-stockpile-34": {"entries": 34, "minerals": 34}, "jp-economic-security": {"entries": 35, "minerals": 35},
        "eu-crm-2023": {"entries": 34, "minerals": 31}, "us-critical-2022": {"entries": 50, "minerals": 50}}
    assert s.loc["us-critical-2022", "date"] == "2022-02-24" and "10381" in s.loc["us-critical-2022", "document"]
    assert s.loc["jp-economic-security", "date"] == "2022-12-20"
    for c in ("publisher", "document", "url", "page_url", "page_title", "rule"):
        assert (s[c].str.len() > 10).all(), c
    assert s["page_url"].str.startswith("http").all()


def test_jp_stockpile_list_is_the_catalogue_stockpile_flag():
    m = catalogue.minerals()
    flagged = set(m.index[m["stockpile"] & ~m["group"].isin(["ree_element", "pgm_element"])])
    jp = catalogue.list_members("jp-stockpile-34")
    assert len(jp) == 34 and set(jp) == flagged
    # the Economic Security Promotion Act order: the 34 kinds and phosphorus
    es = catalogue.list_members("jp-specified-critical")           # the name, an alias
    assert set(es) == flagged | {"phosphate_rock"}


def test_group_and_element_mapping_rule():
    e = catalogue.list_entries().set_index(["list_id", "entry"])["mineral"]
    assert e["eu-crm-2023", "light rare earth elements (LREE)"] == "rare_earths"
    assert e["eu-crm-2023", "heavy rare earth elements (HREE)"] == "rare_earths"
    assert e["eu-crm-2023", "PGM"] == "platinum_group_metals" and e["eu-crm-2023", "coking coal"] == ""
    us = catalogue.list_members("us-critical-2022")
    m = catalogue.minerals()
    assert sorted(x for x in us if m.at[x, "group"] == "ree_element") == sorted(
        ["cerium", "dysprosium", "erbium", "europium", "gadolinium", "holmium", "lanthanum", "lutetium", "neodymium",
         "praseodymium", "samarium", "scandium", "terbium", "thulium", "ytterbium", "yttrium"])
    assert sorted(x for x in us if m.at[x, "group"] == "pgm_element") == [
        "iridium", "palladium", "platinum", "rhodium", "ruthenium"]
    assert "rare_earths" not in us and "platinum_group_metals" not in us         # nothing added
    with pytest.raises(UnknownNameError, match="did you mean 'eu-crm-2023'"):
        catalogue.list_members("eu-crm-2032")


# -- CLI -----------------------------------------------------------------------------------------

def test_cli_assess_list_and_japanese_names():
    r = CliRunner().invoke(app, ["assess", "--list", "jp-stockpile-34", "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert {x["mineral"] for x in d["records"]} == set(catalogue.list_members("jp-stockpile-34"))
    r = CliRunner().invoke(app, ["assess", "-m", "レアアース", "-m", "Li", "--lang", "ja", "--no-report"])
    assert r.exit_code == 0, r.output
    assert "リチウム" in r.stdout and "レアアース" in r.stdout
    r = CliRunner().invoke(app, ["assess", "--list", "nope", "--format", "json"])
    assert r.exit_code == 2 and "critmin lists" in r.output


def test_cli_lists():
    r = CliRunner().invoke(app, ["lists", "--format", "json"])
    assert r.exit_code == 0, r.output
    d = {x["list_id"]: x for x in json.loads(r.stdout)["lists"]}
    assert d["eu-crm-2023"]["entries"] == 34 and d["eu-crm-2023"]["minerals"] == 31
    r = CliRunner().invoke(app, ["lists", "--lang", "ja"])
    assert r.exit_code == 0 and "レアメタル備蓄対象34鉱種" in r.stdout and "出典" in r.stdout
    r = CliRunner().invoke(app, ["lists", "jp-stockpile-34", "--format", "json"])
    d = json.loads(r.stdout)
    assert d["minerals"][:3] == ["lithium", "beryllium", "boron"] and len(d["entries"]) == 34
    assert d["page_url"].startswith("https://origin.iea.org/")
