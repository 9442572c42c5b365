import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils import estimator_checks as checks
from sklearn.utils import get_tags

from features.tokenize import FILLER_WORDS, PROCESS_WORDS
from models.classifier import LexiconScorer, RiskClassifier, TokenCharTfidf

CATEGORIES = ["wage_arrears", "debt", "family_neighbour", "finance"]
WORDS = {
    "wage_arrears": "包工头 拖欠 工资 工地 农民工",
    "debt": "借条 借款 不还 利息 催收",
    "family_neighbour": "楼上 邻居 漏水 噪音 吵架",
    "finance": "理财 平台 兑付 本金 投资人",
}
FILLER = "反映 情况 希望 尽快 处理 相关 部门 核实".split()


def toy_corpus(n_per_category=10, seed=0):
    rng = np.random.default_rng(seed)
    docs, Y = [], []
    for k, cat in enumerate(CATEGORIES):
        for _ in range(n_per_category):
            words = list(rng.choice(WORDS[cat].split(), 3, replace=False)) + list(rng.choice(FILLER, 3))
            docs.append(" ".join(rng.permutation(words)))
            Y.append([int(j == k) for j in range(len(CATEGORIES))])
    return docs, np.array(Y)


@pytest.fixture(scope="module")
def fitted():
    docs, Y = toy_corpus()
    return RiskClassifier(categories=CATEGORIES).fit(docs, Y), docs, Y


def test_classifier_learns_a_toy_four_category_problem(fitted):
    model, _, _ = fitted
    new = ["包工头 拖欠 工资", "借条 利息 不还", "楼上 漏水 邻居", "平台 兑付 本金"]
    assert model.predict(new).tolist() == np.eye(4, dtype=int).tolist()
    assert model.classes_ == CATEGORIES
    assert model.predict_proba(new).shape == (4, 4)


def test_thresholds_are_strictly_between_zero_and_one(fitted):
    model, _, _ = fitted
    assert ((model.thresholds_ > 0) & (model.thresholds_ < 1)).all()


def test_explain_returns_terms_found_in_each_document(fitted):
    model, docs, _ = fitted
    for doc, reasons in zip(docs[:8], model.explain(docs[:8], top=3)):
        assert set(reasons) == set(CATEGORIES)
        assert all(len(terms) <= 3 and all(t in doc.replace(" ", "") for t in terms)
                   for terms in reasons.values())
    assert model.explain(["包工头 拖欠 工资"])[0]["wage_arrears"]


def _explain_row_by_row(model, docs, top):
    """The definition of explain(): each document's word n-grams by contribution, one at a time."""
    W = model.word_vectorizer_.transform(docs).tocsr()
    out = []
    for i, doc in enumerate(docs):
        row, reasons = W.getrow(i), {}
        for k, cat in enumerate(model.classes_):
            terms, est = [], model.estimators_[k]
            if est is not None and row.nnz:
                contrib = est.coef_[0, : W.shape[1]][row.indices] * row.data
                for j in np.argsort(-contrib, kind="stable"):
                    if contrib[j] <= 0 or len(terms) >= top:
                        break
                    feature = model.word_features_[row.indices[j]]
                    term = feature.replace(" ", "")
                    one_char_word = min(map(len, feature.split(" "))) < 2   # alone or in a pair
                    process = any(w in term for w in PROCESS_WORDS + FILLER_WORDS) or "某某" in term  # 反映, 到处 …, 刘某某
                    if term not in terms and "<num>" not in term and "[手机号]" not in term and not one_char_word \
                            and not process:
                        terms.append(term)
            lexicon = model.lexicon_scorer_.terms_found(doc, cat) if model.lexicon_scorer_ else []
            extra = [t for t in lexicon if t not in terms]
            reasons[cat] = terms + extra[: max(0, top - len(terms))]
        out.append(reasons)
    return out


