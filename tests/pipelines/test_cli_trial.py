"""What a new user's trial of the command line found: placeholders shown as reasons, figures
that round alike, the brief's score and times, events outside a backtest, and unclear messages."""
from __future__ import annotations

import argparse
import datetime as dt

import polars as pl
import pytest

from pipelines import backtest, cli, detection

WEEK = dt.date(2026, 6, 1)


def test_an_alerts_top_terms_leave_out_placeholders_stored_with_older_scores():
    behind = pl.DataFrame({"report_id": ["r1", "r2"], "category": ["wage_arrears"] * 2,
                           "area_code": ["A"] * 2, "place": [None, None]}, schema_overrides={"place": pl.String})
    flagged = pl.DataFrame({
        "report_id": ["r1", "r2"], "category": ["wage_arrears"] * 2, "area_code": ["A"] * 2, "week": [WEEK] * 2,
        "probability": [0.9, 0.8], "reporter_key": ["k1", "k2"], "channel": ["hotline", "grid"],
        "title": [None, None], "text": ["工友一共35人讨薪", "包工头欠薪"], "people_count": [35, 1],
        # scored before explain() left placeholders out: the most frequent "terms" are placeholders
        "top_terms": [["一共<num>", "<num>", "工友", "[手机号]"], ["一共<num>", "<num>", "欠薪"]],
        "names": [[], []], "escalation": [[], []],
    }, schema_overrides={"title": pl.String, "names": pl.List(pl.String), "escalation": pl.List(pl.String)})
    ev = detection.evidence(behind, flagged, WEEK, 1, pl.DataFrame())
    assert ev[("A", "wage_arrears")]["top_terms"] == ["工友", "欠薪"]


def test_an_alerts_top_terms_leave_the_names_to_its_places():
    # jieba cuts a place the gazetteer does not know (翡翠湾花园 → 翡翠 / 湾 / 花园): its pieces are
    # not what the reports are about, and the explanation names the place apart (涉及 / the key)
    n = 3
    behind = pl.DataFrame({"report_id": [f"r{i}" for i in range(n)], "category": ["real_estate"] * n,
                           "area_code": ["A"] * n, "place": ["翡翠湾"] * n})
    flagged = pl.DataFrame({
        "report_id": [f"r{i}" for i in range(n)], "category": ["real_estate"] * n, "area_code": ["A"] * n,
        "week": [WEEK] * n, "probability": [0.9] * n, "reporter_key": ["k1", "k2", "k3"], "channel": ["hotline"] * n,
        "title": [None] * n, "text": ["翡翠湾花园逾期交房，开发商金鼎置业不回应"] * n, "people_count": [1] * n,
        "top_terms": [["翡翠", "交房", "业主翡翠", "金鼎置业"], ["翡翠", "交房", "开发商"], ["翡翠", "售楼部", "同村"]],
        # a name given once is not shown, and its pieces (同村 of a misread 亲戚介绍同村) stay terms
        "names": [["翡翠湾花园", "金鼎置业"], ["翡翠湾花园", "金鼎置业"], ["翡翠湾", "亲戚介绍同村"]], "escalation": [[]] * n,
    }, schema_overrides={"title": pl.String, "names": pl.List(pl.String), "escalation": pl.List(pl.String)})
    ev = detection.evidence(behind, flagged, WEEK, 1, pl.DataFrame())[("place:翡翠湾", "real_estate")]
    assert ev["top_terms"] == ["交房", "开发商", "售楼部", "同村"]
    assert ev["places"] == ["翡翠湾花园", "金鼎置业"]


@pytest.mark.parametrize("new, champion, shown", [
    (0.8276, 0.8280, ("0.8276", "0.8280 (the challenger is 0.0004 lower)")),  # both 0.828 at three decimals
    (0.8281, 0.82849, ("0.8281", "0.8285 (the challenger is 0.0004 lower)")),
    (0.9, 0.8, ("0.900", "0.800 (the challenger is 0.100 higher)")),
    (0.828, 0.828, ("0.828", "0.828 (the same)")),
    (0.8279999996, 0.828, ("0.828", "0.828 (the challenger is less than 0.000001 lower)")),
])
def test_a_challenger_and_its_champion_are_shown_with_the_decimals_that_tell_them_apart(new, champion, shown):
    assert cli.side_by_side(new, champion) == shown


