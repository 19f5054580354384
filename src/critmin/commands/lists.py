"""``critmin lists``: the published mineral lists (Japan's stockpile and economic-security lists, the EU
and US critical lists), each with its source, date and member counts; ``critmin lists ID`` shows one
list's entries as published and the catalogue id each maps to. A thin layer over
:func:`critmin.catalogue.lists` and :func:`critmin.catalogue.list_entries`.
"""
from __future__ import annotations

import json
from typing import Optional

import typer

from ..i18n import N_
from ..langmaps import ByLang
from ._common import Fmt, console, fail, lang_option

#: Column headers and fixed phrases (English; the Japanese is in lists.po). The lists' own notes
#: and mapping rule (data, catalogue/list_sources.csv, lists.csv) are translated where the
#: catalogue holds their text, else shown as published.
TEXT = ByLang({"title": N_("Mineral lists (use with `critmin assess --list ID`)"), "id": N_("list"),
               "name": N_("name"), "date": N_("date"), "entries": N_("entries"), "minerals": N_("catalogue ids"),
               "source": N_("source"), "entry": N_("entry as published"), "mineral": N_("catalogue id"),
               "note": N_("note"), "none": N_("(none)"), "read": N_("read from"), "rule": N_("mapping rule")})


def register(app: typer.Typer) -> None:
    @app.command("lists")
    def lists_cmd(list_id: Optional[str] = typer.Argument(None, help="a list id: show its entries"),
                  lang: str = lang_option(),
                  format: Fmt = typer.Option(Fmt.table, "--format", help="table or json")) -> None:
        """The published mineral lists with their source and member counts (or one list's entries)."""
        from .. import catalogue
        from ..errors import CritminError
        from ..i18n import tr

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
                            f"{t['read']}: {r['page_title']} <{r['page_url']}>\n{t['rule']}: {tr(r['rule'], lang)}",
                    caption_justify="left")
        for c in ("entry", "mineral", "note"):
            tab.add_column(t[c], overflow="fold")
        for x in e.itertuples(index=False):
            label = catalogue.name(x.mineral, lang) if x.mineral else t["none"]
            tab.add_row(x.entry, f"{x.mineral} ({label})" if x.mineral else label, tr(x.note, lang) if x.note else "")
        console(100).print(tab)
