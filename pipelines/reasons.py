"""Quarantine reasons in Chinese, for the board's data staff.

The warehouse keeps each reason as ingest wrote it (English, as the CLI prints it: `shaobing
quarantine`); the board shows them in Chinese. Every reason ingest writes has a pattern here (the
readers in ``pipelines.sources``, validation and dedupe in ``pipelines.validate``); the values it
quotes (a cell, a row number, a parser's message) are carried over as they are. A reason that no
pattern knows — written by an older version, say — is shown as it was stored.
Tests ingest malformed files of every kind and check each reason comes out in Chinese.
"""
from __future__ import annotations

import re

KINDS = {"invalid": "无效", "duplicate": "重复", "conflict": "编号冲突", "footer": "合计或落款行"}

_EXPECTED = {"an id": "编号", "the report's text": "诉求内容", "the date": "日期"}
# json's messages (older reasons kept the "at" that ends "Unterminated string starting at")
_JSON = {"Unterminated string starting": "开始的字符串没有闭合（这一行可能被截断了）",
         "Unterminated string starting at": "开始的字符串没有闭合（这一行可能被截断了）",
         "Expecting value": "缺少一个值", "Expecting ',' delimiter": "缺少逗号",
         "Expecting ':' delimiter": "缺少冒号", "Expecting property name enclosed in double quotes": "字段名须用双引号括起",
         "Extra data": "一个对象结束后还有多余内容", "Invalid control character": "有控制字符",
         "Invalid control character at": "有控制字符", "Invalid \\escape": "有无效的转义符",
         "Invalid \\uXXXX escape": "有无效的 \\u 转义符"}
_ORDER = {"day/month/year": "日/月/年", "month/day/year": "月/日/年"}
_EXAMPLE = r"\(expected e\.g\. (?P<example>[^)]*)\)"
_SHEET = re.compile(r"^sheet (?P<sheet>'[^']*'): ")
_ROW = re.compile(r"^row (?P<n>\d+)(?: of sheet (?P<sheet>'[^']*'))?$")

# (pattern of the English reason, its Chinese; {name} is the pattern's group of that name)
PATTERNS: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.S), zh) for p, zh in [
    (r"^holds bytes that are not valid in the file's encoding$", "含有不符合文件编码的字节（乱码）"),
    (r"^empty: expected (?P<what>.+)$", "为空：应填{what}"),
    (r"^cannot tell the day from the month in (?P<value>.+?): no date of the file with the year last has a number"
     r" above 12 to show its order " + _EXAMPLE + "$",
     "无法判断 {value} 的日和月：本文件中年份在后的日期没有一个数字大于 12，看不出先写日还是先写月（请写作如 {example}）"),
    (r"^cannot read (?P<value>.+?) as a date in this file's order, (?P<order>[a-z/]+) " + _EXAMPLE + "$",
     "无法按本文件的日期顺序（{order}）读取 {value}（请写作如 {example}）"),
    (r"^cannot read (?P<value>.+?) as a date " + _EXAMPLE + "$", "无法把 {value} 读作日期（请写作如 {example}）"),
    (r"^date (?P<value>.+?) lies in the future$", "日期 {value} 晚于当前时间"),
    (r"^date (?P<value>.+?) reads as a year before (?P<year>\d+): expected a four-digit year$",
     "日期 {value} 读出的年份早于 {year} 年：请写四位年份"),
    (r"^cannot read (?P<value>.+?) as a number of people$", "无法把 {value} 读作人数"),
    (r"^cannot read (?P<value>.+?) as a number of people \(expected e\.g\. (?P<example>[^;]*); leave the cell empty"
     r" where nobody counted\)$", "无法把 {value} 读作人数（请写作如 {example}；没有统计人数的留空）"),
    (r"^id (?P<value>.+?) is written in scientific notation and has lost its digits: format the column as text in"
     r" Excel and export the file again$", "编号 {value} 是科学计数法，已丢失数字：请在 Excel 中把该列设为文本后重新导出"),
    (r"^same record as (?P<row>row \d+(?: of sheet '[^']*')?) above$", "与上方{row}是同一条记录"),
    (r"^id (?P<id>.+?) already used by (?P<row>row \d+(?: of sheet '[^']*')?) with other content$",
     "编号 {id} 已被{row}使用，内容却不同"),
    (r"^already loaded by batch (?P<batch>\S+) \((?P<file>.*)\), written otherwise \(the same values\)$",
     "批次 {batch}（{file}）已导入这条记录（写法不同，各项内容相同）"),
    (r"^already loaded by an earlier batch, written otherwise \(the same values\)$",
     "之前的批次已导入这条记录（写法不同，各项内容相同）"),
    (r"^already loaded by an earlier batch$", "之前的批次已导入这条记录"),
    (r"^already loaded by batch (?P<batch>\S+) \((?P<file>.*)\)$", "批次 {batch}（{file}）已导入这条记录"),
    (r"^id already loaded by an earlier batch with other content$", "之前的批次已用这个编号导入了内容不同的记录"),
    (r"^id already loaded by batch (?P<batch>\S+) \((?P<file>.*)\) with other content \((?P<fields>.*) differ\)$",
     "批次 {batch}（{file}）已用这个编号导入了内容不同的记录（{fields} 不同）"),
    (r"^id already loaded by batch (?P<batch>\S+) \((?P<file>.*)\) with other content$",
     "批次 {batch}（{file}）已用这个编号导入了内容不同的记录"),
    (r"^id already loaded by an earlier batch with other content \((?P<fields>.*) differ\)$",
     "之前的批次已用这个编号导入了内容不同的记录（{fields} 不同）"),
    (r"^cannot split into columns \((?P<error>.*)\): a quote in this line is not closed, or text follows a closing quote$",
     "无法分列（{error}）：本行有未闭合的引号，或引号闭合后还有文字"),
    (r"^has (?P<n>\d+) fields, the header has (?P<m>\d+) \(a quote opened in this line is not closed\)$",
     "本行有 {n} 个字段，表头有 {m} 个（本行有未闭合的引号）"),
    (r"^has (?P<n>\d+) fields, the header has (?P<m>\d+)$", "本行有 {n} 个字段，表头有 {m} 个"),
    (r"^has (?P<n>\d+) fields where this file's lines have (?P<m>\d+) \(a delimiter after the last cell\): a cell is"
     r" missing$", "本行有 {n} 个字段，本文件其他各行（行末多一个分隔符）有 {m} 个：缺了一格"),
    (r"^has values in column\(s\) (?P<columns>\[[\d, ]*\]) beyond the header's (?P<m>\d+) columns$",
     "第 {columns} 列有值，超出表头的 {m} 列"),
    (r"^(?P<value>'.+?') is no date: there is no month (?P<month>\d+)$", "{value} 不是存在的日期：没有 {month} 月"),
    (r"^(?P<value>'.+?') is no date: month (?P<month>\d+) of (?P<year>\d+) has no day (?P<day>\d+)$",
     "{value} 不是存在的日期：{year} 年 {month} 月没有 {day} 日"),
    (r"^not valid JSON \((?P<json>.*) at character (?P<at>\d+)\)$", "不是有效的 JSON：第 {at} 个字符处{json}"),
    (r"^expected a JSON object \{…\}$", "应为一个 JSON 对象 {{…}}"),
    (r"^a totals/footer row \((?P<label>.*)\), not a report$", "表格的合计或落款行（{label}），不是一条报告"),
    (r"^the header repeated \(a page break of the export\), not a report$", "重复的表头（导出文件的分页处），不是一条报告"),
]]


