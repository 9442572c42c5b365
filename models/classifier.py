"""Text classifiers for the risk taxonomy, as scikit-learn estimators.

Every estimator here takes X as a 1-D sequence of documents, each document being one report's
tokens joined by single spaces (features/ tokenizes; the pipeline passes ``" ".join(tokens)``).
"""
from __future__ import annotations

import weakref

import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from features.text import normalize
from features.tokenize import shown_ngram, written_together
from models.taxonomy import default_taxonomy

# Fixed squashing of log1p(sum of weights) to [0, 1] for the zero-label scorer: one strong term
# (weight 3) gives ~0.82, one weak term (0.5) ~0.09, no term ~0.02, two strong terms ~0.98.
# The midpoint sits between a lone weak term and a lone strong one so that 0.5 is a usable cut.
_SQUASH_SLOPE = 4.0
_SQUASH_MIDPOINT = 1.0


def _squash(scores) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-_SQUASH_SLOPE * (np.asarray(scores, dtype=float) - _SQUASH_MIDPOINT)))


def as_documents(X) -> np.ndarray:
    """X as a 1-D object array of str; None becomes the empty document."""
    docs = np.asarray(X, dtype=object)
    if docs.ndim != 1:
        raise ValueError(
            f"expected a 1-D sequence of space-joined documents, got an array of shape {docs.shape}"
        )
    docs = np.array(["" if d is None else d for d in docs], dtype=object)
    bad = [type(d).__name__ for d in docs if not isinstance(d, str)]
    if bad:
        raise TypeError(f"documents must be str, got {bad[0]}")
    return docs


def _text_tags(tags):
    # Our X is a list of strings: declaring it turns off sklearn's 2-D numeric checks.
    tags.input_tags.one_d_array = True
    tags.input_tags.two_d_array = False
    tags.input_tags.string = True
    return tags


def _resolve_lexicon(lexicon) -> dict[str, dict[str, float]]:
    if lexicon is None:
        return {c.key: dict(c.lexicon) for c in default_taxonomy().categories}
    return {str(cat): {str(t): float(w) for t, w in terms.items()} for cat, terms in lexicon.items()}


class LexiconScorer(TransformerMixin, BaseEstimator):
    """Zero-label scores per category from weighted term lists (the taxonomy's lexicons).

    A term counts once if it occurs in the document with its spaces removed, so that lexicon
    entries the tokenizer splits (拖欠工资 → 拖欠 工资) still match. Scores are
    log1p(sum of the weights of the terms present): the second and third term add less.
    """

    def __init__(self, lexicon: dict[str, dict[str, float]] | None = None):
        self.lexicon = lexicon

    def fit(self, X=None, y=None):
        self.lexicon_ = _resolve_lexicon(self.lexicon)
        self.classes_ = list(self.lexicon_)
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self)
        docs = as_documents(X)
        out = np.zeros((len(docs), len(self.classes_)))
        weights = pl.DataFrame([(t, k, w) for k, cat in enumerate(self.classes_) for t, w in self.lexicon_[cat].items()],
                               schema={"term": pl.String, "k": pl.Int64, "w": pl.Float64}, orient="row")
        if len(docs) and weights.height:
            # every term present in each document, in one Aho-Corasick pass (overlapping matches:
            # 拖欠 and 拖欠工资 both count), each term once per document
            found = pl.DataFrame({"i": np.arange(len(docs)), "term": pl.Series(docs, dtype=pl.String)
                                  .str.replace_all(" ", "", literal=True)
                                  .str.extract_many(weights["term"].unique().to_list(), overlapping=True)})
            hits = (found.explode("term").drop_nulls().unique().join(weights, on="term")
                    .group_by("i", "k").agg(pl.col("w").sum()))
            out[hits["i"].to_numpy(), hits["k"].to_numpy()] = hits["w"].to_numpy()
        return np.log1p(out)

    def _transform_by_loop(self, X) -> np.ndarray:
        """``transform`` term by term in Python: its definition, kept for the tests to check it against."""
        check_is_fitted(self)
        docs = as_documents(X)
        lexicons = [list(self.lexicon_[cat].items()) for cat in self.classes_]
        out = np.zeros((len(docs), len(self.classes_)))
        for i, doc in enumerate(docs):
            text = doc.replace(" ", "")
            out[i] = [sum(w for t, w in terms if t in text) for terms in lexicons]
        return np.log1p(out)

    def predict_proba(self, X) -> np.ndarray:
        """Scores squashed to [0, 1] by a fixed logistic curve: usable without any labels."""
        return _squash(self.transform(X))

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(int)

    def score(self, X, top: int = 5, texts=None) -> tuple[np.ndarray, np.ndarray, list[dict[str, list[str]]]]:
        """As ``RiskClassifier.score``: predict_proba, the flags (>= 0.5) and, per document, the
        lexicon terms found for each flagged category (heaviest first, at most ``top``): what the
        weekly flow scores with before any labels exist (a cold-start champion). ``texts`` is
        taken as RiskClassifier takes it; lexicon terms are whole terms, so it changes nothing."""
        proba = self.predict_proba(X)
        flags = proba >= 0.5
        docs = as_documents(X)
        why = [{c: self.terms_found(doc, c)[:top] for c, f in zip(self.classes_, row) if f}
               for doc, row in zip(docs, flags)]
        return proba, flags, why

    def terms_found(self, doc: str, category: str) -> list[str]:
        """The category's lexicon terms present in one document, heaviest first."""
        check_is_fitted(self)
        text = doc.replace(" ", "")
        terms = self.lexicon_.get(category, {})
        return sorted((t for t in terms if t in text), key=lambda t: -terms[t])

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self)
        return np.array([f"lexicon__{c}" for c in self.classes_], dtype=object)

    def __sklearn_tags__(self):
        tags = _text_tags(super().__sklearn_tags__())
        tags.requires_fit = True
        tags.target_tags.required = False
        return tags


