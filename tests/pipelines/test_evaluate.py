"""`shaobing evaluate` on a city's own labelled files: every bad row named, labels matched in any
case, a label the model does not have warned about and scored, macro-F1 over the labels in play."""
from __future__ import annotations

import json

import pytest

from pipelines import cli
from pipelines.evaluate import read_labelled

WAGES = ["包工头拖欠{}名工人工资，讨薪无门", "工地老板欠薪{}个月不发", "农民工工资被拖欠了{}个月", "项目完工{}天了工钱还没结"]
DEBTS = ["朋友借款{}万元到期不还", "对方写了借条欠款{}万拒不归还", "货款{}万元一直拖欠不付", "借钱{}万给邻村老板，现在人找不到了"]
OTHER = ["小区路灯坏了{}盏没人修", "咨询{}岁老人的养老保险政策", "公交车站{}路站牌看不清", "图书馆周末开放到{}点吗"]


def _write(path, rows, header="text,labels"):
    path.write_text(header + "\n" + "\n".join(f"{t},{lab}" for t, lab in rows) + "\n", encoding="utf-8")
    return path


def _rows(n, debt_label="debt"):
    out = []
    for i in range(n):
        out += [(WAGES[i % 4].format(i + 2), "wage_arrears"), (DEBTS[i % 4].format(i + 2), debt_label),
                (OTHER[i % 4].format(i + 2), "none")]
    return out


def test_a_label_in_another_case_is_the_category_and_one_the_model_lacks_is_warned_about(home, tmp_path, capsys):
    train = _write(tmp_path / "train.csv", _rows(12))
    test = _write(tmp_path / "test.csv", _rows(2, debt_label="Debt") + [("平台爆雷了，理财的钱取不出来", "finance")])
    assert cli.main(["evaluate", "--json", "--train", str(train), "--test", str(test)]) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)                        # stdout holds the one JSON object, warnings go to stderr
    assert set(result["labels"]) == {"wage_arrears", "debt", "finance"}   # Debt is debt, not a 4th category
    assert result["labels"]["debt"]["support"] == 2 and result["labels"]["finance"]["support"] == 1
    assert result["labels"]["finance"]["f1"] == 0.0 and "finance" in result["macro_labels"]
    assert err.startswith(f"warning: {test}: label 'finance' (rows 8, column labels) is not a category of the "
                          "training file train.csv: it cannot be predicted and scores F1 0")
    assert result["warnings"] == [err.strip().removeprefix("warning: ")]


