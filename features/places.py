"""Resolve the administrative area (county → town/street → village/community) a report is about."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import polars as pl

# Suffixes dropped to make the short form by which people name a place (莲塘镇 → 莲塘).
_SHORTENABLE = ("街道", "社区", "村", "镇", "乡")
_COUNTY_ENDINGS = ("县", "区", "旗")
# The administrative unit a name in prose may follow directly (E7县城关, 黄兴镇前进村): a county's
# (县, 旗; not 区, which ends too many common words: 开发区, 新区, 安置区) or a town's.
_COUNTY_UNITS, _TOWN_UNITS = ("县", "旗"), ("街道", "镇", "乡")
# Words ending in a unit that name none (家乡桃园村, 在县城关街道上班): two characters before the unit
# that read as these, or a function character just before it, are no unit's name.
_NO_UNIT = frozenset("家乡 老乡 城乡 回乡 下乡 返乡 异乡 他乡 故乡 思乡 水乡 同乡 乡镇 城镇 集镇 小镇 古镇 重镇 市镇".split())
_NOT_IN_NAME = set("在到去回往从向于自全本该我你他她它这那此各每其的了是与及或就也都还被把给对")
_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
# "this county", "this town" before a name (本县城关, 我们县): ours
_OURS_BEFORE = re.compile(r"(?:本|我|该|全|此|咱|这个|我们|咱们)(?:县|区|旗|镇|乡|街道)\Z")


class AreaMatcher:
    """Finds area names (or their unambiguous short forms) in text; built once, used on millions of rows."""

    def __init__(self, areas: pl.DataFrame) -> None:
        rows = areas.select("area_code", "name", "level", "parent_code").iter_rows()
        self._level: dict[str, int] = {}
        self._parent: dict[str, str | None] = {}
        full: dict[str, list[str]] = {}
        short: dict[str, list[str]] = {}
        for code, name, level, parent in rows:
            self._level[code], self._parent[code] = int(level), parent
            full.setdefault(_clean(name), []).append(code)
            if form := _short_form(_clean(name)):
                short.setdefault(form, []).append(code)
        # Explicit columns may use any short form: their scope (the county, the town) disambiguates.
        self._exact = {name: full.get(name, []) + short.get(name, []) for name in full.keys() | short.keys()}
        # Free text only gets short forms that name one area and are no area's full name.
        self._in_text = full | {name: codes for name, codes in short.items() if name not in full and len(codes) == 1}
        self._ancestors = {code: self._chain(code) for code in self._level}
        self._names = set(full) | set(short)   # to tell our county or town before a match from another's
        self._full = set(full)
        # the names (and short forms) of the table's units above villages, by the level they are of
        self._unit_names = {lv: {n for n, codes in self._exact.items() if any(self._level[c] <= lv for c in codes)}
                            for lv in (3, 4)}
        # To tell a county column naming another county (outside_county): the table's names and
        # the stems of its counties' and cities' (溪山 for 溪山县), when its top level is counties
        # or a city (their names end in 县, 区, 旗, 市); else nothing is outside.
        top = min(self._level.values(), default=None)
        tops = [n for n, codes in full.items() if any(self._level[c] == top for c in codes)]
        ends = _COUNTY_ENDINGS + ("市",)
        self._counties = (set(full) | {n[:-1] for n in full if n.endswith(ends)}
                          if tops and all(n.endswith(ends) for n in tops) else set())
        # One trie-shaped alternation: Python's re tries alternatives one by one, so a flat list of
        # thousands of names would cost thousands of tries at every character of every text.
        self._pattern = re.compile(_trie_regex(self._in_text)) if self._in_text else None

    def known(self, area_code: str) -> bool:
        """Whether the code is one of the areas (an explicit grid code can be trusted as is)."""
        return area_code in self._level

    def resolve(self, *texts: str | None, prose: Sequence[str | None] = ()) -> str | None:
        """The most specific area named in the texts, consistent with the coarser ones named.
        ``texts`` are place cells (an address, 问题属地), trusted: a short form names its area
        there (桃园 for 桃园村). In ``prose`` (a title, a report's text):
        - a short form counts only right after one of the table's names (青石镇桃园): alone it is
          too often a common word or another place's name (石桥 in 金石桥, 前进 in 几年前进行);
        - a name that directly follows another county's or town's name is that place's namesake
          (城关 in E7县城关工商所, 前进村 in 黄兴镇前进村), and so is each of its mentions in the
          report that does not follow one of the table's names (J4县赤石乡塘背村 … 塘背村的村民)."""
        places = "\n".join(t for t in texts if t)
        written = "\n".join(t for t in prose if t)
        if not places and not written:
            return None
        codes = self._matches(places)
        if written and self._pattern is not None:
            mentions = []   # (name, code, elsewhere, after one of ours)
            for m in self._pattern.finditer(written):
                name, ours = m.group(), self._after_ours(written, m.start())
                if name not in self._full and not ours:
                    continue
                mentions += [(name, code, not ours and self._elsewhere(written, m.start(), self._level[code]), ours)
                             for code in self._in_text[name]]
            away = {name for name, _, elsewhere, _ in mentions if elsewhere}
            codes |= {code for name, code, elsewhere, ours in mentions if ours or name not in away}
        return self._choose(codes)

    def outside_county(self, county: str | None) -> bool:
        """Whether a county column names a county (…县, …区, …旗) that is not one the table holds,
        when the table's top level is counties or a city: its town and village names are then another
        county's (two counties may both have a 城关镇 or a 文昌社区) and place nothing here. A name
        the table's counties match, fully or by its stem (溪山 for 溪山县), or that does not read
        as a county (a city's name: 市 is also a county-level city's ending) is not outside."""
        name = _clean(county or "")
        if not self._counties or not name.endswith(_COUNTY_ENDINGS) or len(name) < 2:
            return False
        return name not in self._counties and name[:-1] not in self._counties

    def resolve_names(self, county: str | None, town: str | None, village: str | None) -> str | None:
        """Resolve a hotline's explicit county / town / village columns; any may be blank."""
        scope: str | None = None
        for cell in (county, town, village):
            name = _clean(cell or "")
            if not name:
                continue
            codes = set(self._exact.get(name, ())) or self._matches(name)
            found = self._choose({c for c in codes if scope is None or scope in self._ancestors[c]})
            if found is not None and found != scope:
                scope = found
        return scope

    def resolve_many(self, rows: Iterable[Sequence[str | None]]) -> list[str | None]:
        """resolve(*row) for each row; repeated rows (the same address) are resolved once."""
        cache: dict[tuple, str | None] = {}
        results = []
        for row in rows:
            key = tuple(row)
            if key not in cache:
                cache[key] = self.resolve(*key)
            results.append(cache[key])
        return results

    def _matches(self, text: str) -> set[str]:
        if self._pattern is None or not text:
            return set()
        return {code for m in self._pattern.finditer(text) for code in self._in_text[m.group()]}

    def _after_ours(self, text: str, start: int) -> bool:
        """Whether one of the table's names ends where ``start`` begins (青石镇 in 青石镇桃园) and is
        not itself written after another county's name (E7县城关街道), or "this county" or "this
        town" does (本县城关)."""
        before = text[max(0, start - 12): start]
        if _OURS_BEFORE.search(before):
            return True
        for k in range(2, len(before) + 1):
            name = before[-k:]
            if name in self._names:
                return not self._elsewhere(text, start - k, self._name_level(name))
        return False

    def _name_level(self, name: str) -> int:
        return min(self._level[c] for c in self._exact.get(name) or self._in_text.get(name) or ())

    def _elsewhere(self, text: str, start: int, level: int) -> bool:
        """Whether the name at ``start`` directly follows the name of a county (for a town or a
        village) or of a town (for a village) that is not one of the table's: 城关 in E7县城关,
        前进村 in 黄兴镇前进村 — or one of the table's written after another county's (文昌社区
        in E7县城关镇文昌社区). A unit is the table's when its name is, with this ending or another
        (城关镇 for the table's 城关街道, 青石乡 for 青石镇, 溪山 for 溪山县); words that only end
        like a unit (家乡, 城镇, 在县) name none. Counties are told only where the table's top level
        is counties or a city (``outside_county``)."""
        before = text[max(0, start - 10): start]
        units = [(u, 4) for u in _COUNTY_UNITS if self._counties] + [(u, 5) for u in _TOWN_UNITS]
        for unit, from_level in units:
            if level < from_level or not before.endswith(unit):
                continue
            stem = before[: -len(unit)]
            if not stem or stem[-1] in _NOT_IN_NAME or not _NAME_CHAR.fullmatch(stem[-1]):
                return False
            # a one-character name (nothing of a name before it) only for a county (歙县): no town's
            if (len(stem) < 2 or not _NAME_CHAR.fullmatch(stem[-2])) and unit not in _COUNTY_UNITS:
                return False
            if stem[-1] + unit in _NO_UNIT or stem[-2:] + unit in _NO_UNIT:
                return False
            units_here = self._unit_names[from_level - 1]   # a county's names before 县, a town's before 镇
            for k in range(1, min(len(stem), 8) + 1):
                if stem[-k:] in units_here or stem[-k:] + unit in units_here or \
                        (unit in _COUNTY_UNITS and stem[-k:] in self._counties):
                    # ours — unless it stands after another county itself (E7县城关镇文昌社区)
                    return from_level == 5 and self._elsewhere(text, start - len(unit) - k, 4)
            return True
        return False

    def _choose(self, matched: set[str]) -> str | None:
        """The deepest code that agrees with every coarser level named; a tie goes to its common parent."""
        consistent = [c for c in matched if self._consistent(c, matched)]
        if not consistent:
            return None
        deepest = max(self._level[c] for c in consistent)
        best = sorted(c for c in consistent if self._level[c] == deepest)
        return best[0] if len(best) == 1 else self._common_ancestor(best)

    def _consistent(self, code: str, matched: set[str]) -> bool:
        # 莲塘镇 + 东湖村 of another town: the village is a stray match, the town was meant.
        coarser = {self._level[m] for m in matched if self._level[m] < self._level[code]}
        own = {self._level[a] for a in self._ancestors[code] if a in matched}
        return coarser <= own

    def _common_ancestor(self, codes: list[str]) -> str | None:
        shared = set(self._ancestors[codes[0]])
        for code in codes[1:]:
            shared &= set(self._ancestors[code])
        return max(shared, key=lambda c: self._level[c], default=None)

    def _chain(self, code: str) -> tuple[str, ...]:
        """Ancestors of `code` within the table, nearest first (a parent outside it ends the chain)."""
        chain, parent, seen = [], self._parent.get(code), {code}
        while parent in self._level and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            parent = self._parent.get(parent)
        return tuple(chain)


_SPACES = re.compile(r"\s+")


def _clean(name: str) -> str:
    return _SPACES.sub("", name)


def _short_form(name: str) -> str | None:
    for suffix in _SHORTENABLE:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def _trie_regex(words: Iterable[str]) -> str:
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_regex(trie)


def _node_regex(node: dict) -> str:
    """Alternation of the node's children; an optional group where a word may also end here."""
    branches = [re.escape(char) + _node_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:
        return f"(?:{body})?"
    return body
