"""Dashboard labels in Japanese and English (the indicator and tool names come from
:mod:`critmin.report.labels`, shared with the HTML reports)."""
from __future__ import annotations

from ..report.labels import INDICATOR_LABELS, SHORT, TOOL_LABELS

PAGES = {
    "en": {
        "title": "critmin dashboard", "overview": "Overview", "mineral": "Mineral", "compare": "Compare importers",
        "whatif": "Policy what-if", "demand": "Demand", "disruption": "Disruption", "api": "API",
        "switch": "日本語", "importer": "Importer", "year": "Year", "latest": "latest", "list": "Mineral list",
        "all": "all minerals", "show": "Show", "mean": "Mean", "n": "Scored", "loading": "Loading…",
        "overview_note": "Scores 0–1, 1 = highest risk; blank = not assessed. Click a column header to sort.",
        "radar": "Risk profile", "diagnosis": "Diagnosis", "tools": "Policy tools", "shares": "Country shares",
        "price": "Price series", "indicator": "Indicator", "value": "Value", "score": "Score",
        "reason": "Reason / rule", "countries": "Importers (ISO3, comma-separated)", "policy": "Policy",
        "interventions": "Interventions", "run": "Run", "before": "before", "after": "after",
        "risk": "Risk measure", "moved": "moved", "why": "why", "scenario": "Scenario",
        "stock_days": "Stockpile (days of imports)", "shortfall": "Shortfall", "no_examples":
            "No policy examples found (examples/policies/ of a source checkout).",
        "demand_note": "Demand in the scenario's last year, tonnes, by mineral; the table compares it with "
                       "domestic demand and world production.",
        "disruption_note": "Daily imports lost, stock left and shortfall over the stop (no rerouting).",
        "reserves": "Reserves", "production": "Mine production", "imp_conc": "Concentrate imports by partner",
        "imp_ref": "Refined imports by partner", "data_year": "data year",
    },
    "ja": {
        "title": "critmin ダッシュボード", "overview": "総覧", "mineral": "鉱種", "compare": "輸入国の比較",
        "whatif": "政策シミュレーション", "demand": "需要", "disruption": "供給途絶", "api": "API",
        "switch": "English", "importer": "輸入国", "year": "年", "latest": "最新", "list": "鉱種リスト",
        "all": "全鉱種", "show": "表示", "mean": "平均", "n": "評価数", "loading": "読み込み中…",
        "overview_note": "スコア 0–1（1 = 最もリスクが高い）。空欄は評価不能。見出しをクリックで並べ替え。",
        "radar": "リスクプロファイル", "diagnosis": "課題", "tools": "政策ツール", "shares": "国別シェア",
        "price": "価格推移", "indicator": "指標", "value": "値", "score": "スコア", "reason": "理由・ルール",
        "countries": "輸入国（ISO3、カンマ区切り）", "policy": "政策", "interventions": "施策", "run": "実行",
        "before": "実施前", "after": "実施後", "risk": "リスク指標", "moved": "変化", "why": "理由",
        "scenario": "シナリオ", "stock_days": "備蓄（輸入日数）", "shortfall": "不足量",
        "no_examples": "政策の例が見つかりません（ソースの examples/policies/）。",
        "demand_note": "シナリオ最終年の鉱種別需要（トン）。表は国内需要・世界生産との比較。",
        "disruption_note": "途絶期間中の日次輸入減少、備蓄残量、不足量（代替調達なし）。",
        "reserves": "埋蔵量", "production": "鉱山生産", "imp_conc": "精鉱の輸入先", "imp_ref": "製錬品の輸入先",
        "data_year": "データ年",
    },
}


def labels(lang: str) -> dict:
    """Everything the page script needs in ``lang``."""
    return {"ui": PAGES[lang], "indicators": INDICATOR_LABELS[lang], "short": SHORT[lang],
            "tools": TOOL_LABELS[lang], "lang": lang}
