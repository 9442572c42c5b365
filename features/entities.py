"""Money amounts, head counts, places and organisations named in a report's text.

Every extractor normalises the text first (full-width digits, spacing) and prefers missing a
mention to inventing one: a wrong place or a wrong amount ties unrelated reports together.
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

import cn2an

import features.text
from features.text import normalize

_CJK = "\u4e00-\u9fff"
_ARABIC = r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?"
_CN_RUN = "[零〇一二两三四五六七八九十百千万亿几]*"
# "上百名", "近千万元": 上/近 allow a numeral that starts with a bare 百/千/万; without it a bare
# 千万 is far more often "by all means" (千万不要) than ten million.
_NUMBER = rf"(?:{_ARABIC}|[一二两三四五六七八九十]{_CN_RUN}|(?<=[上近])[百千万]{_CN_RUN})"
_APPROX = "多余几来"

_AMOUNT = re.compile(
    rf"(?<![0-9.a-z第])(?<![0-9],)[上近]?(?P<num>{_NUMBER})(?P<approx>[{_APPROX}])?(?P<mag>[十百千万亿]*)[多余来]?"
    rf"(?P<unit>元|块钱|块(?![{_CJK}])|人民币)?"
)
_HEAD_COUNT = re.compile(
    rf"(?<![0-9.a-z第])(?<![0-9],)[上近]?(?P<num>{_NUMBER})[{_APPROX}]?(?:名|个人|人(?![次民员均])|户|位)"
)
# After a bare "…万" these say the number counts something other than money (3万平方米, 3万人).
_NOT_MONEY_AFTER = set("人名户位个家平米亩吨斤公里字次件套条头只辆台步天年月日号楼层栋间座")


def amounts(text: str) -> list[float]:
    """Amounts of money in yuan, in order of mention; 多/余/几 give the lower bound (3万余元 → 30000)."""
    text = normalize(text)
    found = []
    for match in _AMOUNT.finditer(text):
        if _is_money(match):
            value = _to_number(match["num"] + match["mag"])
            if value is not None:
                found.append(float(value))
    return found


def _is_money(match: re.Match[str]) -> bool:
    if match["unit"]:
        return True
    # Without 元 only a sum in 万/亿 reads as money ("欠了十几万"), and not before a measure word.
    numeral = match["num"] + match["mag"]
    after = match.string[match.end() : match.end() + 1]
    return ("万" in numeral or "亿" in numeral) and after not in _NOT_MONEY_AFTER


def head_counts(text: str) -> list[int]:
    """Numbers of people or households (二十多名工人 → 20, 46户 → 46), in order of mention."""
    text = normalize(text)
    found = []
    for match in _HEAD_COUNT.finditer(text):
        value = _to_number(match["num"])
        if value is not None and value >= 1:
            found.append(int(value))
    return found


def _to_number(numeral: str) -> float | None:
    """cn2an's value of a numeral with the approximation words dropped (十几万 → 十万)."""
    numeral = numeral.replace(",", "").translate(str.maketrans("", "", _APPROX))
    if numeral[:1] in ("百", "千", "万", "亿"):
        numeral = "一" + numeral
    try:
        return float(cn2an.cn2an(numeral, "smart"))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


# --- places and organisations ------------------------------------------------------------------

_COUNTER = "[一二三四五六七八九十0-9]{1,3}"
_PLACE_SUFFIX = rf"(?:小区|花园|家园|华庭|广场|楼盘|工地|项目(?!部)|苑|(?<![组期])村(?![委民干支里])|厂(?![房长里区商家])|{_COUNTER}期|{_COUNTER}组)"
# The suffix of a place may chain: 锦绣华庭二期项目, 东湖村五组. A chain must start with a real suffix.
# No 村 right after a 组 or 期 is a name's (东湖村五组村道 names 东湖村五组, not 东湖村五组村 nor 五组村);
# a second 村 after a 村 is the next word's, trimmed in ``_named`` (城关村村口 names 城关村).
_PLACE = re.compile(rf"(?:小区|花园|家园|华庭|广场|楼盘|工地|项目(?!部)|苑|(?<![组期])村(?![委民干支里])|厂(?![房长里区商家])){_PLACE_SUFFIX}*")
_ORGANISATION = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|分公司|公司|项目部|平台|合作社|劳务队|工程队)+")