class TokenCharTfidf(BaseEstimator):
    """TF-IDF over ``analyzer="char_wb"`` n-grams, computed once per distinct token.

    char_wb n-grams never cross a space, so a document's n-gram counts are its token counts
    times a token × n-gram matrix. Building that matrix for the few distinct tokens of a batch
    instead of for every token occurrence makes it several times faster than TfidfVectorizer
    (the Python n-gram loop was most of fit and predict time); the result is the same.
    """

    def __init__(self, ngram_range=(2, 3), min_df=1, max_features=None, sublinear_tf=True):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        docs = as_documents(X)
        counts, tokens = _token_counts(docs)
        grams = [self._analyzer()(t) for t in tokens]
        vocab = sorted({g for gs in grams for g in gs})
        index = {g: j for j, g in enumerate(vocab)}
        C = counts @ _token_gram_matrix(grams, index, len(vocab))
        keep = self._kept_columns(C)
        self.vocabulary_ = {vocab[j]: i for i, j in enumerate(keep)}
        C = C[:, keep]
        self.tfidf_ = TfidfTransformer(sublinear_tf=self.sublinear_tf).fit(C)
        return self.tfidf_.transform(C).astype(np.float32)

    def transform(self, X, split: pl.DataFrame | None = None):
        """``split``: the documents already split (``_split``), when the caller has done it."""
        check_is_fitted(self)
        counts, tokens = _token_counts(as_documents(X), split)
        analyze = self._analyzer()
        grams = [[g for g in analyze(t) if g in self.vocabulary_] for t in tokens]
        C = counts @ _token_gram_matrix(grams, self.vocabulary_, len(self.vocabulary_))
        return self.tfidf_.transform(C).astype(np.float32)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self)
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)

    def _analyzer(self):
        return CountVectorizer(analyzer="char_wb", lowercase=False,
                               ngram_range=tuple(self.ngram_range)).build_analyzer()

    def _kept_columns(self, C) -> np.ndarray:
        # The same rule as CountVectorizer: document frequency >= min_df, then the
        # max_features most frequent n-grams, kept in alphabetical (column) order.
        df = np.diff(C.tocsc().indptr)
        keep = np.flatnonzero(df >= self.min_df)
        if self.max_features is not None and len(keep) > self.max_features:
            total = np.asarray(C[:, keep].sum(axis=0)).ravel()
            keep = np.sort(keep[np.argsort(-total, kind="stable")[: self.max_features]])
        return keep

    def __sklearn_tags__(self):
        return _text_tags(super().__sklearn_tags__())


