"""Broken and hostile input (issue 16): a clear error every time, no hang, no script in a report,
nothing half-written, nothing the user saved overwritten.

* user input files (``selfsufficiency --input``, ``company FILE``): 60 deterministic mutations of
  the shipped examples, each through the CLI in-process: exit 0, or exit 2 with one error line —
  never a traceback; Shift-JIS, UTF-8 and UTF-8 with BOM all read;
* bounds of policy, demand-scenario and disruption-scenario files, checked before any work;
* output paths: a directory, a path under a regular file, an unwritable folder → one error line
  for every command with ``--out``; ``selfsufficiency --template`` never overwrites (without
  ``--force``) and never writes through a symbolic link;
* script injection: hostile names in every user file that reaches a report, every report opened
  in headless Chromium: nothing runs, the text is shown as written.
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from critmin.cli import app
from critmin.errors import DataValidationError

REPO = Path(__file__).resolve().parents[1]
SS_EXAMPLE = REPO / "examples" / "selfsufficiency-template.csv"
COMPANY_EXAMPLE = REPO / "tests" / "data" / "company_imports.csv"
POLICY_EXAMPLE = REPO / "examples" / "policies" / "cobalt_recycling_japan.yaml"
STOCK_EXAMPLE = REPO / "examples" / "stock-levels.example.csv"


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def both(*words) -> str:
    """A regex matching text that holds every one of ``words``, in any order."""
    import re

    return "(?s)" + "".join(f"(?=.*{re.escape(w)})" for w in words)


def assert_clean_error(res, *words):
    """Exit status 2, one 'error:' line naming ``words``, no traceback."""
    out = res.output
    assert res.exit_code == 2, (res.exit_code, out[-2000:], res.exception)
    assert "Traceback" not in out and "error: " in out, out[-2000:]
    for w in words:
        assert w in out, (w, out[-2000:])


# ------------------------------------------------------------------------------ fuzzing user files
def _mutations(data: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    """Deterministic mutants of a CSV file: the kinds of damage the issue's fuzzing run used."""
    text = data.decode("utf-8")
    lines = text.splitlines(keepends=True)
    head = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
    body = list(range(head + 1, len(lines)))

    def cells(fn):
        out = []
        for i, ln in enumerate(lines):
            if i in body and rng.random() < 0.5:
                c = ln.rstrip("\r\n").split(",")
                j = rng.randrange(len(c))
                c[j] = fn(c[j])
                ln = ",".join(c) + "\n"
            out.append(ln)
        return "".join(out).encode("utf-8")

    hdr = lines[head].rstrip("\n").split(",")
    cut = rng.randrange(1, len(data))
    return [
        ("truncated", data[:cut]),
        ("truncated mid-line", data[: data.rfind(b"\n", 0, len(data) - 3) + 4]),
        ("empty", b""),
        ("binary", bytes(rng.randrange(256) for _ in range(400))),
        ("random bytes after a valid head", data[:cut] + bytes(rng.randrange(256) for _ in range(64))),
        ("cp932", text.encode("cp932", errors="replace")),
        ("utf-8 BOM", b"\xef\xbb\xbf" + data),
        ("utf-16", text.encode("utf-16")),
        ("latin-1 bytes", text.replace("Mine", "Min\u00e9").encode("latin-1", errors="replace")),
        ("CRLF", text.replace("\n", "\r\n").encode()),
        ("NaN strings", cells(lambda c: "NaN")),
        ("inf and 1e400", cells(lambda c: rng.choice(["inf", "-inf", "1e400", "-1"]))),
        ("huge numbers", cells(lambda c: "9" * 400)),
        ("garbage cells", cells(lambda c: rng.choice(["abc", "", "  ", "#", "'", "\"", "1,2", "\x7f"]))),
        ("huge field", cells(lambda c: "x" * 200_000)),
        ("unclosed quote", cells(lambda c: '"' + c)),
        ("duplicate header column", "".join(lines[:head] + [lines[head].rstrip("\n") + "," + hdr[0] + "\n"]
                                            + lines[head + 1:]).encode()),
        ("header twice, case differs", "".join(lines[:head] + [",".join([hdr[0].upper()] + hdr) + "\n"]
                                               + lines[head + 1:]).encode()),
        ("header only", "".join(lines[: head + 1]).encode()),
        ("column dropped", "".join(",".join(x for k, x in enumerate(ln.rstrip("\n").split(",")) if k != 1) + "\n"
                                   if not ln.startswith("#") else ln for ln in lines).encode()),
        ("rows shuffled", "".join(lines[: head + 1] + rng.sample(lines[head + 1:], len(lines) - head - 1)).encode()),
        ("rows duplicated", "".join(lines + lines[head + 1:]).encode()),
        ("extra cells", "".join(ln.rstrip("\n") + ",x,y\n" if i in body else ln for i, ln in enumerate(lines)).encode()),
        ("lines swapped with header", "".join(lines[:head] + lines[head + 1: head + 2] + [lines[head]]
                                              + lines[head + 2:]).encode()),
        ("year 0 and 99999", cells(lambda c: rng.choice(["0", "99999", "2022.5"]))),
        ("script in a cell", cells(lambda c: "<script>window.__pwned=1</script>")),
        ("NUL byte", data[:cut] + b"\x00" + data[cut:]),
        ("whitespace only", b" \n\t\n  \n"),
        ("one long line", data.replace(b"\n", b",")),
        ("values quoted", cells(lambda c: f'"{c}"')),
    ]


