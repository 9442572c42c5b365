"""Reports no area can be found for (a message board's export of a whole city, no gazetteer yet)
still cluster by the places they name: the weekly run detects their weeks."""
from __future__ import annotations

import csv
import datetime as dt

import duckdb

from pipelines.cli import main


def test_reports_placed_in_no_area_still_raise_a_place_alert(prefect_harness, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHAOBING_HOME", str(tmp_path / "home"))
    export = tmp_path / "留言.csv"
    monday = dt.datetime(2026, 9, 7, 9)
    rows = [(f"LY{i}", f"U{i % 7}", monday + dt.timedelta(weeks=i % 8, hours=i), "咨询公交线路调整和站点设置的问题")
            for i in range(40)]
    # the week of 2026-11-02: five buyers of one estate, none placed in an area
    rows += [(f"FC{i}", f"B{i}", dt.datetime(2026, 11, 2, 10) + dt.timedelta(hours=i),
              f"翡翠湾小区开发商逾期交房一年多，业主多次找售楼部都没有答复，第{i + 1}位业主反映") for i in range(5)]
    with open(export, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "留言用户", "留言时间", "留言详情"])
        w.writerows([(i, u, f"{t:%Y-%m-%d %H:%M:%S}", x) for i, u, t, x in rows])
    assert main(["ingest", str(export)]) == 0
    assert main(["retrain"]) == 0          # the lexicons' cold start: nothing is labelled
    assert main(["weekly", "--through", "2026-11-09"]) == 0
    con = duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True)
    try:
        assert con.sql("select count(*) from reports where area_code is not null").fetchone()[0] == 0
        alerts = con.sql("select place, category, area_code, last_week from alerts").fetchall()
    finally:
        con.close()
    assert alerts == [("翡翠湾", "real_estate", None, dt.date(2026, 11, 2))]
    capsys.readouterr()
    assert main(["backtest", "--from", "2026-10-19", "--to", "2026-11-02"]) == 0   # it replays them too
    assert "1 new alert" in capsys.readouterr().out
