"""``critmin lists``: the published mineral lists (Japan's stockpile and economic-security lists, the EU
and US critical lists), each with its source, date and member counts; ``critmin lists ID`` shows one
list's entries as published and the catalogue id each maps to. A thin layer over
:func:`critmin.catalogue.lists` and :func:`critmin.catalogue.list_entries`.
"""
from __future__ import annotations

import json
from typing import Optional

import typer

from ._common import Fmt, console, fail

#: Column headers and fixed phrases, Japanese and English.
TEXT = {
    "en": {"title": "Mineral lists (use with `critmin assess --list ID`)", "id": "list", "name": "name",
           "date": "date", "entries": "entries", "minerals": "catalogue ids", "source": "source",
           "entry": "entry as published", "mineral": "catalogue id", "note": "note", "none": "(none)",
           "read": "read from", "rule": "mapping rule"},
    "ja": {"title": "鉱種リスト（`critmin assess --list ID` で指定）", "id": "リスト", "name": "名称",
           "date": "日付", "entries": "掲載数", "minerals": "カタログID数", "source": "出典",
           "entry": "掲載名", "mineral": "カタログID", "note": "注記", "none": "（該当なし）",
           "read": "参照ページ", "rule": "対応規則"},
}


def register(app: typer.Typer) -> None:
    @app.command("lists")
    def lists_cmd(list_id: Optional[str] = typer.Argument(None, help="a list id: show its entries"),
                  lang: str = typer.Option("en", help="ja or en"),
                  format: Fmt = typer.Option(Fmt.table, "--format", help="table or json")) -> None:
        """The published mineral lists with their source and member counts (or one list's entries)."""
        from .. import catalogue
        from ..errors import CritminError

        if lang not in TEXT:
            fail(CritminError(f"unknown language {lang!r}: use ja or en"))
        t = TEXT[lang]
        try:
            src = catalogue.lists()
            lid = catalogue.check_list(list_id) if list_id else None
        except CritminError as exc:
            fail(exc)
        name_col = "name_ja" if lang == "ja" else "name_en"
        if lid is None:
            rows = [{"list_id": i, "name": r[name_col], "date": r["date"], "entries": int(r["entries"]),
                     "minerals": int(r["minerals"]), "publisher": r["publisher"], "document": r["document"],
                     "url": r["url"], "page_title": r["page_title"], "page_url": r["page_url"],
                     "page_date": r["page_date"], "aliases": [a for a in r["aliases"].split(";") if a]}
                    for i, r in src.iterrows()]
            if format == Fmt.json:
                typer.echo(json.dumps({"lists": rows}, ensure_ascii=False))
                return
            from rich.table import Table, box

            tab = Table(title=t["title"], box=box.SIMPLE_HEAD, pad_edge=False)
            for c in ("id", "name", "date", "entries", "minerals"):
                right = c in ("entries", "minerals")
                tab.add_column(t[c], no_wrap=c != "name", overflow="fold", justify="right" if right else "left")
            for r in rows:
                tab.add_row(r["list_id"], r["name"], r["date"], str(r["entries"]), str(r["minerals"]))
            con = console(100)
            con.print(tab)
            for r in rows:
                con.print(f"{r['list_id']} — {t['source']}: {r['publisher']}, {r['document']} <{r['url']}>",
                          highlight=False, markup=False, soft_wrap=True)
            return
        e = catalogue.list_entries()
        e = e[e["list_id"] == lid]
        r = src.loc[lid]
        doc = {"list_id": lid, "name": r[name_col], "date": r["date"], "publisher": r["publisher"],
               "document": r["document"], "url": r["url"], "page_title": r["page_title"], "page_url": r["page_url"],
               "page_date": r["page_date"], "also": r["also"], "rule": r["rule"], "note": r["note"],
               "minerals": catalogue.list_members(lid),
               "entries": [{"entry": x.entry, "mineral": x.mineral or None, "note": x.note}
                           for x in e.itertuples(index=False)]}
        if format == Fmt.json:
            typer.echo(json.dumps(doc, ensure_ascii=False))
            return
        from rich.table import Table, box

        tab = Table(title=f"{lid}: {r[name_col]} ({r['date']})", box=box.SIMPLE_HEAD, pad_edge=False,
                    caption=f"{t['source']}: {r['publisher']}, {r['document']} <{r['url']}>\n"
                            f"{t['read']}: {r['page_title']} <{r['page_url']}>\n{t['rule']}: {r['rule']}",
                    caption_justify="left")
        for c in ("entry", "mineral", "note"):
            tab.add_column(t[c], overflow="fold")
        for x in e.itertuples(index=False):
            label = catalogue.name(x.mineral, lang) if x.mineral else t["none"]
            tab.add_row(x.entry, f"{x.mineral} ({label})" if x.mineral else label, x.note)
        console(100).print(tab)