VARIANTS = [(kind, name, blob) for kind, src in (("selfsufficiency", SS_EXAMPLE), ("company", COMPANY_EXAMPLE))
            for name, blob in _mutations(src.read_bytes(), random.Random(16))]


def test_fuzzed_user_files_give_a_result_or_one_clear_error(tmp_path):
    import json

    assert len(VARIANTS) == 60
    outcomes, docs = {}, {}
    for k, (kind, name, blob) in enumerate(VARIANTS):
        f = tmp_path / f"{k:02d}.csv"
        f.write_bytes(blob)
        args = (["selfsufficiency", "--input", f, "--no-estimates", "--format", "json"] if kind == "selfsufficiency"
                else ["company", f, "--format", "json"])
        res = run(*args)
        assert "Traceback" not in res.output, (kind, name, res.output[-1500:])
        assert res.exit_code in (0, 2), (kind, name, res.exit_code, repr(res.exception), res.output[-1500:])
        if res.exit_code == 2:
            assert res.output.count("error: ") == 1 and "file " in res.output, (kind, name, res.output[-800:])
            assert len(res.output) < 1500, (kind, name, len(res.output))     # never echoes the input
        outcomes[(kind, name)] = res.exit_code
        docs[(kind, name)] = json.loads(res.stdout) if res.exit_code == 0 else None
    # the readable variants are read: encodings, BOM, CRLF, shuffled rows give the same result as the original
    for kind, src in (("selfsufficiency", SS_EXAMPLE), ("company", COMPANY_EXAMPLE)):
        args = (["selfsufficiency", "--input", src, "--no-estimates", "--format", "json"] if kind == "selfsufficiency"
                else ["company", src, "--format", "json"])
        original = json.loads(run(*args).stdout)
        for name in ("cp932", "utf-8 BOM", "CRLF", "rows shuffled", "values quoted"):
            assert outcomes[(kind, name)] == 0, (kind, name)
            assert docs[(kind, name)] == original, (kind, name)
        for name in ("binary", "empty", "utf-16", "huge field", "duplicate header column", "NaN strings",
                     "header twice, case differs", "NUL byte"):
            assert outcomes[(kind, name)] == 2, (kind, name)


