import json

import numpy as np
import pytest

from models.evaluation import brier, labels_to_matrix, macro_f1, micro_f1, per_label_report, summary_dict

LABELS = ["wage_arrears", "debt", "finance"]
Y_TRUE = [["wage_arrears"], ["debt"], ["wage_arrears", "debt"], ["none"]]
Y_PRED = [["wage_arrears"], ["wage_arrears"], ["debt"], ["finance"]]
# wage_arrears: tp=1 (row 0), fp=1 (row 1), fn=1 (row 2) -> P=1/2, R=1/2, F1=1/2, support 2
# debt:         tp=1 (row 2), fp=0, fn=1 (row 1)          -> P=1, R=1/2, F1=2/3, support 2
# finance:      tp=0, fp=1 (row 3, truly 'none'), fn=0    -> P=R=F1=0, support 0
# macro = (1/2 + 2/3 + 0)/3 = 7/18; micro: tp=2, fp=2, fn=2 -> 2*2/(2*2+2+2) = 1/2


def test_per_label_report_on_a_hand_computed_example():
    report = per_label_report(Y_TRUE, Y_PRED, LABELS)
    assert report.columns == ["label", "support", "precision", "recall", "f1"]
    assert report["support"].to_list() == [2, 2, 0]
    assert report["precision"].to_list() == pytest.approx([0.5, 1.0, 0.0])
    assert report["recall"].to_list() == pytest.approx([0.5, 0.5, 0.0])
    assert report["f1"].to_list() == pytest.approx([0.5, 2 / 3, 0.0])


def test_macro_and_micro_f1_on_a_hand_computed_example():
    assert macro_f1(Y_TRUE, Y_PRED, LABELS) == pytest.approx(7 / 18)
    assert micro_f1(Y_TRUE, Y_PRED, LABELS) == pytest.approx(0.5)


def test_macro_f1_leaves_out_a_label_never_true_nor_predicted():
    # real_estate: no row has it, none is predicted — no F1 to average (sklearn without labels=)
    from sklearn.metrics import f1_score

    labels = [*LABELS, "real_estate"]
    assert macro_f1(Y_TRUE, Y_PRED, labels) == pytest.approx(7 / 18)
    T, P = labels_to_matrix(Y_TRUE, LABELS), labels_to_matrix(Y_PRED, LABELS)
    assert macro_f1(Y_TRUE, Y_PRED, labels) == pytest.approx(f1_score(T, P, average="macro", zero_division=0))
    assert summary_dict(Y_TRUE, Y_PRED, labels)["macro_labels"] == LABELS
    assert macro_f1([["debt"]] * 3, [["debt"]] * 3, labels) == 1.0   # one topic, all right
    assert macro_f1([[]], [["none"]], labels) == 0.0


@pytest.mark.parametrize("y_true, y_pred, expected", [
    (["debt", "none", "finance"], ["debt", "debt", "finance"], 2 * 2 / (2 * 2 + 1)),  # multi-class rows
    ([[], [""]], [["none"], []], 0.0),  # nothing true, nothing predicted: no denominator, 0
])
def test_micro_f1_accepts_single_labels_and_no_label_spellings(y_true, y_pred, expected):
    assert micro_f1(y_true, y_pred, LABELS) == pytest.approx(expected)


def test_brier_per_category():
    truth = labels_to_matrix([["debt"], []], ["debt", "finance"])
    # debt: ((0.8-1)^2 + (0.4-0)^2)/2 = 0.1; finance: (0.5^2 + 0)/2 = 0.125
    assert brier(truth, np.array([[0.8, 0.5], [0.4, 0.0]])).tolist() == pytest.approx([0.1, 0.125])


def test_summary_dict_is_json_serialisable():
    summary = summary_dict(Y_TRUE, Y_PRED, LABELS, proba=np.full((4, 3), 0.5))
    assert json.loads(json.dumps(summary)) == summary
    assert summary["n"] == 4 and summary["labels"]["debt"]["support"] == 2
    assert summary["brier"]["finance"] == pytest.approx(0.25)
