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


def test_a_gazetteer_imported_later_places_reports_by_the_columns_they_came_with(prefect_harness, tmp_path,
                                                                                  monkeypatch, capsys):
    # Reports loaded before any gazetteer keep their county / town / village cells as given: the
    # import places them by those, as ingest would have, and leaves another county's rows alone
    # even where their text names one of its places.
    home = tmp_path / "home"
    monkeypatch.setenv("SHAOBING_HOME", str(home))
    export = tmp_path / "工单.csv"
    with open(export, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["工单编号", "来电时间", "所属区县", "所属街道", "所属社区", "诉求内容"])
        w.writerow(["GD1", "2026-11-02 09:00", "溪山县", "城关街道", "文昌社区", "工地老板拖欠工资三个月"])
        w.writerow(["GD2", "2026-11-02 10:00", "E7县", "城关街道", "", "城关街道文昌社区楼下噪音扰民"])
        w.writerow(["GD3", "2026-11-02 11:00", "", "", "", "城关街道文昌社区路灯坏了"])
        w.writerow(["GD4", "2026-11-02 12:00", "", "", "", "咨询社保缴费"])
    assert main(["ingest", str(export)]) == 0
    areas = tmp_path / "areas.csv"
    areas.write_text("area_code,name,level,parent_code,lat,lon\n369901000000,溪山县,3,,,\n"
                     "369901001000,城关街道,4,369901000000,,\n369901001001,文昌社区,5,369901001000,,\n",
                     encoding="utf-8")
    capsys.readouterr()
    assert main(["areas", "import", str(areas)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "2 of 4 reports without an area placed by their place columns, address or text; 1 stay without: "
        "their county column names a county this gazetteer does not hold")

    def placed():
        con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
        try:
            return dict(con.sql("select source_id, area_code from reports").fetchall())
        finally:
            con.close()

    assert placed() == {"GD1": "369901001001", "GD2": None, "GD3": "369901001001", "GD4": None}
    # the city's gazetteer arrives: E7县 is one of its counties, and GD2 is placed in its 城关街道
    areas.write_text("area_code,name,level,parent_code,lat,lon\n369907000000,E7县,3,,,\n"
                     "369907001000,城关街道,4,369907000000,,\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["areas", "import", str(areas)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "1 of 2 reports without an area placed by their place columns, address or text")
    assert placed() == {"GD1": "369901001001", "GD2": "369907001000", "GD3": "369901001001", "GD4": None}