def test_shift_jis_and_bom_read_the_same_figures(tmp_path):
    import json

    text = SS_EXAMPLE.read_text(encoding="utf-8").replace("Mine A (Chile)", "鉱山A（チリ）")
    docs = {}
    for enc in ("utf-8", "utf-8-sig", "cp932"):
        f = tmp_path / f"t-{enc}.csv"
        f.write_bytes(text.encode(enc))
        res = run("selfsufficiency", "--input", f, "--no-estimates", "--format", "json")
        assert res.exit_code == 0, res.output
        docs[enc] = json.loads(res.stdout)
        assert ("Shift-JIS" in res.stderr) == (enc == "cp932")
    assert docs["utf-8"] == docs["utf-8-sig"] == docs["cp932"]
    cu = next(r for r in docs["cp932"]["records"] if r["mineral"] == "copper")
    # the example's copper, by hand: ① mine A min(0.30 × 400,000, 100,000 imported) = 100,000 + mine B
    # min(0.20 × 250,000, 60,000) = 50,000 + mine D 0.40 × 150,000 = 60,000 → 210,000 t; smelter C is chain B's
    # metal again (counted once: adds 0); ③ 95,000 + ④ 5,000 + ⑤ 40,000; demand 1,000,000 t → 35.0 %
    assert cu["components"]["equity_mine"] == pytest.approx(210_000)
    assert cu["components"]["equity_smelter"] == pytest.approx(0)
    assert cu["ratio"] == pytest.approx(35.0)


def test_company_file_errors_name_the_row_and_field(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("mineral,country,quantity,value,year\ncobalt,COD,60,3000,2022\ncobalt,FIN,NaN,2200,2022\n")
    assert_clean_error(run("company", f), "row 3", "field 'quantity'", "'NaN'")
    f.write_text("mineral,country,quantity,value,year\ncobalt,COD,60,3000,2022\n")
    assert_clean_error(run("company", f, "--year", "2019"), "no rows for the year 2019")
    f.write_text("mineral,country,quantity,value,year\ncobalt,Atlantis,60,3000,2022\n")
    assert_clean_error(run("company", f), "row 2", "field 'country'")


# ------------------------------------------------------------------------------ bounds
def _policy(tmp_path, doc, name="p.yaml") -> Path:
    f = tmp_path / name
    f.write_text(yaml.safe_dump(doc) if not isinstance(doc, str) else doc)
    return f


def test_policy_bounds_are_checked_before_any_assessment(tmp_path):
    from critmin.limits import MAX_INTERVENTIONS
    from critmin.policy.models import load_policy

    base = yaml.safe_load(POLICY_EXAMPLE.read_text())
    iv = base["interventions"][0]
    many = {**base, "interventions": [{**iv, "name": f"r{i}"} for i in range(MAX_INTERVENTIONS + 1)]}
    with pytest.raises(DataValidationError, match=both("interventions", f"at most {MAX_INTERVENTIONS} items")):
        load_policy(_policy(tmp_path, many))
    load_policy(_policy(tmp_path, {**many, "interventions": many["interventions"][:MAX_INTERVENTIONS]}))
    for field, value, match in (("quantity_t", 1e11, both("quantity_t", "less than or equal to 10000000000")),
                                ("quantity_t", float("inf"), both("quantity_t", "finite")),
                                ("name", "n" * 201, both("name", "at most 200 characters")),
                                ("note", "n" * 2001, both("note", "at most 2000 characters"))):
        with pytest.raises(DataValidationError, match=match):
            load_policy(_policy(tmp_path, {**base, "interventions": [{**iv, field: value}]}))
    with pytest.raises(DataValidationError, match=both("budget", "less than or equal to 1000000000")):
        load_policy(_policy(tmp_path, {**base, "budget": 1e12}))
    with pytest.raises(DataValidationError, match=both("amount", "less than or equal to 1000000000")):
        load_policy(_policy(tmp_path, {**base, "interventions": [{**iv, "cost": {"amount": 1e300}}]}))
    from critmin.countries import iso3_names
    from critmin.limits import MAX_FEED_PARTNERS

    codes = sorted(c for c in iso3_names() if len(c) == 3 and c.isalpha())[: MAX_FEED_PARTNERS + 1]
    feed = {"type": "smelter", "mineral": "cobalt", "capacity_t": 100, "feed_from": {c: 1 for c in codes}}
    with pytest.raises(DataValidationError, match=both("feed_from", f"the limit is {MAX_FEED_PARTNERS}")):
        load_policy(_policy(tmp_path, {**base, "interventions": [feed]}))


def test_yaml_alias_bomb_is_refused_quickly_with_a_short_message(tmp_path):
    import time

    from critmin.demand import load_scenario
    from critmin.disruption import load_scenario as load_disruption
    from critmin.policy.models import load_policy

    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(8))
    for loader, extra in ((load_policy, "interventions: *i\n"), (load_scenario, "name: x\ntechnologies: *i\n"),
                          (load_disruption, "name: x\nmineral: cobalt\ndays: 1\ncuts: *i\n")):
        f = tmp_path / "bomb.yaml"
        f.write_text(bomb + extra)
        t0 = time.perf_counter()
        with pytest.raises(DataValidationError, match="too large.*20,000 values") as e:
            loader(f)
        assert time.perf_counter() - t0 < 2 and len(str(e.value)) < 600
    f.write_text("a: &a [*a]\ninterventions: *a\n")          # a recursive alias
    with pytest.raises(DataValidationError, match="too (large|deeply)"):
        load_policy(f)


