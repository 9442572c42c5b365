"""The fixed-width tables the benchmarks print: columns padded to their widest cell (Chinese
characters count double), a rule under the header, between blocks and at the end."""
from __future__ import annotations

import unicodedata
from typing import Callable


def width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def pad(s: str, w: int, align: str) -> str:
    fill = " " * (w - width(s))
    return s + fill if align == "<" else fill + s


def block_table(rows: list[dict], columns: list[tuple[str, str, str]], cell: Callable[[dict, str], str]) -> list[str]:
    """Lines of the table: ``columns`` are (key, header, align '<' or '>'); a rule wherever the
    rows' ``block`` changes."""
    table = [[h for _, h, _ in columns]] + [[cell(r, k) for k, _, _ in columns] for r in rows]
    widths = [max(width(line[i]) for line in table) for i in range(len(columns))]
    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    out = []
    for n, line in enumerate(table):
        if n > 1 and rows[n - 1]["block"] != rows[n - 2]["block"]:
            out.append(rule)
        out.append("  ".join(pad(c, w, a) for c, w, (_, _, a) in zip(line, widths, columns)).rstrip())
        if n == 0:
            out.append(rule)
    out.append(rule)
    return out