def test_retrain_says_by_how_much_a_challenger_that_rounds_like_the_champion_lost(monkeypatch, capsys):
    from pipelines import retrain

    monkeypatch.setattr(cli, "_flows", lambda server=True: None)
    monkeypatch.setattr(cli.prefect_server, "ready", lambda: None)
    monkeypatch.setattr(retrain, "retrain_flow", lambda promote, margin: {
        "version": "m2", "macro_f1": 0.82764, "champion_macro_f1": 0.82801, "test_rows": 4913, "train_rows": 20059,
        "promoted": False, "per_label": {"debt": 0.8}, "brier": {}, "label_sources": {"label": 3, "source_category": 24000}})
    assert cli.main(["retrain"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "  labels: 3 given by people (imported, corrected or from decisions on alerts), 24,000 from the exports' categories"
    assert out[0] == (
        "model m2: macro-F1 0.8276 on 4,913 held-out reports (trained on 20,059); "
        "the champion on the same reports 0.8280 (the challenger is 0.0004 lower); kept as challenger")


@pytest.mark.parametrize("first_week, last_week, inside", [
    ("2026-05-25", "2026-05-25", False),  # ended the week before the window
    ("2026-05-25", "2026-06-01", True),   # runs into its first week
    ("2026-06-08", "2026-08-10", True),
    ("2026-06-14", "2026-06-21", True),   # starts on the Sunday of the last week replayed
    ("2026-06-15", "2026-06-22", False),  # starts the Monday after
])
def test_events_are_timed_only_when_their_weeks_meet_the_replayed_weeks(first_week, last_week, inside):
    events = pl.DataFrame({"kind": ["e"], "first_week": [first_week], "last_week": [last_week], "row": [2]}) \
        .with_columns(pl.col("first_week", "last_week").str.to_date())
    timed, outside = backtest.split_events(events, dt.date(2026, 6, 1), dt.date(2026, 6, 8))
    assert (timed.height, outside.height) == ((1, 0) if inside else (0, 1))


def test_an_events_file_re_saved_by_excel_or_written_in_chinese_is_read_as_meant(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("area_code,category,first_week,last_week,kind\n"
                    "369901006002.0,债务纠纷,2025-10-13,2025-12-01,a\n"
                    "369901005003,Wage_Arrears, 2026-01-05 ,2026-01-12,b\n", encoding="utf-8")
    events = backtest.read_events(path, {"369901006002", "369901005003"})
    assert events["area_code"].to_list() == ["369901006002", "369901005003"]
    assert events["category"].to_list() == ["debt", "wage_arrears"]
    assert events["first_week"].to_list() == [dt.date(2025, 10, 13), dt.date(2026, 1, 5)]


def test_an_events_file_naming_what_cannot_be_timed_is_refused_row_by_row(tmp_path):
    # each was timed as "missed" before: an event the replay cannot meet says nothing of detection
    path = tmp_path / "events.csv"
    path.write_text("area_code,category,first_week,last_week\n"
                    "369901006999,debt,2025-10-13,2025-12-01\n"
                    "369901006002,欠债,2025-10-13,2025-12-01\n"
                    "369901006002,debt,2025-12-01,2025-10-13\n", encoding="utf-8")
    with pytest.raises(SystemExit) as out:
        backtest.read_events(path, {"369901006002"})
    message = str(out.value)
    assert "row 2, column area_code: '369901006999' is no area of the gazetteer" in message
    assert "row 3, column category: '欠债' is no category" in message
    assert "row 4, column last_week: 2025-10-13 is before first_week 2025-12-01" in message
    assert message.endswith("nothing was replayed: mend the events file and run the backtest again")


@pytest.mark.parametrize("text", ["2026-01-05", "2026/1/5", "2026/01/05", "2026.1.5", "2026年1月5日", "２０２６年１月５日",
                                  "20260105"])
def test_a_date_argument_is_read_in_the_forms_ingest_reads_a_day_in(text):
    assert cli._date(text, "--from") == dt.date(2026, 1, 5)


def _commands(parser, path=()):
    """Every (sub)command's parser with its path: ("models", "promote") …"""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helped = {a.dest for a in action._choices_actions}
            for name, sub in action.choices.items():
                assert name in helped, f"shaobing {' '.join((*path, name))} has no help line"
                yield from _commands(sub, (*path, name))


def test_every_command_argument_and_option_says_what_it_is_for():
    unexplained = [f"shaobing {' '.join(path)} {action.dest}"
                   for path, parser in _commands(cli.parser()) for action in parser._actions
                   if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) and not action.help]
    assert unexplained == []


def test_ingest_help_names_the_formats_it_reads(capsys):
    with pytest.raises(SystemExit):
        cli.main(["ingest", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert all(word in text for word in (".csv", ".xlsx", ".xls", ".ods", ".jsonl", "GB18030", "hotline", "petition", "grid"))


@pytest.mark.parametrize("argv, error", [
    (["backtest", "--from", "2026-13-01", "--to", "2026-09-30"], "--from '2026-13-01': expected a date such as 2026-03-02 (or 2026/3/2, 2026年3月2日)"),
    (["backtest", "--from", "2026-09-30", "--to", "2026-06-01"], "--to 2026-06-01 is before --from 2026-09-30"),
    (["backtest", "--from", "2026-06-01", "--to", "2026-09-30", "--events", "/nonexistent/events.csv"],
     "--events /nonexistent/events.csv: no such file"),
    (["weekly", "--through", "someday"], "--through 'someday': expected a date such as 2026-03-02 (or 2026/3/2, 2026年3月2日)"),
    (["retrain", "--margin", "2"], "--margin 2.0: expected a macro-F1 difference between 0 and 1"),
])
def test_bad_arguments_are_refused_before_prefect_starts(argv, error, monkeypatch, capsys):
    def started(server=True):
        raise AssertionError("Prefect was started before the arguments were checked")

    monkeypatch.setattr(cli, "_flows", started)
    assert cli.main(argv) in (1, 2)
    assert capsys.readouterr().err.strip() == f"error: {error}"


def test_labels_import_counts_rows_in_the_singular_and_one_problem_is_one_line(home, tmp_path, capsys):
    from pipelines import settings
    from tests.dashboards.conftest import build_warehouse

    build_warehouse(settings.warehouse_path())  # holds report hotline:1
    one_bad = tmp_path / "one_bad.csv"
    one_bad.write_text("report_id,labels\nhotline:1,debt\nhotline:404,debt\n", encoding="utf-8")
    assert cli.main(["labels", "import", str(one_bad)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"1 label imported from {one_bad}; 1 row rejected"
    assert err.strip() == f"error: {one_bad}: row 3, column report_id: no stored report matches 'hotline:404'"
    only_bad = tmp_path / "only_bad.csv"
    only_bad.write_text("report_id,labels\nhotline:1,unknown\n", encoding="utf-8")
    assert cli.main(["labels", "import", str(only_bad)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines() == [
        f"error: {only_bad}: row 2, column labels: unknown label(s) ['unknown']; expected some of "
        "['wage_arrears', 'debt', 'family_neighbour', 'finance', 'real_estate'] or none; nothing imported"]
    assert cli.main(["labels", "import", str(tmp_path / "nope.csv")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: {tmp_path / 'nope.csv'}: cannot read the file (No such file or directory); nothing imported"]


def test_labels_import_reads_chinese_column_names(home, tmp_path, capsys):
    from pipelines import settings
    from tests.dashboards.conftest import build_warehouse

    build_warehouse(settings.warehouse_path())  # holds report hotline:1 (source number 1)
    f = tmp_path / "标签.csv"
    f.write_text("工单编号,标签\n1,债务纠纷\n", encoding="utf-8")
    assert cli.main(["labels", "import", str(f)]) == 0
    assert capsys.readouterr().out.strip() == f"1 label imported from {f}"


def test_labels_import_refuses_one_report_labelled_twice_otherwise_and_takes_a_repeat_once(home, tmp_path, capsys):
    from pipelines import settings
    from tests.dashboards.conftest import build_warehouse

    build_warehouse(settings.warehouse_path())  # reports hotline:1, grid:7 (source numbers 1, 7)
    f = tmp_path / "labels.csv"
    f.write_text("report_id,labels\n1,劳资欠薪\nhotline:1,债务纠纷\ngrid:7,debt\ngrid:7,Debt\n", encoding="utf-8")
    assert cli.main(["labels", "import", str(f)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"1 label imported from {f}; 2 rows rejected"   # before: both imported, the first won
    assert err.splitlines() == [
        f"error: {f}: row 2, column report_id: report hotline:1 is labelled wage_arrears here but otherwise in"
        " row 3 (debt); keep one row per report",
        f"error: {f}: row 3, column report_id: report hotline:1 is labelled debt here but otherwise in"
        " row 2 (wage_arrears); keep one row per report"]


def test_labels_export_writes_what_labels_import_and_evaluate_read(home, tmp_path, capsys):
    import polars as pl

    from pipelines import settings
    from pipelines.evaluate import read_labelled
    from tests.dashboards.conftest import build_warehouse

    build_warehouse(settings.warehouse_path())  # hotline:1 (export category 劳动保障), grid:7, petition:3
    f = tmp_path / "in.csv"
    f.write_text("report_id,labels\ngrid:7,劳资欠薪\npetition:3,无\n", encoding="utf-8")
    assert cli.main(["labels", "import", str(f)]) == 0
    out = tmp_path / "labels.csv"
    assert cli.main(["labels", "export", str(out)]) == 0
    assert capsys.readouterr().out.strip().endswith(f"2 labelled reports written to {out}")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")   # Excel reads it as UTF-8
    table = pl.read_csv(out)
    assert table.select("report_id", "labels", "类别", "source").rows() == [
        ("grid:7", "wage_arrears", "劳资欠薪", "import"), ("petition:3", "none", "无", "import")]
    assert read_labelled(out).labels == [["wage_arrears"], []]           # evaluate reads it
    assert cli.main(["labels", "import", str(out)]) == 0                 # and it goes back in as it is
    assert cli.main(["labels", "export", "--all", str(out)]) == 0        # with the export's inferred ones
    assert pl.read_csv(out).filter(pl.col("source") == "export")["report_id"].to_list() == ["hotline:1"]
    assert cli.main(["labels", "export", str(tmp_path / "labels.xlsx")]) == 1
    assert "expected a .csv file to write" in capsys.readouterr().err


def test_labels_import_names_every_row_it_does_not_import(home, tmp_path, capsys):
    # a data clerk's file: every row is imported or named, in file order
    import duckdb

    from pipelines import settings
    from tests.dashboards.conftest import build_warehouse

    build_warehouse(settings.warehouse_path())  # reports hotline:1, grid:7, petition:3 (source numbers 1, 7, 3)
    f = tmp_path / "labels.csv"
    f.write_text("report_id,labels\n"
                 "HOTLINE:1,Debt\n"                 # 2: ours in another case, a key in another case
                 "7,劳资欠薪；婚姻家庭邻里\n"          # 3: the source's number, the Chinese names
                 "petition:3,\n"                    # 4: an empty cell is a forgotten label, not 'none'
                 "petition:3,debt,extra\n"          # 5: a field too many
                 ",debt\n"                          # 6: no report named
                 "petition:3,无\n"                   # 7: none, in Chinese
                 "grid:7,none;debt\n", encoding="utf-8")  # 8: none beside a label
    assert cli.main(["labels", "import", str(f)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"3 labels imported from {f}; 4 rows rejected"
    lines = err.splitlines()
    assert [line.split(": row ")[1].split(",")[0].split(":")[0] for line in lines] == ["4", "5", "6", "8"]
    assert lines[3].endswith("column labels: none beside ['debt']: a report is of some categories or of none")
    assert "column labels: empty; expected some of" in lines[0] and "or none" in lines[0]
    assert lines[1].endswith("row 5: has 3 fields, the header has 2")
    assert lines[2].endswith("row 6, column report_id: empty")
    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as con:
        stored = dict(con.sql("select report_id, labels from labels where source = 'import'").fetchall())
    assert stored == {"hotline:1": ["debt"], "grid:7": ["wage_arrears", "family_neighbour"], "petition:3": []}


def test_counts_in_messages_are_singular_for_one():
    from pipelines.wording import count

    assert [count(1, "file"), count(3, "file"), count(0, "row"), count(1200, "report"), count(1, "new alert")] == [
        "1 file", "3 files", "0 rows", "1,200 reports", "1 new alert"]


@pytest.mark.parametrize("champion, said", [
    (None, "no champion before; promoted to champion"),
    ("m1", "the champion m1 could not be judged (see the warning above); promoted to champion")])
def test_retrain_tells_no_champion_from_one_it_could_not_judge(champion, said, monkeypatch, capsys):
    from pipelines import retrain

    monkeypatch.setattr(cli, "_flows", lambda server=True: None)
    monkeypatch.setattr(cli.prefect_server, "ready", lambda: None)
    monkeypatch.setattr(retrain, "retrain_flow", lambda promote, margin: {
        "version": "m2", "macro_f1": 0.8, "champion_macro_f1": None, "champion_version": champion,
        "test_rows": 10, "train_rows": 40, "promoted": True, "per_label": {"debt": 0.8}, "brier": {}})
    assert cli.main(["retrain"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(said)


def test_labels_import_takes_the_id_written_as_given_where_stored_ids_differ_only_in_case(home, tmp_path, capsys):
    from pipelines import settings, warehouse
    from tests.dashboards.conftest import build_warehouse

    build_warehouse(settings.warehouse_path())
    con = warehouse.connect(settings.warehouse_path())
    for rid in ("hotline:ab1", "hotline:AB1"):
        con.execute("""insert into reports (report_id, channel, source_id, received_at, text, content_hash, row_hash,
                       batch_id, ingested_at) values (?, 'hotline', ?, '2024-05-14', '讨薪', ?, ?, 'b1', now())""",
                    [rid, rid.split(":")[1], rid, rid])
    con.close()
    path = tmp_path / "labels.csv"
    path.write_text("report_id,labels\nHOTLINE:AB1,debt\nhotline:Ab1,debt\n", encoding="utf-8")
    assert cli.main(["labels", "import", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"1 label imported from {path}; 1 row rejected"
    assert err.strip() == (f"error: {path}: row 3, column report_id: 'hotline:Ab1' names 2 reports whose ids differ "
                           "only in case (hotline:AB1, hotline:ab1); write the id exactly as stored")