def test_demand_scenario_bounds(tmp_path):
    from critmin.demand import load_scenario

    tech = {"id": "ev", "unit": "vehicle", "deployment": {"values": {2030: 1000}},
            "intensities": [{"mineral": "copper", "value": 83, "unit": "kg/vehicle", "source": "s"}]}
    ok = {"name": "x", "technologies": [tech]}
    load_scenario(ok)
    for doc, match in (
            ({**ok, "technologies": [{**tech, "id": f"t{i}"} for i in range(51)]},
             both("'technologies'", "at most 50 items")),
            ({**ok, "technologies": [{**tech, "deployment": {"values": {1900: 1, 2200: 2}}}]},
             both("spans 301 years", "the limit is 150")),
            ({**ok, "technologies": [{**tech, "deployment": {"values": {10**9: 1}}}]},
             both("deployment.values", "outside 1900–2200")),
            ({**ok, "years": list(range(2000, 2200))}, both("'years'", "at most 151 items")),
            ({**ok, "technologies": [{**tech, "deployment": {"values": {2030: 1e300}}}]},
             both("deployment.values", "above the limit of 1e+10")),
            ({**ok, "title": "t" * 3000}, both("'title'", "at most 2000 characters")),
            ({**ok, "technologies": [{**tech, "intensities": tech["intensities"] * 201}]},
             both("intensities", "at most 200 items"))):
        with pytest.raises(DataValidationError, match=match):
            load_scenario(doc)


def test_disruption_bounds():
    from critmin.disruption import Scenario, simulate
    from critmin.limits import MAX_DAYS, MAX_SIM_YEARS

    base = {"name": "x", "mineral": "cobalt", "days": 30, "cuts": [{"exporter": "COD"}]}
    Scenario.model_validate(base)
    for doc, match in (({**base, "days": 1e9}, "days"), ({**base, "days": float("inf")}, "days"),
                       ({**base, "cuts": [{"exporter": "COD"}] * 61}, "cuts"),
                       ({**base, "events": ["e"] * 201}, "events")):
        with pytest.raises(Exception, match=match):
            Scenario.model_validate(doc)
    with pytest.raises(DataValidationError, match=f"days.*{MAX_DAYS:,.0f}"):
        simulate("JPN", "cobalt", ["COD"], 1e12, flows={"COD": 100.0, "ZMB": 50.0})
    r = simulate("JPN", "cobalt", ["COD"], MAX_DAYS, flows={"COD": 100.0, "ZMB": 50.0})
    assert r["gross_shortfall_t"] == pytest.approx(100.0 * MAX_DAYS / 365)
    res = run("disrupt", "--mineral", "cobalt", "--monte-carlo", "--sim-years", MAX_SIM_YEARS + 1)
    assert_clean_error(res, "sim_years", f"{MAX_SIM_YEARS:,}")
    res = run("disrupt", "--mineral", "cobalt", "--monte-carlo", "--duration-days", "1e-9")
    assert_clean_error(res, "duration_days")