def test_explain_at_once_equals_explaining_row_by_row_and_score_explains_the_flags(fitted):
    model, docs, _ = fitted
    docs = docs + ["包工头 拖欠 工资 工资 借条", "", "没有 认识 的 词", "理财 平台 兑付 本金 邻居"]
    for top in (1, 3, 5):
        assert model.explain(docs, top=top) == _explain_row_by_row(model, docs, top)
    proba, flags, why = model.score(docs, top=3)
    np.testing.assert_allclose(proba, model.predict_proba(docs))
    assert (flags == (model.predict(docs) == 1)).all()
    full = model.explain(docs, top=3)
    assert why == [{c: full[i][c] for k, c in enumerate(model.classes_) if flags[i, k]} for i in range(len(docs))]


def fitted_with(words: str, category: str, **params):
    """The toy corpus with ``words`` added to every report of ``category``, a model fitted on it
    (no lexicon), and that category's weight of each word n-gram."""
    docs, Y = toy_corpus()
    k = CATEGORIES.index(category)
    docs = [d + " " + words if y[k] else d for d, y in zip(docs, Y)]
    model = RiskClassifier(categories=CATEGORIES, use_lexicon=False, **params).fit(docs, Y)
    return model, docs, Y, dict(zip(model.word_features_, model.estimators_[k].coef_[0]))


def test_placeholders_weigh_in_the_score_but_are_never_given_as_reasons():
    # every wage report names an amount and a phone: <num> and [手机号] are among its strongest features
    model, docs, Y, weights = fitted_with("一共 <num> 元 电话 [手机号]", "wage_arrears")
    assert weights["<num>"] > 0 and weights["一共 <num>"] > 0
    for top in (3, 10):
        reasons = [r["wage_arrears"] for r in model.explain(docs[:10], top=top)]
        assert all(reasons)
        assert not [t for ts in reasons for t in ts if "<num>" in t or "[手机号]" in t]
    assert model.explain(docs, top=10) == _explain_row_by_row(model, docs, 10)


def test_a_one_character_word_is_never_given_as_a_reason_alone_or_in_a_pair():
    # every debt report says 要 还 (two words glued: 要还) next to its other words
    model, docs, Y, weights = fitted_with("要 还 对方 拖欠", "debt")
    assert weights["要 还"] > 0 and weights["对方 拖欠"] > 0
    shown = {t for r in model.explain([d for d, y in zip(docs, Y) if y[1]], top=30) for t in r["debt"]}
    assert "要还" not in shown and "还对方" not in shown
    assert "对方拖欠" in shown and "对方" in shown   # a pair of words, and words alone, are
    assert "要" not in shown and "还" not in shown   # a one-character word is not, even alone


def test_a_word_pair_is_given_as_a_reason_only_where_the_text_has_its_words_together():
    # every debt report holds 对方 拖欠 (tokens: the stop words and marks between them are gone)
    model, docs, Y, weights = fitted_with("对方 拖欠", "debt")
    assert weights["对方 拖欠"] > 0
    debt = [d for d, y in zip(docs, Y) if y[1]][:6]

    def shown(texts):
        return {t for r in model.explain(debt, top=30, texts=texts) for t in r["debt"]}

    assert "对方拖欠" in shown(None)                           # no texts: as before
    assert "对方拖欠" in shown(["对方拖欠了工钱"] * 6)          # together
    assert "对方拖欠" in shown(["对方的拖欠"] * 6)              # a particle between them
    assert "对方拖欠" not in shown(["对方说，拖欠的事"] * 6)     # apart in the text
    assert "对方" in shown(["对方说，拖欠的事"] * 6)           # its words alone still are
    proba, flags, why = model.score(debt, top=30, texts=["对方说，拖欠的事"] * 6)
    assert all("对方拖欠" not in r.get("debt", []) for r in why)
    with pytest.raises(ValueError, match="5 texts for 6 documents"):
        model.explain(debt, texts=["对方"] * 5)


def test_hidden_words_weigh_in_but_are_never_given_as_reasons_alone_or_in_a_pair():
    plain, docs, Y, weights = fitted_with("溪山县 包工头", "wage_arrears")
    wage = [d for d, y in zip(docs, Y) if y[0]]
    shown = {t for r in plain.explain(wage, top=30) for t in r["wage_arrears"]}
    assert weights["溪山县"] > 0 and ("溪山县" in shown or "溪山县包工头" in shown)   # without hiding, a reason
    model = fitted_with("溪山县 包工头", "wage_arrears", hidden_words=("溪山县",))[0]
    shown = {t for r in model.explain(wage, top=30) for t in r["wage_arrears"]}
    assert not [t for t in shown if "溪山县" in t] and "包工头" in shown
    assert (model.predict(wage)[:, 0] == 1).all()


