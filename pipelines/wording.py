"""How the command line words a number of things (1 file, 3 files, 1,200 rows), and a report's time."""
from __future__ import annotations


def count(n: int, noun: str) -> str:
    """``n`` with thousands separators and ``noun``, plural unless ``n`` is 1 (1 file, 3 files)."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def received(at, channel: str | None = None) -> str:
    """A report's time as the board and the briefs show it: to the minute, or the date alone for a
    petition at 00:00:00 (registers often give dates only, and "00:00" read as a petition received
    at midnight; a hotline call at midnight is one)."""
    if at is None:
        return ""
    if not hasattr(at, "hour"):
        return f"{at:%Y-%m-%d}"
    midnight = (at.hour, at.minute, at.second, at.microsecond) == (0, 0, 0, 0)
    return f"{at:%Y-%m-%d}" if midnight and channel == "petition" else f"{at:%Y-%m-%d %H:%M}"


def rows_named(problems: list[tuple[int, str]], most: int = 20) -> str:
    """One line per bad row of a file, in row order: the first ``most``, then how many more."""
    lines = [line for _, line in sorted(problems, key=lambda p: p[0])]
    more = len(lines) - most
    return "\n".join(lines[:most] + ([f"… and {more} more"] if more > 0 else []))