def test_macro_f1_leaves_out_a_category_the_test_file_never_has_and_says_so(home, tmp_path, capsys):
    train = _write(tmp_path / "train.csv", _rows(12))
    # rows of the training file itself: wage arrears and nothing, no debt to predict
    test = _write(tmp_path / "test.csv", [(WAGES[0].format(2), "wage_arrears"), (OTHER[0].format(2), "none")])
    assert cli.main(["evaluate", "--train", str(train), "--test", str(test)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines[1:3]] == [["debt", "0"], ["wage_arrears", "1"]]  # listed, support 0
    assert lines[-2].startswith("macro-F1 1.000")         # wage_arrears alone, found
    assert lines[-1] == "macro-F1 leaves out debt: never in the test file and never predicted"


def test_every_bad_row_of_a_labelled_file_is_named_in_file_order(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text('text,labels\n欠薪,wage_arrears\n,debt\n借款不还,debt,extra\n"没有结束的引号,debt\n', encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        read_labelled(f)
    lines = str(exc.value).splitlines()
    assert lines[0] == f"{f}: row 3, column text: empty"
    assert lines[1] == f"{f}: row 4: has 3 fields, the header has 2"
    assert len(lines) == 3 and lines[2].startswith(f"{f}: row 5")


def test_a_long_list_of_bad_rows_is_cut_with_a_count(tmp_path):
    f = _write(tmp_path / "empty_texts.csv", [("", "debt")] * 25)
    with pytest.raises(SystemExit) as exc:
        read_labelled(f)
    lines = str(exc.value).splitlines()
    assert len(lines) == 21 and lines[-1] == "… and 5 more"


def test_labels_are_read_as_labels_import_reads_them(tmp_path):
    # 无 is none, 劳资欠薪 is wage_arrears, Debt is debt, '；' and '、' separate; a city's own label stays
    f = _write(tmp_path / "t.csv", [("甲", "无"), ("乙", "劳资欠薪；Debt"), ("丙", "wage_arrears、债务纠纷"), ("丁", "城乡建设")])
    assert read_labelled(f).labels == [[], ["wage_arrears", "debt"], ["wage_arrears", "debt"], ["城乡建设"]]
    single = _write(tmp_path / "s.csv", [("甲", "无"), ("乙", "劳资欠薪"), ("丙", "劳动和社会保障")], header="text,label")
    assert read_labelled(single).labels == [[], ["wage_arrears"], ["劳动和社会保障"]]


def test_a_training_file_that_spells_a_category_two_ways_learns_it_once(home, tmp_path, capsys):
    rows = _rows(12)
    rows = [(t, "Debt" if lab == "debt" and i % 2 else lab) for i, (t, lab) in enumerate(rows)]
    train = _write(tmp_path / "train.csv", rows)
    test = _write(tmp_path / "test.csv", _rows(2))
    assert cli.main(["evaluate", "--json", "--train", str(train), "--test", str(test)]) == 0
    assert set(json.loads(capsys.readouterr().out)["labels"]) == {"wage_arrears", "debt"}


def test_a_training_file_with_a_misspelt_category_is_warned_about_naming_its_rows(home, tmp_path, capsys):
    rows = _rows(12)
    rows[3] = (rows[3][0], "劳资 欠薪")      # row 5 of the file: a space in the Chinese name
    rows[6] = (rows[6][0], "wage-arrears")   # row 8
    train = _write(tmp_path / "train.csv", rows)
    test = _write(tmp_path / "test.csv", _rows(2))
    assert cli.main(["evaluate", "--json", "--train", str(train), "--test", str(test)]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert [w.split(": label ")[1].split(" is ")[0] for w in warnings[:2]] == [
        "'劳资 欠薪' (rows 5, column labels)", "'wage-arrears' (rows 8, column labels)"]
    assert all("learnt as a category of its own" in w for w in warnings[:2])
    departments = _write(tmp_path / "departments.csv", [("工地欠薪", "劳动和社会保障"), ("路灯坏了", "城乡建设")] * 6)
    assert cli.main(["evaluate", "--json", "--train", str(departments), "--test", str(departments)]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []   # a city's own labels only: nothing stray


def test_a_one_label_file_with_rows_of_no_risk_is_scored_as_the_same_file_with_labels(home, tmp_path, capsys):
    # a test file headed 标签 (one label a row) whose none rows the model was forced to give a category:
    # macro-F1 0.335 where the same rows headed 多标签 scored 0.939
    scores = {}
    for header in ("text,labels", "text,label"):
        train = _write(tmp_path / f"train_{header[5:]}.csv", _rows(12), header=header)
        test = _write(tmp_path / f"{header[5:]}.csv", _rows(4), header=header)
        assert cli.main(["evaluate", "--json", "--train", str(train), "--test", str(test)]) == 0
        scores[header] = json.loads(capsys.readouterr().out)["macro_f1"]
    assert scores["text,label"] == pytest.approx(scores["text,labels"], abs=0.05)


def test_a_message_boards_export_is_read_by_its_chinese_column_names(tmp_path):
    # 留言主题 / 留言详情 / 一级标签, as a message board exports them: the title before the text
    f = tmp_path / "board.csv"
    f.write_text("留言编号,留言主题,留言详情,一级标签\n1,工资问题,工地拖欠工资三个月,劳动和社会保障\n"
                 "2,路灯,小区路灯坏了,城乡建设\n", encoding="utf-8")
    data = read_labelled(f)
    assert data.single and data.column == "一级标签"
    assert data.texts == ["工资问题。工地拖欠工资三个月", "路灯。小区路灯坏了"]
    assert data.labels == [["劳动和社会保障"], ["城乡建设"]]
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("编号,说明\n1,x\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"expected columns text \(内容, 文本, .*found \['编号', '说明'\]"):
        read_labelled(wrong)


def test_headers_are_matched_as_ingest_matches_them(tmp_path):
    # a required-mark, a note in brackets, an export's own name (来电内容): read as ingest reads them
    f = tmp_path / "marked.csv"
    f.write_text("*来电内容,标签（人工）\n工地拖欠工资,劳资欠薪\n", encoding="utf-8")
    assert read_labelled(f).labels == [["wage_arrears"]]
    # a file's own row numbers are no report's: labels import keys id,text,labels files by their text
    from pipelines.labels import find_column

    assert find_column(["id", "text", "labels"], "report_id") is None
    assert find_column(["工单号", "标签"], "report_id") == 0
