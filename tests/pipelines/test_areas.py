"""Importing a gazetteer: a file that is no tree of areas is refused whole, saying which rows and why."""
from __future__ import annotations

import pytest

from pipelines import warehouse
from pipelines.areas import place, read_areas
from pipelines.cli import main
from tests.conftest import SAMPLE

HEADER = "area_code,name,level,parent_code,lat,lon"
COUNTY = "369901000000,溪山县,3,,28.5,115.9"
TOWN = "369901001000,城关街道,4,369901000000,28.5,115.9"


def areas_file(tmp_path, *rows: str):
    path = tmp_path / "areas.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def problems(tmp_path, *rows: str) -> list[str]:
    path = areas_file(tmp_path, *rows)
    return [p.removeprefix(f"{path}: ") for p in read_areas(path)[1]]


def test_the_sample_gazetteer_is_a_tree():
    frame, found = read_areas(SAMPLE / "areas.csv")
    assert found == [] and frame.height == 52


@pytest.mark.parametrize("rows, expected", [
    ((), ["no areas: the file has a header but no rows (expected one row per area)"]),
    ((COUNTY, TOWN, "369901001000,城东街道,4,369901000000,28.5,115.9"),  # the same code, another name
     ["rows 3, 4, column area_code: 369901001000 is given 2 times (城关街道, 城东街道): expected each area once"]),
    ((COUNTY, TOWN, "369901001000,城东街道,7,369901000000,28.5,115.9"),  # (the level is wrong too)
     ["row 4, column level: 7 is not a level: expected 1 province, 2 city, 3 county, 4 town/street, 5 village/community",
      "rows 3, 4, column area_code: 369901001000 is given 2 times (城关街道, 城东街道): expected each area once"]),
    ((COUNTY, "369901009000,新区街道,4,369901888000,28.5,115.9"),
     ["row 3, column parent_code: 369901888000 is not an area of this file (expected the code of another row, or"
      " nothing for a top area)"]),
    ((COUNTY, "369901001000,城关街道,4,369901000000,128.5,"),
     ["row 3, column lat: 128.5 is not a latitude: expected -90 to 90 degrees"]),
    ((COUNTY, "369901001000,城关街道,3,369901000000,28.5,115.9"),  # a county under a county
     ["row 3, column parent_code: 369901000000 is a level-3 area, not above this level-3 one (expected a parent of a"
      " lower level number)"]),
    ((COUNTY, "369901001000,城关街道,4,369901001000,28.5,115.9"),  # its own parent
     ["row 3, column parent_code: the parents go round in a circle (369901001000 → 369901001000): expected each"
      " area's parents to end at a top area"]),
])
def test_a_file_that_is_no_tree_of_areas_is_refused_naming_rows_and_columns(tmp_path, rows, expected):
    assert problems(tmp_path, *rows) == expected


def test_parents_that_go_round_in_a_circle_are_named_with_their_rows(tmp_path):
    found = problems(tmp_path, "369901000000,溪山县,3,369901001001,28.5,115.9", TOWN,
                     "369901001001,文昌社区,5,369901001000,28.5,115.9", "369901002000,莲塘镇,4,369901000000,,")
    assert found == [
        "row 2, column parent_code: 369901001001 is a level-5 area, not above this level-3 one (expected a parent of a"
        " lower level number)",
        "rows 2, 3, 4, column parent_code: the parents go round in a circle (369901000000 → 369901001001 →"
        " 369901001000 → 369901000000): expected each area's parents to end at a top area"]


def test_a_refused_file_changes_nothing_and_says_why(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHAOBING_HOME", str(tmp_path / "home"))
    assert main(["areas", "import", str(areas_file(tmp_path, COUNTY, TOWN))]) == 0
    assert "2 areas imported" in capsys.readouterr().out
    bad = areas_file(tmp_path, COUNTY, "369901001000,城东街道,4,369901000000,,", "369901002000,莲塘镇,7,369901000000,,")
    assert main(["areas", "import", str(bad)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"error: {bad}: row 4, column level: 7 is not a level: expected 1 province, 2 city, 3 county,"
                   " 4 town/street, 5 village/community; nothing imported"]  # one problem: one line
    worse = areas_file(tmp_path, COUNTY, "369901001000,城东街道,4,369901000000,,", "369901002000,莲塘镇,7,369901000000,91,")
    assert main(["areas", "import", str(worse)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and err[-1] == f"error: {worse}: 2 problems, nothing imported"
    assert main(["areas", "import", str(areas_file(tmp_path))]) == 1  # a header alone
    assert "no areas: the file has a header but no rows" in capsys.readouterr().err
    assert main(["areas", "import", str(tmp_path / "nope.csv")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: {tmp_path / 'nope.csv'}: cannot read the file (No such file or directory); nothing imported"]
    with warehouse.open_warehouse(tmp_path / "home" / "warehouse.duckdb", read_only=True) as con:
        assert warehouse.areas(con)["name"].to_list() == ["溪山县", "城关街道"]


def test_an_import_that_fails_while_placing_reports_stores_none_of_its_areas(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    frame = read_areas(areas_file(tmp_path, COUNTY, TOWN))[0]

    def fails(unplaced, areas):
        raise RuntimeError("killed while placing")

    with warehouse.open_warehouse(path) as con:
        con.execute("insert into reports (report_id, channel, source_id, received_at, text, content_hash, row_hash,"
                    " batch_id, ingested_at) values ('hotline:GD1', 'hotline', 'GD1', '2025-01-13', '城关街道工资没发',"
                    " 'h', 'r', 'B1', '2025-01-14')")
        with pytest.raises(RuntimeError):
            warehouse.import_areas(con, frame, fails)
        assert warehouse.areas(con).is_empty()
        assert warehouse.import_areas(con, frame, place) == (1, 1, 0)
        assert con.sql("select area_code from reports").fetchall() == [("369901001000",)]
        assert warehouse.areas(con).height == 2


def test_the_weekly_detection_pools_areas_by_their_gazetteer_level(tmp_path):
    # A gazetteer may use codes of its own (not 统计用区划代码): its level column places them.
    from pipelines.weekly import detection_params
    from models.detectors import area_level

    frame = read_areas(areas_file(tmp_path, COUNTY, TOWN, "X01,上村,5,369901001000,,",
                                  "369901001002,下村,5,369901001000,,"))[0]
    with warehouse.open_warehouse(tmp_path / "warehouse.duckdb") as con:
        warehouse.import_areas(con, frame, place)
        pools = detection_params(con).detector["pools"]
    assert pools == {"369901000000": "level 3", "369901001000": "level 4", "X01": "level 5",
                     "369901001002": "level 5"}
    assert pools["369901001002"] == area_level("369901001002")  # one pool whichever way it is found