def in_chinese(reason: str | None) -> str | None:
    """The reason in Chinese; unchanged where no pattern knows it."""
    if not reason:
        return reason
    sheet = _SHEET.match(reason)  # a broken row of a workbook read from several sheets
    if sheet:
        rest = in_chinese(reason[sheet.end():])
        return f"工作表 {sheet['sheet']}：{rest}"
    return _translated(reason, PATTERNS, _reason_values)


def _translated(text: str, patterns: list[tuple[re.Pattern[str], str]], adjust) -> str:
    """``text`` by the first of ``patterns`` it matches, its groups ``adjust``ed; else unchanged."""
    for pattern, zh in patterns:
        match = pattern.match(text)
        if match:
            return zh.format(**adjust(match.groupdict()))
    return text


def _reason_values(values: dict) -> dict:
    if "what" in values:
        values["what"] = _EXPECTED.get(values["what"], values["what"])
    if "row" in values:
        values["row"] = _ROW.sub(lambda m: (f"工作表 {m['sheet']} " if m["sheet"] else "") + f"第 {m['n']} 行",
                                 values["row"])
    if values.get("file") == "file unknown":
        values["file"] = "文件不明"
    if "json" in values:
        values["json"] = _JSON.get(values["json"], f"：{values['json']}")
    if "order" in values:
        values["order"] = _ORDER.get(values["order"], values["order"])
    return values


def kind_in_chinese(kind: str | None) -> str | None:
    return KINDS.get(kind, kind) if kind else kind


