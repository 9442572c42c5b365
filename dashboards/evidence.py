"""What an alert's reports show an analyst: the terms that made the model flag them, and the
places and organisations they name (the alert page's badges)."""
from __future__ import annotations

from collections import Counter
from itertools import islice

import polars as pl

from features.entities import head_counts, normalise_place, organisations, part_of_name, places
from features.tokenize import shown_term


def clues(reports: pl.DataFrame) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The terms that made the model flag the reports (but pieces of the names shown: ``part_of_name``),
    and the places and organisations they name, each with the number of reports. Names a single
    report gives are shown only where no name recurs (rather than 无 beside an explanation that
    names places)."""
    terms = Counter(t for ts in reports["top_terms"].to_list() if ts for t in ts if shown_term(t))
    named: Counter = Counter()
    for text, subject in zip(reports["text"].to_list(), reports["subject"].to_list()):
        found = places(text or "") + organisations(text or "") + ([subject] if subject else [])
        named.update({normalise_place(p) for p in found if p})
    recurring = [(p, n) for p, n in named.most_common(8) if n >= 2 or len(reports) < 3]
    names = recurring or named.most_common(5)
    # a term that only repeats a name shown beside it is left to the names
    shown = list(islice(((t, n) for t, n in terms.most_common() if not part_of_name(t, [p for p, _ in names])), 12))
    return shown, names


def people(people_count: int | None, text: str | None) -> str:
    """A report's 人数: the export's count of people (a collective petition's 信访人数), else the
    largest number of people or households its text gives (一共四十八个人, 10余名员工), marked as
    read from the text, else "—"."""
    if people_count is not None:
        return str(people_count)
    found = head_counts(text or "")
    return f"{max(found)}（文中）" if found else "—"
