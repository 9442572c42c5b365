"""Speed benchmark: weekly scoring next to jieba segmentation alone, and retraining on 100k reports.

Everything runs on the seeded synthetic sample (``pipelines.sample.generator``), written to a temp
dir and loaded into throw-away warehouses (``$SHAOBING_HOME`` under the temp dir) by the product's
own ingest tasks; nothing of ``data/`` or ``$SHAOBING_HOME`` is touched. Prefect is not started:
the flows' tasks are called through ``.fn`` as the tests do.

1. retrain: ``--train`` generated reports (default 100,000) with their ground-truth labels imported
   as ``shaobing labels import`` would, then the body of ``retrain_flow`` (the product's code, its
   one task called through ``.fn``): tokenize (cold token cache), fit RiskClassifier on the training
   split (four in five), judge it on the frozen test split, save and record it. Then once more, as a
   later retrain runs: the tokens cached by then, the new model judged against the champion.
   Target ≤ 120 s each. The first model is the champion the scoring block uses. With
   ``--skip-retrain`` a scoring model is trained once the same way on ``--model-reports`` reports
   instead (not judged against the target).
2. scoring: ``--reports`` generated reports (default 20,000, another warehouse), on the same texts
   the product segments (title + "。" + masked text):
     - jieba alone: a plain ``jieba.Tokenizer()``'s ``lcut`` (no dictionary, no normalisation);
     - our tokenizer: ``RiskTokenizer().tokenize_many`` (normalisation, domain dictionary, stop words);
     - full scoring: the weekly flow's ``score_reports`` (token cache → chunks scored on worker
       processes: tokenize → features → predict_proba → thresholds → top terms of flagged reports
       → store scores and tokens → weekly counts), cold token cache (a fresh warehouse) and warm
       (the same reports scored again under another model version, so every token comes from the
       cache);
     - where its time goes: token cache lookups, ``scoring.score_chunk`` (model load, segmentation,
       features, predict_proba, explanations; visible with one worker only), the rest (DuckDB reads
       and writes, and the wait for workers); and, on already-tokenized documents in this process,
       predict_proba and explain alone.
   Each segmentation and cold-scoring run is timed with 1 and with ``--workers`` processes and
   includes building its segmenter, as a fresh ``shaobing weekly`` process does (a run on 2
   processes also pays for spawning them). Below
   ``features.tokenize.PARALLEL_MIN_TEXTS`` texts the product tokenizes in one process, and so
   does the plain-jieba row here.
3. ratio: full scoring time / jieba-alone time on the same texts and processes.

Timings are printed, never asserted; the machine's other load shows in them.

Usage: ``.venv/bin/python bench/speed.py [--reports 20000] [--train 100000] [--workers 2] [--skip-retrain]
[--model-reports 20000] [--seed 20261128] [--json]``
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.tables import block_table  # noqa: E402

RETRAIN_TARGET_SECONDS = 120.0
SEED = 20261128  # the generator's default: the committed sample's seed
THROUGH = dt.date(2100, 1, 1)  # score every report, whatever its week
WAREHOUSE = "warehouse.duckdb"
PLAIN = "jieba alone (jieba.Tokenizer().lcut)"


def log(msg: str) -> None:
    print(f"[speed] {msg}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def environment(**values: str):
    """Set environment variables (the product reads its settings from there) for the block."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def timed(module, name: str, seconds: dict):
    """Replace module.name by a wrapper adding its wall time to seconds[name] (the product calls it
    through the module attribute, so the wrapper sees every call)."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t

    setattr(module, name, wrapper)
    try:
        yield seconds
    finally:
        setattr(module, name, original)


# -- setup: a warehouse loaded from a generated sample -----------------------------------------------
def build_home(home: Path, reports: int, seed: int, with_labels: bool) -> dict:
    """Generate `reports` sample reports and load them into home's warehouse as `shaobing areas import`,
    `ingest` (and `labels import`) would; returns what was loaded and how long it took."""
    from pipelines import settings, warehouse
    from pipelines.areas import read_areas
    from pipelines.labels import import_labels
    from pipelines.sample.generator import generate

    t0 = time.perf_counter()
    sample = home.parent / f"{home.name}-sample"
    generate(sample, reports=reports, seed=seed)
    with environment(SHAOBING_HOME=str(home)):
        frame, problems = read_areas(sample / "areas.csv")
        assert not problems, problems
        with warehouse.open_warehouse(settings.warehouse_path()) as con:
            warehouse.upsert_areas(con, frame)
            areas = warehouse.areas(con)
        loaded = 0
        for name in ("hotline.csv", "petitions.xlsx", "grid.jsonl"):
            loaded += ingest_file(sample / name, areas).loaded
        labelled = import_labels(sample / "truth" / "labels.csv", "bench")[0] if with_labels else 0
    shutil.rmtree(sample)
    return {"reports": loaded, "labelled": labelled, "seconds": time.perf_counter() - t0}


def ingest_file(path: Path, areas):
    """One file through the ingest flow's three tasks (their `.fn`: no Prefect server)."""
    from pipelines import settings
    from pipelines.ingest import file_digest, load_batch, prepare_batch, read_file

    started = settings.now()
    raw = read_file.fn(str(path))
    digest = file_digest(path)
    channel, reports, check = prepare_batch.fn(raw, areas, f"B-bench-{path.stem}-{digest[:8]}", settings.salt(), started)
    return load_batch.fn(str(path), digest, channel, raw.encoding, reports, check,
                         len(raw.rows) + len(raw.broken), started)


