import pickle
import random

import pytest

from features.pii import MASKS
from features.tokenize import NUM, SEGMENTERS, RiskTokenizer, shown_term


@pytest.fixture(scope="module", params=SEGMENTERS)
def tokenizer(request):
    return RiskTokenizer(segmenter=request.param)


@pytest.mark.parametrize(
    "text, words",
    [
        ("拖欠农民工工资", ["拖欠", "农民工工资"]),
        ("包工头跑路了", ["包工头", "跑路"]),
        ("涉嫌非法集资", ["非法集资"]),
        ("小区成了烂尾楼", ["烂尾楼"]),
        ("开发商延期交房", ["开发商", "延期交房"]),
        ("P2P网贷平台爆雷", ["p2p", "网贷平台", "爆雷"]),  # lowercased, latin word kept whole
        ("拨打12345反映", ["12345"]),  # a dictionary number is not <num>
    ],
)
def test_domain_words_stay_whole(tokenizer, text, words):
    tokens = tokenizer.tokenize(text)
    for word in words:
        assert word in tokens


def test_stop_words_and_punctuation_are_dropped_but_negation_kept(tokenizer):
    tokens = tokenizer.tokenize("尊敬的领导您好：我们的工资没有发，老板不给！")
    assert "的" not in tokens and "您好" not in tokens and "：" not in tokens and "," not in tokens
    assert "没有" in tokens and "不" in tokens


@pytest.mark.parametrize(
    "text, expected",
    [
        ("欠46800元", ["欠", NUM, "元"]),
        ("借款1,200元", ["借款", NUM, "元"]),  # the thousands comma does not split the number
        ("电话[手机号]", ["电话", "[手机号]"]),  # placeholder stays one token
        *((f"号码{mask}", ["号码", mask]) for mask in MASKS),  # every placeholder mask_pii writes
    ],
)
def test_numbers_and_placeholders(tokenizer, text, expected):
    assert tokenizer.tokenize(text) == expected


@pytest.mark.parametrize(
    "term, shown",
    [
        ("欠薪", True),
        ("12345", True),  # a dictionary number is a word
        ("num", True),
        (NUM, False),
        ("一共<num>", False),  # a bigram glued to a placeholder, as explain() joins it
        ("一共 <num>", False),
        ("<num>元", False),
        ("[手机号]", False),
        ("电话[手机号]", False),
        ("[银行卡号]", False),
        ("护照[证件号]", False),
        ("坏", False),  # a single character reads as a broken word
        ("当", False),
        ("A", False),
        ("业主反映", False),  # words of how a report travels, not of what it is about
        ("上报住建部门", False),
        ("派出所通报", False),
        ("住建部门", True),
        ("某某", False),  # a withheld name
        ("刘某某", False),
        ("墙面到处", False),  # how much, how often, when: no reason (as analysts met them)
        ("发过几次", False),
        ("几次生活费", False),
        ("当日", False),
        ("生活费", True),
    ],
)
def test_placeholders_and_terms_holding_one_are_not_shown(term, shown):
    assert shown_term(term) is shown


def test_words_with_marks_inside_are_cut_at_the_mark_by_both_engines(tokenizer):
    # jieba-rs alone would keep "baidu.com" and "e-mail" whole
    assert tokenizer.tokenize("登录baidu.com发e-mail") == ["登录", "baidu", "com", "发", "e", "mail"]


def test_tokens_do_not_change_once_punctuation_pieces_are_learnt(tokenizer):
    # The tokenizer remembers the punctuation pieces it meets to drop them faster next time: the
    # second pass over the same texts (all pieces known) must give what the first gave.
    texts = ["老板跑了……！！工资呢？？", "登录baidu.com发e-mail，——急！", "的的的，。、“”", "欠薪!!!!!!!!!!"]
    first = [tokenizer.tokenize(t) for t in texts]
    assert [tokenizer.tokenize(t) for t in texts] == first
    assert first[0] == ["老板", "跑", "工资"] and first[1] == ["登录", "baidu", "com", "发", "e", "mail", "急"]
    assert first[2] == [] and first[3] == ["欠薪"]


def test_both_engines_give_the_same_tokens():
    # They differ only where two routes score within a hair of each other (胜利路 vs 胜利 路: our
    # re-weighted dictionary words move jieba's total frequency a little differently in each):
    # a few dozen tokens in a million on real messages.
    rng = random.Random(3)
    phrases = ["包工头拖欠二十多名农民工的工资", "开发商逾期交房三年", "小区楼上邻居漏水吵架", "理财平台爆雷无法兑付本金",
               "借条上写明月息两分", "网址是www.example.com", "宅基地纠纷", "赡养老人问题", "来电人反映",
               "工地项目部不发工资", "高利贷暴力催收", "P2P网贷平台跑路", "房产证办不下来", "非法集资诈骗老人"]
    texts = ["，".join(rng.choices(phrases, k=rng.randint(1, 8))) for _ in range(300)]
    rust, python = RiskTokenizer(), RiskTokenizer(segmenter="jieba")
    assert rust.tokenize_many(texts) == python.tokenize_many(texts)


def test_an_unknown_segmenter_is_a_clear_error():
    with pytest.raises(ValueError, match="segmenter 'thulac': expected one of rjieba, jieba"):
        RiskTokenizer(segmenter="thulac")


def test_version_is_stable_and_depends_on_the_words():
    assert RiskTokenizer().version == RiskTokenizer().version
    assert RiskTokenizer().version.startswith("rjieba-")
    assert RiskTokenizer(segmenter="jieba").version.startswith("jieba-")
    assert RiskTokenizer(extra_words=["锦绣华庭"]).version != RiskTokenizer().version


def test_extra_words_stay_whole():
    assert "锦绣华庭" in RiskTokenizer(extra_words=["锦绣华庭"]).tokenize("锦绣华庭业主")


def test_tokenizer_pickles_after_use(tokenizer):
    tokenizer.tokenize("先用一次")
    copy = pickle.loads(pickle.dumps(tokenizer))
    assert copy.tokenize("拖欠工资") == tokenizer.tokenize("拖欠工资")


def test_tokenize_does_not_touch_the_global_jieba(tokenizer):
    import jieba

    tokenizer.tokenize("农民工工资")
    assert "农民工工资" not in jieba.dt.FREQ


def test_two_workers_give_the_same_tokens_as_one(tokenizer):
    rng = random.Random(7)
    phrases = ["拖欠农民工工资", "46800元", "开发商延期交房", "邻居楼上漏水", "p2p平台爆雷", "尊敬的领导", "[手机号]"]
    texts = ["，".join(rng.choices(phrases, k=rng.randint(1, 6))) for _ in range(3000)]
    assert tokenizer.tokenize_many(texts, workers=2) == tokenizer.tokenize_many(texts, workers=1)


@pytest.mark.parametrize("ngram, text, together", [
    ("拖欠 工资", "老板拖欠工资三个月", True),
    ("银行 贷款", "还银行的贷款", True),       # a particle between them
    ("挡住 采光", "挡住了采光", True),
    ("有人 家里", "有人说，家里的钱", False),  # a mark and a word between them
    ("业务员 小区", "业务员到小区推销", False),  # a word between them, not a particle
    ("银行 贷款", "银行", False),
    ("欠薪", "无关的文本", True),               # one word: always
])
def test_a_word_pair_is_written_together_only_where_its_words_stand_together(ngram, text, together):
    from features.tokenize import written_together

    assert written_together(ngram, text) is together