def test_nb_scaling_is_folded_into_plain_coefficients_and_favours_the_categorys_own_terms():
    docs, Y = toy_corpus()
    scaled = RiskClassifier(categories=CATEGORIES, use_lexicon=False).fit(docs, Y)
    plain = RiskClassifier(categories=CATEGORIES, use_lexicon=False, nb_alpha=None).fit(docs, Y)
    Z = scaled._features(np.array(docs, dtype=object))
    for k, model in enumerate(scaled.estimators_):
        # the stored model scores unscaled features: the same as a regression fitted on scaled ones
        scale = scaled._nb_scale(Z, Y[:, k])
        assert scale.min() == 1.0 and scale.max() > 1.0
        Zs = Z.copy()
        Zs.data *= scale[Zs.indices]
        direct = plain.estimators_[k].__class__(**model.get_params()).fit(Zs, Y[:, k])
        np.testing.assert_allclose(Z @ model.coef_.ravel(), Zs @ direct.coef_.ravel(), rtol=1e-4, atol=1e-5)
        # a category's own words are scaled up, filler words (in every category) are not
        own = [scaled.word_vectorizer_.vocabulary_[w] for w in WORDS[CATEGORIES[k]].split()]
        filler = [scaled.word_vectorizer_.vocabulary_[w] for w in FILLER]
        assert scale[own].min() > 1.0 and np.allclose(scale[filler], 1.0)
    assert not np.allclose(scaled.estimators_[0].coef_, plain.estimators_[0].coef_)


def imbalanced_corpus(n, seed):
    """Mostly filler complaints, one in ten about unpaid wages, some of those worded vaguely."""
    rng = np.random.default_rng(seed)
    docs, y = [], []
    for _ in range(n):
        pos = rng.random() < 0.1
        k = int(rng.integers(0, 3)) if pos else 0
        words = list(rng.choice(WORDS["wage_arrears"].split(), k, replace=False)) + list(rng.choice(FILLER, 5))
        words += list(rng.choice(WORDS["family_neighbour"].split(), 1)) if rng.random() < 0.5 else []
        docs.append(" ".join(rng.permutation(words)))
        y.append(int(pos))
    return docs, np.array(y).reshape(-1, 1)


def test_lexicon_columns_only_for_the_learnt_categories_that_have_a_lexicon():
    docs, Y = toy_corpus()
    ours = RiskClassifier(categories=CATEGORIES).fit(docs, Y)
    assert ours.lexicon_scorer_.classes_ == CATEGORIES
    # a city's own labels: the risk lexicons say nothing about them, so no lexicon block at all
    departments = ["城乡建设", "交通运输", "教育文体", "卫生计生"]
    theirs = RiskClassifier(categories=departments).fit(docs, Y)
    assert theirs.lexicon_scorer_ is None
    n_text = len(theirs.word_vectorizer_.vocabulary_) + len(theirs.char_vectorizer_.vocabulary_)
    assert theirs.estimators_[0].coef_.shape[1] == n_text
    # a mix: only the taxonomy category's column
    mixed = RiskClassifier(categories=["wage_arrears", "交通运输", "教育文体", "卫生计生"]).fit(docs, Y)
    assert mixed.lexicon_scorer_.classes_ == ["wage_arrears"]
    assert mixed.estimators_[0].coef_.shape[1] == n_text + 1
    assert mixed.explain(["包工头 拖欠 工资"])[0]["wage_arrears"]


