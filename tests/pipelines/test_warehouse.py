"""The warehouse module: alert lapsing, and the snapshot the board reads."""
import datetime as dt

import polars as pl
import pytest

from pipelines import warehouse

W = dt.date(2026, 3, 2)


def add_alert(con, alert_id, status, last_week):
    con.execute("insert into alerts (alert_id, area_code, category, first_week, last_week, status, score, observed, "
                "expected, explanation, created_at, updated_at) values (?, '369901001001', 'debt', ?, ?, ?, 1.0, 3, 0.5, '', now(), now())",
                [alert_id, last_week, last_week, status])


def test_only_unreviewed_quiet_alerts_lapse(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    add_alert(con, "old-new", "new", W - dt.timedelta(weeks=10))
    add_alert(con, "old-confirmed", "confirmed", W - dt.timedelta(weeks=10))   # an analyst is on it
    add_alert(con, "recent-new", "new", W - dt.timedelta(weeks=2))
    warehouse.expire_quiet_alerts(con, W - dt.timedelta(weeks=8))
    status = dict(con.sql("select alert_id, status from alerts").fetchall())
    assert status == {"old-new": "expired", "old-confirmed": "confirmed", "recent-new": "new"}
    assert set(warehouse.open_alerts(con)["alert_id"]) == {"old-confirmed", "recent-new"}
    assert set(warehouse.closed_alerts(con)["alert_id"]) == {"old-new"}


def test_the_snapshot_is_a_full_copy(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    add_alert(con, "a", "new", W)
    con.close()
    warehouse.publish_snapshot(tmp_path / "w.duckdb", tmp_path / "board.duckdb")
    with warehouse.open_warehouse(tmp_path / "board.duckdb", read_only=True) as snap:
        assert snap.sql("select count(*) from alerts").fetchall() == [(1,)]


def test_a_stored_id_asked_for_twice_comes_back_once(tmp_path):
    """A file carrying a stored id twice used to get it back twice, and its copies were quarantined
    twice: load_batch then refused the file (rows in != loaded + quarantined)."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    con.execute("insert into reports (report_id, channel, source_id, received_at, text, content_hash, row_hash, "
                "batch_id, ingested_at) values ('hotline:A1', 'hotline', 'A1', now(), 't', 'c', 'h', 'B0', now())")
    got = warehouse.existing_reports(con, ["hotline:A1", "hotline:A1", "hotline:A2", "hotline:A1"])
    assert got.select("report_id", "row_hash", "batch_id", "file_name").rows() == [
        ("hotline:A1", "h", "B0", None)]   # (no batch B0 in this warehouse: no file)


def test_a_list_typed_token_cache_of_an_older_warehouse_is_made_anew(tmp_path):
    import duckdb

    old = duckdb.connect(str(tmp_path / "w.duckdb"))
    old.execute("create table token_cache (content_hash varchar not null, tokenizer varchar not null, "
                "tokens varchar[] not null, primary key (content_hash, tokenizer))")
    old.execute("insert into token_cache values ('h', 'jieba-0', ['拖欠', '工资'])")
    old.close()
    con = warehouse.connect(tmp_path / "w.duckdb")
    assert con.sql("select data_type from information_schema.columns where table_name = 'token_cache' "
                   "and column_name = 'tokens'").fetchall() == [("VARCHAR",)]
    assert con.sql("select count(*) from token_cache").fetchall() == [(0,)]
    con.close()
    con = warehouse.connect(tmp_path / "w.duckdb")  # and a current one is kept as it is
    con.execute("insert into token_cache values ('h', 'rjieba-0', '拖欠 工资')")
    con.close()
    assert warehouse.connect(tmp_path / "w.duckdb").sql("select tokens from token_cache").fetchall() == [("拖欠 工资",)]


def test_keep_tokens_stores_each_text_once_across_the_chunks_of_a_run(tmp_path, monkeypatch):
    from pipelines import registry

    monkeypatch.setenv("SHAOBING_HOME", str(tmp_path))
    con = warehouse.connect(tmp_path / "w.duckdb")
    present = {"cached-before"}
    registry.keep_tokens(con, ["a", "b", "a", "cached-before"], ["x", "y", "x", "z"], present)
    registry.keep_tokens(con, ["b", "c", "d"], ["y", "w", None], present)  # b: kept by the first chunk
    rows = con.sql("select content_hash, tokens from token_cache order by 1").fetchall()
    assert rows == [("a", "x"), ("b", "y"), ("c", "w")]
    assert present == {"cached-before", "a", "b", "c"}


def test_a_run_reads_texts_it_meets_again_from_memory_not_from_the_table(tmp_path, monkeypatch):
    from pipelines import registry

    monkeypatch.setenv("SHAOBING_HOME", str(tmp_path))
    con = warehouse.connect(tmp_path / "w.duckdb")
    con.execute("insert into token_cache values ('before', ?, '旧 分词')", [registry.tokenizer().version])
    keys = ["before", "a", "b", "a", "c", "before"]
    present = registry.cached_keys(con, keys)
    again, kept = registry.repeated(keys) - present, {}
    assert present == {"before"} and again == {"a"}
    registry.keep_tokens(con, ["a", "b"], ["拖欠 工资", "讨薪"], present, kept, again)
    assert kept == {"a": "拖欠 工资"}, "only a text met again is held in memory"
    reads = []
    monkeypatch.setattr(warehouse, "cached_tokens", lambda con, wanted, version: reads.append(wanted) or
                        pl.DataFrame({"content_hash": ["before"], "tokens": ["旧 分词"]}))
    assert registry.document_inputs(con, ["a", "c", "before"], present, kept) == ["拖欠 工资", None, "旧 分词"]
    assert reads == [["before"]], "the table was read for a text this run segmented"


def test_signals_of_an_older_warehouse_gain_the_weeks_they_count(tmp_path):
    import duckdb

    old = duckdb.connect(str(tmp_path / "w.duckdb"))
    old.execute("create table signals (signal_id varchar primary key, week date not null, area_code varchar, "
                "category varchar not null, detector varchar not null, observed double not null, expected double, "
                "upper double, score double not null, model_version varchar not null, place varchar)")
    old.execute("insert into signals values ('S-1', '2026-03-02', '369901001001', 'debt', 'ears_c3', 4, 1.0, 3.0, "
                "5.0, 'm1', null)")
    old.close()
    con = warehouse.connect(tmp_path / "w.duckdb")
    # an old signal keeps its row; its weeks are unknown (null), which the board reads as one week
    assert con.sql("select signal_id, weeks from signals").fetchall() == [("S-1", None)]
    con.close()


def test_a_warehouse_another_process_writes_is_waited_for_then_refused_in_one_line(tmp_path):
    import os
    import subprocess
    import sys
    import time

    from pipelines.settings import StorageError

    path = tmp_path / "warehouse.duckdb"
    env = {**os.environ, "SHAOBING_HOME": str(tmp_path), "SHAOBING_LOCK_WAIT": "1"}
    # before any ingest: one line, not a traceback
    run = subprocess.run([sys.executable, "-m", "pipelines.cli", "status"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1 and run.stderr.strip() == f"error: no warehouse at {path}: run `shaobing ingest` first"
    warehouse.connect(path).close()
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
                               " print('held', flush=True); time.sleep(60)", str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(StorageError) as caught:
            warehouse.connect(path, wait=2.5)
        assert 2.5 <= time.monotonic() - started < 10
        message = str(caught.value.code)
        assert f"the warehouse {path} is in use by another process" in message and f"PID {holder.pid}" in message
        # the CLI says it in one line
        run = subprocess.run([sys.executable, "-m", "pipelines.cli", "status"], env=env, capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
        assert "in use by another process" in run.stderr.strip().splitlines()[-1]
    finally:
        holder.kill()
        holder.wait()
    # once it is free, the next command gets in while it waits
    warehouse.connect(path, wait=1).close()


def test_a_file_loaded_by_another_ingest_while_this_one_read_it_is_skipped_not_counted_twice(tmp_path, monkeypatch):
    # two `shaobing ingest big.csv` started together: both read the file before either stored it
    import polars as pl

    from pipelines import ingest
    from pipelines.areas import read_areas
    from pipelines.sources import read_raw
    from tests.conftest import SAMPLE

    monkeypatch.setenv("SHAOBING_HOME", str(tmp_path))
    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    path = tmp_path / "h.csv"
    path.write_text("工单编号,来电时间,诉求内容\nGD1,2025-01-13 09:00,工资没发\nGD2,2025-01-14 09:00,欠薪\n", encoding="utf-8")
    areas = read_areas(SAMPLE / "areas.csv")[0]
    started = dt.datetime(2026, 12, 1)
    outcomes = []
    for batch_id in ("B1", "B2"):
        _, reports, check = ingest.prepare_batch.fn(read_raw(path), areas, batch_id, "salt", started)
        outcomes.append((reports, check))
    first, second = (ingest.load_batch.fn(str(path), "same-hash", "hotline", "utf-8", reports, check, 2, started)
                     for reports, check in outcomes)
    assert (first.status, first.loaded) == ("loaded", 2)
    assert second.status == "skipped" and "already loaded as batch B1" in second.message
    con = warehouse.connect(tmp_path / "warehouse.duckdb", read_only=True)
    assert con.sql("select count(*) from batches").fetchone()[0] == 1
    assert con.sql("select count(*) from quarantine").fetchone()[0] == 0
    con.close()


def test_the_quarantine_listing_names_each_batch_s_file_and_says_what_it_left_out(tmp_path, monkeypatch, capsys):
    from pipelines.cli import main

    monkeypatch.setenv("SHAOBING_HOME", str(tmp_path))
    con = warehouse.connect(tmp_path / "warehouse.duckdb")
    for batch, path, at in (("B1", "/data/jan/工单导出.csv", "2026-01-05"), ("B2", "/data/feb/工单导出.csv", "2026-02-02")):
        con.execute("insert into batches values (?, ?, 'h', 'hotline', 'utf-8', 3, 0, 3, ?, ?)", [batch, path, at, at])
        for n in (2, 3, 4):
            con.execute("insert into quarantine values (?, '工单导出.csv', ?, '来电时间', 'invalid', 'bad date', '{}', ?)",
                        [batch, n, f"hotline:{batch}-{n}"])
    con.execute("insert into batches values ('B3', '/data/mar/干净.csv', 'h3', 'hotline', 'utf-8', 3, 3, 0, ?, ?)",
                ["2026-03-02", "2026-03-02"])
    con.close()
    assert main(["quarantine", "--limit", "4"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "batch B1: /data/jan/工单导出.csv" and out[4] == "batch B2: /data/feb/工单导出.csv"
    assert out[1] == "  工单导出.csv: row 2, column 来电时间: invalid: bad date"
    assert out[-2].startswith("showing 4 of 6 quarantined rows")
    assert out[-1] == ("6 quarantined: 6 to mend, 0 mended, 0 stored otherwise, 0 not a report "
                       "(--open lists only the rows to mend)")
    assert main(["quarantine", "--file", "/data/feb/工单导出.csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "batch B2: /data/feb/工单导出.csv" and len(out) == 5
    assert main(["quarantine", "--batch", "B3"]) == 0  # a batch that quarantined nothing
    assert capsys.readouterr().out.strip() == "no quarantined rows for that batch or file"
    assert main(["quarantine", "--file", "干净.csv"]) == 0
    assert capsys.readouterr().out.strip() == "no quarantined rows for that batch or file"
    assert main(["quarantine", "--batch", "B9"]) == 1  # no such batch: not "no quarantined rows"
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.strip() == (
        "error: --batch B9: no such batch; the latest: B3 (/data/mar/干净.csv), B2 (/data/feb/工单导出.csv), "
        "B1 (/data/jan/工单导出.csv)")
    assert main(["quarantine", "--file", "三月.csv"]) == 1
    assert capsys.readouterr().err.startswith("error: --file 三月.csv: no batch of a file of that name or path")
    assert main(["quarantine", "--file", "工单导出.csv [Sheet1]"]) == 0  # a sheet, as quarantine names it


def test_duckdb_keeps_only_the_memory_the_setting_allows(tmp_path, monkeypatch):
    """DuckDB's own default (80 % of RAM) let a weekly run of a million reports keep 0.2–0.4 GB of
    warehouse blocks it no longer needed; the connection takes SHAOBING_DUCKDB_MEMORY instead."""
    def limit(con):
        return con.sql("select current_setting('memory_limit')").fetchone()[0]

    monkeypatch.delenv("SHAOBING_DUCKDB_MEMORY", raising=False)
    with warehouse.open_warehouse(tmp_path / "w.duckdb") as con:
        assert limit(con) == "953.6 MiB"   # 1GB, DuckDB counting in 1000s and showing in 1024s
    monkeypatch.setenv("SHAOBING_DUCKDB_MEMORY", "2GiB")
    with warehouse.open_warehouse(tmp_path / "w.duckdb", read_only=True) as con:
        assert limit(con) == "2.0 GiB"
    monkeypatch.setenv("SHAOBING_DUCKDB_MEMORY", "10MB")   # too little for what is asked: one line, how to mend it
    with pytest.raises(SystemExit, match=r"w.duckdb: DuckDB needed more memory than SHAOBING_DUCKDB_MEMORY=10MB "
                                         r"allows \(Out of Memory Error: .*\); raise it \(e.g. 4GB\) and run this again"):
        with warehouse.open_warehouse(tmp_path / "w.duckdb") as con:
            con.sql("select i % 1000, list(i) from range(3000000) t(i) group by 1").fetchall()
    monkeypatch.setenv("SHAOBING_DUCKDB_MEMORY", "lots")
    with pytest.raises(SystemExit, match=r"SHAOBING_DUCKDB_MEMORY='lots': expected an amount such as 1GB"):
        warehouse.connect(tmp_path / "w.duckdb")


def test_the_documents_duckdb_keys_are_those_the_token_cache_is_keyed_by_in_python(tmp_path, monkeypatch):
    """Scoring reads each report's document and cache key from DuckDB (``unscored_reports(...,
    documents=True)``); ``registry.document_texts`` builds them in Python for retraining: a text
    segmented by one is found in the cache by the other only if both give the same string and key."""
    from pipelines import ingest, registry
    from pipelines.sources import read_raw

    monkeypatch.setenv("SHAOBING_HOME", str(tmp_path))
    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    untitled, titled = tmp_path / "h.csv", tmp_path / "t.csv"
    untitled.write_text("工单编号,来电时间,诉求内容\nGD1,2025-01-13 09:00,工资没发😀\nGD2,2025-01-14 09:00,欠薪 \"老板\"跑了\n",
                        encoding="utf-8")
    titled.write_text("工单编号,来电时间,标题,诉求内容\nGD3,2025-01-13 10:00,讨薪,工地欠薪三个月\n"
                      "GD4,2025-01-14 10:00,,楼盘逾期交房\n", encoding="utf-8")
    started = dt.datetime(2026, 12, 1)
    for path, batch_id in ((untitled, "B1"), (titled, "B2")):
        channel, reports, check = ingest.prepare_batch.fn(read_raw(path), pl.DataFrame(
            schema={"area_code": pl.String, "name": pl.String, "level": pl.String, "parent_code": pl.String}),
            batch_id, "salt", started)
        assert ingest.load_batch.fn(str(path), batch_id, channel, "utf-8", reports, check, 2, started).loaded == 2
    with warehouse.open_warehouse(tmp_path / "warehouse.duckdb", read_only=True) as con:
        through = dt.date(2026, 1, 1)
        plain = warehouse.unscored_reports(con, "m1", through)
        documents = warehouse.unscored_reports(con, "m1", through, documents=True)
    keys, texts = registry.document_texts(plain)
    assert documents["report_id"].to_list() == plain["report_id"].to_list()
    assert documents["doc_text"].to_list() == texts.to_list()
    assert documents["doc_key"].to_list() == keys
    assert "讨薪。工地欠薪三个月" in texts.to_list() and any(t.startswith("。") for t in texts.to_list())


def test_quarantined_rows_mended_and_loaded_by_a_later_batch_are_no_longer_listed_as_to_mend(tmp_path, monkeypatch, capsys):
    """A clerk mends the bad rows of an export and ingests them in a file of their own: those rows
    are then listed as mended, by that batch; a copy of a stored record and a totals line never
    were to mend; a row with an id stored before with other content stays to mend."""
    from pipelines import ingest
    from pipelines.areas import read_areas
    from pipelines.cli import main
    from pipelines.sources import read_raw
    from tests.conftest import SAMPLE

    monkeypatch.setenv("SHAOBING_HOME", str(tmp_path))
    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    areas = read_areas(SAMPLE / "areas.csv")[0]

    def load(name: str, text: str, batch_id: str, at: dt.datetime):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        raw = read_raw(path)
        rows_in = len(raw.rows) + len(raw.broken)
        _, reports, check = ingest.prepare_batch.fn(raw, areas, batch_id, "salt", at)
        return ingest.load_batch.fn(str(path), batch_id, "hotline", "utf-8", reports, check, rows_in, at)

    header = "工单编号,来电时间,诉求内容\n"
    first = load("一月.csv", header + "GD1,2025-13-01 09:00,工资没发\n"       # month 13
                                      "GD2,2025-01-14 09:00,欠薪\n"
                                      "GD3,2025-01-14 09:00,欠薪,多出一列\n"   # a field too many
                                      "GD2,2025-01-14 09:00,欠薪\n"            # the same record again
                                      "GD4,2025-01-15 09:00,\n"                # no text
                                      "合计,,\n", "B1", dt.datetime(2026, 1, 20))
    assert (first.loaded, first.quarantined) == (1, 5)
    with warehouse.connect(tmp_path / "warehouse.duckdb", read_only=True) as con:
        assert dict(con.sql("select row_number, report_id from quarantine").fetchall()) == {
            2: "hotline:GD1", 4: "hotline:GD3", 5: "hotline:GD2", 6: "hotline:GD4", 7: None}
    assert main(["quarantine", "--open"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[1] for line in out[1:-1]] == [" row 2, column 来电时间", " row 4", " row 6, column 诉求内容"]
    assert out[-1] == "5 quarantined: 3 to mend, 0 mended, 1 stored otherwise, 1 not a report"

    second = load("一月补录.csv", header + "GD1,2025-01-13 09:00,工资没发\n"
                                          "GD3,2025-01-14 09:00,欠薪\n"
                                          "GD2,2025-01-14 10:00,欠薪，又来电\n",   # GD2 stored with other content
                  "B2", dt.datetime(2026, 1, 21))
    assert (second.loaded, second.quarantined) == (2, 1)
    assert main(["quarantine", "--batch", "B1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == ("  一月.csv: row 2, column 来电时间: invalid: '2025-13-01 09:00' is no date: there is no month 13"
                      f" [mended: loaded by batch B2 ({tmp_path / '一月补录.csv'})]")
    assert out[2].endswith("has 4 fields, the header has 3 [mended: loaded by batch B2 "
                           f"({tmp_path / '一月补录.csv'})]")
    assert not any("[mended" in line for line in out[3:])
    assert out[-1] == "5 quarantined: 1 to mend, 2 mended, 1 stored otherwise, 1 not a report (--open lists only the rows to mend)"
    assert main(["quarantine", "--open"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"batch B1: {tmp_path / '一月.csv'}" and out[1].startswith("  一月.csv: row 6, column 诉求内容")
    assert out[2] == f"batch B2: {tmp_path / '一月补录.csv'}" and ": conflict: " in out[3]
    assert out[-1] == "6 quarantined: 2 to mend, 2 mended, 1 stored otherwise, 1 not a report"
    assert main(["status"]) == 0
    assert "quarantine: 2 of its rows still to mend (shaobing quarantine --open)" in capsys.readouterr().out
    # a later, cumulative export: GD3 again, its date broken this time — the record is stored already
    third = load("二月.csv", header + "GD3,2025-13-14 09:00,欠薪\n", "B3", dt.datetime(2026, 2, 20))
    assert (third.loaded, third.quarantined) == (0, 1)
    assert main(["quarantine", "--batch", "B3"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "1 quarantined: 0 to mend, 0 mended, 1 stored otherwise, 0 not a report")


def test_a_warehouse_from_before_quarantine_kept_report_ids_is_listed_read_only(tmp_path, monkeypatch, capsys):
    """After an upgrade, `shaobing quarantine` and `status` open the old warehouse read-only (no
    column is added then): its rows read as having no id, so they stay to mend."""
    from pipelines.cli import main

    monkeypatch.setenv("SHAOBING_HOME", str(tmp_path))
    con = warehouse.connect(tmp_path / "warehouse.duckdb")
    con.execute("alter table quarantine drop column report_id")
    con.execute("insert into batches values ('B1', '/data/h.csv', 'h', 'hotline', 'utf-8', 1, 0, 1, ?, ?)",
                ["2026-01-05", "2026-01-05"])
    con.execute("insert into quarantine values ('B1', 'h.csv', 2, '来电时间', 'invalid', 'bad date', '{}')")
    con.close()
    assert main(["quarantine", "--open"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 quarantined: 1 to mend, 0 mended, 0 stored otherwise, 0 not a report"
    assert main(["status"]) == 0
    assert "1 of its rows still to mend" in capsys.readouterr().out


def test_a_number_names_the_report_written_as_given_where_stored_ids_differ_only_in_case(tmp_path):
    con = warehouse.connect(tmp_path / "warehouse.duckdb")
    for rid in ("hotline:ab1", "hotline:AB1", "petition:X9", "hotline:X9"):
        channel, source = rid.split(":")
        con.execute("""insert into reports (report_id, channel, source_id, received_at, text, content_hash, row_hash,
                       batch_id, ingested_at) values (?, ?, ?, '2026-01-05', '讨薪', ?, ?, 'B1', now())""",
                    [rid, channel, source, rid, rid])
    found = warehouse.report_ids_matching(con, ["hotline:AB1", "HOTLINE:ab1", "Hotline:Ab1", "X9", "hotline:x9"])
    con.close()
    assert found == {"hotline:AB1": ["hotline:AB1"], "HOTLINE:ab1": ["hotline:ab1"],
                     "Hotline:Ab1": ["hotline:AB1", "hotline:ab1"], "X9": ["hotline:X9", "petition:X9"],
                     "hotline:x9": ["hotline:X9"]}