# Words that end a name when read backwards from its suffix: pronouns, particles, verbs of
# complaint. Cut always — "我们小区" has no name at all.
_HARD_BOUNDARY = re.compile(
    "反映|投诉|举报|来电|位于|家住|居住|购买|购置|入住|承建|开发|负责|拖欠|欠薪|附近|旁边|门口|对面|"
    "业主|居民|村民|工人|市民|群众|所在|地址|关于|导致|造成|因为|所以|但是|老板|经理|一家|这家|那家|"
    "通知|告知|协调|督促|约谈|联系|入职|上班|打工|干活|就职|任职|[0-9]+(?:年|月份?|日|号)|"
    "发现|一起|打着|以|系|欠|才|同村|本村|邻村|外村|据|经|上午|下午|晚上|今天|昨天|今日|近日|"
    "[的在是了和与及或我你他她们住到从向对于把被给该本这那其各全此某个位名为等由说称买有就都也还将已要让叫找]"
)
# Administrative words before a name (南昌县莲塘镇锦绣华庭): cut only when a name of ≥2 chars remains,
# so that 水乡花园 and 城市花园 keep their 乡 and 市.
_SOFT_BOUNDARY = re.compile("街道|社区|公司|[省县镇乡]|市(?![场政民容])|区(?![域])|村(?![民委])")
# Before 项目 or 工地 (and 小区 for the works: 新建小区): what a project or site does (棚户区改造项目,
# 道路硬化工程工地, 办理执照乱收费项目), alone or ending a longer stem, or a kind of project alone
# (民生项目, 试点项目), names no particular one. Before another suffix these are names: 新建村,
# 惠民小区, 宏达汽车维修厂; an organisation that is only what it does is none (改造公司).
_WORKS = ("改造", "改建", "扩建", "新建", "拆迁", "征收", "征地", "整治", "治理", "绿化", "硬化", "亮化", "提质",
          "升级", "维修", "维护", "收费", "乱收费")
_PROJECT_KINDS = frozenset("民生 惠民 公益 试点 示范 配套 市政 水利 道路 公路 棚改 旧改 招商 引资 培训 补贴 补助".split())
_GENERIC_STEMS = frozenset(
    "老旧 周边 所在 整个 城中 安置 回迁 保障 商品 建筑 施工 工程 建设 投资 理财 养老 重点 在建 停工 烂尾 "
    "相关 其他 涉事 上述 一个 多个 各个 新农 物业 劳务 房开 装修 担保 贷款 小贷 中介 网贷 科技 房地产 "
    "保险 快递 家政 保安 网络 金融 借贷 电商 集资 传销 外卖 开发 这个 那个 扶贫 合作 互联网 "
    # an industry alone (五金加工厂, 服装厂) names no particular firm
    "五金 五金加工 服装 鞋业 制鞋 食品 陶瓷 电子 家具 纺织 机械 塑料 包装 印刷 建材 砖 水泥 化工 木材 "
    "加工 养殖 种植 物流 模具 玩具 箱包 酒店 饭店 餐饮 汽修 修理 预制 钢构 钢结构 "
    # a kind of platform alone (整栋楼的公共平台, 政务服务平台) names no particular one
    "公共 服务 信息 政务 政务服务 工作 交易 网上 线上 官方 第三方 互助 购物 直播 办事 楼顶 屋顶".split()
)
# An organisation is no name either when it is only what it does (改造公司, 维修公司, 补贴平台).
_ORGANISATION_GENERIC = _GENERIC_STEMS | frozenset(_WORKS) | _PROJECT_KINDS


def places(text: str) -> list[str]:
    """Named places (锦绣华庭小区, 东湖村五组, 鸿达服装厂), each once, in order of mention."""
    return _places(normalize(text))


def organisations(text: str) -> list[str]:
    """Named organisations (鸿达建筑劳务有限公司, 鑫融宝理财平台), each once, in order of mention."""
    return _organisations(normalize(text))


# The stem before a suffix: the run of name characters that ends where the suffix starts.
_PLACE_STEM_MAX, _ORGANISATION_STEM_MAX = 8, 16
_PLACE_STEM = re.compile(f"[{_CJK}]{{0,{_PLACE_STEM_MAX}}}$")
_ORGANISATION_STEM = re.compile(f"[{_CJK}a-z0-9]{{0,{_ORGANISATION_STEM_MAX}}}$")