# What str.split() splits at (and the token pattern \S+ does not match): Python's whitespace.
_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_WHITESPACE_RUN = "[" + "".join(f"\\u{ord(c):04x}" for c in _WHITESPACE) + "]+"
_VOCABULARY_FRAMES: "weakref.WeakKeyDictionary[TfidfVectorizer, pl.DataFrame]" = weakref.WeakKeyDictionary()


def word_tfidf(vectorizer: TfidfVectorizer, docs: np.ndarray, split: pl.DataFrame | None = None) -> sp.csr_matrix:
    """``vectorizer.transform(docs)`` for a fitted word-n-gram TfidfVectorizer whose tokens are the
    documents' whitespace-separated pieces (token pattern ``\\S+``, no lowercasing, n-grams up to 2),
    the n-grams counted in polars instead of sklearn's per-document Python loop: the same matrix,
    about 3x faster (the largest part of scoring after segmentation). ``split``: the documents
    already split (``_split``), when the caller has done it."""
    lo, hi = vectorizer.ngram_range
    if (vectorizer.token_pattern != r"\S+" or vectorizer.lowercase or vectorizer.analyzer != "word"
            or vectorizer.preprocessor is not None or vectorizer.tokenizer is not None or vectorizer.binary
            or vectorizer.stop_words is not None or not 1 <= lo <= hi <= 2):
        return vectorizer.transform(docs)
    frame = _split(docs) if split is None else split
    grams = []
    if lo == 1:
        grams.append(frame.explode("t").drop_nulls("t").rename({"t": "term"}))
    if hi == 2:
        pairs = frame.select("i", a=pl.col("t").list.head(pl.col("t").list.len() - 1),
                             b=pl.col("t").list.tail(pl.col("t").list.len() - 1)).explode(["a", "b"]).drop_nulls("a")
        grams.append(pairs.select("i", term=pl.concat_str("a", pl.lit(" "), "b")))
    found = pl.concat(grams).join(_vocabulary_frame(vectorizer), on="term")
    # one entry per occurrence: the COO -> CSR conversion adds up the repeats
    X = sp.csr_matrix((np.ones(found.height, dtype=vectorizer.dtype), (found["i"].to_numpy(), found["j"].to_numpy())),
                      shape=(len(docs), len(vectorizer.vocabulary_)), dtype=vectorizer.dtype)
    X.sum_duplicates()
    return vectorizer._tfidf.transform(X, copy=False)


def _vocabulary_frame(vectorizer) -> pl.DataFrame:
    """term → column of a fitted vectorizer, built once per vectorizer (held beside it, not on it:
    the model file holds only sklearn and numpy types)."""
    frame = _VOCABULARY_FRAMES.get(vectorizer)
    if frame is None:
        vocabulary = vectorizer.vocabulary_
        frame = pl.DataFrame({"term": list(vocabulary), "j": np.fromiter(vocabulary.values(), np.int64, len(vocabulary))})
        _VOCABULARY_FRAMES[vectorizer] = frame
    return frame


def _token_counts(docs: np.ndarray, split: pl.DataFrame | None = None) -> tuple[sp.csr_matrix, list[str]]:
    """Documents × distinct tokens counts of one batch, and those tokens (in polars: what
    ``CountVectorizer(analyzer=str.split)`` gives, up to the order of the tokens)."""
    found = (_split(docs) if split is None else split).explode("t").drop_nulls("t")
    tokens = found.select(pl.col("t").unique(maintain_order=True)).to_series()
    found = found.join(pl.DataFrame({"t": tokens, "j": np.arange(len(tokens), dtype=np.int64)}), on="t")
    counts = sp.csr_matrix((np.ones(found.height, dtype=np.float32), (found["i"].to_numpy(), found["j"].to_numpy())),
                           shape=(len(docs), len(tokens)), dtype=np.float32)
    counts.sum_duplicates()
    return counts, tokens.to_list()


def _split(docs: np.ndarray) -> pl.DataFrame:
    """Document index i and its tokens t (a list), split as ``str.split()`` splits: at runs of
    Python's whitespace, no empty tokens."""
    return pl.DataFrame({"i": np.arange(len(docs), dtype=np.int64), "t": pl.Series(docs, dtype=pl.String)
                         .str.replace_all(_WHITESPACE_RUN, " ").str.strip_chars(" ").str.split(" ")}) \
        .with_columns(pl.col("t").list.filter(pl.element() != ""))


