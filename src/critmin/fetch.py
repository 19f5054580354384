"""Fetch the official trade releases on a connected machine (``critmin data fetch``).

* :func:`fetch_baci` downloads a CEPII BACI bulk release (``BACI_{HS92|HS17…}_{Vyyyymm}.zip``
  from ``https://www.cepii.fr/DATA_DOWNLOAD/baci/data/``; base URL overridable by ``url=`` or
  ``$CRITMIN_BACI_URL``) into ``<user data dir>/downloads`` — resumable: the bytes go to a
  ``.part`` file and a re-run continues with an HTTP ``Range`` request — then streams every
  ``BACI_*_Y*.csv`` of the zip (columns ``t,i,j,k,v,q``) through a filter to the catalogue's HS
  codes (all of ``catalogue/hs_codes.csv``) and imports the result through the BACI importer
  (:func:`critmin.sources.baci.read`, with the release's ``country_codes_*.csv``) and
  :meth:`Store.add <critmin.store.Store.add>`: one import, whole or not at all, recorded in the
  import index with the zip's SHA-256 and URL.
* :func:`fetch_comtrade` calls the UN Comtrade API v1 (``/data/v1/get/C/A/HS``; base URL
  overridable by ``url=`` or ``$CRITMIN_COMTRADE_URL``) with the subscription key of
  ``$COMTRADE_API_KEY`` in the ``Ocp-Apim-Subscription-Key`` header, one request per year, asking
  for the total rows (``motCode=0``, ``customsCode=C00``, ``partner2Code=0``), and imports the
  records through :func:`critmin.sources.comtrade.read_records`. It sends the same request as
  ``comtradeapicall.getFinalData`` (the UN's package) with plain HTTP: that package has a fixed
  base URL (no local test server), puts the key in the query string, and prints HTTP and network
  errors and returns ``None`` instead of raising — a clear error and nothing half-imported
  need the response status.

Errors (offline, HTTP status, a damaged zip, a missing key) raise :class:`FetchError` naming the
URL and the fix; the store is unchanged on any error. Nothing here runs on import.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path
from typing import Callable, Iterable

from .errors import CritminError, DataValidationError

BACI_BASE = "https://www.cepii.fr/DATA_DOWNLOAD/baci/data"
#: the latest release named in shared/data/SOURCES.md (BACI V202601, updated 2026-01-22)
BACI_RELEASE = "V202601"
BACI_NOMENCLATURES = ("HS92", "HS96", "HS02", "HS07", "HS12", "HS17", "HS22")
COMTRADE_BASE = "https://comtradeapi.un.org/data/v1/get"
COMTRADE_MAX_RECORDS = 100_000          # records per call of the API v1 with a (free) key
ENV_BACI_URL, ENV_COMTRADE_URL, ENV_COMTRADE_KEY = "CRITMIN_BACI_URL", "CRITMIN_COMTRADE_URL", "COMTRADE_API_KEY"
TIMEOUT_S = 60.0
CHUNK = 1 << 20

_BACI_CSV = re.compile(r"BACI_(HS\d\d)_Y(\d{4})_(V\d{6}[a-z]?)\.csv$")


class FetchError(CritminError):
    """A download or API call failed; the message names the URL and the fix."""


@dataclass
class FetchResult:
    """What a fetch did: the import written (``path``; None when already imported)."""

    url: str
    sha256: str
    rows: int = 0
    edition: str = ""
    path: Path | None = None
    already: bool = False
    size: int = 0         # bytes downloaded
    dropped: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- progress
def _progress(enabled: bool):
    """A rich progress bar on stderr with bytes and rate (disabled off a terminal)."""
    from rich.console import Console
    from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                               TransferSpeedColumn)

    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                    TimeRemainingColumn(), transient=True, console=Console(stderr=True),
                    disable=not enabled or not sys.stderr.isatty())


# --------------------------------------------------------------------------- HTTP
def _user_agent() -> str:
    from . import __version__

    return f"critmin/{__version__} (+https://github.com; python-urllib)"


def _offline(url: str, exc: BaseException, env: str) -> FetchError:
    return FetchError(f"cannot reach {url} ({getattr(exc, 'reason', exc)}). Fix: check the internet "
                      f"connection (you seem to be offline or behind a firewall), or point ${env} / --url "
                      "at a mirror; a partial download is kept and resumed on the next run")


def _http_error(url: str, e: urllib.error.HTTPError, hint: str) -> FetchError:
    try:
        body = e.read(400).decode("utf-8", "replace").strip()
    except Exception:  # noqa: BLE001 - the body is only decoration of the message
        body = ""
    msg = f"HTTP {e.code} {e.reason} from {url}"
    if body:
        msg += f": {body[:300]}"
    return FetchError(f"{msg}. Fix: {hint}")


def download(url: str, dest: Path, *, progress: bool = True, on_chunk: Callable[[int], None] | None = None
             ) -> Path:
    """Download ``url`` to ``dest``, resumable: bytes go to ``dest.part``; a re-run sends
    ``Range: bytes=<size of .part>-`` (with ``If-Range`` when the server gave an ETag or
    Last-Modified) and appends. Returns ``dest`` once complete (renamed atomically)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    meta_p = dest.with_name(dest.name + ".part.json")
    meta = {}
    if meta_p.is_file():
        try:
            meta = json.loads(meta_p.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            meta = {}
    if part.exists() and meta.get("url") != url:
        part.unlink()                                 # a part of another URL: start again
    start = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": _user_agent(), "Accept-Encoding": "identity"}
    if start:
        headers["Range"] = f"bytes={start}-"
        if meta.get("validator"):
            headers["If-Range"] = meta["validator"]
    hint = "check the URL (release and nomenclature exist?) or try again later"
    try:
        resp = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT_S)
    except urllib.error.HTTPError as e:
        if e.code == 416 and start:                    # nothing left to send: the part is complete
            total = re.search(r"/(\d+)\s*$", e.headers.get("Content-Range", "") or "")
            if total and int(total.group(1)) == start:
                os.replace(part, dest)
                meta_p.unlink(missing_ok=True)
                return dest
            part.unlink(missing_ok=True)
            raise FetchError(f"the server refused to resume {url} (HTTP 416); the partial file was "
                             "removed. Fix: run the same command again to download from the start") from e
        raise _http_error(url, e, hint) from e
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, HTTPException) as e:
        raise _offline(url, e, ENV_BACI_URL) from e
    with resp:
        status = getattr(resp, "status", 200)
        length = resp.headers.get("Content-Length")
        if status == 206:
            m = re.match(r"bytes (\d+)-", resp.headers.get("Content-Range", "") or "")
            if not m or int(m.group(1)) != start:
                raise FetchError(f"the server answered a resume request for {url} with another byte range "
                                 f"({resp.headers.get('Content-Range')!r}). Fix: delete {part} and run again")
        else:                                         # 200: the whole file (no or changed resume)
            start = 0
        total = start + int(length) if length and length.isdigit() else None
        validator = resp.headers.get("ETag") or resp.headers.get("Last-Modified") or ""
        meta_p.write_text(json.dumps({"url": url, "validator": validator, "total": total}), encoding="utf-8")
        done = start
        with _progress(progress) as bar, open(part, "ab" if start else "wb") as fh:
            task = bar.add_task(f"download {dest.name}", total=total, completed=start)
            try:
                while True:
                    chunk = resp.read(CHUNK)
                    if not chunk:
                        break
                    fh.write(chunk)
                    done += len(chunk)
                    bar.update(task, completed=done)
                    if on_chunk:
                        on_chunk(done)
            except (OSError, HTTPException, socket.timeout) as e:
                raise FetchError(f"download of {url} interrupted after {done:,} of "
                                 f"{total if total is not None else '?'} bytes ({e}). Fix: run the same "
                                 f"command again to resume from {part}") from e
    if total is not None and done != total:
        raise FetchError(f"download of {url} interrupted after {done:,} of {total:,} bytes. Fix: run the "
                         f"same command again to resume from {part}")
    os.replace(part, dest)
    meta_p.unlink(missing_ok=True)
    return dest


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- BACI
def baci_url(release: str = BACI_RELEASE, nomenclature: str = "HS92", base: str | None = None) -> str:
    """The bulk-file URL of a BACI release: ``{base}/BACI_{nomenclature}_{release}.zip``.

    ``base`` (or ``$CRITMIN_BACI_URL``) is a folder URL, or a full ``.zip`` URL used as is.

    >>> baci_url("V202501", "HS17", base="http://127.0.0.1:8000/")
    'http://127.0.0.1:8000/BACI_HS17_V202501.zip'
    """
    nom = nomenclature.upper()
    if nom not in BACI_NOMENCLATURES:
        raise FetchError(f"unknown BACI nomenclature {nomenclature!r}. Fix: use one of {list(BACI_NOMENCLATURES)}")
    if not re.fullmatch(r"V\d{6}[a-z]?", release):
        raise FetchError(f"not a BACI release name: {release!r}. Fix: use the form V202501 (see the CEPII "
                         "BACI page for the releases)")
    base = base or os.environ.get(ENV_BACI_URL) or BACI_BASE
    if base.lower().endswith(".zip"):
        return base
    return f"{base.rstrip('/')}/BACI_{nom}_{release}.zip"