# ------------------------------------------------------------------------------ output paths
OUT_COMMANDS = [
    ["assess", "--mineral", "cobalt", "--trend-years", "1", "--format", "json"],
    ["policy", "evaluate", POLICY_EXAMPLE],
    ["demand", "--scenario", "seed-ev-1m"],
    ["compare", "--mineral", "cobalt"],
    ["uncertainty", "--draws", "20", "--no-sobol"],
    ["stockpile", "plan", "--mineral", "cobalt"],
    ["disrupt", "--mineral", "cobalt", "--exporter", "COD", "--days", "30", "--flows", "{flows}"],
]


def test_unwritable_out_paths_give_one_clear_error(tmp_path):
    flows = tmp_path / "flows.csv"
    flows.write_text("exporter,t\nCOD,100\nZMB,50\n")
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("keep me")
    bad = {"a directory": (tmp_path, "is a directory"),
           "under a file": (a_file / "report.html", "is a file, not a folder"),
           "unwritable": (Path("/proc/critmin-test/report.html"), "cannot write the file")}
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        bad["no permission"] = (ro / "r.html", "no permission")
    for args in OUT_COMMANDS:
        args = [str(a).replace("{flows}", str(flows)) for a in args]
        # assess (cli.py) computes first, then meets the path: one case is enough for it
        for why, (target, words) in (list(bad.items())[:1] if args[0] == "assess" else bad.items()):
            res = run(*args, "--out", target)
            assert_clean_error(res, words, "--out")
    assert a_file.read_text() == "keep me"


def test_template_never_overwrites_nor_follows_a_link(tmp_path):
    filled = tmp_path / "mine.csv"
    filled.write_text("confidential figures")
    assert_clean_error(run("selfsufficiency", "--template", filled), "exists", "--force")
    assert filled.read_text() == "confidential figures"
    link = tmp_path / "link.csv"
    link.symlink_to(filled)
    for force in ([], ["--force"]):
        assert_clean_error(run("selfsufficiency", "--template", link, *force), "symbolic link")
    assert filled.read_text() == "confidential figures" and link.is_symlink()
    assert run("selfsufficiency", "--template", filled, "--force").exit_code == 0
    assert filled.read_text().startswith("# critmin self-sufficiency template")
    assert (filled.stat().st_mode & 0o777) == 0o600
    new = tmp_path / "new.xlsx"
    assert run("selfsufficiency", "--template", new).exit_code == 0 and new.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_private_report_never_replaces_a_link(tmp_path):
    from critmin.report.io import write_text_atomic

    target = tmp_path / "elsewhere.html"
    target.write_text("other")
    link = tmp_path / "plan.html"
    link.symlink_to(target)
    with pytest.raises(DataValidationError, match="symbolic link"):
        write_text_atomic(link, "stock levels", private=True)
    assert target.read_text() == "other" and link.is_symlink()
    p = write_text_atomic(tmp_path / "sub" / "plan.html", "stock levels", private=True)
    assert p.read_text() == "stock levels" and (p.stat().st_mode & 0o777) == 0o600


# ------------------------------------------------------------------------------ script injection
#: Hostile strings: each must reach the page as text, and none may run.
HOSTILE = ["<script>window.__pwned=1</script>", "\"><img src=x onerror=\"window.__pwned=2\">",
           "</script><script>window.__pwned=3</script>", "'><svg onload=window.__pwned=4>",
           "<!--<script>window.__pwned=5</script>"]
#: with rich markup too: the terminal tables print the same names (a stray [/b] once raised MarkupError)
PWN = "[/b] [red]" + " ".join(HOSTILE)