def _places(normal: str) -> list[str]:
    return _named(normal, _PLACE, _PLACE_STEM, _PLACE_STEM_MAX)


def _organisations(normal: str) -> list[str]:
    return _named(normal, _ORGANISATION, _ORGANISATION_STEM, _ORGANISATION_STEM_MAX, _ORGANISATION_GENERIC)


def _named(text: str, suffixes: re.Pattern[str], before: re.Pattern[str], max_stem: int,
           generic: frozenset[str] = _GENERIC_STEMS) -> list[str]:
    names = []
    for match in suffixes.finditer(text):
        # only the last max_stem characters can be in the stem: search those, not the whole text
        window = before.search(text, max(0, match.start() - max_stem), match.start()).group()
        stem = _trim_stem(window)
        works = match.group().startswith(("项目", "工地", "小区")) and stem.endswith(_WORKS) or \
            match.group().startswith(("项目", "工地")) and stem in _PROJECT_KINDS
        if len(stem) >= 2 and stem not in generic and not works:
            name = stem + match.group()
            # 云溪村村道路: the village's road, 云溪村 (a 村 after a 村 is the next word's)
            names.append(name[:-1] if name.endswith("村村") else name)
    return list(dict.fromkeys(names))


# Verbs that open a stem ("投资鑫利通理财平台" → 鑫利通理财平台) but end no name when inside one
# (鑫利投资有限公司 keeps its 投资).
_LEADING_VERB = re.compile("^(?:投资|投了|购买了?|入股|参与|加入|借给|借钱给)")


def _trim_stem(window: str) -> str:
    """The end of `window` after the last word that cannot belong to a name."""
    cuts = [hard.end() for hard in _HARD_BOUNDARY.finditer(window)]
    stem = window[cuts[-1] :] if cuts else window
    stem = _LEADING_VERB.sub("", stem)
    for soft in reversed(list(_SOFT_BOUNDARY.finditer(stem))):
        if len(stem) - soft.end() >= 2:
            return stem[soft.end() :]
    return stem


_NAME_TAIL = re.compile(rf"(?:股份有限公司|有限责任公司|有限公司|公司|项目部|项目|工地|小区|楼盘|{_COUNTER}期)$")


def normalise_place(name: str, areas: Iterable[str] = ()) -> str:
    """The core of a place or organisation name, so that variants meet.

    锦绣华庭小区, 锦绣华庭二期, 莲塘镇锦绣华庭项目 → 锦绣华庭 (the last when 莲塘镇 is in `areas`).
    """
    name = normalize(name).replace(" ", "")
    while (tail := _NAME_TAIL.search(name)) and tail.start() >= 2:
        name = name[: tail.start()]
    # the longest area name it begins with that leaves two characters, again and again
    prefix = _area_forms(tuple(areas))[1]
    while prefix and (begins := prefix.match(name)):
        name = name[begins.end() :]
    return name


@functools.lru_cache(maxsize=8)
def _area_forms(areas: tuple[str, ...]) -> tuple[frozenset[str], re.Pattern[str] | None]:
    """The gazetteer's names normalised, as a set, and a pattern matching the longest of them
    that begins a name and leaves at least two characters after it (the alternatives are tried
    longest first, and a shorter one when the lookahead fails). Once per gazetteer, not once per
    name: normalising them for every report cost more than finding the report's names."""
    forms = {normalize(a) for a in areas if a}
    longest_first = sorted((f for f in forms if f), key=len, reverse=True)
    pattern = re.compile("(?:" + "|".join(map(re.escape, longest_first)) + ")(?=.{2})", re.S) if longest_first else None
    return frozenset(forms), pattern


def part_of_name(term: str, names: Iterable[str]) -> bool:
    """Whether a term only repeats one of ``names`` (those shown beside the terms: an alert's place
    and 涉及): a piece of it (翡翠 of 翡翠湾, 花园 of 春江花园), the name with more around it
    (春江花园 and 金诚贷平台 beside 春江 and 金诚贷, the part before its first trade word), or a
    word pair running into it (业主翡翠 beside 翡翠湾). Shown as a term beside the names, it tells
    where, not what.
    A trade word inside a name (投资 in 鑫源投资咨询, 养老 in 福寿康养老) is not one: it still
    tells what the reports are about."""
    term = term.replace(" ", "")
    for name in names:
        if not name:
            continue
        if term in name and term not in _GENERIC_STEMS:
            return True
        proper = _proper_part(name)
        if len(proper) < 2 or proper in _GENERIC_STEMS:   # 物业服务's 物业 names no one: 物业费 stays
            continue
        if proper in term or any(proper.startswith(term[-k:]) for k in range(2, len(term) + 1)):
            return True
    return False


