"""The `shaobing` command line. Flows are imported lazily: Prefect takes seconds to import."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import statistics
import sys
import threading
import unicodedata
from pathlib import Path

from . import prefect_server, settings
from .wording import count

ROOT = Path(__file__).resolve().parent.parent
JOB_RESULT = "SHAOBING_JOB_RESULT"  # set by pipelines.jobs for a job started from the board


def job_result(kind: str, **fields) -> None:
    """What a command did, as JSON in the file ``$SHAOBING_JOB_RESULT`` names (a job started from the
    board: pipelines.jobs words it in Chinese for the data page); nothing outside a job."""
    path = os.environ.get(JOB_RESULT)
    if path:
        Path(path).write_text(json.dumps({"kind": kind, **fields}, ensure_ascii=False, default=str), "utf-8")


def _flows(server: bool = True):
    """Set up Prefect for a command that runs flows; with ``server``, start its temporary server now,
    while the command imports (``prefect_server.ready()`` before the flow runs)."""
    settings.configure_prefect()
    if server:
        prefect_server.start()
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)


def cmd_sample(args) -> int:
    from .sample.generator import generate

    out = Path(args.out)
    counts = generate(out, reports=args.reports, seed=args.seed, progress=lambda m: print(m, file=sys.stderr))
    print(f"sample written to {out}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


def cmd_areas_import(args) -> int:
    from .areas import place, read_areas
    from . import warehouse

    frame, problems = read_areas(Path(args.file))
    if len(problems) == 1:  # one line says it all (a file that cannot be read, a missing column, a bad row)
        print(f"error: {problems[0]}; nothing imported", file=sys.stderr)
        return 1
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if problems:
        print(f"error: {args.file}: {len(problems)} problems, nothing imported", file=sys.stderr)
        return 1
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        unplaced, placed, outside = warehouse.import_areas(con, frame, place)
    warehouse.publish_snapshot(settings.warehouse_path(), settings.snapshot_path())
    print(f"{frame.height} areas imported from {args.file}")
    if unplaced:
        print(f"{placed} of {unplaced} reports without an area placed by their place columns, address or text"
              + (f"; {outside} stay without: their county column names a county this gazetteer does not hold"
                 if outside else ""))
    return 0


def cmd_ingest(args) -> int:
    _flows()
    from .ingest import ingest_flow

    prefect_server.ready()
    results = ingest_flow([str(p) for p in args.files])
    failed = 0
    for r in results:
        if r.status == "failed":
            failed += 1
            print(f"error: {r.message}", file=sys.stderr)
        elif r.status == "skipped":
            print(f"{r.file}: {r.message}")
        else:
            print(f"{r.file}: {count(r.rows_in, 'row')} in, {r.loaded:,} loaded, {r.quarantined:,} quarantined ({r.message})")
    loaded = sum(r.loaded for r in results)
    quarantined = sum(r.quarantined for r in results)
    print(f"ingest: {count(len(results), 'file')}, {count(loaded, 'report')} loaded, {count(quarantined, 'row')} quarantined"
          + (f", {count(failed, 'file')} failed" if failed else ""))
    if quarantined:
        print("  see why: shaobing quarantine")
    job_result("ingest", files=len(results), loaded=loaded, quarantined=quarantined, failed=failed,
               skipped=sum(r.status == "skipped" for r in results))
    return 1 if failed else 0


QUARANTINE_STATES = {"open": "to mend", "loaded": "mended", "stored": "stored otherwise", "not_report": "not a report"}


def cmd_quarantine(args) -> int:
    from . import warehouse

    where, params = [], []
    if args.batch:
        where.append("q.batch_id = ?")
        params.append(args.batch)
    if args.file:  # a name or a path, as the batch recorded it
        where.append("(qb.file_name = ? or q.file_name = ? or qb.file_name like '%/' || ?)")
        params += [args.file, args.file, args.file]
    with warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
        if (unknown := _unknown_batch(warehouse.batches(con), args.batch, args.file)) is not None:
            print(f"error: {unknown}", file=sys.stderr)
            return 1
        scope = f"{warehouse.quarantine_state(con)} where {' and '.join(where) or 'true'}"
        shown = f"{scope} and {warehouse.QUARANTINE_STATE_COLUMN} = 'open'" if args.open else scope
        states = dict(con.sql(f"select {warehouse.QUARANTINE_STATE_COLUMN} as state, count(*) {scope} group by state",
                              params=params).fetchall())
        rows = con.sql(f"""select q.batch_id, qb.file_name, q.file_name, q.row_number, q."column", q.kind, q.reason,
                                  {warehouse.QUARANTINE_STATE_COLUMN}, later.batch_id, lb.file_name {shown}
                           order by qb.started_at, q.batch_id, q.file_name, q.row_number limit ?""",
                       params=[*params, args.limit]).fetchall()
    total = sum(states.values())
    if not total:
        print("no quarantined rows" + (" for that batch or file" if where else ""))
        return 0
    batch = None
    for batch_id, path, name, n, c, k, reason, state, loaded_by, loaded_from in rows:
        if batch_id != batch:
            print(f"batch {batch_id}: {path or name}")
            batch = batch_id
        mended = f" [mended: loaded by batch {loaded_by} ({loaded_from})]" if state == "loaded" else ""
        print(f"  {name}: row {n}" + (f", column {c}" if c else "") + f": {k}: {reason}{mended}")
    listed = states.get("open", 0) if args.open else total
    if not listed:
        print("no quarantined rows left to mend" + (" in that batch or file" if where else ""))
    elif listed > len(rows):
        print(f"showing {len(rows):,} of {listed:,} {'rows to mend' if args.open else 'quarantined rows'} "
              "(--limit N shows more; --batch, --file narrow it)")
    print(f"{total:,} quarantined: " + ", ".join(f"{states.get(s, 0):,} {what}" for s, what in QUARANTINE_STATES.items())
          + ("" if args.open or not states.get("open") else " (--open lists only the rows to mend)"))
    return 0


def _unknown_batch(batches, batch: str | None, file: str | None) -> str | None:
    """Why --batch or --file names no batch of the warehouse (with the ids or files it holds), or None."""
    recent = batches.head(5).iter_rows(named=True)
    if batch and batch not in batches["batch_id"].to_list():
        return (f"--batch {batch}: no such batch; the latest: "
                + ", ".join(f"{b['batch_id']} ({b['file_name']})" for b in recent) if batches.height else
                f"--batch {batch}: no such batch; nothing has been ingested yet")
    # a file's name or path as its batch recorded it, or a workbook's sheet as quarantine names it (file.xlsx [表1])
    if file and not any(f == file or f.endswith("/" + file) or file.startswith(Path(f).name + " [")
                        for f in batches["file_name"].to_list()):
        return (f"--file {file}: no batch of a file of that name or path; the latest files: "
                + ", ".join(dict.fromkeys(b["file_name"] for b in recent)) if batches.height else
                f"--file {file}: no batch of that file; nothing has been ingested yet")
    return None


def cmd_retrain(args) -> int:
    margin = settings.promote_margin() if args.margin is None else args.margin
    if not 0 <= margin < 1:  # before Prefect starts: refused at once
        print(f"error: --margin {margin}: expected a macro-F1 difference between 0 and 1", file=sys.stderr)
        return 2
    _flows()
    from .retrain import retrain_flow

    prefect_server.ready()
    r = retrain_flow(promote=args.promote, margin=margin)
    if r.get("cold_start"):
        judged = (f"; on those {r['labelled_reports']:,} its macro-F1 is {r['macro_f1']:.3f}"
                  if r["macro_f1"] is not None else "")
        print(f"model {r['version']}: cold start, the taxonomy's lexicons ({', '.join(r['categories'])}) score the "
              f"reports until enough are labelled to train a model (only {r['labelled_reports']:,} are{judged}); "
              "promoted to champion")
        job_result("retrain", version=r["version"], cold_start=True, labelled=r["labelled_reports"])
        return 0
    new, champ, champ_f1 = f"{r['macro_f1']:.3f}", "none", None
    if r["champion_macro_f1"] is not None:
        new, champ = side_by_side(r["macro_f1"], r["champion_macro_f1"])
        champ_f1 = champ.split(" ")[0]  # the champion's figure, at the decimals that tell the two apart
    print(f"model {r['version']}: macro-F1 {new} on {r['test_rows']:,} held-out reports "
          f"(trained on {r['train_rows']:,}); "
          + (f"the champion on the same reports {champ}; " if champ_f1 is not None else
             f"the champion {r['champion_version']} could not be judged (see the warning above); "
             if r.get("champion_version") else "no champion before; ")
          + ("promoted to champion" if r["promoted"] else "kept as challenger"))
    sources = r.get("label_sources", {})
    if sources:
        print(f"  labels: {sources.get('label', 0):,} given by people (imported, corrected or from decisions on alerts), "
              f"{sources.get('source_category', 0):,} from the exports' categories")
    print("  F1 by category: " + ", ".join(f"{k} {v:.2f}" for k, v in r["per_label"].items()))
    if r["brier"]:
        print("  Brier score by category (lower is better): "
              + ", ".join(f"{k} {v:.3f}" for k, v in r["brier"].items()))
    job_result("retrain", version=r["version"], cold_start=False, macro_f1=new,
               champion_macro_f1=champ_f1,
               test_rows=r["test_rows"], train_rows=r["train_rows"], promoted=bool(r["promoted"]))
    return 0


def side_by_side(new: float, champion: float) -> tuple[str, str]:
    """A challenger's and the champion's macro-F1 with the fewest decimals (3 to 6) that tell them
    apart, the champion's with the gap: ("0.8276", "0.8280 (the challenger is 0.0004 lower)"),
    where three decimals read 0.828 and 0.828."""
    for places in range(3, 7):
        a, b = f"{new:.{places}f}", f"{champion:.{places}f}"
        if a != b:
            gap = f"{abs(float(a) - float(b)):.{places}f}"
            return a, f"{b} (the challenger is {gap} {'higher' if new > champion else 'lower'})"
    if new == champion:
        return f"{new:.3f}", f"{champion:.3f} (the same)"
    way = "higher" if new > champion else "lower"
    return f"{new:.3f}", f"{champion:.3f} (the challenger is less than 0.000001 {way})"


def cmd_weekly(args) -> int:
    asked = _date(args.through, "--through") if args.through else None  # before Prefect starts: refused at once
    _flows()
    from .weekly import not_ready, weekly

    if (why := not_ready()) is not None:
        print(f"error: {why}", file=sys.stderr)
        return 1
    through = None
    if asked is not None:
        through = asked - dt.timedelta(days=asked.weekday())
        if through != asked:
            print(f"--through {asked} is a {asked:%A}: only whole weeks are detected, so weeks before {through}",
                  file=sys.stderr)
    prefect_server.ready()
    r = weekly(args.dask)(through)
    print(f"weekly: {count(r['scored'], 'report')} scored by {r['model_version']}; {count(r['weeks'], 'week')} detected, "
          f"{count(r['signals'], 'signal')}, {count(r['new_alerts'], 'new alert')}")
    print(f"warehouse: {r['reports']:,} reports, {r['quarantined']:,} quarantined rows, "
          f"{count(r['alerts'], 'alert')} ({r['open_alerts']} open)")
    print(f"brief: {r['brief']}")
    job_result("weekly", scored=r["scored"], model_version=r["model_version"], weeks=r["weeks"],
               signals=r["signals"], new_alerts=r["new_alerts"], open_alerts=r["open_alerts"])
    return 0


def _date(text: str, option: str) -> dt.date:
    """A date argument as ingest reads a report's day: 2026-03-02, 2026/3/2, 2026.3.2, 2026年3月2日 or 20260302."""
    text = unicodedata.normalize("NFKC", text or "")
    written = (re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", text)
               or re.fullmatch(r"\s*(\d{4})(\d{2})(\d{2})\s*", text))   # 20260302, as ISO's basic form
    try:
        if not written:
            raise ValueError(text)
        return dt.date(*map(int, written.groups()))
    except ValueError:
        raise SystemExit(f"{option} {text!r}: expected a date such as 2026-03-02 (or 2026/3/2, 2026年3月2日)") from None


