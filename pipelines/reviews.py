"""What people decide on the board: reviews of alerts, label corrections, jobs and the audit log.

They live in ``$SHAOBING_HOME/reviews.sqlite``, not in the warehouse: DuckDB allows one writing
process and a flow holds the warehouse for minutes, so the board must never wait for it nor make a
flow wait. SQLite in WAL mode lets the board (and any number of board processes) write short,
retried transactions while anyone reads. The board shows a decision at once by laying the reviews
not yet folded over the snapshot; the flows fold them into the warehouse (``fold_into``, one
transaction with a watermark, so a review is folded exactly once and never lost).

The audit log is append-only (triggers refuse updates and deletes): who, what, when, on what.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import sqlite3
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import polars as pl

from models.alerts import CLOSED_STATUSES, OPEN_STATUSES, STATUS_NAMES
from . import settings, warehouse
from .taxonomy import taxonomy

SCHEMA = """
create table if not exists reviews (
    review_id integer primary key autoincrement, alert_id text not null, action text not null,
    status_before text not null, status_after text not null, category text, note text not null default '',
    reason text, merge_into text, department text, due_date text,
    reviewer text not null, role text not null, created_at text not null);
create index if not exists reviews_by_alert on reviews (alert_id, review_id);
create table if not exists label_corrections (
    correction_id integer primary key autoincrement, report_id text not null, labels text not null,
    note text not null default '', labelled_by text not null, created_at text not null);
create table if not exists audit (
    audit_id integer primary key autoincrement, at text not null, username text not null, role text,
    action text not null, target text, detail text);
create index if not exists audit_by_user on audit (username, action, at);
create trigger if not exists audit_is_append_only_u before update on audit
    begin select raise(abort, 'the audit log is append-only'); end;
create trigger if not exists audit_is_append_only_d before delete on audit
    begin select raise(abort, 'the audit log is append-only'); end;
create table if not exists jobs (
    job_id integer primary key autoincrement, kind text not null, argv text not null,
    started_by text not null, role text, created_at text not null, state text not null,
    pid integer, started_at text, finished_at text, returncode integer, log_path text);
create table if not exists sign_ins (
    token_sha256 text primary key, username text not null, role text not null, credential text not null,
    created_at real not null, expires_at real not null, ended_at real);