def test_probabilities_are_calibrated_on_out_of_fold_scores_without_changing_any_flag():
    from models.classifier import _logit, _proba

    docs, Y = imbalanced_corpus(600, seed=1)
    model = RiskClassifier(categories=["wage_arrears"], use_lexicon=False).fit(docs, Y)
    test, truth = imbalanced_corpus(600, seed=2)
    calibrated = model.predict_proba(test)[:, 0]
    raw = _proba(model.estimators_[0], model._features(np.array(test, dtype=object)))
    # balanced class weights push the raw probabilities up; the calibrated ones are closer to truth
    brier = lambda p: float(np.mean((p - truth[:, 0]) ** 2))  # noqa: E731
    assert brier(calibrated) < brier(raw)
    assert abs(calibrated.mean() - truth.mean()) < abs(raw.mean() - truth.mean())
    # the map is increasing and the threshold went through it: flags are those of the raw scores
    a, b = model.calibration_[0]
    raw_threshold = 1 / (1 + np.exp(-(_logit(model.thresholds_[0]) - b) / a))
    assert a > 0 and 0 < model.thresholds_[0] < 1
    np.testing.assert_array_equal(model.predict(test)[:, 0], raw >= raw_threshold - 1e-9)


def test_a_category_without_positives_gets_a_constant_zero_model_without_a_lexicon():
    docs, Y = toy_corpus()
    Y[:, 3] = 0
    model = RiskClassifier(categories=CATEGORIES, use_lexicon=False).fit(docs, Y)
    assert model.estimators_[3] is None
    assert (model.predict_proba(docs)[:, 3] == 0).all() and (model.predict(docs)[:, 3] == 0).all()


def test_a_lexicon_category_without_positives_is_scored_by_its_lexicon():
    # an export system that never files anything under a category: its lexicon still flags it
    docs, Y = toy_corpus()
    Y[:, 3] = 0
    model = RiskClassifier(categories=CATEGORIES).fit(docs, Y)
    cat = CATEGORIES[3]
    lexicon = LexiconScorer().fit()
    new = ["平台 爆雷 理财 资金 无法 兑付 非法集资", "楼上 邻居 装修 噪音"]
    expected = lexicon.predict_proba(new)[:, lexicon.classes_.index(cat)]
    np.testing.assert_allclose(model.predict_proba(new)[:, 3], expected)
    assert model.predict(new)[:, 3].tolist() == (expected >= 0.5).astype(int).tolist() == [1, 0]
    proba, flags, why = model.score(new)
    assert flags[0, 3] and why[0][cat] and all(t in "".join(new[0].split()) for t in why[0][cat])
    # the categories that had positives are untouched
    np.testing.assert_allclose(model.predict_proba(docs)[:, :3],
                               RiskClassifier(categories=CATEGORIES).fit(docs, Y).predict_proba(docs)[:, :3])


def test_the_lexicon_scorer_scores_like_a_classifier():
    scorer = LexiconScorer().fit()
    docs = ["包工头 拖欠 工人 工资 三个月 要求 讨薪", "晚上 广场舞 噪音 太 大"]
    proba, flags, why = scorer.score(docs, top=2)
    np.testing.assert_array_equal(proba, scorer.predict_proba(docs))
    np.testing.assert_array_equal(flags, scorer.predict(docs).astype(bool))
    wage = scorer.classes_.index("wage_arrears")
    assert flags[0, wage] and not flags[1].any()
    assert why[0]["wage_arrears"] == scorer.terms_found(docs[0], "wage_arrears")[:2] and why[1] == {}


def test_wrong_label_matrix_shape_is_a_clear_error():
    with pytest.raises(ValueError, match="n_categories"):
        RiskClassifier(categories=CATEGORIES).fit(["a b", "c d"], np.zeros((2, 3)))


def test_a_row_weight_is_its_share_of_c():
    # The loss of a row weighs C x weight: all rows at 0.25 with C = 4 is the model of C = 1.
    docs, Y = toy_corpus()
    weighted = RiskClassifier(categories=CATEGORIES, C=4.0, tol=1e-8, max_iter=5000).fit(
        docs, Y, sample_weight=np.full(len(docs), 0.25))
    plain = RiskClassifier(categories=CATEGORIES, C=1.0, tol=1e-8, max_iter=5000).fit(docs, Y)
    np.testing.assert_allclose(weighted.predict_proba(docs), plain.predict_proba(docs), atol=1e-4)
    for w, p in zip(weighted.estimators_, plain.estimators_):
        np.testing.assert_allclose(w.coef_, p.coef_, atol=1e-4)
    unweighted = RiskClassifier(categories=CATEGORIES, C=4.0, tol=1e-8, max_iter=5000).fit(docs, Y)
    # (the calibration map absorbs much of C in the probabilities; the coefficients show it)
    assert np.abs(unweighted.estimators_[0].coef_).sum() > 1.2 * np.abs(plain.estimators_[0].coef_).sum()