def cmd_backtest(args) -> int:
    # the arguments are checked before Prefect starts (seconds), so that a typo is refused at once
    start, end = _date(args.date_from, "--from"), _date(args.date_to, "--to")
    if end < start:
        print(f"error: --to {end} is before --from {start}", file=sys.stderr)
        return 2
    if args.events and not Path(args.events).is_file():
        print(f"error: --events {args.events}: no such file", file=sys.stderr)
        return 1
    _flows()
    from .backtest import backtest, event_name

    prefect_server.ready()
    r = backtest(start, end, Path(args.events) if args.events else None)
    per_week = r["new_per_week"]
    median = statistics.median(per_week) if per_week else 0
    print(f"backtest {start} … {end}: {count(r['weeks'], 'week')} replayed from no alerts, {count(r['new_alerts'], 'new alert')} "
          f"(median {median:g} a week, most {max(per_week, default=0)}); nothing was written")
    events = r["events"]
    if events is not None and events.is_empty():
        print("no event of the file falls in the replayed weeks")
    elif events is not None:
        header = ["event", "area_code", "category", "first_week", "peak_week", "first_alert", "lead_weeks", "in_first_week", "by"]
        table = [[str(v) if v is not None else "—" for v in row] for row in events.select(header).iter_rows()]
        widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(header)]
        for line in [header, *table]:
            print("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip())
        caught = events["first_alert"].is_not_null().sum()
        print(f"{caught}/{events.height} events alerted; {events['in_first_week'].sum()} in their first week")
    if r["outside"] is not None and not r["outside"].is_empty():
        outside = r["outside"]
        print(f"{count(outside.height, 'event')} outside the window, not scored: "
              + ", ".join(f"{event_name(ev)} ({ev['first_week']} … {ev['last_week']})"
                          for ev in outside.iter_rows(named=True)))
    return 0


def cmd_status(args) -> int:
    from . import warehouse

    with warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
        s = warehouse.summary(con)
    print(f"rows in {s['rows_in']:,} = {s['reports']:,} loaded + {s['quarantined']:,} quarantined; "
          f"{s['alerts']} alerts raised, {s['open_alerts']} open")
    if s["quarantine_open"]:
        print(f"quarantine: {s['quarantine_open']:,} of its rows still to mend (shaobing quarantine --open)")
    return 0


def cmd_evaluate(args) -> int:
    from .evaluate import evaluate

    result = evaluate(Path(args.test), Path(args.train) if args.train else None, args.model)
    for warning in result["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print(f"{'label':<22}{'support':>8}{'precision':>11}{'recall':>8}{'F1':>8}")
    for label, m in result["labels"].items():
        print(f"{label:<22}{m['support']:>8}{m['precision']:>11.3f}{m['recall']:>8.3f}{m['f1']:>8.3f}")
    left_out = [lab for lab in result["labels"] if lab not in result["macro_labels"]]
    print(f"macro-F1 {result['macro_f1']:.3f}   micro-F1 {result['micro_f1']:.3f}   n {result['n']}   ({result['model']})"
          + (f"\nmacro-F1 leaves out {', '.join(left_out)}: never in the test file and never predicted" if left_out else ""))
    return 0


def cmd_labels_import(args) -> int:
    from .labels import import_labels

    n, problems = import_labels(Path(args.file), args.who)
    if not n and len(problems) == 1:  # one line says it all (a file that cannot be read, one bad row)
        print(f"error: {problems[0]}; nothing imported", file=sys.stderr)
        return 1
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    print(f"{count(n, 'label')} imported from {args.file}"
          + (f"; {count(len(problems), 'row')} rejected" if problems else ""))
    return 1 if problems and not n else 0


def cmd_labels_export(args) -> int:
    from .labels import export_labels

    try:
        n = export_labels(Path(args.file), everything=args.all)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{count(n, 'labelled report')} written to {args.file}")
    return 0


def cmd_models(args) -> int:
    from . import warehouse

    if args.action == "list":
        with warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
            versions = warehouse.model_versions(con)
        for v in versions.iter_rows(named=True):
            m = json.loads(v["metrics"] or "{}")
            print(f"{v['version']}  {v['status']:<10} macro-F1 {m.get('macro_f1', float('nan')):.3f}  "
                  f"rows {v['train_rows']:,}  data {v['train_hash']}  code {v['code_version']}  {v['created_at']:%Y-%m-%d %H:%M}")
        return 0
    from .registry import ModelFileError, load

    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        versions = warehouse.model_versions(con)
        if args.action == "promote":
            target = args.version
        else:
            older = versions.filter(versions["status"] == "retired")
            if older.is_empty():
                print("error: no earlier champion to roll back to", file=sys.stderr)
                return 1
            target = older["version"][0]
        row = versions.filter(versions["version"] == target)
        if row.is_empty():
            print(f"error: no model version {target!r} (see `shaobing models list`)", file=sys.stderr)
            return 1
        try:
            load(row["path"][0])
        except ModelFileError as exc:
            print(f"error: {exc}; the champion is unchanged", file=sys.stderr)
            return 1
        warehouse.set_champion(con, target)
    warehouse.publish_snapshot(settings.warehouse_path(), settings.snapshot_path())
    print(f"{target} is now the champion")
    job_result(args.action, version=target)
    return 0


def cmd_serve(args) -> int:
    _flows(server=False)  # serve starts a lasting server with its UI, or uses the one configured
    from .deployments import serve

    serve()
    return 0


def cmd_board(args) -> int:
    os.execvp(sys.executable, [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboards" / "app.py"),
                               "--server.port", str(args.port), "--server.headless", "true",
                               "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"])


def cmd_users(args) -> int:
    import getpass

    from . import reviews, users

    who = f"cli:{getpass.getuser()}"
    try:
        if args.action == "list":
            for u in users.list_users():
                print(f"{u.username:<28}{u.role:<12}{u.name}" + ("  (OIDC)" if u.oidc else ""))
            return 0
        if args.action == "remove":
            users.remove(args.username)
            reviews.audit(who, None, "user.remove", args.username)
            print(f"user {args.username} removed")
            return 0
        if args.action == "demo":
            print("demo users (passwords are new on every run):")
            for name, (role, password) in users.reset_demo_users().items():
                reviews.audit(who, None, "user.add", name, {"role": role, "demo": True})
                print(f"  {name:<14} {role:<11} {password}")
            return 0
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
        generated = users.add(args.username, args.role, password, args.name, replace=args.replace, oidc=args.oidc)
    except users.UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    reviews.audit(who, None, "user.add", args.username, {"role": args.role, "oidc": args.oidc, "replace": args.replace})
    print(f"user {args.username} ({args.role}) " + ("replaced" if args.replace else "added")
          + (f"; password: {generated}  (shown once: pass it on safely)" if generated else ""))
    return 0


def cmd_settings(args) -> int:
    for s in settings.SETTINGS:
        print(f"{s.name}={settings.get(s.name)!s:<16}  {s.help}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="shaobing", description="哨兵 Shaobing: weak-signal early warning")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample", help="write the seeded synthetic sample data")
    s.add_argument("--out", default=str(ROOT / "data" / "sample"),
                   help="folder to write it to (default: the committed sample, data/sample)")
    s.add_argument("--reports", type=int, default=None, help="total reports (default: the committed sample's size)")
    s.add_argument("--seed", type=int, default=20261128,
                   help="seed of the generator: the same seed and size write the same bytes (default %(default)s)")
    s.set_defaults(run=cmd_sample)
    a = sub.add_parser("areas", help="the gazetteer of areas")
    asub = a.add_subparsers(dest="action", required=True)
    ai = asub.add_parser("import", help="load an areas CSV (area_code,name,level,parent_code,lat,lon)")
    ai.add_argument("file", help="CSV with a header: area_code,name,level,parent_code,lat,lon "
                    "(e.g. data/sample/areas.csv)")
    ai.set_defaults(run=cmd_areas_import)
    i = sub.add_parser("ingest", help="load hotline, petition and grid export files into the warehouse",
                       description="Load 12345 hotline work orders, petitions (信访) and grid events (网格事件), "
                       "one batch per file. Formats, by the file's extension: CSV (.csv, .txt); Excel workbooks .xlsx, .xlsm, "
                       ".xls, .xlsb and OpenDocument .ods (every visible sheet); JSON Lines or JSON (.jsonl, .ndjson, "
                       ".json). Text files in UTF-8 (with or without BOM) or GB18030; others such as Big5 are "
                       "detected. The channel is recognised from the columns. "
                       "Bad rows are quarantined (see `shaobing quarantine`); a file that cannot be read is "
                       "reported in one line and nothing of it is stored.")
    i.add_argument("files", nargs="+", type=Path, metavar="FILE",
                   help="export files, e.g. hotline.csv petitions.xlsx grid.jsonl")
    i.set_defaults(run=cmd_ingest)
    q = sub.add_parser("quarantine", help="list quarantined rows and why")
    q.add_argument("--limit", type=int, default=100, help="most rows to list (default %(default)s)")
    q.add_argument("--batch", help="only this batch (its id, as ingest and the board show it)")
    q.add_argument("--file", help="only the batches of this file (its name or path)")
    q.add_argument("--open", action="store_true",
                   help="only the rows still to mend: not loaded since by a later batch (a mended copy of the "
                        "row with the same id), nor a copy of a stored record, nor a totals line")
    q.set_defaults(run=cmd_quarantine)
    r = sub.add_parser("retrain", help="train a challenger and promote it if not worse")
    r.add_argument("--margin", type=float, default=None,
                   help="promote when macro-F1 >= the champion's minus this (default SHAOBING_PROMOTE_MARGIN, 0)")
    r.add_argument("--no-promote", dest="promote", action="store_false",
                   help="record the challenger only; promote it later with `shaobing models promote`")
    r.set_defaults(run=cmd_retrain)
    w = sub.add_parser("weekly", help="score, detect and brief every week up to --through")
    w.add_argument("--through", help="process weeks before this date (YYYY-MM-DD); default: the last whole week")
    w.add_argument("--dask", metavar="ADDRESS", help="score on the Dask cluster whose scheduler is at ADDRESS "
                   "(tcp://host:8786; default: SHAOBING_DASK_ADDRESS, else local processes)")
    w.set_defaults(run=cmd_weekly)
    b = sub.add_parser("backtest", help="replay detection week by week as it would have run then; time listed events")
    b.add_argument("--from", dest="date_from", required=True, help="first week to replay (YYYY-MM-DD)")
    b.add_argument("--to", dest="date_to", required=True, help="last week to replay (YYYY-MM-DD)")
    b.add_argument("--events", help="CSV of events: area_code, category, first_week, last_week (e.g. planted_hotspots.csv)")
    b.set_defaults(run=cmd_backtest)
    sub.add_parser("status", help="rows, quarantine and alerts in the warehouse").set_defaults(run=cmd_status)
    e = sub.add_parser("evaluate", help="how the engine does on your labelled data")
    e.add_argument("--train", help="labelled CSV to train on (text plus label or labels)")
    e.add_argument("--model", help="judge a stored model instead: champion or a version")
    e.add_argument("--test", required=True, help="labelled CSV to judge on")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.set_defaults(run=cmd_evaluate)
    lb = sub.add_parser("labels", help="label corrections")
    lsub = lb.add_subparsers(dest="action", required=True)
    li = lsub.add_parser("import", help="load a CSV of report_id (or text) and labels")
    li.add_argument("file", help="CSV with report_id (or text) and labels (';'-joined category keys, or none)")
    li.add_argument("--who", default=os.environ.get("USER", "data_staff"),
                    help="who labelled them, kept with each label (default: $USER)")
    li.set_defaults(run=cmd_labels_import)
    le = lsub.add_parser("export", help="write the stored reports' labels to a CSV (to check, correct and import "
                                        "again, or to evaluate a model on)")
    le.add_argument("file", help="the CSV to write (UTF-8 with a BOM, for Excel)")
    le.add_argument("--all", action="store_true",
                    help="also the reports whose labels are only inferred from their export's category")
    le.set_defaults(run=cmd_labels_export)
    m = sub.add_parser("models", help="model versions: list them, promote one, roll back")
    msub = m.add_subparsers(dest="action", required=True)
    msub.add_parser("list", help="versions with status, macro-F1, training rows, data hash and code version") \
        .set_defaults(run=cmd_models)
    mp = msub.add_parser("promote", help="make a version the champion that scores the reports")
    mp.add_argument("version", help="a version as `shaobing models list` shows it, e.g. m20261204-233532")
    mp.set_defaults(run=cmd_models)
    msub.add_parser("rollback", help="make the previous champion the champion again").set_defaults(run=cmd_models)
    sub.add_parser("serve", help="serve the weekly flow on its schedule through Prefect").set_defaults(run=cmd_serve)
    b = sub.add_parser("board", help="serve the Streamlit board")
    b.add_argument("--port", type=int, default=8501, help="port to serve it on (default %(default)s)")
    b.set_defaults(run=cmd_board)
    sub.add_parser("settings", help="list the settings and their values").set_defaults(run=cmd_settings)
    us = sub.add_parser("users", help="who may sign in to the board, and in which role")
    usub = us.add_subparsers(dest="action", required=True)
    ua = usub.add_parser("add", help="add a user (a password is generated unless --password-stdin)")
    ua.add_argument("username", help="the name to sign in with (with --oidc: the e-mail the provider vouches for)")
    ua.add_argument("--role", required=True, choices=["leader", "analyst", "data_staff", "admin"],
                    help="which pages they see: leader, analyst, data_staff or admin")
    ua.add_argument("--name", help="display name, e.g. 张三")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    ua.add_argument("--oidc", action="store_true", help="no password: the user signs in through the OIDC provider (username = e-mail)")
    ua.add_argument("--replace", action="store_true", help="reset an existing user's role and password")
    ua.set_defaults(run=cmd_users)
    ur = usub.add_parser("remove", help="remove a user (their open board sessions end at their next click)")
    ur.add_argument("username", help="the user's sign-in name, as `shaobing users list` shows it")
    ur.set_defaults(run=cmd_users)
    usub.add_parser("list", help="users and roles").set_defaults(run=cmd_users)
    usub.add_parser("demo", help="(re)create one demo user per role and print their new passwords").set_defaults(run=cmd_users)
    return p


STOP_GRACE = 20.0  # seconds a terminated run may take to stop cleanly before it is made to


def _terminated(signum, frame):
    # `kill PID` ends a run as Ctrl-C does: open transactions roll back and Prefect's temporary
    # server is stopped by its exit hook (Python's own way of dying on SIGTERM skips both)
    settings.mark_stopping()
    _watchdog()
    raise KeyboardInterrupt


def _watchdog() -> None:
    """If the run has not stopped STOP_GRACE seconds after SIGTERM, end it the hard way.

    The KeyboardInterrupt lands wherever the main thread is, now and then inside a library's
    machinery (one of Prefect's client calls, holding a lock its exit hook then waits for): the run
    could hang instead of stopping. Ending the process then is as safe as ``kill -9``, which the
    fault tests check: every transaction is whole or absent, a rerun completes the work."""
    if getattr(_watchdog, "timer", None) is None:
        _watchdog.timer = threading.Timer(STOP_GRACE, _hard_stop)
        _watchdog.timer.daemon = True
        _watchdog.timer.start()


def _hard_stop() -> None:
    for pid in _child_processes():  # e.g. Prefect's temporary server, which the exit hook would stop
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    print(f"did not stop within {STOP_GRACE:.0f} s of the signal: forced to stop; interrupted",
          file=sys.stderr, flush=True)
    os._exit(130)


def _child_processes() -> list[int]:
    """This process's children (Linux /proc; none found elsewhere)."""
    me, found = os.getpid(), []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == me:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "evaluate" and not (args.train or args.model):
        parser().error("evaluate needs --train FILE or --model champion|VERSION")
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if in_main else None
    settings.clear_stopping()
    try:
        return args.run(args) or 0
    except BaseException as exc:
        # Ctrl-C or `kill PID`, whatever exception it came out as (Prefect may turn it into another)
        if isinstance(exc, KeyboardInterrupt) or settings.stopping():
            settings.mark_stopping()
            print("interrupted", file=sys.stderr)
            return 130
        if isinstance(exc, SystemExit) and isinstance(exc.code, str):
            print(f"error: {exc.code}", file=sys.stderr)
            return 1
        from .warehouse import NoWarehouse

        if isinstance(exc, NoWarehouse):
            print(f"error: {exc}", file=sys.stderr)
            return 1
        # a full disk or a file we may not write: one line
        problem = settings.storage_problem(exc) if isinstance(exc, Exception) else None
        if problem is None:
            raise
        print(f"error: {problem}", file=sys.stderr)
        return 1
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