def _hostile_files(d: Path) -> dict[str, Path]:
    pol = yaml.safe_load(POLICY_EXAMPLE.read_text())
    pol["title"] = "T " + PWN
    pol["name"] = "N [/b] " + HOSTILE[2]
    pol["interventions"][0].update(name="I [/i] " + HOSTILE[1], note=HOSTILE[0])
    dem = {"name": "hostile", "title": "T " + PWN, "source": HOSTILE[3], "assumptions": HOSTILE,
           "technologies": [{"id": "ev", "label": "L " + PWN, "unit": "vehicle",
                             "deployment": {"values": {2030: 1000}},
                             "intensities": [{"mineral": "copper", "value": 83, "unit": "kg/vehicle",
                                              "source": "S " + HOSTILE[4]}]}]}
    dis = {"name": "N " + HOSTILE[0], "title": "T " + PWN, "note": HOSTILE[4], "mineral": "cobalt",
           "days": 30, "cuts": [{"exporter": "COD"}]}
    files = {"policy": d / "policy.yaml", "demand": d / "demand.yaml", "disruption": d / "disruption.yaml",
             "stocks": d / "stocks.csv", "flows": d / "flows.csv"}
    files["policy"].write_text(yaml.safe_dump(pol, allow_unicode=True))
    files["demand"].write_text(yaml.safe_dump(dem, allow_unicode=True))
    files["disruption"].write_text(yaml.safe_dump(dis, allow_unicode=True))
    import csv

    with files["stocks"].open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["mineral", "stock_t", "location", "holder", "note"])
        for i, h in enumerate(HOSTILE):
            w.writerow(["cobalt", 10 + i, "Loc " + h, h, h])
    files["flows"].write_text("exporter,t\nCOD,100\nZMB,50\n")
    return files


@pytest.mark.browser
def test_no_script_runs_in_any_report(browser, tmp_path):
    f = _hostile_files(tmp_path)
    reports = {
        "policy": ["policy", "evaluate", f["policy"]],
        "demand": ["demand", "--scenario", f["demand"], "--no-world", "--domestic", "none"],
        "disruption": ["disrupt", "--scenario", f["disruption"], "--flows", f["flows"], "--stocks", f["stocks"],
                       "--show-confidential"],
        "stockpile": ["stockpile", "plan", "--mineral", "cobalt", "--stocks", f["stocks"], "--show-confidential"],
        "assess": ["assess", "--mineral", "cobalt", "--trend-years", "2", "--format", "json"],
        "compare": ["compare", "--mineral", "cobalt"],
        "uncertainty": ["uncertainty", "--draws", "20", "--no-sobol", "--mineral", "cobalt"],
    }
    #: the hostile text each page must show as written (pages without user text: none)
    shown = {"policy": ["T " + PWN, "I [/i] " + HOSTILE[1]], "demand": ["T " + PWN, HOSTILE[3]],
             "disruption": ["T " + PWN, HOSTILE[4]], "stockpile": ["Loc " + HOSTILE[0], "Loc " + HOSTILE[2]]}
    for name, args in reports.items():
        out = tmp_path / f"{name}.html"
        res = run(*args, "--out", out)
        assert res.exit_code == 0, (name, res.output[-2000:])
        page = out.read_text(encoding="utf-8")
        for h in HOSTILE:          # no raw tag from a user file anywhere in the markup or the scripts
            assert h not in page, (name, h)
        drv = browser.open(out)
        state = drv.execute_script(
            "return [typeof window.__pwned, document.body.innerText, document.querySelectorAll('img').length,"
            " document.querySelectorAll('.js-plotly-plot').length];")
        assert state[0] == "undefined" and state[2] == 0, (name, state[0], state[2])
        for text in shown.get(name, []):
            assert text in state[1], (name, text)
        assert state[3] >= 1, name                      # the charts are drawn: the figure JSON parsed
        browser.assert_clean()