"""
# A merged alert is closed: its reports now count for the alert it was merged into.
STATUS_NAMES = {**STATUS_NAMES, "merged": "已合并"}
OPEN = tuple(OPEN_STATUSES)
CLOSED = tuple(CLOSED_STATUSES) + ("merged",)


@dataclass(frozen=True)
class Action:
    key: str
    name: str
    to: str | None          # None: the status stays (a note)
    allowed_from: tuple[str, ...]


ACTIONS = {a.key: a for a in (
    Action("review", "开始研判", "reviewing", ("new",)),
    Action("confirm", "确认预警", "confirmed", ("new", "reviewing")),
    Action("dismiss", "排除", "dismissed", ("new", "reviewing", "confirmed")),
    Action("merge", "合并到其他预警", "merged", ("new", "reviewing", "confirmed")),
    Action("dispatch", "分流交办", "dispatched", ("new", "reviewing", "confirmed", "dispatched")),
    Action("resolve", "办结", "resolved", ("confirmed", "dispatched")),
    Action("reopen", "重新打开", "reviewing", ("dismissed", "resolved", "merged", "expired")),
    Action("note", "添加备注", None, OPEN + CLOSED),
)}
# Why an alert is dismissed. Only "misclassified" says the reports are not of the category (a
# negative label); the others say the reports are real but need no action.
DISMISS_REASONS = {
    "misclassified": "诉求不属于该风险类别（模型误判）",
    "normal": "属正常波动或季节性变化",
    "duplicate": "与其他预警重复",
    "handled": "属地已掌握并在处置",
    "insufficient": "证据不足，继续观察",
    "other": "其他（见备注）",
}
DEPARTMENTS = ("属地乡镇（街道）", "人社局（劳动保障监察）", "住建局", "司法局（人民调解）", "地方金融管理部门",
               "公安局", "市场监管局", "信访局", "民政局", "自然资源局", "妇联")
_NOTE_REQUIRED = {"resolve", "reopen", "note"}
RETRIES = 8


class ReviewError(ValueError):
    """A decision that cannot be recorded as asked; the message (Chinese) says why."""


class ConflictError(ReviewError):
    """Someone else changed the alert since the page showed it."""


def db_path() -> Path:
    return settings.home() / "reviews.sqlite"


def _now() -> str:
    return settings.now().isoformat(sep=" ", timespec="seconds")


_ready: set[str] = set()


def _connect() -> sqlite3.Connection:
    path = db_path()
    if not path.exists():  # notes and the audit log are for the board's users only
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    con = sqlite3.connect(path, timeout=10, isolation_level=None)  # transactions are begun explicitly
    con.row_factory = sqlite3.Row
    con.execute("pragma busy_timeout = 10000")
    con.execute("pragma synchronous = full")  # a recorded decision survives a power cut
    if str(path) not in _ready:
        con.execute("pragma journal_mode = wal")  # readers never block the writer, nor it them
        con.executescript(SCHEMA)
        _ready.add(str(path))
    return con


@contextmanager
def _writing() -> Iterator[sqlite3.Connection]:
    """One short write transaction, retried (with backoff) while another process holds the lock."""
    delay = 0.05
    for attempt in range(RETRIES):
        con = _connect()
        try:
            con.execute("begin immediate")
            break
        except sqlite3.OperationalError as exc:
            con.close()
            if "locked" not in str(exc) and "busy" not in str(exc) or attempt == RETRIES - 1:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    try:
        yield con
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.close()


def _frame(sql: str, params: tuple = (), schema: dict | None = None) -> pl.DataFrame:
    if not db_path().exists():
        return pl.DataFrame(schema=schema)
    con = _connect()
    try:
        cur = con.execute(sql, params)
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema or cols, orient="row")


def _audit(con: sqlite3.Connection, user: str, role: str | None, action: str, target: str | None,
           detail: dict | None) -> None:
    con.execute("insert into audit (at, username, role, action, target, detail) values (?, ?, ?, ?, ?, ?)",
                [_now(), user, role, action, target, json.dumps(detail or {}, ensure_ascii=False, default=str)])


def audit(user: str, role: str | None, action: str, target: str | None = None, detail: dict | None = None) -> None:
    """Append one line to the audit log: who, in what role, did what, to what, when."""
    with _writing() as con:
        _audit(con, user, role, action, target, detail)


AUDIT_SCHEMA = {"audit_id": pl.Int64, "at": pl.String, "username": pl.String, "role": pl.String,
                "action": pl.String, "target": pl.String, "detail": pl.String}


def audit_log(limit: int = 500, username: str | None = None, action: str | None = None) -> pl.DataFrame:
    """The latest audit lines, newest first, optionally of one user or one kind of action."""
    return _frame("""select * from audit where (? is null or username = ?) and (? is null or action = ?)
                     order by audit_id desc limit ?""", (username, username, action, action, limit), AUDIT_SCHEMA)


def recent_failures(username: str, minutes: int) -> int:
    """Failed sign-ins of a user name in the last minutes (the board locks the name after a few)."""
    since = (settings.now() - dt.timedelta(minutes=minutes)).isoformat(sep=" ", timespec="seconds")
    out = _frame("""select count(*) n from audit where username = ? and action = 'sign_in_failed' and at >= ?
                    and audit_id > coalesce((select max(audit_id) from audit where username = ? and action = 'sign_in'), 0)""",
                 (username, since, username))
    return int(out["n"][0]) if out.height else 0


# ---------------------------------------------------------------- remembered sign-ins
# A browser that signed in keeps a random token in a cookie, so that a reload or a new tab finds its
# user again; only the token's SHA-256 is stored, so this file alone signs no one in. A sign-in ends
# at its deadline, at sign-out (``end_sign_in``) or when the user's credential changes (a password
# reset, a role change: the board checks ``credential`` against the users file on every resumption).
@dataclass(frozen=True)
class SignIn:
    username: str
    role: str
    credential: str
    created_at: float


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_sign_in(username: str, role: str, credential: str, hours: float) -> str:
    """A new sign-in of ``hours`` from now; returns its token (for the browser's cookie only)."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    with _writing() as con:
        con.execute("delete from sign_ins where expires_at < ?", [now - 86400])  # ended over a day ago
        con.execute("insert into sign_ins (token_sha256, username, role, credential, created_at, expires_at) "
                    "values (?, ?, ?, ?, ?, ?)", [_token_hash(token), username, role, credential, now, now + hours * 3600])
    return token


def resume_sign_in(token: str | None) -> SignIn | None:
    """The sign-in a browser's token stands for, if it has neither ended nor passed its deadline."""
    if not token or not db_path().exists():
        return None
    con = _connect()
    try:
        row = con.execute("select * from sign_ins where token_sha256 = ? and ended_at is null and expires_at > ?",
                          [_token_hash(token), time.time()]).fetchone()
    finally:
        con.close()
    return SignIn(row["username"], row["role"], row["credential"], row["created_at"]) if row else None


def end_sign_in(token: str | None) -> None:
    """End a sign-in (sign-out, expiry, a removed user): its token no longer resumes anything."""
    if token:
        with _writing() as con:
            con.execute("update sign_ins set ended_at = ? where token_sha256 = ? and ended_at is null",
                        [time.time(), _token_hash(token)])


# ---------------------------------------------------------------- reviews
REVIEW_SCHEMA = {"review_id": pl.Int64, "alert_id": pl.String, "action": pl.String, "status_before": pl.String,
                 "status_after": pl.String, "category": pl.String, "note": pl.String, "reason": pl.String,
                 "merge_into": pl.String, "department": pl.String, "due_date": pl.String, "reviewer": pl.String,
                 "role": pl.String, "created_at": pl.String}


def _current(con: sqlite3.Connection, alert_id: str, watermark: int, base_status: str) -> tuple[str, sqlite3.Row | None]:
    """An alert's status now: its latest review not yet folded into the snapshot, else the snapshot's."""
    row = con.execute("select * from reviews where alert_id = ? and review_id > ? order by review_id desc limit 1",
                      [alert_id, watermark]).fetchone()
    return (row["status_after"], row) if row else (base_status, None)


def record_review(alert_id: str, action: str, *, user: str, role: str, seen_status: str, base_status: str,
                  watermark: int = 0, category: str | None = None, note: str = "", reason: str | None = None,
                  merge_into: str | None = None, merge_base_status: str | None = None,
                  department: str | None = None, due_date: dt.date | None = None,
                  open_on_key: dict[str, str] | None = None) -> int:
    """Record one decision on an alert (and its audit line) in one transaction; return its id.

    ``seen_status`` is the status the page showed: if someone changed the alert since, nothing is
    recorded and ConflictError says who. ``base_status`` is the snapshot's status and ``watermark``
    the last review folded into that snapshot. ``open_on_key``: the other alerts on the same key
    that the snapshot holds open, with their snapshot status (``board.open_on_key``): an alert is
    not reopened while one of them is still open (a key has one open alert, which the weekly run
    updates), and the message names it.
    """
    act = ACTIONS.get(action)
    if act is None:
        raise ReviewError(f"未知操作：{action}")
    note = (note or "").strip()
    _validate(act, alert_id, note, reason, merge_into, department, due_date)
    with _writing() as con:
        current, last = _current(con, alert_id, watermark, base_status)
        if current != seen_status:
            who = f"{last['reviewer']} 于 {last['created_at']} " if last is not None else ""
            raise ConflictError(f"该预警已被{who}改为「{STATUS_NAMES.get(current, current)}」，请刷新后再操作。")
        if current not in act.allowed_from:
            raise ReviewError(f"「{STATUS_NAMES.get(current, current)}」状态的预警不能{act.name}。")
        if action == "reopen":
            for other, other_base in (open_on_key or {}).items():
                now_status, _ = _current(con, other, watermark, other_base)
                if now_status in OPEN:
                    raise ReviewError(f"同一地区（地点）同一类别已有未结预警 {other}（{STATUS_NAMES.get(now_status, now_status)}），"
                                      "不能再打开本预警：请在该预警上继续研判。")
        if action == "merge":
            target, _ = _current(con, merge_into, watermark, merge_base_status or "")
            if target not in OPEN:
                raise ReviewError(f"只能合并到未结的预警，目标预警为「{STATUS_NAMES.get(target, target or '未知')}」。")
        cur = con.execute(
            """insert into reviews (alert_id, action, status_before, status_after, category, note, reason, merge_into,
                                    department, due_date, reviewer, role, created_at)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [alert_id, action, current, act.to or current, category, note, reason, merge_into, department,
             due_date.isoformat() if due_date else None, user, role, _now()])
        _audit(con, user, role, f"review.{action}", alert_id,
               {k: v for k, v in {"from": current, "to": act.to or current, "note": note, "reason": reason,
                                  "merge_into": merge_into, "department": department, "due_date": due_date}.items() if v})
        return int(cur.lastrowid)


def _validate(act: Action, alert_id: str, note: str, reason, merge_into, department, due_date) -> None:
    if len(note) > 2000:
        raise ReviewError("备注不能超过 2000 字。")
    if act.key in _NOTE_REQUIRED and not note:
        raise ReviewError(f"{act.name}需要填写备注。")
    if act.key == "dismiss":
        if reason not in DISMISS_REASONS:
            raise ReviewError("排除预警需要选择排除原因。")
        if reason == "other" and not note:
            raise ReviewError("排除原因为「其他」时需要填写备注。")
    if act.key == "merge" and (not merge_into or merge_into == alert_id):
        raise ReviewError("请选择要合并到的另一条预警。")
    if act.key == "dispatch":
        if not (department or "").strip():
            raise ReviewError("分流交办需要填写承办部门。")
        if due_date is None or due_date < settings.now().date():
            raise ReviewError("分流交办需要不早于今天的办理期限。")


def history(alert_id: str) -> pl.DataFrame:
    """Every decision on an alert, and on alerts merged into it, oldest first."""
    return _frame("select * from reviews where alert_id = ? or merge_into = ? order by review_id",
                  (alert_id, alert_id), REVIEW_SCHEMA)


def pending(watermark: int) -> pl.DataFrame:
    """Each alert's latest review after the watermark: what the board lays over the snapshot."""
    return _frame("""select alert_id, status_after as status, created_at as changed_at, reviewer, review_id
                     from reviews r where review_id > ? and review_id = (
                         select max(review_id) from reviews x where x.alert_id = r.alert_id)""", (watermark,),
                  {"alert_id": pl.String, "status": pl.String, "changed_at": pl.String, "reviewer": pl.String,
                   "review_id": pl.Int64}).with_columns(pl.col("changed_at").str.to_datetime())


def decisions() -> pl.DataFrame:
    """Each alert's latest status-changing review (for the brief and the queue): who, when, what, note."""
    return _frame("""select alert_id, action, status_after, reason, note, merge_into, department, due_date,
                            reviewer, created_at from reviews r where review_id = (
                         select max(review_id) from reviews x where x.alert_id = r.alert_id and x.action != 'note')""",
                  schema={"alert_id": pl.String, "action": pl.String, "status_after": pl.String, "reason": pl.String,
                          "note": pl.String, "merge_into": pl.String, "department": pl.String,
                          "due_date": pl.String, "reviewer": pl.String, "created_at": pl.String})


def merged_into(watermark: int = 0) -> dict[str, list[str]]:
    """Target alert → alerts merged into it (after the watermark: earlier merges are in the snapshot)."""
    rows = _frame("""select merge_into, alert_id from reviews r where action = 'merge' and review_id > ?
                     and review_id = (select max(review_id) from reviews x where x.alert_id = r.alert_id)""",
                  (watermark,), {"merge_into": pl.String, "alert_id": pl.String})
    out: dict[str, list[str]] = {}
    for target, source in rows.iter_rows():
        out.setdefault(target, []).append(source)
    return out


def version() -> tuple[int, int]:
    """(last review id, last correction id): changes whenever someone decides something."""
    if not db_path().exists():
        return 0, 0
    con = _connect()
    try:
        return tuple(con.execute("""select coalesce((select max(review_id) from reviews), 0),
                                     coalesce((select max(correction_id) from label_corrections), 0)""").fetchone())
    finally:
        con.close()


# ---------------------------------------------------------------- label corrections
CORRECTION_SCHEMA = {"correction_id": pl.Int64, "report_id": pl.String, "labels": pl.String, "note": pl.String,
                     "labelled_by": pl.String, "created_at": pl.String}


def record_correction(report_id: str, labels: list[str], *, user: str, role: str, note: str = "") -> int:
    """A data staff member's labels for one report ([] = none of the categories)."""
    known = taxonomy().keys
    unknown = [x for x in labels if x not in known]
    if unknown:
        raise ReviewError(f"未知的风险类别：{unknown}")
    labels = [k for k in known if k in labels]
    with _writing() as con:
        cur = con.execute("insert into label_corrections (report_id, labels, note, labelled_by, created_at) "
                          "values (?, ?, ?, ?, ?)", [report_id, json.dumps(labels), (note or "").strip(), user, _now()])
        _audit(con, user, role, "label.correct", report_id, {"labels": labels, "note": note})
        return int(cur.lastrowid)


def corrections(after: int = 0) -> pl.DataFrame:
    return _frame("select * from label_corrections where correction_id > ? order by correction_id", (after,),
                  CORRECTION_SCHEMA)


# ---------------------------------------------------------------- folding into the warehouse
POSITIVE = {"confirm", "dispatch", "resolve"}  # a dispatched or resolved alert was confirmed first


def fold_into(con) -> dict:
    """Fold the board's reviews and label corrections made since the last fold into the warehouse.

    Call it first thing in a flow, on the flow's own warehouse connection. Everything moves in one
    warehouse transaction with the watermark: a crash folds nothing (the next run folds it all) and
    nothing is folded twice. Confirmed (dispatched, resolved) alerts label their reports with the category;
    alerts dismissed as misclassified label them without it; corrections label single reports.
    """
    if not db_path().exists():
        return {"reviews": 0, "corrections": 0, "labels": 0}
    marks = warehouse.review_watermarks(con)
    try:
        new_reviews = _frame("select * from reviews where review_id > ? order by review_id", (marks["reviews"],),
                             REVIEW_SCHEMA)
        new_corrections = corrections(marks["label_corrections"])
    except sqlite3.Error as exc:
        # The flow goes on without them: they stay in the store and the next run folds them.
        print(f"warning: board decisions not folded in this run ({db_path()}: {exc})", file=sys.stderr)
        return {"reviews": 0, "corrections": 0, "labels": 0}
    if new_reviews.is_empty() and new_corrections.is_empty():
        return {"reviews": 0, "corrections": 0, "labels": 0}
    labels = pl.concat([_review_labels(con, new_reviews), _correction_labels(new_corrections)])
    warehouse.fold_reviews(con, _typed(new_reviews), labels,
                           new_reviews["review_id"].max() if new_reviews.height else None,
                           new_corrections["correction_id"].max() if new_corrections.height else None)
    return {"reviews": new_reviews.height, "corrections": new_corrections.height, "labels": labels.height}


LABEL_SCHEMA = {"report_id": pl.String, "labels": pl.List(pl.String), "source": pl.String,
                "labelled_by": pl.String, "labelled_at": pl.Datetime("us")}


def _typed(reviews: pl.DataFrame) -> pl.DataFrame:
    return reviews.with_columns(pl.col("due_date").str.to_date(), pl.col("created_at").str.to_datetime())


def _is_evidence(frame: pl.DataFrame) -> pl.DataFrame:
    """Decisions that say what an alert's reports are: confirmed, or dismissed as misclassified."""
    return frame.filter(pl.col("action").is_in(POSITIVE) | ((pl.col("action") == "dismiss")
                                                           & (pl.col("reason") == "misclassified")))


def _latest_decisions(alert_ids, upto: int) -> pl.DataFrame:
    """Each alert's latest decision (notes aside) up to review ``upto``, folded before or now."""
    ids = sorted(alert_ids)
    if not ids:
        return pl.DataFrame(schema=REVIEW_SCHEMA)
    marks = ",".join("?" * len(ids))
    return _frame(f"""select * from reviews r where alert_id in ({marks}) and review_id = (
                          select max(review_id) from reviews x where x.alert_id = r.alert_id and x.action != 'note'
                          and x.review_id <= ?)""", (*ids, upto), REVIEW_SCHEMA)


def _review_labels(con, reviews: pl.DataFrame) -> pl.DataFrame:
    """Labels that decisions imply for their alerts' reports: each alert's latest decision counts
    (a confirmation later reopened or merged away says nothing). An alert merged into a decided one
    since the last fold lends it its reports, as the board showed them under it: the fold links them
    to the target only now (``warehouse.fold_reviews``), so they take the target's decision here —
    the target's decision of this fold, or (merged into an alert decided before) its standing one,
    labelled by whoever merged, when they merged."""
    latest = reviews.filter(pl.col("action") != "note").unique("alert_id", keep="last", maintain_order=True)
    by_alert = {r["alert_id"]: r for r in _is_evidence(latest).iter_rows(named=True)}
    merges = {r["alert_id"]: r for r in latest.iter_rows(named=True) if r["action"] == "merge" and r["merge_into"]}
    ends = {}
    for alert in merges:
        target, seen = alert, set()
        while target in merges and target not in seen:  # a1 → a2 → a3 in one fold: a1 lends a3 its reports
            seen.add(target)
            target = merges[target]["merge_into"]
        ends[alert] = target
    try:   # (only what this fold folds: a decision recorded meanwhile waits for the next fold)
        earlier = _latest_decisions({t for t in ends.values() if t not in by_alert and t not in merges},
                                    upto=int(reviews["review_id"].max() or 0))
    except sqlite3.Error as exc:   # the labels of these merges wait for a later fold; the rest goes on
        print(f"warning: merged alerts' standing decisions not read in this run ({exc})", file=sys.stderr)
        earlier = pl.DataFrame(schema=REVIEW_SCHEMA)
    standing = {r["alert_id"]: r for r in _is_evidence(earlier).iter_rows(named=True)}
    if not by_alert and not standing:
        return pl.DataFrame(schema=LABEL_SCHEMA)
    decided_by = {a: (a, r) for a, r in by_alert.items()}
    for alert, target in ends.items():
        if target in by_alert:
            decided_by[alert] = (target, by_alert[target])
        elif target in standing:
            merge = merges[alert]
            decided_by[alert] = (target, {**standing[target], "reviewer": merge["reviewer"],
                                          "created_at": merge["created_at"]})
    basis = warehouse.report_label_basis(con, list(decided_by))
    category_of = dict(zip(basis["alert_id"], basis["category"]))
    tax = taxonomy()
    # Every decision that bears on a report, once per deciding alert (a report of the target and of
    # an alert merged into it is one), applied in the order they were made: a report of two alerts
    # confirmed in one fold (wage_arrears and debt) gets both categories, not the first one met.
    before, decisions = {}, {}
    for b in basis.iter_rows(named=True):
        target, review = decided_by[b["alert_id"]]
        if target not in category_of:   # a target decided before: its reports are not in this basis (one read each)
            category_of[target] = warehouse.alert_category(con, target)
        category = review["category"] or category_of[target] or b["category"]
        before.setdefault(b["report_id"], set(current_labels(b, tax)))
        decisions.setdefault(b["report_id"], {})[target] = (review["created_at"], category, review["action"] in POSITIVE,
                                                           review["reviewer"])
    rows = []
    for report, labels in sorted(before.items()):
        made = sorted(decisions[report].values())
        for _, category, positive, _ in made:
            labels = labels | {category} if positive else labels - {category}
        at, _, _, who = made[-1]
        rows.append((report, [k for k in tax.keys if k in labels], "review", who, dt.datetime.fromisoformat(at)))
    return pl.DataFrame(rows, schema=LABEL_SCHEMA, orient="row")


def current_labels(basis: dict, tax=None) -> list[str]:
    """A report's labels before a decision: its latest explicit label, else the export's category,
    else what the model flagged (so a decision about one category leaves the others as they were)."""
    if basis.get("labels") is not None:
        return list(basis["labels"])
    weak = (tax or taxonomy()).weak_labels(basis.get("source_category"))
    return list(weak) if weak is not None else list(basis.get("flagged") or [])


def _correction_labels(frame: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame([(r["report_id"], json.loads(r["labels"]), "correction", r["labelled_by"],
                          dt.datetime.fromisoformat(r["created_at"])) for r in frame.iter_rows(named=True)],
                        schema=LABEL_SCHEMA, orient="row")