def document_texts(home: Path) -> list[str]:
    """The texts the product segments, one per report: title + "。" + text (registry.documents)."""
    from pipelines import settings, warehouse

    with environment(SHAOBING_HOME=str(home)), warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
        reports = warehouse.unscored_reports(con, "-", THROUGH)
    return (reports["title"].fill_null("") + "。" + reports["text"]).to_list()


# -- 1. retrain -------------------------------------------------------------------------------------
def retrain(home: Path, workers: int) -> dict:
    """The retrain flow's body on home's warehouse, timed by stage; returns its result, the champion's
    model file and the stages' seconds."""
    from pipelines import registry, settings, warehouse
    from pipelines import retrain as flow_module

    registry._tokenizer.cache_clear()  # a fresh `shaobing retrain` process builds its tokenizer
    stages: dict[str, float] = {}
    task = flow_module.fit_challenger
    t0 = time.perf_counter()
    # The flow calls its task through the module attribute: point that at the task's function (no
    # Prefect server), and record no git commit (the checkout is shared; the call takes milliseconds).
    flow_module.fit_challenger, code_version = task.fn, registry.code_version
    registry.code_version = lambda: "bench"
    try:
        with environment(SHAOBING_HOME=str(home), SHAOBING_WORKERS=str(workers)), \
                timed(registry, "documents", stages), timed(flow_module, "fit_challenger", stages), \
                timed(flow_module, "predict_labels", stages), timed(registry, "load", stages), \
                timed(registry, "save", stages):
            result = flow_module.retrain_flow.fn()
    finally:
        flow_module.fit_challenger, registry.code_version = task, code_version
    stages["total"] = time.perf_counter() - t0
    with environment(SHAOBING_HOME=str(home)), warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
        path = str(registry.resolve(warehouse.champion(con)["path"]))  # recorded relative to that home
    return {**result, "path": path, "stages": stages}


def retrain_rows(res: dict, workers: int, step: str, note: str, target: bool) -> list[dict]:
    st = res["stages"]
    n = res["train_rows"] + res["test_rows"]
    parts = [("documents", "documents (tokens)", workers, n, note),
             ("fit_challenger", "fit RiskClassifier", workers, res["train_rows"],
              f"the fit_challenger task ({workers} threads: SHAOBING_WORKERS)"),
             ("predict_labels", "judge on the test split", 1, res["test_rows"],
              "challenger" + (" and champion" if res["champion_macro_f1"] is not None else "")),
             ("load", "load the champion", 1, None, "registry.load (skops)"),
             ("save", "save the model file", 1, None, "registry.save (skops)")]
    rest = st["total"] - sum(st.get(k, 0.0) for k, *_ in parts)
    extra = {"target": f"<= {RETRAIN_TARGET_SECONDS:.0f} s", "met": st["total"] <= RETRAIN_TARGET_SECONDS} if target else {}
    rows = [row("retrain", f"{step} on {n:,} labelled reports", workers, n, None, st["total"],
                f"train {res['train_rows']:,} / test {res['test_rows']:,}; macro-F1 {res['macro_f1']:.3f}", **extra)]
    rows += [row("retrain", f"  {label}", procs, k, None, st[key], what) for key, label, procs, k, what in parts if key in st]
    rows.append(row("retrain", "  the rest", 1, None, None, rest, "labels query and split, record, snapshot"))
    return rows