# A file ingest could not read at all (``pipelines.sources.SourceError``), as a failed job on the
# board says it: the message after the file's path, in Chinese; what it quotes (column names, a
# sheet's name, a parser's message) is carried over.
_CHANNELS = {"hotline": "12345热线", "petition": "信访", "grid": "网格"}
ERRORS: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.S), zh) for p, zh in [
    (r"^(?P<path>.+?): the file is empty$", "{path}：文件是空的"),
    (r"^(?P<path>.+?): cannot read the file \((?P<why>.*)\)$", "{path}：无法读取文件（{why}）"),
    (r"^(?P<path>.+?): unknown file type (?P<suffix>.*?); expected .*$",
     "{path}：不支持的文件类型 {suffix}，请导入 .csv、.xlsx（或 .xls、.xlsb、.ods）或 .jsonl 文件"),
    (r"^(?P<path>.+?): cannot decode the file as UTF-8 or GB18030: (?P<damaged>[\d,]+) of its (?P<lines>[\d,]+) lines.*$",
     "{path}：文件既不是 UTF-8 也不是 GB18030 编码，{lines} 行中有 {damaged} 行无法读出文字（是文本导出文件吗？）"),
    (r"^(?P<path>.+?): its column names (?P<columns>\[.*\]) do not read as text in (?P<encoding>\S+): .*$",
     "{path}：列名 {columns} 按 {encoding} 读不成文字：文件或其表头是另一种编码，请另存为 UTF-8 后重新导入"),
    (r"^(?P<path>.+?): cannot read the header row \((?P<why>.*)\)$", "{path}：无法读取表头行（{why}）"),
    (r"^(?P<path>.+?): the first row holds no column names$", "{path}：第一行没有列名"),
    (r"^(?P<path>.+?): the workbook is password-protected.*$", "{path}：工作簿设有密码：请另存为无密码的文件后重新导入"),
    (r"^(?P<path>.+?): not a readable (?P<kind>\S+) workbook, or a damaged one \((?P<why>.*)\)$",
     "{path}：不是可读的 {kind} 工作簿，或文件已损坏（{why}）"),
    (r"^(?P<path>.+?): the workbook is damaged \((?P<why>.*)\)$", "{path}：工作簿已损坏（{why}）"),
    (r"^(?P<path>.+?): no visible sheet holds reports; hidden sheet\(s\) (?P<sheets>.+?) do, .*$",
     "{path}：可见的工作表里没有报告，隐藏的工作表 {sheets} 里有；隐藏的工作表不导入：请在 Excel 中取消隐藏后重新导入"),
    (r"^(?P<path>.+?): the workbook's sheets are empty \(its hidden sheet\(s\) (?P<sheets>.+) are not loaded\)$",
     "{path}：工作簿的可见工作表都是空的（隐藏的工作表 {sheets} 不导入）"),
    (r"^(?P<path>.+?): the workbook's sheets are empty$", "{path}：工作簿的各工作表都是空的"),
    (r"^(?P<path>.+?): sheets (?P<first>'[^']*') and (?P<other>'[^']*') hold (?P<channel>\w+) rows under different columns.*$",
     "{path}：工作表 {first} 和 {other} 都是{channel}数据，列却不同：请把各工作表分别另存为文件"),
    (r"^(?P<path>.+?): the JSON object holds (?P<n>\d+) arrays of records \((?P<named>.*)\) and .*$",
     "{path}：这个 JSON 对象里有 {n} 组记录（{named}），看不出哪组是报告：请把那一组单独存为 .json 文件后导入"),
    (r"^(?P<path>.+?): no JSON object on any line; line (?P<line>\d+): (?P<reason>.*)$",
     "{path}：没有一行是 JSON 对象；第 {line} 行：{reason}"),
    (r"^(?P<path>.+?): no JSON object on any line$", "{path}：没有一行是 JSON 对象"),
    (r"^(?P<path>.+?): columns (?P<columns>\[.*\]) match no channel \(expected e\.g\. (?P<expected>.*)\)$",
     "{path}：列名 {columns} 对不上任何渠道的导出格式（应有如下各列，{expected}）"),
    (r"^(?P<path>.+?): column (?P<column>'[^']*') appears (?P<times>twice|\d+ times) \(columns (?P<at>[\d, ]+)\): "
     r"keep one, so that it is clear which holds the (?P<field>\w+)$",
     "{path}：列 {column} 出现了 {times} 次（第 {at} 列）：请只留一列，以免分不清"),
    (r"^(?P<path>.+?): looks like a (?P<channel>\w+) export but lacks the column (?P<what>.+)$",
     "{path}：像是{channel}导出文件，但缺少 {what} 列"),
]]


def error_in_chinese(message: str | None) -> str | None:
    """A file-level ingest error in Chinese; unchanged where no pattern knows it."""
    if not message:
        return message
    return _translated(message, ERRORS, _error_values)


def _error_values(values: dict) -> dict:
    if "channel" in values:
        values["channel"] = _CHANNELS.get(values["channel"], values["channel"])
    if "times" in values:
        values["times"] = "2" if values["times"] == "twice" else values["times"].removesuffix(" times")
    if "what" in values:   # 诉求内容 (or 来电内容 / 工单内容) → 诉求内容（或 来电内容 / 工单内容）
        values["what"] = re.sub(r" \(or (.*?)\)", r"（或 \1）", values["what"]).replace(", ", "、")
    if "expected" in values:   # hotline: 工单编号, 来电时间; grid: … → 12345热线：工单编号、来电时间；网格：…
        values["expected"] = re.sub(r"\b(hotline|petition|grid): ", lambda m: _CHANNELS[m[1]] + "：",
                                    values["expected"]).replace("; ", "；").replace(", ", "、")
    if "reason" in values:
        values["reason"] = in_chinese(values["reason"])
    return values