def test_a_heavier_row_pulls_the_model_its_way():
    # Two rows with the same words and opposite labels: the one weighted more decides.
    docs, Y = toy_corpus()
    docs = docs + ["理财 平台 兑付 借条", "理财 平台 兑付 借条"]
    Y = np.vstack([Y, [[0, 0, 0, 1], [0, 1, 0, 0]]])
    weight = np.ones(len(docs))
    weight[-2] = 8.0
    p = RiskClassifier(categories=CATEGORIES).fit(docs, Y, sample_weight=weight).predict_proba(["理财 平台 兑付 借条"])[0]
    weight[-2], weight[-1] = 1.0, 8.0
    q = RiskClassifier(categories=CATEGORIES).fit(docs, Y, sample_weight=weight).predict_proba(["理财 平台 兑付 借条"])[0]
    assert p[3] > q[3] and q[1] > p[1]


@pytest.mark.parametrize("weight, match", [(np.ones(3), "one weight per document"),
                                           (np.r_[np.ones(39), 0.0], "> 0"),
                                           (np.r_[np.ones(39), np.nan], "finite")])
def test_wrong_sample_weights_are_a_clear_error(weight, match):
    docs, Y = toy_corpus()
    with pytest.raises(ValueError, match=match):
        RiskClassifier(categories=CATEGORIES).fit(docs, Y, sample_weight=weight)


def test_fit_returns_self_and_is_deterministic():
    docs, Y = toy_corpus()
    a, b = RiskClassifier(categories=CATEGORIES), RiskClassifier(categories=CATEGORIES)
    assert a.fit(docs, Y) is a
    np.testing.assert_array_equal(a.predict_proba(docs), b.fit(docs, Y).predict_proba(docs))
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)


def test_clone_and_params_round_trip():
    model = RiskClassifier(categories=CATEGORIES, C=2.0)
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    assert copy.set_params(min_df=1).min_df == 1 and model.min_df == 2


@pytest.mark.parametrize("estimator", [RiskClassifier(), LexiconScorer(), TokenCharTfidf()])
def test_scoring_before_fit_raises_not_fitted(estimator):
    method = getattr(estimator, "predict_proba", None) or estimator.transform
    with pytest.raises(NotFittedError):
        method(["欠薪 工地"])


# parametrize_with_checks yields no check at all for an estimator whose tags say two_d_array=False
# (it only warns "Can't test estimator ..."), and ours take 1-D text. So the checks that need no
# data run here directly; fitting, clone, fit-returns-self, not-fitted and determinism are above.
@pytest.mark.parametrize("estimator", [RiskClassifier(), LexiconScorer(), TokenCharTfidf()],
                         ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("check", [
    checks.check_no_attributes_set_in_init, checks.check_get_params_invariance,
    checks.check_set_params, checks.check_parameters_default_constructible,
    checks.check_estimator_repr,
], ids=lambda c: c.__name__)
def test_sklearn_parameter_checks(estimator, check):
    check(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", [RiskClassifier(), LexiconScorer(), TokenCharTfidf()])
def test_estimators_declare_text_input(estimator):
    tags = get_tags(estimator)
    assert tags.input_tags.string and not tags.input_tags.two_d_array


@pytest.mark.parametrize("bad", [[["a", "b"]], [1, 2]])
def test_non_text_input_is_rejected(bad):
    with pytest.raises((ValueError, TypeError)):
        LexiconScorer().fit().transform(bad)


def test_lexicon_cold_start_ranks_wage_arrears_text_above_a_noise_complaint():
    scorer = LexiconScorer().fit()
    wage = scorer.classes_.index("wage_arrears")
    proba = scorer.predict_proba(["包工头 拖欠 工人 工资 三个月 要求 讨薪", "晚上 广场舞 噪音 太 大"])
    assert proba[0, wage] > 0.5 > proba[1, wage]
    assert ((proba >= 0) & (proba <= 1)).all()


@pytest.mark.parametrize("doc, expected", [
    ("欠薪", np.log1p(3.0)),
    ("拖欠 工资", np.log1p(1.0 + 1.0 + 3.0)),  # split by the tokenizer: 拖欠, 工资 and 拖欠工资 all match
    ("天气 很好", 0.0),
])
def test_lexicon_scores_are_log1p_of_the_weights_present(doc, expected):
    scorer = LexiconScorer({"wage": {"欠薪": 3.0, "拖欠": 1.0, "工资": 1.0, "拖欠工资": 3.0}}).fit()
    assert scorer.transform([doc])[0, 0] == pytest.approx(expected)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="拖欠工资欠薪农民工讨薪借款不还平台理财兑付楼上邻居 漏水房产证交房开发商aAp2", max_size=30),
                max_size=8))