# -- 2. segmentation alone --------------------------------------------------------------------------
_plain: "object | None" = None


def _plain_init() -> None:
    global _plain
    import jieba

    jieba.setLogLevel(logging.WARNING)
    _plain = jieba.Tokenizer()
    _plain.initialize()


def _plain_chunk(texts: list[str]) -> list[list[str]]:
    return [_plain.lcut(t) for t in texts]


def segment_plain(texts: list[str], workers: int) -> tuple[float, int]:
    """Seconds to segment with a fresh plain jieba.Tokenizer, chunked over processes as tokenize_many
    does; and the processes used."""
    t = time.perf_counter()
    if procs_used(len(texts), workers) == 1:
        _plain_init()
        _plain_chunk(texts)
        return time.perf_counter() - t, 1
    size = max(250, -(-len(texts) // (workers * 4)))
    chunks = [texts[i: i + size] for i in range(0, len(texts), size)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_plain_init) as pool:
        list(pool.map(_plain_chunk, chunks))
    return time.perf_counter() - t, workers


def segment_ours(texts: list[str], workers: int) -> tuple[float, int]:
    """Seconds for a fresh RiskTokenizer's tokenize_many; and the processes used."""
    from features.tokenize import RiskTokenizer

    t = time.perf_counter()
    RiskTokenizer().tokenize_many(texts, workers=workers)
    return time.perf_counter() - t, procs_used(len(texts), workers)


# -- 3. full scoring ---------------------------------------------------------------------------------
def champion_words(home: Path) -> tuple[str, ...]:
    """The gazetteer's names the champion of home's warehouse was trained with: the weekly flow
    scores with them."""
    from pipelines import registry, settings, warehouse

    with environment(SHAOBING_HOME=str(home)), warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
        return registry.model_words(warehouse.champion(con))


def score_weekly(home: Path, model_path: str, version: str, workers: int) -> dict:
    """The weekly flow's score_reports task on every report of home's warehouse, timed by part."""
    from pipelines import registry, scoring, weekly

    registry._tokenizer.cache_clear()  # a fresh `shaobing weekly` process builds its tokenizer
    scoring._models.clear()
    parts: dict[str, float] = {}
    t = time.perf_counter()
    # with one worker the chunks are scored in this process and timed; with more, in worker
    # processes, and this process's wait for them is part of "other"
    words = champion_words(home)
    with environment(SHAOBING_HOME=str(home), SHAOBING_WORKERS=str(workers)), \
            timed(registry, "document_inputs", parts), timed(scoring, "score_chunk", parts):
        scored = weekly.score_reports(version, model_path, THROUGH, words=words)
    parts["total"] = time.perf_counter() - t
    parts["other"] = parts["total"] - parts.get("document_inputs", 0) - parts.get("score_chunk", 0)
    return {"scored": scored, "parts": parts}


def score_parts(home: Path, model_path: str) -> dict:
    """predict_proba, explain (of the flagged reports) and score_frame on documents already tokenized."""
    import numpy as np

    from pipelines import registry, scoring, settings, warehouse

    with environment(SHAOBING_HOME=str(home)), warehouse.open_warehouse(settings.warehouse_path()) as con:
        reports = warehouse.unscored_reports(con, "-", THROUGH)
        docs = registry.documents(con, reports, registry.model_words(warehouse.champion(con)))  # the cache is warm by now
    model = registry.load(model_path)
    out = {}
    t = time.perf_counter()
    proba = np.asarray(model.predict_proba(docs))
    out["predict_proba"] = time.perf_counter() - t
    flagged = np.flatnonzero((proba >= np.asarray(model.thresholds_)[None, :]).any(axis=1))
    t = time.perf_counter()
    model.explain([docs[i] for i in flagged], top=5)
    out["explain"] = time.perf_counter() - t
    t = time.perf_counter()
    scoring.score_frame(model, "bench-parts", reports["report_id"].to_list(), docs)
    out["score_frame"] = time.perf_counter() - t
    out["flagged"] = len(flagged)
    out["n"] = len(docs)
    return out


# -- the benchmark ------------------------------------------------------------------------------------
def row(block: str, step: str, procs, n: int | None, mb: float | None, seconds: float, note: str = "", **extra) -> dict:
    r = {"block": block, "step": step, "procs": procs, "reports": n, "mb": mb, "seconds": seconds,
         "reports_per_s": n / seconds if n and seconds > 0 else None,
         "mb_per_s": mb / seconds if mb and seconds > 0 else None, "note": note}
    r.update(extra)
    return r


def scoring_procs(reports: int, workers: int) -> int:
    """Processes the weekly flow's scoring really uses: one per chunk, at most ``workers``."""
    from pipelines.weekly import SCORE_CHUNK

    return max(1, min(workers, -(-reports // SCORE_CHUNK)))


def procs_used(texts: int, workers: int) -> int:
    """Processes tokenize_many really uses: one below PARALLEL_MIN_TEXTS texts."""
    from features.tokenize import PARALLEL_MIN_TEXTS

    return workers if workers > 1 and texts >= PARALLEL_MIN_TEXTS else 1


def run(args, root: Path) -> tuple[list[dict], dict]:
    """Every measurement; returns the table's rows and the setup facts."""
    rows: list[dict] = []
    info: dict = {}
    worker_counts = sorted({1, args.workers})

    # 1. retrain (it also makes the model the scoring block uses)
    train_n = args.model_reports if args.skip_retrain else args.train
    log(f"generating and loading {train_n:,} labelled reports")
    info["train_setup"] = build_home(root / "train", train_n, args.seed + 1, with_labels=True)
    log(f"retraining on {info['train_setup']['labelled']:,} labelled reports ({args.workers} workers)")
    first = retrain(root / "train", args.workers)
    model_path = first["path"]
    if args.skip_retrain:
        rows += retrain_rows(first, args.workers, "scoring model: retrain", "cold token cache; --skip-retrain", False)
        for r in rows:
            r["block"] = "model"
    else:
        rows += retrain_rows(first, args.workers, "retrain", "cold token cache: segmented", True)
        log("retraining again (warm token cache, judged against the champion)")
        again = retrain(root / "train", args.workers)
        rows += retrain_rows(again, args.workers, "retrain again", "warm token cache: nothing segmented", True)
    info["model"] = {"version": first["version"], "trained_on": first["train_rows"], "macro_f1": first["macro_f1"]}

    # 2. scoring
    log(f"generating and loading {args.reports:,} reports to score")
    home = root / "score"
    info["score_setup"] = build_home(home, args.reports, args.seed, with_labels=False)
    pristine = root / "score-pristine.duckdb"
    shutil.copyfile(home / WAREHOUSE, pristine)
    texts = document_texts(home)
    n, mb = len(texts), sum(len(t.encode("utf-8")) for t in texts) / 1e6
    info["texts"] = {"reports": n, "distinct": len(set(texts)), "mb": mb}

    plain: dict[int, float] = {}
    for label, fn in ((PLAIN, segment_plain), ("our tokenizer (RiskTokenizer.tokenize_many)", segment_ours)):
        for w in worker_counts:
            log(f"{label}, {w} process(es)")
            secs, used = fn(texts, w)
            if fn is segment_plain:
                plain[w] = secs
            rows.append(row("segment", label, used, n, mb, secs, "incl. building the segmenter"
                            + ("" if used == w else "; too few texts: one process")))

    cold: dict[int, dict] = {}
    for w in worker_counts:
        shutil.copyfile(pristine, home / WAREHOUSE)  # an empty token cache again
        log(f"weekly score_reports, cold token cache, {w} process(es)")
        cold[w] = score_weekly(home, model_path, f"bench-cold-{w}", w)["parts"] | {"scored": n}
    log("weekly score_reports, warm token cache")
    warm = score_weekly(home, model_path, "bench-warm", args.workers)
    for w, parts in cold.items():
        rows.append(row("score", "full scoring, cold token cache", scoring_procs(n, w), n, mb, parts["total"],
                        "the weekly flow's score_reports task"))
    rows.append(row("score", "full scoring, warm token cache", "-", warm["scored"], mb, warm["parts"]["total"],
                    "every token from the cache: nothing segmented"))
    breakdown = [(f"cold, {scoring_procs(n, w)} proc(s)", cold[w]) for w in worker_counts] + [("warm", warm["parts"])]
    for label, parts in breakdown:
        for part, note in (("document_inputs", "token cache lookups (the flow's process)"),
                           ("score_chunk", "model load, segmentation, features, predict_proba, top terms "
                                           "(timed here with one worker only)"),
                           ("other", "DuckDB: read reports, store scores and tokens, weekly counts; "
                                     "with workers, the wait for them")):
            if parts.get(part):  # score_chunk is timed only when it runs in this process
                rows.append(row("score", f"  {label}: {part}", "", None, None, parts[part], note))
    log("predict_proba and explain alone")
    parts = score_parts(home, model_path)
    rows.append(row("score", "  predict_proba alone", 1, parts["n"], None, parts["predict_proba"],
                    "tokens ready: word + char TF-IDF, lexicon, 5 logistic regressions"))
    rows.append(row("score", "  explain (top terms) alone", 1, parts["flagged"], None, parts["explain"],
                    "the flagged reports only, as score_frame"))
    rows.append(row("score", "  score_frame alone", 1, parts["n"], None, parts["score_frame"],
                    "the two above + the long frame"))

    for w in worker_counts:
        rows.append({"block": "ratio", "step": "full scoring (cold) / jieba alone", "procs": scoring_procs(n, w),
                     "ratio": cold[w]["total"] / plain[w], "note": "wall time on the same texts and processes"})
    rows.append({"block": "ratio", "step": "full scoring (warm) / jieba alone", "procs": procs_used(n, args.workers),
                 "ratio": warm["parts"]["total"] / plain[args.workers], "note": "wall time on the same texts"})
    return rows, info


# -- output ----------------------------------------------------------------------------------------
COLUMNS = [("block", "block", "<"), ("step", "step", "<"), ("procs", "procs", ">"), ("reports", "reports", ">"),
           ("mb", "MB", ">"), ("seconds", "secs", ">"), ("reports_per_s", "reports/s", ">"), ("mb_per_s", "MB/s", ">"),
           ("ratio", "ratio", ">"), ("target", "target", "<"), ("met", "status", "<"), ("note", "note", "<")]


def cell(r: dict, key: str) -> str:
    v = r.get(key)
    if v is None or v == "":
        return ""
    if key == "met":
        return "met" if v else "NOT MET"
    if key == "ratio":
        return f"{v:.2f}x"
    if key in ("reports", "reports_per_s"):
        return f"{v:,.0f}"
    if key in ("mb", "mb_per_s"):
        return f"{v:.2f}"
    if key == "seconds":
        return f"{v:.1f}"
    return str(v)


def render(rows: list[dict], info: dict, total: float) -> str:
    out = block_table(rows, COLUMNS, cell)
    t, m = info["texts"], info["model"]
    out.append(f"texts: {t['reports']:,} reports ({t['distinct']:,} distinct), {t['mb']:.2f} MB UTF-8 "
               f"(title + 。 + masked text); scoring model {m['version']} trained on {m['trained_on']:,} reports")
    out.append(f"setup (generate + ingest, not timed above): {info['train_setup']['seconds']:.1f} s + "
               f"{info['score_setup']['seconds']:.1f} s; cpus {os.cpu_count()}, load average "
               + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    out.append(f"total {total:.1f} s")
    return "\n".join(out)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=20_000, help="reports to score (default 20000)")
    ap.add_argument("--train", type=int, default=100_000, help="labelled reports to retrain on (default 100000)")
    ap.add_argument("--workers", type=int, default=2, help="processes for the parallel runs (default 2)")
    ap.add_argument("--skip-retrain", action="store_true",
                    help="skip the retrain target; train the scoring model on --model-reports reports instead")
    ap.add_argument("--model-reports", type=int, default=20_000,
                    help="reports the scoring model is trained on with --skip-retrain (default 20000)")
    ap.add_argument("--seed", type=int, default=SEED, help="generator seed of the scoring sample (training: seed+1)")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="shaobing-speed-") as tmp:
        root = Path(tmp)
        # Settings are read from the environment on every call: the product sees only this temp dir.
        with environment(SHAOBING_HOME=str(root / "home"), SHAOBING_SALT="bench-salt",
                         PREFECT_HOME=str(root / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false"):
            import jieba

            jieba.setLogLevel(logging.WARNING)
            rows, info = run(args, root)
    total = time.perf_counter() - t0
    if args.json:
        print(json.dumps({"rows": rows, "setup": info, "total_seconds": total,
                          "args": vars(args)}, ensure_ascii=False, indent=1, default=str))
    else:
        print(render(rows, info, total))
    return 0


if __name__ == "__main__":  # the spawned segmentation workers import this file again
    sys.exit(main())
