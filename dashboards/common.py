"""What every page shares: the snapshot, its queries with pending reviews laid over, shareable filters.

The board reads only the published snapshot (``settings.snapshot_path()``, opened read-only), never
the warehouse the flows write: DuckDB allows no reader in another process while one writes. What
people decide goes to the review store (``pipelines.reviews``, SQLite), which the board also reads,
so a decision shows at once, before any flow has folded it into the warehouse.
"""
from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl
import streamlit as st

from pipelines import reviews, settings
from pipelines.warehouse import board

NO_DATA = """**还没有可展示的预警数据。**

请先加载数据：
- 试用示例数据：`make demo`
- 导入真实数据：`shaobing ingest <数据文件或目录>`，然后运行 `shaobing weekly`

每周研判流程结束后会自动发布看板快照，届时刷新本页即可。"""


# ---------------------------------------------------------------- data
@st.cache_resource(max_entries=1, show_spinner=False)
def _connection(path: str, mtime: float) -> duckdb.DuckDBPyConnection:
    """The snapshot, read-only; a new mtime opens the newly published file and drops the old one."""
    return board.open_snapshot(path)


def snapshot() -> tuple[str, float] | None:
    """Path and mtime of the published snapshot, None before the first flow has published one."""
    path = settings.snapshot_path()
    try:
        return str(path), path.stat().st_mtime
    except FileNotFoundError:
        return None


@st.cache_data(ttl=600, show_spinner=False)
def _watermark(snap: tuple[str, float], source: str = "reviews") -> int:
    cur = board.cursor(_connection(*snap))
    try:
        return board.review_watermark(cur, source)
    finally:
        cur.close()


def watermark(source: str = "reviews") -> int:
    """The last review (or label correction) already folded into the snapshot on show."""
    snap = snapshot()
    return _watermark(snap, source) if snap else 0


@st.cache_data(ttl=300, show_spinner=False, max_entries=2000)
def _query(snap: tuple[str, float], decided: tuple[int, int], name: str, *args):
    """Run one ``board`` query; cached per snapshot and per state of the review store."""
    # One connection serves every browser session, each in its own thread, and a DuckDB
    # connection is not thread-safe: each query gets its own cursor.
    cur = board.cursor(_connection(*snap), reviews.pending(_watermark(snap)))
    try:
        return getattr(board, name)(cur, *args)
    finally:
        cur.close()


def query(name: str, *args):
    """A ``board`` query against the snapshot on show, with the latest decisions laid over it."""
    return _query(snapshot(), reviews.version(), name, *args)


def query_now(name: str, *args):
    """A ``board`` query on a connection of its own, with no Streamlit call and no cache: for work
    done outside the page's run, such as a download made when it is clicked."""
    con = board.open_snapshot(settings.snapshot_path())
    cur = board.cursor(con)
    try:
        return getattr(board, name)(cur, *args)
    finally:
        cur.close()
        con.close()


def has_data(alerts: bool = True) -> bool:
    """Whether a readable snapshot (with alerts) is published; a broken one is reported and ends the run."""
    snap = snapshot()
    try:
        return bool(snap is not None and not _query(snap, (0, 0), "missing_tables")
                    and (not alerts or _query(snap, (0, 0), "latest_week")))
    except duckdb.Error as exc:
        st.error(f"看板快照无法读取：{snap[0]}（{exc}）。请重新运行 `shaobing weekly` 以重新发布。")
        st.stop()


def require_snapshot() -> tuple[str, float]:
    """The snapshot, or a note on how to publish one and the end of this page run."""
    if has_data():
        return snapshot()
    st.info(NO_DATA)
    st.stop()


def stamp(snap: tuple[str, float]) -> str:
    """When the snapshot on show was published, to the second: a run can publish twice in a minute."""
    return datetime.fromtimestamp(snap[1], settings.timezone()).strftime("%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------- shareable filters
def seed(key: str, options: list[str], multi: bool = False) -> None:
    """On a session's first run of a page, take a widget's value from the link (bad values are ignored)."""
    if key in st.session_state:
        return
    given = [v for v in st.query_params.get_all(key) if v in options]
    if multi:
        st.session_state[key] = list(dict.fromkeys(given))
    elif given:
        st.session_state[key] = given[0]


def mirror(key: str, value: str | list[str] | None, default: str | None = None) -> None:
    """Keep the link in step with a widget; a default value leaves the link clean."""
    values = value if isinstance(value, list) else ([] if value in (None, default) else [str(value)])
    if values and st.query_params.get_all(key) != values:
        st.query_params[key] = values
    elif not values and key in st.query_params:
        del st.query_params[key]


def dashes(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """``columns`` as text, a missing value as "—": st.dataframe writes the word None in its cell."""
    return frame.with_columns(pl.col(c).cast(pl.String).fill_null("—") for c in columns)


def week_label(iso: str | date) -> str:
    day = date.fromisoformat(iso) if isinstance(iso, str) else iso
    year, week, _ = day.isocalendar()
    return f"{year}年第{week}周（{day.month}月{day.day}日起）"


def incomplete_week(volumes: pl.DataFrame, week) -> str | None:
    """A warning when ``week`` received under a third of the median of the weeks before it (at least
    four of them with reports): a late or partial export makes every count and trend of it look low."""
    if week is None or volumes.is_empty():
        return None
    before = volumes.filter(pl.col("week") < week)["n"]
    now = volumes.filter(pl.col("week") == week)["n"].sum()
    if (before > 0).sum() < 4:
        return None
    usual = float(before.median())
    if now >= usual / 3:
        return None
    return (f"{week_label(week)}数据可能不完整：仅 {now:,} 件诉求入库（此前{before.len()}周中位数 {usual:,.0f} 件）。"
            "本周的件数、新增预警和走势因此偏低，待数据补齐后再看。")


def warn_incomplete(week) -> None:
    """``incomplete_week``'s warning for ``week``, if any, on the page (the leader's board and the
    analyst's queue: a thin week's counts, new alerts and trends look low on both)."""
    warning = incomplete_week(query("week_volumes", week), week) if week else None
    if warning:
        st.warning(warning, icon=":material/warning:")
