"""Assemble sample texts from phrases.py: fill slots, pick a voice and a length, add PII.

Every value is drawn from the ``random.Random`` passed in, so a seed fixes every text.
"""
from __future__ import annotations

import math
import random
from datetime import datetime

from pipelines.sample import phrases as P
from pipelines.sample import places as PL

CN_DIGITS = "零一二三四五六七八九"
PHONE_PREFIXES = ("138", "139", "135", "136", "137", "150", "151", "152", "158", "159", "186", "187", "188",
                  "177", "199", "133", "153", "180", "189", "166", "173", "191", "182", "183", "157", "130")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


# ---------------------------------------------------------------- numbers in mixed forms
def cn_number(n: int) -> str:
    """1..99 in Chinese numerals (十二, 三十五)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens] + "十")
    return head + (CN_DIGITS[ones] if ones or not tens else "")


def money(rng: random.Random, low: int, high: int) -> str:
    """An amount between low and high yuan, written the way people write amounts."""
    value = int(math.exp(rng.uniform(math.log(low), math.log(high))))
    value = value // 100 * 100 if rng.random() < 0.8 else value // 10 * 10
    wan = value / 10000
    form = rng.randrange(7)
    if form == 0:
        return f"{value}元"
    if form == 1 and value >= 10000:
        return f"{wan:.1f}万元".replace(".0万", "万")
    if form == 2 and 10000 <= value < 1_000_000:
        return f"{cn_number(int(wan))}万多元" if wan < 100 else f"{int(wan)}万多元"
    if form == 3 and value >= 10000:
        return f"{int(wan)}万余元"
    if form == 4 and value >= 10000:
        return f"近{int(wan) + 1}万元"
    if form == 5 and value < 10000:
        return f"{cn_number(value // 1000)}千多块钱"
    return f"{value // 100 * 100}多元" if value < 10000 else f"{int(wan)}万多"


def head_count(rng: random.Random, low: int = 5, high: int = 60) -> str:
    n = rng.randint(low, high)
    forms = (str(n), f"{cn_number(n // 10 * 10)}多" if n >= 20 else "十几", f"{n // 10 * 10}余", cn_number(n))
    return rng.choice(forms)


def duration(rng: random.Random) -> str:
    return rng.choice(("三个多月", "半年多", "5个月", "大半年", "一年多", "两个月", "十个月", "四个多月",
                       "快一年", "两年多", "8个月", "一个多月", "六七个月"))


def past_date(rng: random.Random, now: datetime) -> str:
    """A date phrase some months before ``now``, as people write them."""
    back = rng.randint(1, 18)
    y, m = divmod(now.year * 12 + now.month - 1 - back, 12)
    m += 1
    forms = (f"{y}年{m}月", f"{y}年{m}月{rng.randint(1, 28)}日", f"{y}年{m}月份",
             f"{m}月份" if y == now.year else f"去年{m}月", "去年腊月" if y < now.year else "今年年初",
             "上个月" if back == 1 else f"{y}年初", f"{y}.{m}.{rng.randint(1, 28)}")
    return rng.choice(forms)


# ---------------------------------------------------------------- people, firms, places
def full_name(rng: random.Random) -> str:
    given = rng.choice(PL.GIVEN) + (rng.choice(PL.GIVEN) if rng.random() < 0.75 else "")
    return rng.choice(PL.SURNAMES) + given


def masked_name(rng: random.Random) -> str:
    return rng.choice(PL.SURNAMES) + rng.choice(("某", "某某", "某", "某某", "老板", "师傅"))


def phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def id_card(rng: random.Random, born_low: int = 1950, born_high: int = 2000) -> str:
    """A fake 18-digit ID of the county with a plausible birth date and a valid check digit."""
    body = f"369901{rng.randint(born_low, born_high)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randrange(1000):03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS))
    return body + "10X98765432"[total % 11]


def bank_card(rng: random.Random) -> str:
    digits = rng.choice((16, 17, 19, 19))
    prefix = rng.choice(("6222", "6217", "6228", "6230", "6212", "6216"))
    return prefix + "".join(str(rng.randrange(10)) for _ in range(digits - 4))


def _firm(rng, suffixes, county=0.6):
    return ("溪山县" if rng.random() < county else "") + rng.choice(PL.BRANDS) + rng.choice(suffixes)


def _estate_here(rng, ctx):
    if ctx["urban"]:
        return rng.choice(PL.ESTATES[ctx["village"]])
    return ctx["village"] + rng.choice(PL.GROUPS)


def _estate(rng, ctx):
    if ctx["urban"] and rng.random() < 0.6:
        return rng.choice(PL.ESTATES[ctx["village"]])
    return rng.choice(PL.BRANDS) + rng.choice(PL.ESTATE_SUFFIXES)


FILLERS = {
    "company": lambda r, c: _firm(r, PL.LABOUR_FIRMS),
    "factory": lambda r, c: _firm(r, PL.FACTORIES, 0.4),
    "employer": lambda r, c: r.choice(PL.BRANDS) + r.choice(PL.EMPLOYERS),
    "site": lambda r, c: r.choice(("溪山县", "", "")) + r.choice(PL.BRANDS) + r.choice(PL.PROJECTS)
    + r.choice(("项目工地", "工地", "项目", "项目工地")),
    "foreman": lambda r, c: r.choice(("包工头", "带班的", "包工头", "小包工头")) + masked_name(r),
    "person": lambda r, c: masked_name(r),
    "debtor": lambda r, c: r.choice(("同村的", "朋友", "", "以前的同事", "生意伙伴", "老乡")) + masked_name(r),
    "relative_spouse": lambda r, c: r.choice(("丈夫", "老公", "爱人", "前夫")),
    "relative": lambda r, c: r.choice(("儿媳", "大儿子", "弟弟", "哥哥", "小叔子", "婆婆", "大伯", "表弟", "女婿")),
    "neighbour": lambda r, c: r.choice(("楼上住户", "隔壁邻居", "对门邻居", "楼下住户", f"邻居{masked_name(r)}",
                                        f"同组村民{masked_name(r)}", f"楼上{r.randint(2, 30)}01的住户")),
    "wage": lambda r, c: money(r, 3000, 90000),
    "money": lambda r, c: money(r, 8000, 600000),
    "money_small": lambda r, c: money(r, 500, 9000),
    "daily": lambda r, c: str(r.randrange(180, 460, 10)),
    "months": lambda r, c: duration(r),
    "years": lambda r, c: r.choice(("两", "三", "五", "8", "十几", "4", "六")),
    "age": lambda r, c: str(r.randint(24, 62)),
    "age_old": lambda r, c: r.choice((str(r.randint(68, 93)), "八十多", "七十多")),
    "n": lambda r, c: head_count(r),
    "n_big": lambda r, c: r.choice(("上百", "两百多", "三百余", "500多", "上千", "几百")),
    "date": lambda r, c: past_date(r, c["now"]),
    "building": lambda r, c: str(r.randint(1, 32)),
    "estate": _estate,
    "estate_here": _estate_here,
    "developer": lambda r, c: _firm(r, PL.DEVELOPER_FIRMS, 0.7),
    "property": lambda r, c: _firm(r, PL.PROPERTY_FIRMS, 0.3),
    "platform": lambda r, c: r.choice(PL.PLATFORMS) + r.choice(("", "", "平台", "理财")),
    "fin_firm": lambda r, c: _firm(r, PL.FIN_FIRMS, 0.5),
    "bank": lambda r, c: r.choice(PL.BANKS),
    "school": lambda r, c: r.choice(PL.SCHOOLS),
    "hospital": lambda r, c: r.choice(PL.HOSPITALS),
    "street": lambda r, c: r.choice(PL.STREETS),
    "street2": lambda r, c: r.choice(PL.STREETS),
    "group": lambda r, c: r.choice(PL.GROUPS) if not c["urban"] else f"{r.randint(1, 30)}栋",
    "place": lambda r, c: c["town"] + c["village"],
    "village": lambda r, c: c["village"],
    "town": lambda r, c: c["town"],
}
# The slots that name whom a report is about, most specific first (for 被反映对象).
SUBJECT_SLOTS = ("developer", "platform", "fin_firm", "company", "factory", "employer", "property",
                 "foreman", "debtor", "bank")


class Slots(dict):
    """Slot values drawn on first use and then kept, so one text names one site, one firm, one sum."""

    def __init__(self, rng: random.Random, ctx: dict, voice: dict, fixed: dict | None = None):
        super().__init__(voice)
        self.rng, self.ctx, self.fixed = rng, ctx, fixed or {}

    def __missing__(self, key):
        if key in self.fixed:
            value = self.rng.choice(self.fixed[key])
        elif key == "target":
            value = self.ctx["topic"].get("target", "对方")
        else:
            value = FILLERS[key](self.rng, self.ctx)
        self[key] = value
        return value

    def fill(self, template: str) -> str:
        for _ in range(3):
            if "{" not in template:
                break
            template = template.format_map(self)
        return template

    def subject(self) -> str:
        return next((self[k] for k in SUBJECT_SLOTS if k in self), "")


VOICES = {
    "first": lambda r: {"me": r.choice(("我", "我", "本人")), "I": "我", "we": "我们"},
    "collective": lambda r: {"me": "我们", "I": "我们", "we": "我们"},
    "third": lambda r: {"me": "来电人", "I": "其", "we": "他们"},
    "grid": lambda r: {"me": "当事人", "I": "其", "we": "他们", "date": r.choice(("近日", "本周", "前几天", "当天上午"))},
}


# ---------------------------------------------------------------- sentence assembly
def join_clauses(rng: random.Random, clauses: list[str]) -> str:
    out = []
    for i, clause in enumerate(c for c in clauses if c):
        clause = clause.rstrip("，")
        out.append(clause)
        if clause[-1] in "。！？：；!?":
            continue
        out.append("，" if rng.random() < 0.55 else "。")
    text = "".join(out)
    return text[:-1] + "。" if text and text[-1] == "，" else text


def _pick(rng, pool, k=1):
    pool = [p for p in pool if p]
    return rng.sample(pool, min(k, len(pool))) if pool else []


DETAILS = {"short": (0, 0), "medium": (0, 2), "long": (2, 4), "xlong": (9, 13)}


def _body(rng, topic, slots, size):
    """The clauses saying what happened, more of them for longer texts."""
    fam = topic["family"]
    core = _pick(rng, topic["core"], 1 + (size == "xlong" or (size == "long" and rng.random() < 0.7)))
    if size == "short":
        return core
    details = _pick(rng, topic.get("detail", ()) + P.DETAIL_SHARED[fam], rng.randint(*DETAILS[size]))
    big = size in ("long", "xlong")
    impact = _pick(rng, P.IMPACT[fam], 1 + (size == "xlong") if big and rng.random() < 0.7 else int(rng.random() < 0.3))
    tried = _pick(rng, P.TRIED[fam], rng.randint(1 + (size == "xlong"), 3) if big else int(rng.random() < 0.5))
    return core[:1] + details[: len(details) // 2] + core[1:] + details[len(details) // 2:] + tried + impact


def first_person(rng, topic, slots, size, petition=False, people=1, force_identity=False):
    fam = topic["family"]
    greet = rng.choice(P.PETITION_GREETINGS if petition else P.GREETINGS)
    keep = force_identity or size != "short" or rng.random() < 0.6
    ident = rng.choice([i for i in topic["identity"] if i] or [""]) if keep else ""
    if people > 1:
        ident = ident.replace("我们是", "都是", 1) if ident.startswith("我们是") else ident
        ident = f"我们是{slots['place']}的{people}名{rng.choice(('群众', '村民', '受害人', '当事人'))}，" + ident
    lead = rng.choice(P.PETITION_LEADS) if petition else ""
    body = _body(rng, topic, slots, size)
    if size == "xlong":  # long letters tell the story twice over, as they do
        body += [c for c in _body(rng, topic, slots, "long") if c not in body]
    law = _pick(rng, topic.get("law") or P.PETITION_LAW.get(fam, ()), petition and rng.random() < 0.4)
    request = rng.choice(P.REQUESTS_FIRST[fam]) if size != "short" or rng.random() < 0.6 else ""
    closing = rng.choice(P.PETITION_CLOSINGS) if petition else ""
    sign = rng.choice(P.SIGN_OFFS) if size != "short" and not closing else ""
    clauses = [ident, lead, *body, *law, request, closing, sign]
    return tidy(greet + join_clauses(rng, [slots.fill(c) for c in clauses]))


def third_person(rng, topic, slots, size, force_identity=False):
    fam = topic["family"]
    ident = rng.choice(topic["identity"]) if force_identity or rng.random() < 0.6 else ""
    body = _body(rng, topic, slots, size)
    clauses = [ident, *body, rng.choice(P.REQUESTS_THIRD[fam])]
    text = join_clauses(rng, [slots.fill(c).replace("本人", "来电人").replace("其的", "其") for c in clauses])
    return tidy(rng.choice(P.HOTLINE_OPENERS) + text)


def grid_report(rng, topic, slots):
    core = slots.fill(rng.choice(topic["grid_core"]))
    when = rng.choice(P.GRID_WHEN)
    opener = when if core.startswith("巡查") else slots.fill(when + rng.choice(P.GRID_OPENERS) + rng.choice(P.GRID_WHERE))
    extra = slots.fill(rng.choice(P.GRID_EXTRA))
    detail = slots.fill(rng.choice(topic.get("detail", ("",)))) if rng.random() < 0.2 else ""
    actions = "".join(_pick(rng, P.GRID_ACTIONS[topic["family"]], 1 + (rng.random() < 0.3)))
    text = join_clauses(rng, [core, extra, detail.replace("本人", "当事人")]).rstrip("，。") + "。"
    return tidy(opener + text + actions + rng.choice(P.GRID_FOLLOW))


def tidy(text: str) -> str:
    """Small fixes a writer would make: residents of a community are not villagers."""
    return text.replace("社区村民", "社区居民").replace("社区群众", "社区居民")


def pii_tail(rng: random.Random, reporter: dict) -> str:
    """Contact details some people write into the text itself (masked later by ingest)."""
    parts = []
    if rng.random() < 0.12:
        num = reporter["phone"]
        if rng.random() < 0.25:
            num = f"{num[:3]} {num[3:7]} {num[7:]}"
        parts.append(rng.choice(("联系电话", "我的电话：", "电话", "联系方式：", "手机号")) + num)
    if rng.random() < 0.04:
        parts.append(rng.choice(("身份证号", "身份证号码：", "身份证")) + reporter["id_card"])
    if rng.random() < 0.03:
        parts.append(rng.choice(("工资卡", "银行卡号", "卡号：", "收款账户")) + bank_card(rng))
    return "，".join(parts) + ("。" if parts else "")


def hotline_title(rng: random.Random, topic: dict, slots: Slots, text: str) -> str:
    r = rng.random()
    if r < 0.65:
        return slots.fill(rng.choice(topic["titles"]))
    if r < 0.85:
        start = text.find("：") + 1 if "：" in text[:8] else 0
        clause = text[start:].replace("。", "，").split("，")
        return max(clause[:2], key=len)[: rng.randint(12, 20)]
    return rng.choice(("关于", "反映", "投诉", "咨询")) + slots.fill(rng.choice(topic["titles"])) + rng.choice(("的问题", "的诉求", ""))