def _token_gram_matrix(grams: list[list[str]], index: dict[str, int], width: int) -> sp.csr_matrix:
    """Tokens × n-grams counts (a token may contain the same n-gram twice)."""
    rows = np.repeat(np.arange(len(grams)), [len(g) for g in grams])
    cols = np.fromiter((index[g] for gs in grams for g in gs), dtype=np.int64, count=len(rows))
    M = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(grams), width))
    M.sum_duplicates()
    return M


class RiskClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label risk classifier: one balanced logistic regression per category.

    Features are word uni+bigram TF-IDF over the tokens, char 1–3-gram TF-IDF within tokens
    (robust to tokenizer splits and typos) and, if ``use_lexicon``, the LexiconScorer scores of
    the categories being learnt that have a lexicon. Labels outside the taxonomy (a city's own
    departments, say) get no lexicon columns: scores of unrelated risk categories are only noise
    to them (bench/real_text.py, department task: macro-F1 0.9095 with them, 0.9118 without).
    Each category's regression sees the terms typical of that category up-weighted by their
    naive-Bayes log-count ratio raised to ``nb_power`` (after NBSVM, Wang & Manning 2012; see
    ``_nb_scale``); ``nb_alpha=None`` turns this off.
    Per-category thresholds maximise F1 on ``cv``-fold out-of-fold probabilities.
    ``fit(X, Y, sample_weight)``: a row's weight multiplies its loss, i.e. it is C × weight for that
    row — how the retrain flow trusts an operator's category less than a label a person gave.
    ``hidden_words``: words never given as reasons, alone or in a pair (the gazetteer's names: they
    say where a report is from, not what it is about); they weigh in the score as any word.
    """

    def __init__(self, categories=None, C=4.0, min_df=2, use_lexicon=True, lexicon=None,
                 word_ngram_range=(1, 2), char_ngram_range=(1, 3), max_features=200_000,
                 nb_alpha=1.0, nb_power=0.5, cv=3, max_iter=200, tol=1e-3, max_threshold=0.5,
                 n_jobs=None, random_state=0, hidden_words=()):
        self.categories = categories
        self.C = C
        self.min_df = min_df
        self.use_lexicon = use_lexicon
        self.lexicon = lexicon
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.max_features = max_features
        self.nb_alpha = nb_alpha
        self.nb_power = nb_power
        self.cv = cv
        self.max_iter = max_iter
        self.tol = tol
        self.max_threshold = max_threshold
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.hidden_words = hidden_words

    # -- fitting -------------------------------------------------------------------------------
    def fit(self, X, Y, sample_weight=None):
        docs = as_documents(X)
        self.classes_ = list(self.categories) if self.categories is not None else default_taxonomy().keys
        Y = self._check_Y(Y, len(docs))
        weight = self._check_weight(sample_weight, len(docs))
        Z = self._fit_features(docs)
        self.prior_ = Y.mean(axis=0) if len(Y) else np.zeros(Y.shape[1])
        folds = list(KFold(self.cv, shuffle=True, random_state=self.random_state).split(Z)) \
            if len(docs) >= self.cv else []
        jobs = [(train, k) for train, _ in folds for k in range(Y.shape[1])]
        jobs += [(np.arange(len(docs)), k) for k in range(Y.shape[1])]
        # liblinear releases the GIL: threads share Z instead of copying it to processes.
        models = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(self._fit_one)(Z[train], Y[train, k], None if weight is None else weight[train])
            for train, k in jobs
        )
        self.estimators_ = models[len(folds) * Y.shape[1]:]
        oof = self._out_of_fold_proba(Z, Y, folds, models)
        # With balanced class weights, 0.5 is the balanced-error cut. Out-of-fold cuts above it come
        # from training text that separates more cleanly than new text will (weak labels, synthetic
        # or templated history), so they are capped at max_threshold.
        raw = np.array([min(_best_f1_threshold(Y[:, k], oof[:, k]), self.max_threshold)
                        for k in range(Y.shape[1])])
        # Balanced class weights inflate a rare category's probabilities; a Platt map fitted on the
        # out-of-fold scores turns them into calibrated ones. It is increasing, so the threshold is
        # mapped with it and the flags stay exactly those of the raw scores.
        self.calibration_ = np.array([_platt(Y[:, k], oof[:, k]) if folds else (1.0, 0.0)
                                      for k in range(Y.shape[1])]).reshape(-1, 2)
        self.thresholds_ = np.array([_calibrated(t, *ab) for t, ab in zip(raw, self.calibration_)])
        # A category of the lexicon with no positive row to learn from (an export system that never
        # files anything under it) is scored by its lexicon, flagged from 0.5, rather than never.
        lexicon = self.lexicon_scorer_.classes_ if self.lexicon_scorer_ is not None else []
        self.cold_ = np.array([k for k, c in enumerate(self.classes_) if c in lexicon and not Y[:, k].any()], dtype=int)
        self.thresholds_[self.cold_] = 0.5
        return self

    def _check_Y(self, Y, n: int) -> np.ndarray:
        Y = np.asarray(Y)
        if Y.ndim == 1 and len(self.classes_) == 1:
            Y = Y.reshape(-1, 1)
        if Y.shape != (n, len(self.classes_)):
            raise ValueError(
                f"Y must be an (n_documents, n_categories) = ({n}, {len(self.classes_)}) "
                f"0/1 matrix in the order of categories {self.classes_}, got shape {Y.shape}"
            )
        if not np.isin(Y, (0, 1)).all():
            raise ValueError("Y must hold only 0 and 1")
        return Y.astype(int)

    @staticmethod
    def _check_weight(sample_weight, n: int) -> np.ndarray | None:
        if sample_weight is None:
            return None
        w = np.asarray(sample_weight, dtype=float)
        if w.shape != (n,):
            raise ValueError(f"sample_weight must hold one weight per document ({n}), got shape {w.shape}")
        if not (np.isfinite(w).all() and (w > 0).all()):
            raise ValueError("sample_weight must be finite and > 0")
        return w

    def _fit_features(self, docs: np.ndarray) -> sp.csr_matrix:
        # min_df cannot exceed the corpus on tiny training sets; fall back to 1 there.
        min_df = self.min_df if len(docs) >= 2 * self.min_df else 1
        self.word_vectorizer_ = TfidfVectorizer(
            token_pattern=r"\S+", lowercase=False, ngram_range=tuple(self.word_ngram_range),
            min_df=min_df, sublinear_tf=True, max_features=self.max_features, dtype=np.float32,
        )
        self.char_vectorizer_ = TokenCharTfidf(
            ngram_range=self.char_ngram_range, min_df=min_df, max_features=self.max_features,
        )
        self.lexicon_scorer_ = None
        if self.use_lexicon:
            own = {c: terms for c, terms in _resolve_lexicon(self.lexicon).items() if c in self.classes_}
            self.lexicon_scorer_ = LexiconScorer(own).fit() if own else None
        blocks = [self.word_vectorizer_.fit_transform(docs), self.char_vectorizer_.fit_transform(docs)]
        # sklearn leaves numpy ints as vocabulary values, which skops saves as one .npy file each
        # (tens of thousands): as plain ints the model file saves ~20x and loads ~3x faster.
        self.word_vectorizer_.vocabulary_ = {t: int(j) for t, j in self.word_vectorizer_.vocabulary_.items()}
        self.word_features_ = self.word_vectorizer_.get_feature_names_out()
        return self._stack(blocks, docs)

    def _features(self, docs: np.ndarray) -> sp.csr_matrix:
        return self._stack(self._text_blocks(docs), docs)

    def _text_blocks(self, docs: np.ndarray) -> list[sp.csr_matrix]:
        """Word and char TF-IDF of the documents, split into tokens once for both."""
        split = _split(docs)
        return [word_tfidf(self.word_vectorizer_, docs, split), self.char_vectorizer_.transform(docs, split)]

    def _stack(self, blocks, docs, sort: bool = True) -> sp.csr_matrix:
        if self.lexicon_scorer_ is not None:
            blocks.append(sp.csr_matrix(self.lexicon_scorer_.transform(docs).astype(np.float32)))
        Z = sp.hstack(blocks, format="csr")
        # hstack leaves indices unsorted, and liblinear would sort a copy on every one of its fits;
        # scoring only multiplies, which needs no order (``sort`` False: an eighth of scoring's time).
        if sort:
            Z.sort_indices()
        return Z

    def _fit_one(self, Z, y, weight=None) -> LogisticRegression | None:
        # A category without positives (or without negatives) gets a constant model: None.
        if y.min() == y.max():
            return None
        scale = self._nb_scale(Z, y)
        if scale is not None:
            Z = Z.copy()
            Z.data *= scale[Z.indices]
        # dual: text has more columns than rows, where liblinear's dual solver is much faster.
        model = LogisticRegression(
            C=self.C, solver="liblinear", dual=True, class_weight="balanced",
            max_iter=self.max_iter, tol=self.tol, random_state=self.random_state,
        ).fit(Z, y, sample_weight=weight)
        if scale is not None:
            # w·(x∘s) = (w∘s)·x: folding the scale into the coefficients leaves a plain
            # LogisticRegression on the unscaled features for predict_proba, explain and skops.
            model.coef_ = model.coef_ * scale
        return model

    def _nb_scale(self, Z, y) -> np.ndarray | None:
        """Per-column factors: r^nb_power where a term's NB log-count ratio r > 1, else 1.

        Scaling a column by s makes the same weight s times cheaper under the L2 penalty, so a
        category's own vocabulary is learnt with less shrinkage. Only terms typical of the
        category are scaled: the rest is open-ended, and evidence against a category learnt from
        it carries over poorly to new text. The square root (nb_power 0.5) keeps most of what the
        full ratio gains on large real corpora (department routing) without its loss where the
        training text is small or synthetic and its ratios are extreme (measured with
        bench/real_text.py; the full ratio cost 2–4 points of F1 on risk_dev there). The lexicon
        scores are graded, not term counts, and keep 1.
        """
        if self.nb_alpha is None:
            return None
        scale = np.maximum(_nb_ratios(Z, y, self.nb_alpha), 1.0) ** self.nb_power
        if self.lexicon_scorer_ is not None:
            scale[-len(self.lexicon_scorer_.classes_):] = 1.0
        return scale.astype(np.float32)

    def _out_of_fold_proba(self, Z, Y, folds, models) -> np.ndarray:
        # The vectorizers saw all rows (vocabulary and IDF only, no labels): a small optimism in
        # exchange for fitting them once; thresholds only need roughly calibrated OOF scores.
        oof = np.zeros(Y.shape)
        K = Y.shape[1]
        for f, (train, test) in enumerate(folds):
            for k in range(K):
                oof[test, k] = _proba(models[f * K + k], Z[test], const=Y[train, k].max())
        return oof

    # -- scoring -------------------------------------------------------------------------------
    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self._proba_of(self._features(as_documents(X)))

    def _proba_of(self, Z) -> np.ndarray:
        """Each category's calibrated probability (a category without a model: its constant).
        The logistic regressions' decision functions are one product Z·W, one pass over the
        features for all categories, instead of one ``predict_proba`` (a pass and sklearn's
        checks of Z) per category: what ``predict_proba`` computes, expit(Z·w + b)."""
        fitted = [k for k, m in enumerate(self.estimators_) if m is not None]
        if fitted:
            W = np.column_stack([self.estimators_[k].coef_[0] for k in fitted])
            b = np.array([self.estimators_[k].intercept_[0] for k in fitted])
            decision = np.asarray(Z @ W) + b
            fitted_proba = dict(zip(fitted, expit(decision).T))
        columns = [_calibrated(fitted_proba[k], *ab) if m is not None else _proba(m, Z, round(p))
                   for k, (m, p, ab) in enumerate(zip(self.estimators_, self.prior_, self._calibration()))]
        cold = getattr(self, "cold_", ())  # model files from before cold categories score as they did
        if len(cold):
            # the lexicon scores are Z's last columns (``_stack``), squashed as LexiconScorer does
            first = Z.shape[1] - len(self.lexicon_scorer_.classes_)
            for k in cold:
                j = first + self.lexicon_scorer_.classes_.index(self.classes_[k])
                columns[k] = _squash(np.asarray(Z[:, j].todense()).ravel())
        return np.column_stack(columns) if columns else np.zeros((Z.shape[0], 0))

    def _calibration(self) -> np.ndarray:
        # model files written before calibration existed score as they always did
        return getattr(self, "calibration_", np.tile([1.0, 0.0], (len(self.classes_), 1)))

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) >= self.thresholds_).astype(int)

    def explain(self, X, top: int = 5, only=None, texts=None) -> list[dict[str, list[str]]]:
        """Per document and category, the word n-grams that pushed the category up most.

        Contribution = positive coefficient × TF-IDF value; bigrams are shown without their
        space (拖欠 工资 → 拖欠工资). N-grams holding a placeholder (<num>, [手机号]) count for the
        score but are never shown (一共<num>). If fewer than ``top`` n-grams contribute, the category's
        lexicon terms found in the document fill the list. ``only`` (documents × categories,
        boolean) limits the work to those pairs, such as the flagged ones; the others get no entry.
        ``texts`` (each document's text, where the caller has it): a pair of words is shown only
        where the text has them together (``written_together``) — the tokens lack the stop words
        and marks between, so 有人 家里 may come from 有人说，家里.
        """
        check_is_fitted(self)
        docs = as_documents(X)
        return self._explain(docs, word_tfidf(self.word_vectorizer_, docs).tocsr(), top, only, texts)

    def score(self, X, top: int = 5, texts=None) -> tuple[np.ndarray, np.ndarray, list[dict[str, list[str]]]]:
        """predict_proba, the flags, and explain() of the flagged categories (``texts`` as there),
        the features computed once."""
        check_is_fitted(self)
        docs = as_documents(X)
        blocks = self._text_blocks(docs)
        W = blocks[0]
        proba = self._proba_of(self._stack(blocks, docs, sort=False))
        flags = proba >= self.thresholds_[None, :]
        return proba, flags, self._explain(docs, W.tocsr(), top, flags, texts)

    def _explain(self, docs, W, top: int, only, texts=None) -> list[dict[str, list[str]]]:
        n = len(docs)
        if texts is not None and len(texts) != n:
            raise ValueError(f"{len(texts)} texts for {n} documents")
        only = np.ones((n, len(self.classes_)), bool) if only is None else np.asarray(only, bool)
        out: list[dict[str, list[str]]] = [{} for _ in range(n)]
        n_word = W.shape[1]
        rows_of = np.repeat(np.arange(n), np.diff(W.indptr))
        hidden = frozenset(getattr(self, "hidden_words", ()) or ())   # models saved before it have none
        normalised: dict[int, str] = {}

        def normal(i: int) -> str:   # a text normalised as the tokenizer reads it, once, if a pair needs it
            if i not in normalised:
                normalised[i] = normalize(texts[i] or "")
            return normalised[i]

        for k, (cat, model) in enumerate(zip(self.classes_, self.estimators_)):
            wanted = only[:, k]
            if not wanted.any():
                continue
            # every (document, n-gram) contribution at once, in order: document, then the largest
            # contribution first, ties by column (as a stable sort of each row's columns would)
            rows, cols, contrib = rows_of, W.indices, np.zeros(len(W.data))
            if model is not None:
                contrib = model.coef_[0, :n_word][cols] * W.data
            keep = (contrib > 0) & wanted[rows]
            rows, cols, contrib = rows[keep], cols[keep], contrib[keep]
            order = np.lexsort((cols, -contrib, rows))
            rows, cols = rows[order], cols[order]
            starts = np.searchsorted(rows, np.arange(n + 1))
            for i in np.flatnonzero(wanted):
                terms: list[str] = []
                for j in cols[starts[i]:starts[i + 1]]:
                    feature = self.word_features_[j]
                    term = feature.replace(" ", "")
                    if term not in terms and shown_ngram(feature) and not hidden.intersection(feature.split(" ")) \
                            and (texts is None or " " not in feature or written_together(feature, normal(i))):
                        terms.append(term)
                        if len(terms) >= top:
                            break
                if len(terms) < top and self.lexicon_scorer_ is not None:
                    extra = [t for t in self.lexicon_scorer_.terms_found(docs[i], cat) if t not in terms]
                    terms += extra[: top - len(terms)]
                out[i][cat] = terms
        return out

    def __sklearn_tags__(self):
        tags = _text_tags(super().__sklearn_tags__())
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        tags.classifier_tags.multi_label = True
        return tags


def _nb_ratios(Z, y: np.ndarray, alpha: float) -> np.ndarray:
    """log((p / |p|₁) / (q / |q|₁)) per column, p and q the alpha-smoothed counts of documents
    holding the feature among positives and negatives: large where a feature is typical of one side."""
    present = (Z != 0).astype(np.float32)
    p = np.asarray(present[y == 1].sum(axis=0)).ravel() + alpha
    q = np.asarray(present[y == 0].sum(axis=0)).ravel() + alpha
    return (np.log(p / p.sum()) - np.log(q / q.sum())).astype(np.float32)


def _proba(model, Z, const: float = 0.0) -> np.ndarray:
    if model is None:
        return np.full(Z.shape[0], float(const))
    return model.predict_proba(Z)[:, 1]


def _logit(p) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _platt(y: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """(a, b) of Platt's map sigmoid(a·logit(p) + b) fitted on out-of-fold scores, with Platt's
    smoothed targets; the identity (1, 0) where a category has one class only, and a kept
    increasing (a ≥ 0.05) so that it never reverses the ranking.

    Newton steps are halved until the loss goes down, and b is refitted once a is clipped: with a
    handful of positives the out-of-fold scores can all be equal (no positive in a fold's training
    rows), where a and b are not separately defined and plain Newton ran off to b ≈ -4.6e10 —
    every probability 0, and a threshold that flagged every report.
    """
    if y.min() == y.max():
        return 1.0, 0.0
    n1, n0 = int(y.sum()), int(len(y) - y.sum())
    target = np.where(y == 1, (n1 + 1) / (n1 + 2), 1 / (n0 + 2))
    x = _logit(scores)
    a, b = 1.0, 0.0
    if np.ptp(x) > 1e-9:
        for _ in range(50):  # Newton steps on the cross-entropy, as in Platt (1999) / Lin et al. (2007)
            p = expit(a * x + b)
            w = np.maximum(p * (1 - p), 1e-12)
            g = np.array([np.dot(x, p - target), np.sum(p - target)])
            H = np.array([[np.dot(w * x, x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]]) + 1e-9 * np.eye(2)
            step = np.linalg.solve(H, g)
            a, b = _damped(lambda a_, b_: _cross_entropy(target, a_ * x + b_), (a, b), step)
            if np.abs(step).max() < 1e-8:
                break
    a = float(np.clip(a, 0.05, 50.0)) if np.isfinite(a) else 1.0
    return a, _intercept(target, a * x, b if np.isfinite(b) else 0.0)


def _cross_entropy(target: np.ndarray, z: np.ndarray) -> float:
    """Σ of the logistic loss of sigmoid(z) against soft targets, without overflow."""
    return float(np.sum(np.logaddexp(0, z) - target * z))


def _damped(loss, at: tuple[float, ...], step: np.ndarray) -> tuple[float, ...]:
    """``at - step``, the step halved until ``loss`` is no higher than at ``at`` (at most 30 times)."""
    here = loss(*at)
    scale = 1.0
    for _ in range(30):
        moved = tuple(v - scale * s for v, s in zip(at, step))
        if loss(*moved) <= here:
            return moved
        scale /= 2
    return at


def _intercept(target: np.ndarray, z: np.ndarray, b: float) -> float:
    """The b minimising the loss of sigmoid(z + b) (soft targets strictly inside (0, 1): finite)."""
    for _ in range(100):
        p = expit(z + b)
        step = np.sum(p - target) / max(float(np.sum(p * (1 - p))), 1e-12)
        (b,) = _damped(lambda b_: _cross_entropy(target, z + b_), (b,), np.array([step]))
        if abs(step) < 1e-10:
            break
    return float(b)


def _calibrated(p, a: float, b: float):
    """sigmoid(a·logit(p) + b): p through a category's Platt map (a scalar stays a float)."""
    out = expit(a * _logit(p) + b)  # no overflow warning where a·logit(p) is large
    return float(out) if np.ndim(p) == 0 else out


def _best_f1_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """The cut maximising F1, midway to the next lower score so unseen near-ties still pass.

    Clipped to [0.05, 0.95]: a threshold at the very edge would be an artefact of a few folds.
    """
    if y.min() == y.max():
        return 0.5
    precision, recall, thresholds = precision_recall_curve(y, scores)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    best = int(np.argmax(f1[:-1]))
    lower = scores[scores < thresholds[best]]
    cut = (thresholds[best] + lower.max()) / 2 if lower.size else thresholds[best]
    return float(np.clip(cut, 0.05, 0.95))