@functools.lru_cache(maxsize=4096)
def _proper_part(name: str) -> str:
    """The name before its first trade word or place suffix, where two characters or more come
    before it (福寿康养老服务 → 福寿康, 翡翠湾花园 → 翡翠湾, 金诚贷平台 → 金诚贷)."""
    cuts = [m.start() for m in _TRADE_WORD.finditer(name, 2)]
    return name[: min(cuts)] if cuts else name


_TRADE_WORD = re.compile("|".join(sorted((re.escape(w) for w in _GENERIC_STEMS if len(w) >= 2), key=len, reverse=True))
                         + "|" + _PLACE.pattern + "|" + _ORGANISATION.pattern)


def named_in(text: str, subject: str | None = None, areas: Iterable[str] = ()) -> list[str]:
    """The places and organisations a report names (text and 被反映对象), normalised so that
    variants meet, each once; names that are only an area of the gazetteer are left out (the
    area detectors cover those)."""
    return _named_in(normalize(text), subject, tuple(areas))


def mentions_in(text: str, subject: str | None = None, areas: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """``named_in`` and ``escalation`` of one report, the text normalised once for both."""
    normal = normalize(text)
    return _named_in(normal, subject, tuple(areas)), _escalation_in(normal)


def _named_in(normal: str, subject: str | None, areas: tuple[str, ...]) -> list[str]:
    area_set = _area_forms(areas)[0]
    found = _places(normal) + _organisations(normal) + ([subject] if subject and subject.strip() else [])
    out = []
    for name in found:
        core = normalise_place(name, areas)
        if len(core) >= 2 and core not in area_set and normalize(name) not in area_set and not _COUNTED.fullmatch(core):
            out.append(core)
    return list(dict.fromkeys(out))


def mentions_key(areas: Iterable[str]) -> str:
    """What ``names_and_escalation`` of a report depends on besides the report: the gazetteer's names
    and this code (and the normaliser's). A report's stored names are reused while the key is the
    same; a new gazetteer or a change to the extraction makes them be found again."""
    code = Path(__file__).read_bytes() + Path(features.text.__file__).read_bytes()
    names = "\x1f".join(sorted({a for a in areas if a})).encode("utf-8")
    return hashlib.sha1(code + b"\x1e" + names).hexdigest()[:12]


def names_and_escalation(texts: list[str], subjects: list[str | None], areas: tuple[str, ...]):
    """``mentions_in`` of many reports: their names, and their escalation words (two lists). Worker
    processes run it on chunks: this module imports little, so they start at once."""
    found = [mentions_in(t, s, areas) for t, s in zip(texts, subjects)]
    return [names for names, _ in found], [words for _, words in found]


_COUNTED = re.compile(rf"{_COUNTER}[期组号栋]")  # 五组, 二期: a part of some place, not a name


# Words that say a dispute may turn violent or collective: they raise an alert's severity.
ESCALATION_TERMS = (
    "跳楼", "跳河", "跳桥", "自杀", "轻生", "喝农药", "服毒", "自焚", "寻死", "同归于尽", "拼命", "报复",
    "杀了", "杀人", "砍人", "动刀", "拿刀", "打死", "堵路", "堵门", "堵大门", "围堵", "拉横幅", "拉条幅",
    "打横幅", "举牌", "集体上访", "集体讨薪", "进京", "赴省", "越级上访", "静坐", "聚集", "闹事", "游行",
    "媒体曝光", "上网曝光", "冲突", "打起来", "持械",
)
_ESCALATION = re.compile("|".join(map(re.escape, sorted(ESCALATION_TERMS, key=len, reverse=True))))


def escalation(text: str) -> list[str]:
    """Escalation words in the text (跳楼, 堵路, 拉横幅, 集体上访 …), each once, in order of mention."""
    return _escalation_in(normalize(text))


def _escalation_in(normal: str) -> list[str]:
    return list(dict.fromkeys(_ESCALATION.findall(normal)))