class _Counting:
    """A read-only file wrapper that reports the bytes read (progress of the filter)."""

    def __init__(self, fh, cb: Callable[[int], None]) -> None:
        self._fh, self._cb, self.closed = fh, cb, False

    def read(self, n: int = -1) -> bytes:
        b = self._fh.read(n)
        self._cb(len(b))
        return b

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


def filter_baci_zip(zip_path: Path, out_dir: Path, codes: Iterable[str] | None = None, *,
                    progress: bool = True) -> Path:
    """Stream the ``BACI_*_Y*.csv`` members of a release zip through a filter to ``codes`` (default:
    every HS code of the catalogue) into one CSV in ``out_dir`` (named after the release, with the
    release's ``country_codes_*.csv`` beside it). Returns the CSV path.

    A damaged zip (bad central directory, CRC or deflate error) or a member not in the BACI layout
    raises :class:`FetchError`."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from .catalogue import hs_codes

    wanted = pa.array(sorted({int(c) for c in (codes if codes is not None else hs_codes()["hs"])}), pa.int64())
    damaged = (f"the downloaded file {zip_path} is damaged or not a BACI release zip. Fix: it was "
               "removed; run the same command again to download it anew")
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as e:
        raise FetchError(f"{damaged} ({e})") from e
    with zf:
        members = [(m, _BACI_CSV.search(Path(m.filename).name)) for m in zf.infolist()]
        data = [(m, x) for m, x in members if x]
        cc = [m for m in zf.infolist() if re.match(r"country_codes_V\d{6}[a-z]?\.csv$", Path(m.filename).name)]
        if not data or not cc:
            raise FetchError(f"{zip_path} holds no BACI_<HS>_Y<year>_<release>.csv or no country_codes_*.csv "
                             f"(found {[m.filename for m in zf.infolist()][:8]}). Fix: check the URL — it "
                             "must be a CEPII BACI bulk release zip")
        noms = {x.group(1) for _, x in data}
        rels = {x.group(3) for _, x in data}
        if len(noms) > 1 or len(rels) > 1:
            raise FetchError(f"{zip_path} mixes nomenclatures/releases {sorted(noms | rels)}")
        nom, rel = noms.pop(), rels.pop()
        out_dir.mkdir(parents=True, exist_ok=True)
        out = out_dir / f"BACI_{nom}_{rel}_minerals.csv"
        cols = ["t", "i", "j", "k", "v", "q"]
        try:
            with open(out_dir / Path(cc[-1].filename).name, "wb") as fh:
                fh.write(zf.read(cc[-1]))
            total = sum(m.file_size for m, _ in data)
            with _progress(progress) as bar, open(out, "wb") as sink:
                task = bar.add_task(f"filter {len(data)} file(s) to the catalogue's HS codes", total=total)
                writer = None
                for m, _ in sorted(data, key=lambda d: d[0].filename):
                    with zf.open(m) as raw:
                        src = _Counting(raw, lambda n: bar.advance(task, n))
                        reader = pacsv.open_csv(
                            src, read_options=pacsv.ReadOptions(block_size=16 << 20),
                            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in cols},
                                                                 include_columns=cols,
                                                                 strings_can_be_null=False))
                        for batch in reader:
                            k = pc.cast(pc.utf8_trim_whitespace(batch.column("k")), pa.int64())
                            sel = batch.filter(pc.is_in(k, value_set=wanted))
                            if writer is None:
                                writer = pacsv.CSVWriter(sink, sel.schema,
                                                         write_options=pacsv.WriteOptions(quoting_style="none"))
                            if sel.num_rows:
                                writer.write_batch(sel)
                if writer is not None:
                    writer.close()
        except (zipfile.BadZipFile, zlib.error, EOFError) as e:
            raise FetchError(f"{damaged} ({e})") from e
        except (pa.ArrowInvalid, KeyError) as e:
            raise FetchError(f"{zip_path}: a member is not in the BACI layout t,i,j,k,v,q ({e}). Fix: check "
                             "the URL — it must be a CEPII BACI bulk release zip") from e
    return out


def fetch_baci(release: str = BACI_RELEASE, nomenclature: str = "HS92", *, url: str | None = None,
               store=None, progress: bool = True, keep_download: bool = False,
               log: Callable[[str], None] | None = None) -> FetchResult:
    """Download a BACI bulk release, filter it to the catalogue's codes and import it (atomic).

    The import is the BACI importer's rows (source ``baci_hs92``; edition = the release, e.g.
    ``V202501``, with the nomenclature appended when it is not HS92: ``V202501 HS17``), recorded
    in the import index with the zip's URL and SHA-256. The zip is removed after the import
    unless ``keep_download``. Returns a :class:`FetchResult`.
    """
    from .sources import baci
    from .store import Store, read_imports_index, user_dir

    log = log or (lambda _m: None)
    src = baci_url(release, nomenclature, url)
    st = store if store is not None else Store()
    home = Path(st.home) if getattr(st, "home", None) else user_dir()
    downloads = home / "downloads"
    name = Path(urllib.parse.urlparse(src).path).name or f"BACI_{nomenclature}_{release}.zip"
    zip_path = download(src, downloads / name, progress=progress)
    sha = file_sha256(zip_path)
    size = zip_path.stat().st_size
    log(f"downloaded {size:,} bytes, SHA-256 {sha}")

    def _cleanup() -> None:
        if not keep_download:
            zip_path.unlink(missing_ok=True)

    if any(e.get("sha256") == sha for e in read_imports_index(home)):
        _cleanup()
        return FetchResult(url=src, sha256=sha, already=True, size=size)
    tmp = Path(tempfile.mkdtemp(prefix=".filter-", dir=downloads))
    try:
        try:
            csv = filter_baci_zip(zip_path, tmp, progress=progress)
        except FetchError:
            zip_path.unlink(missing_ok=True)      # damaged: the next run downloads it anew
            raise
        try:
            df = baci.read(csv)
            nom = nomenclature.upper()
            if nom != "HS92":
                df["edition"] = df["edition"] + f" {nom}"
            edition = ", ".join(sorted(set(df["edition"])))
            path = st.add(df, source=baci.SOURCE.id, edition=edition, origin=src, sha256=sha)
        except CritminError as exc:
            _cleanup()
            raise FetchError(f"the BACI release {src} (SHA-256 {sha[:12]}…) did not pass validation; "
                             f"nothing was imported: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _cleanup()
    return FetchResult(url=src, sha256=sha, rows=len(df), edition=edition, path=path, size=size,
                       dropped=dict(df.attrs.get("dropped", {})))


# --------------------------------------------------------------------------- UN Comtrade
def parse_years(text: str) -> list[int]:
    """'2010-2024' / '2018,2020,2022' / '2022' → sorted years (:func:`critmin.schema.parse_years`;
    its error raised as a :class:`FetchError`).

    >>> parse_years("2020-2022,2024")
    [2020, 2021, 2022, 2024]
    """
    from .schema import parse_years as parse

    try:
        return parse(text, field="--years")
    except DataValidationError as exc:
        raise FetchError(str(exc)) from None


def comtrade_reporter_code(iso3: str) -> int:
    """ISO3 → the UN Comtrade reporter code (``JPN`` → 392, ``USA`` → 842).

    >>> comtrade_reporter_code("USA"), comtrade_reporter_code("jpn")
    (842, 392)
    """
    from .countries import check_iso3
    from .sources.comtrade import COMTRADE_OWN, code_table

    iso = check_iso3(iso3, field="--reporter")
    own = [c for c, i in COMTRADE_OWN.items() if i == iso]
    if own:
        return own[0]
    from .sources.comtrade import COMTRADE_FORMER

    keep, _ = code_table()
    codes = sorted(c for c, i in keep.items() if i == iso and c not in COMTRADE_FORMER)
    if not codes:
        raise FetchError(f"no UN Comtrade reporter code known for {iso}. Fix: pass another reporter")
    return codes[0]


def _catalogue_codes(hs: Iterable[str] | None) -> list[str]:
    from .catalogue import hs_codes
    from .errors import did_you_mean

    cat = sorted(set(hs_codes()["hs"]))
    if hs is None:
        return cat
    out = []
    for h in hs:
        h = str(h).strip().replace(".", "")
        if not h:
            continue
        if h not in cat:
            raise FetchError(f"HS code {h!r} is not in the catalogue (catalogue/hs_codes.csv)"
                             f"{did_you_mean(h, cat)}. Fix: pass 6-digit codes the catalogue maps to a mineral")
        out.append(h)
    if not out:
        raise FetchError("no HS code given. Fix: --hs 790111,780110 (or leave it out for every catalogue code)")
    return sorted(set(out))


def _get_json(url: str, key: str) -> dict:
    req = urllib.request.Request(url, headers={"Ocp-Apim-Subscription-Key": key, "User-Agent": _user_agent(),
                                               "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
            body = resp.read()
    except urllib.error.HTTPError as e:
        hint = {401: f"the API key was rejected: check ${ENV_COMTRADE_KEY} (subscription key of "
                     "comtradedeveloper.un.org, product comtrade - v1)",
                403: f"the API key was rejected: check ${ENV_COMTRADE_KEY}",
                429: "the API's rate limit was hit: wait and run again (free keys: 500 calls a day)"}.get(
            e.code, "check the parameters or try again later")
        raise _http_error(url, e, hint) from e
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, HTTPException) as e:
        raise _offline(url, e, ENV_COMTRADE_URL) from e
    try:
        doc = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise FetchError(f"the answer of {url} is not JSON ({e}). Fix: check --url / ${ENV_COMTRADE_URL}") from e
    if not isinstance(doc, dict) or "data" not in doc:
        found = list(doc)[:6] if isinstance(doc, dict) else type(doc).__name__
        raise FetchError(f"the answer of {url} has no 'data' list (found {found}). "
                         f"Fix: check --url / ${ENV_COMTRADE_URL}")
    if doc.get("error"):
        raise FetchError(f"UN Comtrade answered with an error for {url}: {doc['error']}")
    return doc


def fetch_comtrade(reporters: Iterable[str], hs: Iterable[str] | None, years: Iterable[int], *,
                   url: str | None = None, key: str | None = None, store=None, progress: bool = True,
                   today: str | None = None) -> FetchResult:
    """Imports of ``reporters`` for ``hs`` codes (default: all catalogue codes) and ``years`` from the
    UN Comtrade API v1, one request per year, imported as one import (source ``comtrade``, edition
    ``UN Comtrade, retrieved <date>``); the index records the request URL (without the key) and the
    SHA-256 of the records."""
    from .sources import comtrade
    from .store import Store, read_imports_index

    key = key or os.environ.get(ENV_COMTRADE_KEY, "").strip()
    if not key:
        raise FetchError(f"no UN Comtrade API key: ${ENV_COMTRADE_KEY} is not set. Fix: get a free subscription "
                         "key at https://comtradedeveloper.un.org (product 'comtrade - v1') and run "
                         f"`export {ENV_COMTRADE_KEY}=<key>`")
    codes = _catalogue_codes(hs)
    reps = sorted({comtrade_reporter_code(r) for r in reporters})
    if not reps:
        raise FetchError("no reporter given. Fix: --reporter JPN")
    years = sorted(set(years))
    base = (url or os.environ.get(ENV_COMTRADE_URL) or COMTRADE_BASE).rstrip("/")
    common = {"reporterCode": ",".join(map(str, reps)), "cmdCode": ",".join(codes), "flowCode": "M",
              "partner2Code": "0", "customsCode": "C00", "motCode": "0", "maxRecords": str(COMTRADE_MAX_RECORDS),
              "format": "JSON", "includeDesc": "true"}
    records: list[dict] = []
    with _progress(progress) as bar:
        task = bar.add_task("UN Comtrade API", total=len(years))
        for y in years:
            q = urllib.parse.urlencode({**common, "period": str(y)}, safe=",")
            u = f"{base}/C/A/HS?{q}"
            doc = _get_json(u, key)
            data = doc.get("data") or []
            if len(data) >= COMTRADE_MAX_RECORDS:
                raise FetchError(f"the answer for {y} hit the API's cap of {COMTRADE_MAX_RECORDS:,} records and "
                                 "may be cut. Fix: fewer --hs codes or reporters per run")
            records.extend(data)
            bar.advance(task)
    origin = f"{base}/C/A/HS?" + urllib.parse.urlencode(
        {**common, "period": f"{years[0]}-{years[-1]}" if years else ""}, safe=",")
    if not records:
        raise FetchError(f"UN Comtrade returned no records for reporter(s) {reps}, years "
                         f"{years[0] if years else ''}–{years[-1] if years else ''}. Nothing imported")
    sha = hashlib.sha256(json.dumps(records, sort_keys=True, default=str).encode()).hexdigest()
    st = store if store is not None else Store()
    if any(e.get("sha256") == sha for e in read_imports_index(st.home)):
        return FetchResult(url=origin, sha256=sha, already=True)
    edition = comtrade.edition_retrieved(today or dt.date.today().isoformat())
    df = comtrade.read_records(records, origin=origin, edition=edition)
    if df.empty:
        raise FetchError(f"the {len(records):,} records returned hold no import flow of a catalogue code between "
                         "countries. Nothing imported")
    path = st.add(df, source=comtrade.SOURCE.id, edition=edition, origin=origin, sha256=sha)
    return FetchResult(url=origin, sha256=sha, rows=len(df), edition=edition, path=path,
                       dropped=dict(df.attrs.get("dropped", {})))
