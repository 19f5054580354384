"""Confidential endpoints: 401 without (or with wrong) credentials, 403 across users, and the confidential
numbers never in the server log nor in any public answer."""
from __future__ import annotations

import logging

import pytest

from .conftest import PASSWORDS, TOKEN

ALICE = ("alice", PASSWORDS["alice"])
BOB = ("bob", PASSWORDS["bob"])
SECRET_T = 123457.25                  # a stock level no public figure contains
SECRET_SITE = "Vault Zeta-7"
STOCKS = {"rows": [{"mineral": "cobalt", "stock_t": SECRET_T, "location": SECRET_SITE, "holder": "national"},
                   {"mineral": "Rare earths", "stock_t": 1500, "location": "Site B"}]}
ENDPOINTS = [("PUT", "/api/v1/users/alice/stocks", STOCKS), ("GET", "/api/v1/users/alice/stocks", None),
             ("DELETE", "/api/v1/users/alice/stocks", None),
             ("POST", "/api/v1/users/alice/stockpile/plan", {"mineral": ["cobalt"]}),
             ("POST", "/api/v1/users/alice/disrupt", {"mineral": "cobalt", "exporter": ["COD"], "days": 30}),
             ("POST", "/api/v1/users/alice/selfsufficiency", {"rows": [{"mineral": "copper"}]}),
             ("POST", "/api/v1/users/alice/company", {"file": "mineral,country,quantity,value,year"})]


@pytest.mark.parametrize("method,path,body", ENDPOINTS, ids=[f"{m} {p.split('alice/')[1]}" for m, p, _ in ENDPOINTS])
def test_401_without_or_with_wrong_credentials_403_for_another_user(live, method, path, body):
    c = live.client
    r = c.request(method, path, json=body)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    assert c.request(method, path, json=body, auth=("alice", "not-her-password")).status_code == 401
    assert c.request(method, path, json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.request(method, path, json=body, auth=BOB).status_code == 403
    assert c.request(method, path, json=body, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 403


def test_confidential_numbers_stay_with_their_owner(live, caplog):
    caplog.set_level(logging.DEBUG)
    c = live.client
    r = c.put("/api/v1/users/alice/stocks", json=STOCKS, auth=ALICE)
    assert r.status_code == 200 and r.json() == {"user": "alice", "rows": 2, "minerals": ["cobalt", "rare_earths"]}
    assert r.headers["cache-control"] == "no-store"
    mine = c.get("/api/v1/users/alice/stocks", auth=ALICE).json()["rows"]
    assert mine[0]["stock_t"] == SECRET_T and mine[0]["location"] == SECRET_SITE

    # the owner's plan carries the stock, the stock days and the gap: target 1746.91 t (public figure) - stock
    plan = c.post("/api/v1/users/alice/stockpile/plan", json={"country": "JPN", "mineral": ["cobalt"]}, auth=ALICE)
    assert plan.status_code == 200 and plan.headers["cache-control"] == "no-store"
    rec = plan.json()["records"][0]
    assert rec["stock_t"] == SECRET_T and rec["locations"] == [SECRET_SITE]
    assert rec["gap_t"] == pytest.approx(1746.9106838721618 - SECRET_T, rel=1e-9)
    d = c.post("/api/v1/users/alice/disrupt", json={"mineral": "cobalt", "exporter": ["COD"], "days": 30},
               auth=ALICE).json()
    assert d["stock_t"] == SECRET_T and d["confidential"] is True

    # a token works for its own user only; bob sees none of alice's data
    assert c.get("/api/v1/users/bob/stocks", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
    forbidden = c.get("/api/v1/users/alice/stocks", auth=BOB)
    assert forbidden.status_code == 403

    # a bad stock row: 422 naming the field; the value stays out of the log
    bad = c.put("/api/v1/users/alice/stocks", json={"rows": [{"mineral": "cobalt", "stock_t": -987654.5}]},
                auth=ALICE)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "rows.0.stock_t"

    rows = [{"mineral": "copper", "component": "equity_mine", "item": "Mine Q", "year": 2023,
             "production_t": 400000, "equity_share": 0.3, "imports_t": 77777.5},
            {"mineral": "copper", "component": "demand", "year": 2023, "quantity_t": 1000000,
             "demand_basis": "reported"}]
    ss = c.post("/api/v1/users/alice/selfsufficiency", json={"rows": rows}, auth=ALICE)
    assert ss.status_code == 200, ss.text
    cu = ss.json()["records"][0]
    assert cu["mineral"] == "copper" and cu["components"]["equity_mine"] == pytest.approx(77777.5)

    # public answers: nothing of it
    public = [c.get("/api/v1/stockpile/plan", params={"country": "JPN", "mineral": "cobalt"}),
              c.post("/api/v1/disrupt", json={"mineral": "cobalt", "exporter": ["COD"], "days": 30}),
              c.get("/api/v1/health"), forbidden, bad]
    for p in public:
        for secret in ("123457", SECRET_SITE, "77777", "987654"):
            assert secret not in p.text, (p.url, secret)
    assert public[0].json()["records"][0]["target_t"] == pytest.approx(1746.9106838721618, rel=1e-12)

    # the log (uvicorn access and error, critmin.web, at DEBUG) never holds a confidential value
    assert any("stockpile/plan" in m.getMessage() for m in caplog.records)      # the log was captured
    text = "\n".join(f"{m.name} {m.getMessage()}" for m in caplog.records)
    for secret in ("123457", SECRET_SITE, "77777", "987654", "Mine Q", PASSWORDS["alice"]):
        assert secret not in text, secret

    assert c.delete("/api/v1/users/alice/stocks", auth=ALICE).json()["deleted"] is True
    assert c.post("/api/v1/users/alice/stockpile/plan", json={}, auth=ALICE).status_code == 409


def test_users_file_is_validated(tmp_path):
    from critmin.errors import DataValidationError
    from critmin.web.auth import load_users

    f = tmp_path / "users.yaml"
    f.write_text("users:\n  carol:\n    password_hash: plain-text-password\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="carol.password_hash"):
        load_users(f)
    f.write_text("users:\n  carol: {}\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="without credentials"):
        load_users(f)
