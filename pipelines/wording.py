"""How the command line words a number of things: 1 file, 3 files, 1,200 rows."""
from __future__ import annotations


def count(n: int, noun: str) -> str:
    """``n`` with thousands separators and ``noun``, plural unless ``n`` is 1 (1 file, 3 files)."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