def test_lexicon_scores_in_one_pass_equal_the_term_by_term_definition(docs):
    # overlapping terms (拖欠 / 拖欠工资 / 工资, 欠薪 inside 拖欠薪), repeats, spaces splitting a term
    scorer = LexiconScorer().fit()
    np.testing.assert_array_equal(scorer.transform(docs), scorer._transform_by_loop(docs))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="拖欠工资讨薪楼上 \t\n\u3000\x1c\xa0ab", max_size=25), min_size=1, max_size=8))
def test_word_ngrams_counted_in_polars_equal_the_vectorizer_s_own(docs):
    from models.classifier import word_tfidf

    train = ["拖欠 工资 讨薪 工资", "楼上 漏水", "a b 拖欠", "拖欠 工资", "b a"]
    for ngrams in ((1, 2), (1, 1), (2, 2)):
        vectorizer = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, ngram_range=ngrams, sublinear_tf=True,
                                     dtype=np.float32).fit(train)
        ours, theirs = word_tfidf(vectorizer, np.array(docs, dtype=object)), vectorizer.transform(docs)
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype and ours.has_sorted_indices
        np.testing.assert_array_equal(ours.toarray(), theirs.toarray())


def test_token_char_tfidf_equals_sklearn_char_wb():
    docs = ["拖欠 工资 农民工", "农民工 讨薪", "楼上 漏水 漏水", "", "农民工 工资 p2p"]
    ours = TokenCharTfidf(min_df=1).fit(docs)
    theirs = TfidfVectorizer(analyzer="char_wb", lowercase=False, ngram_range=(2, 3),
                             sublinear_tf=True).fit(docs)
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    new = ["农民工 拖欠", "未见过 的词"]
    np.testing.assert_allclose(ours.transform(new).toarray(), theirs.transform(new).toarray(), atol=1e-6)


def test_a_category_learnt_from_two_examples_does_not_flag_a_large_share_of_new_reports():
    # 200 everyday complaints of varied filler, two of them about a neighbour's noise: the
    # out-of-fold scores can all be equal (no positive in a fold's training rows), where Platt's
    # map ran off to b = -4.6e10: every probability 0, a threshold of 0, every report flagged
    rng = np.random.default_rng(3)
    vocabulary = FILLER + "小区 物业 道路 路灯 垃圾 停车 学校 医院 公交 办理 证件 社保".split()

    def everyday(n):
        return [" ".join(rng.choice(vocabulary, 8)) for _ in range(n)]

    docs = everyday(198) + ["楼上 邻居 噪音 半夜 " + " ".join(rng.choice(FILLER, 4)) for _ in range(2)]
    y = np.r_[np.zeros(198, int), np.ones(2, int)].reshape(-1, 1)
    model = RiskClassifier(categories=["family_neighbour"], use_lexicon=False).fit(docs, y)
    a, b = model.calibration_[0]
    assert 0.05 <= a <= 50 and abs(b) < 50 and 0 < model.thresholds_[0] < 1
    flagged = model.predict(everyday(500))[:, 0].mean()
    assert flagged < 0.05, f"{flagged:.0%} of everyday reports flagged from two examples"
    assert model.predict(["楼上 邻居 半夜 噪音 反映"])[0, 0] == 1
