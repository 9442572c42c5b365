"""Throughput benchmark: ingest, scoring and detection of N generated reports end to end, next to
jieba segmentation alone (the practical floor) and a straightforward pandas + jieba + scikit-learn
script; and what one more week costs on a long history and on a short one.

Issue targets, on 2 cores: a million reports end to end in <= 1.5 x the segmentation floor and
>= 3 x faster than the straightforward script, peak memory <= 4 GB; and a weekly run costs what the
week's new reports cost, not what the history holds (week 105 about as much as week 10).

0. setup, not part of the pipeline's time: ``shaobing sample``'s generator writes ``--reports`` N
   reports (hotline.csv, petitions.xlsx, grid.jsonl, areas.csv; timed on its own). The scoring model
   is trained once, as ``make demo`` trains its first one (the retrain flow on the export categories),
   on the committed ``data/sample`` (or a generated ``--model-reports`` sample) in a home of its own;
   its model file and ``model_versions`` row are copied into every home below as the champion.
1. the pipeline, in a fresh ``$SHAOBING_HOME``: ``shaobing areas import``, ``shaobing ingest`` (the
   three files) and ``shaobing weekly --through`` (the Monday after the sample's last week), each
   the real command in a process of its own. Inside that process a few functions of the product
   are wrapped to record when they start and end (the flows' tasks, the warehouse calls…), so the
   weekly run splits into scoring (``score_reports``), detection (``detect_weeks``, 104 weeks
   replayed) and the rest (process start, imports, Prefect, folding reviews, brief, snapshot).
   Prefect's database is created before timing (a new install's one-off migration); each process
   still starts its ephemeral Prefect server, as ``shaobing`` does, unless ``PREFECT_API_URL``
   names a running server (then they all report to it).
2. the floor: jieba alone on the same texts the product segments (title + "。" + masked text, as
   stored), on ``--workers`` processes, each a ``jieba.Tokenizer()`` with our domain dictionary
   (``features/data/dict.txt``); chunked as ``RiskTokenizer.tokenize_many`` chunks; spawning the
   processes and building the tokenizers included, reading the texts not.
3. the straightforward script, in one process: pandas reads the three exports, a regex masks phone
   and ID numbers, ``jieba.lcut`` (same dictionary) segments row by row, a TfidfVectorizer (word
   1–2-grams) + OneVsRest LogisticRegression trained beforehand on the model's sample with its
   ground-truth labels gives predict_proba, a 0.5 cut flags, pandas groupby counts per week × area ×
   category, a mean + 3 sd threshold over the previous 8 weeks alerts; scores and alerts are written
   as CSV. No explanations, no dedupe, no validation. With ``--naive-sample K`` < N (default:
   100,000 when N is larger) it reads the whole files, then does the per-report steps on K reports
   drawn at random and scales their time by N / K (said in the table).
4. one more week: N / 104 new reports of a week after the history (the generator's machinery,
   background reports only), ``shaobing ingest`` + ``shaobing weekly`` timed, once on the home of
   step 1 (104 weeks of history: week 105) and once on a home holding the sample's first 9 weeks
   (the generator's own draws; loaded, scored and detected untimed through the flows' task functions,
   as bench/speed.py does: week 10).
5. where scoring's time goes: on ``--profile-reports`` reports of the home of step 1, in one
   process: segmentation (``RiskTokenizer.tokenize``), vectorising, predict, explain, the long score
   frame, and the DuckDB writes into an empty warehouse.

Peak memory is the largest sum of RSS over a step's process tree (sampled every 0.1 s; spawned
workers and Prefect's server included), or the process's own ru_maxrss if larger. Timings are
printed, never asserted; other processes on the machine show in them (the load average is printed).

Usage: ``.venv/bin/python bench/throughput.py [--reports 100000] [--seed 20261128] [--workers 2]
[--naive-sample K] [--model-reports N] [--profile-reports 20000] [--home DIR] [--json]``. With
``--home DIR`` everything is kept there (logs of every step in ``DIR/logs``) and the generated samples
and the trained model are reused by the next run; the pipeline's homes are rebuilt every run.
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import logging
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.tables import block_table  # noqa: E402

THIS = Path(__file__).resolve()
SAMPLE = REPO / "data" / "sample"
FILES = ("hotline.csv", "petitions.xlsx", "grid.jsonl")
SEED = 20261128  # the generator's default: the committed sample's seed
WEEKS = 104  # the generator's weeks (pipelines.sample.generator.WEEKS)
SHORT_HISTORY = 9  # weeks of history of the short home: its new week is week 10
NAIVE_SAMPLE = 100_000
PROFILE_REPORTS = 20_000
TOTAL_OVER_FLOOR, NAIVE_OVER_TOTAL, PEAK_MB, WEEK_RATIO = 1.5, 3.0, 4096, 1.5
POLL_S = 0.1
WAREHOUSE = "warehouse.duckdb"
THROUGH = dt.date(2100, 1, 1)

# Functions of the product whose start and end a timed command records: (module, attribute, key).
# A missing one (the code moved on) is skipped, and so is one whose key an earlier entry has; a
# key's rows do not show when it never ran. Never a function handed to worker processes (such as
# scoring.score_chunk): they pickle it by name, and the wrapper has none.
PROBES = {
    "ingest": [("pipelines.ingest", "read_file", "read"), ("pipelines.ingest", "prepare_batch", "prepare"),
               ("pipelines.ingest", "load_batch", "load"), ("pipelines.warehouse", "publish_snapshot", "snapshot")],
    "weekly": [("pipelines.weekly", "score_reports", "scoring"), ("pipelines.weekly", "detect_weeks", "detection"),
               ("pipelines.reviews", "fold_into", "fold"), ("pipelines.weekly", "write_brief", "brief"),
               ("pipelines.warehouse", "publish_snapshot", "snapshot"),
               ("pipelines.warehouse", "unscored_reports", "read_unscored"),
               ("pipelines.registry", "cached_keys", "cache_keys"),  # which texts the cache holds (once)
               ("pipelines.registry", "document_inputs", "cache_read"),  # cache keys and lookup
               ("pipelines.warehouse", "cached_tokens", "cache_read"),  # (older code: the lookup alone)
               ("pipelines.warehouse", "store_tokens", "cache_write"),
               ("pipelines.warehouse", "store_scores", "store_scores"),
               ("pipelines.warehouse", "refresh_weekly_counts", "weekly_counts"),
               ("features.tokenize", "RiskTokenizer.tokenize_many", "segment_in_flow"),
               ("pipelines.weekly", "score_frame", "score_in_flow"),
               ("pipelines.weekly", "detection_inputs", "detect_inputs"),
               ("pipelines.weekly", "find_mentions", "mentions"),
               ("pipelines.weekly", "mentions", "mentions"),  # (older code: names found for every flagged report)
               ("pipelines.weekly", "run_week", "run_week"),  # (older code: a week's detection in line)
               ("pipelines.weekly", "fold_week", "fold_week"), ("pipelines.warehouse", "store_week", "store_week")],
}


def log(msg: str) -> None:
    print(f"[throughput] {msg}", file=sys.stderr, flush=True)


def week_start(i: int) -> dt.date:
    from pipelines.sample.generator import week_start as start

    return start(i)


# ================================================================= processes and their memory
def env_for(home: Path, workers: int) -> dict:
    return {**os.environ, "SHAOBING_HOME": str(home), "PREFECT_HOME": str(home / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PYTHONDONTWRITEBYTECODE": "1",
            "SHAOBING_SALT": "bench-salt", "SHAOBING_WORKERS": str(workers)}


def tree_rss(proc) -> int:
    """Bytes resident in a process and all its descendants."""
    import psutil

    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_child(args: list[str], env: dict, logfile: Path) -> dict:
    """Run ``python args…`` to its end (output to logfile): wall seconds, peak MB of its process tree,
    and the memory samples (time, MB) taken meanwhile."""
    import psutil

    logfile.parent.mkdir(parents=True, exist_ok=True)
    samples: list[tuple[float, float]] = []
    with open(logfile, "w", encoding="utf-8") as out:
        t0, start = time.perf_counter(), time.time()
        proc = subprocess.Popen([sys.executable, *args], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        watched = psutil.Process(proc.pid)
        while True:
            # wait4, not wait: it also returns the child's own ru_maxrss
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            try:
                samples.append((time.time(), tree_rss(watched) / 2**20))
            except psutil.Error:
                pass
            time.sleep(POLL_S)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = logfile.read_text(encoding="utf-8", errors="replace")[-4000:]
        raise SystemExit(f"{' '.join(map(str, args))} failed ({proc.returncode}); {logfile}:\n{tail}")
    peak = max([mb for _, mb in samples] + [usage.ru_maxrss / 1024])
    return {"seconds": seconds, "peak_mb": peak, "samples": samples, "start": start, "end": time.time()}


class Steps:
    """Runs the timed commands of one benchmark, each logged to its own numbered file."""

    def __init__(self, logs: Path, workers: int):
        self.logs, self.workers, self.n = logs, workers, 0

    def child(self, home: Path, mode: str, *args, label: str | None = None) -> dict:
        """One of this file's own child modes (see ``child``) in home; its JSON answer under "out"."""
        self.n += 1
        home.mkdir(parents=True, exist_ok=True)  # Prefect creates its home, but not the folders above it
        name = f"{self.n:02d}-{home.name}-{label or mode.strip('_')}"
        answer = self.logs / f"{name}.json"
        res = run_child([str(THIS), mode, str(answer), *map(str, args)], env_for(home, self.workers),
                        self.logs / f"{name}.log")
        res["out"] = json.loads(answer.read_text(encoding="utf-8"))
        log(f"  {name}: {res['seconds']:.1f} s, peak {res['peak_mb']:,.0f} MB")
        return res

    def command(self, home: Path, *command) -> dict:
        """``shaobing command…`` as a process of its own, the probes of PROBES[command] installed."""
        res = self.child(home, "_run", *command, label=command[0])
        res["spans"] = res.pop("out")
        return res


def child_run(answer: Path, command: list[str]) -> int:
    """(Child.) The CLI command with probes recording when the product's steps start and end."""
    from pipelines import prefect_server, settings

    settings.configure_prefect()  # before anything imports prefect, as the CLI does
    if command[0] in PROBES:  # a flow's command: its Prefect server starts as the CLI starts it, before
        prefect_server.start()  # the probes import Prefect (then the CLI's own start() does nothing)
    spans: dict[str, list] = {}
    for module, attr, key in PROBES.get(command[0], ()):
        if key not in spans and probe(module, attr, spans.setdefault(key, [])) is None:
            del spans[key]
    from pipelines.cli import main as cli

    try:
        return cli(command)
    finally:
        answer.write_text(json.dumps(spans))


def probe(module: str, attr: str, spans: list) -> bool | None:
    """Replace module.attr (or module.Class.method) by a wrapper appending (start, end) to spans
    (None: there is no such function). The product calls these through their module or class, so
    the wrapper sees every call."""
    owner = importlib.import_module(module)
    *path, name = attr.split(".")
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, name, None)
    if original is None:
        return None

    def wrapper(*args, **kwargs):
        t = time.time()
        try:
            return original(*args, **kwargs)
        finally:
            spans.append((t, time.time()))

    setattr(owner, name, wrapper)
    return True


def seconds_of(spans: dict, key: str) -> float:
    return sum(e - s for s, e in spans.get(key, ()))


def union_seconds(spans: dict, keys) -> float:
    """Seconds during which any of the probes ``keys`` ran: ingest reads and validates a file in a
    thread while it stores the one before, so its steps' seconds overlap."""
    total, end = 0.0, None
    for s, e in sorted(se for k in keys for se in spans.get(k, ())):
        if end is None or s > end:
            total, end = total + e - s, e
        elif e > end:
            total, end = total + e - end, e
    return total


def peak_within(res: dict, key: str) -> float | None:
    """Peak MB of the samples taken while the probe `key` ran (None: too short to be sampled)."""
    spans = res["spans"].get(key, ())
    inside = [mb for t, mb in res["samples"] if any(s <= t <= e for s, e in spans)]
    return max(inside) if inside else None


# ================================================================= setup: samples, model, homes
def ensure_sample(folder: Path, make) -> dict:
    """The files make(folder) writes (it returns how many reports), kept in folder and reused once
    complete; how long making them took."""
    done = folder / "generated.json"
    if done.exists():
        return json.loads(done.read_text()) | {"reused": True}
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    log(f"generating {folder.name}")
    t = time.perf_counter()
    reports = make(folder)
    info = {"seconds": time.perf_counter() - t, "reports": reports,
            "mb": {f: (folder / f).stat().st_size / 1e6 for f in FILES}, "reused": False}
    done.write_text(json.dumps(info))
    return info


def full_sample(reports: int, seed: int):
    from pipelines.sample.generator import generate

    return lambda folder: generate(folder, reports=reports, seed=seed)["truth/labels.csv"]


def history_sample(folder: Path, reports: int, seed: int, weeks: int) -> int:
    """The first `weeks` weeks of the generator's sample of `reports` reports: the same draws as
    generate(reports=reports, seed=seed) makes for them (its opening steps, then fewer weeks)."""
    from pipelines.sample import generator as G

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    areas = G.build_areas(rng)
    G.write_areas(folder / "areas.csv", areas)
    scale = max(1, round(reports / G.DEFAULT_REPORTS))
    planted = sum(sum(s["counts"]) * scale for s in G.PLANTED)
    weekly = G.allocate(max(reports - planted, 0), [G.week_factor(G.week_start(i)) for i in range(G.WEEKS)])
    return sum(G._write_weeks(folder, rng, areas, weekly[:weeks], scale, None).values())


def new_week_sample(folder: Path, week: int, reports: int, seed: int) -> int:
    """`reports` new reports in week index `week` (0: the sample's first week), made as the generator
    makes a week's background reports (no planted hotspot). Petitions are numbered per year, so this
    week's numbers start at 900001, above any the history holds."""
    from pipelines.sample import generator as G

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    areas = G.build_areas(rng)
    G.write_areas(folder / "areas.csv", areas)
    villages = [a for a in areas if a.level == 5]
    suppressed = {(s["area"], s["category"]) for s in G.PLANTED}
    writers, serials, reporters = G.Writers(folder), G.Serials(rng), G.Reporters(rng)
    monday = G.week_start(week)
    for year in {monday.year, (monday + dt.timedelta(days=6)).year}:
        serials.last[("petition", year)] = 900_000
    rows = {"hotline": lambda rep, sid: G.hotline_row(rng, rep, sid, reporters),
            "petition": lambda rep, sid: G.petition_row(rng, rep, sid, reporters),
            "grid": lambda rep, sid: G.grid_row(rng, rep, sid, G.week_start(G.WEEKS))}
    try:
        for rep in sorted(G.background_reports(rng, monday, reports, villages, suppressed), key=lambda r: (r.at, r.channel)):
            sid = serials.next(rep.channel, rep.at)
            writers.write(rep.channel, rows[rep.channel](rep, sid), sid, G.labels_of(rep))
    finally:
        writers.close()
    return sum(writers.counts.values())


def child_setup(answer: Path, sample: Path, what: str) -> int:
    """(Child, untimed setup.) Load sample into $SHAOBING_HOME through the ingest flow's task
    functions (no Prefect), then either train the model (what = "retrain": the retrain flow's body)
    or score and detect every week before `what` (a date) through the weekly flow's task functions."""
    from bench.speed import ingest_file, retrain
    from pipelines import settings, warehouse
    from pipelines.areas import read_areas

    t = time.perf_counter()
    frame, problems = read_areas(sample / "areas.csv")
    assert not problems, problems
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        warehouse.upsert_areas(con, frame)
        areas = warehouse.areas(con)
    loaded = sum(ingest_file(sample / f, areas).loaded for f in FILES)
    out = {"reports": loaded}
    if what == "retrain":
        res = retrain(settings.home(), settings.get_int("SHAOBING_WORKERS"))
        out.update(version=res["version"], train_rows=res["train_rows"], macro_f1=res["macro_f1"])
    else:
        from pipelines import weekly

        through = dt.date.fromisoformat(what)
        with warehouse.open_warehouse(settings.warehouse_path()) as con:
            champ = warehouse.champion(con)
        task_fn(weekly.score_reports)(champ["version"], champ["path"], through)
        out["detected"] = task_fn(weekly.detect_weeks)(champ["version"], through)["weeks"]
    out["seconds"] = time.perf_counter() - t
    answer.write_text(json.dumps(out))
    return 0


def task_fn(task):
    """A Prefect task's function (a plain function as it is)."""
    return getattr(task, "fn", task)


def ensure_model(steps: Steps, home: Path, sample: Path) -> dict:
    """The scoring model, trained once in its own home on `sample` (reused once trained)."""
    done = home / "model.json"
    if done.exists():
        return json.loads(done.read_text()) | {"reused": True}
    shutil.rmtree(home, ignore_errors=True)
    log(f"training the scoring model on {sample} (not part of the pipeline's time)")
    res = steps.child(home, "_setup", sample, "retrain")
    info = res["out"] | {"seconds": res["seconds"], "sample": str(sample), "reused": False}
    done.write_text(json.dumps(info))
    return info


def warm_prefect(steps: Steps, template: Path) -> None:
    """A Prefect home whose database exists (its migration is a new install's one-off, not timed)."""
    if os.environ.get("PREFECT_API_URL") or (template / "prefect").exists():
        return
    steps.child(template, "_warmup")


def child_warmup(answer: Path) -> int:
    from pipelines import settings

    settings.configure_prefect()  # Prefect configured as the CLI configures it
    from prefect import flow

    flow(name="bench-warmup")(lambda: None)()
    answer.write_text("{}")
    return 0


def fresh_home(home: Path, model_home: Path, template: Path) -> Path:
    """An empty $SHAOBING_HOME with the trained model as its champion (its file and row copied)."""
    from pipelines import warehouse

    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    if (template / "prefect").exists():
        shutil.copytree(template / "prefect", home / "prefect")
    with warehouse.open_warehouse(model_home / WAREHOUSE, read_only=True) as con:
        champ = warehouse.champion(con)
    source = Path(champ["path"]) if Path(champ["path"]).is_absolute() else model_home / champ["path"]
    target = home / "models" / champ["version"]
    shutil.copytree(source.parent, target)
    with warehouse.open_warehouse(home / WAREHOUSE) as con:
        warehouse.add_model_version(con, {**champ, "path": str(target.relative_to(home) / source.name),
                                          "status": "challenger"})
        warehouse.set_champion(con, champ["version"])
    return home


def reports_in(home: Path) -> int:
    from pipelines import warehouse

    with warehouse.open_warehouse(home / WAREHOUSE, read_only=True) as con:
        return warehouse.summary(con)["reports"]


# ================================================================= 2. the floor: jieba alone
_floor_cut = None


def _floor_init(engine: str = "jieba") -> None:
    """A segmenter with the product's domain dictionary, as RiskTokenizer builds it: Python jieba
    (the issue's floor) or rjieba (the engine the product runs)."""
    global _floor_cut
    from importlib import resources

    if engine == "rjieba":
        from features.tokenize import RiskTokenizer

        cut = RiskTokenizer(segmenter="rjieba")._segmenter()  # rjieba.Jieba() + our dictionary
        _floor_cut = lambda text: cut(text, True)  # noqa: E731
    else:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        segmenter = jieba.Tokenizer()
        segmenter.initialize()
        with resources.as_file(resources.files("features.data") / "dict.txt") as path:
            segmenter.load_userdict(str(path))
        _floor_cut = segmenter.lcut


def _floor_chunk(texts: list[str]) -> list[list[str]]:
    return [_floor_cut(t) for t in texts]


def child_floor(answer: Path, home: Path, workers: int, engine: str = "jieba") -> int:
    """(Child.) jieba (or rjieba) alone on the texts the product segments, on `workers` processes."""
    from bench.speed import document_texts, procs_used

    texts = document_texts(Path(home))
    procs = procs_used(len(texts), int(workers))
    t = time.perf_counter()
    if procs == 1:
        _floor_init(engine)
        _floor_chunk(texts)
    else:
        size = max(250, -(-len(texts) // (procs * 4)))  # as RiskTokenizer.tokenize_many chunks
        chunks = [texts[i: i + size] for i in range(0, len(texts), size)]
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(procs, mp_context=context, initializer=_floor_init, initargs=(engine,)) as pool:
            list(pool.map(_floor_chunk, chunks))
    seconds = time.perf_counter() - t
    answer.write_text(json.dumps({"seconds": seconds, "procs": procs, "reports": len(texts), "engine": engine,
                                  "distinct": len(set(texts)), "mb": sum(len(s.encode()) for s in texts) / 1e6}))
    return 0


# ================================================================= 3. the straightforward script
def naive_read(folder: Path):
    """The three exports as one pandas frame: id, time, area, title, text."""
    import pandas as pd

    names = pd.read_csv(folder / "areas.csv", dtype=str).set_index("area_code")["name"]
    hot = pd.read_csv(folder / "hotline.csv", encoding="gb18030", dtype=str)
    pet = pd.read_excel(folder / "petitions.xlsx", dtype=str)
    grid = pd.read_json(folder / "grid.jsonl", lines=True, dtype=False)
    df = pd.concat([
        pd.DataFrame({"id": "hotline:" + hot["工单编号"], "time": hot["来电时间"],
                      "area": hot["所属社区"].fillna(hot["所属街道"]), "title": hot["诉求标题"], "text": hot["诉求内容"]}),
        pd.DataFrame({"id": "petition:" + pet["信访件编号"], "time": pet["登记日期"], "area": pet["问题属地"],
                      "title": "", "text": pet["信访事项"]}),
        pd.DataFrame({"id": "grid:" + grid["event_id"].astype(str), "time": grid["reported_at"].astype(str),
                      "area": grid["grid_code"].str[:12].map(names), "title": "", "text": grid["description"]}),
    ], ignore_index=True)
    df["time"] = pd.to_datetime(df["time"], format="mixed")
    df["week"] = df["time"].dt.to_period("W-SUN").dt.start_time
    return df


def naive_mask(df):
    masked = df["text"].str.replace(r"1[3-9]\d{9}", "[手机号]", regex=True)
    return df.assign(text=masked.str.replace(r"\d{17}[\dXx]", "[身份证号]", regex=True))


def naive_tokens(df):
    import jieba

    return (df["title"].fillna("") + "。" + df["text"].fillna("")).apply(lambda s: " ".join(jieba.lcut(s)))


def naive_train(folder: Path):
    """TF-IDF + one-vs-rest logistic regression on the sample's texts and ground-truth labels."""
    import pandas as pd
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    df = naive_mask(naive_read(folder))
    truth = pd.read_csv(folder / "truth" / "labels.csv", dtype=str)
    df = df.merge(truth, left_on="id", right_on="report_id")
    labels = df["labels"].map(lambda s: [] if s == "none" else s.split(";"))
    binarizer = MultiLabelBinarizer()
    Y = binarizer.fit_transform(labels)
    vectorizer = TfidfVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                                 min_df=2, sublinear_tf=True)
    X = vectorizer.fit_transform(naive_tokens(df))
    model = OneVsRestClassifier(LogisticRegression(max_iter=1000, class_weight="balanced")).fit(X, Y)
    return vectorizer, model, list(binarizer.classes_)


def naive_detect(counts):
    """Alerts where a week's count is >= 3 and above mean + 3 sd of the 8 weeks before it."""
    wide = counts.unstack("week", fill_value=0)
    history = wide.T.rolling(8, min_periods=4)
    mean, sd = history.mean().shift(1).T, history.std().shift(1).T.fillna(0)
    alerts = (wide >= 3) & (wide > mean + 3 * sd)
    return alerts.stack().loc[lambda s: s].reset_index()[["area", "category", "week"]]


def child_naive(answer: Path, folder: Path, train_folder: Path, out: Path, sample: int) -> int:
    """(Child.) The straightforward script, each step timed; per-report steps on `sample` reports."""
    from importlib import resources

    import jieba
    import pandas as pd

    jieba.setLogLevel(logging.WARNING)
    with resources.as_file(resources.files("features.data") / "dict.txt") as path:
        jieba.load_userdict(str(path))  # the product's domain dictionary
    t = time.perf_counter()
    vectorizer, model, categories = naive_train(train_folder)
    secs = {"train": time.perf_counter() - t}

    def step(name, fn):
        t = time.perf_counter()
        value = fn()
        secs[name] = time.perf_counter() - t
        return value

    df = step("read", lambda: naive_read(folder))
    total = len(df)
    if int(sample) < total:
        df = df.sample(n=int(sample), random_state=0).sort_values("time")
    df = step("mask", lambda: naive_mask(df))
    tokens = step("segment", lambda: naive_tokens(df))
    X = step("vectorise", lambda: vectorizer.transform(tokens))
    proba = step("predict", lambda: model.predict_proba(X))

    def count_and_detect():
        scores = pd.DataFrame(proba, columns=categories).assign(id=df["id"].values, week=df["week"].values,
                                                                  area=df["area"].fillna("未知").values)
        long = scores.melt(id_vars=["id", "week", "area"], value_vars=categories, var_name="category", value_name="p")
        counts = long[long["p"] >= 0.5].groupby(["area", "category", "week"]).size()
        return scores, counts, naive_detect(counts)

    scores, counts, alerts = step("count", count_and_detect)
    out.mkdir(parents=True, exist_ok=True)
    step("write", lambda: (scores.to_csv(out / "scores.csv", index=False), alerts.to_csv(out / "alerts.csv", index=False)))
    answer.write_text(json.dumps({"seconds": secs, "reports": total, "sampled": len(df), "flagged": int(counts.sum()),
                                  "alerts": len(alerts)}))
    return 0


# ================================================================= 5. where scoring's time goes
def child_profile(answer: Path, home: Path, reports: int) -> int:
    """(Child.) Scoring's steps on `reports` reports of home, in one process."""
    import importlib.util

    import polars as pl

    from bench.speed import environment
    from features.tokenize import RiskTokenizer
    from pipelines import registry, settings, warehouse

    # score_frame moved to pipelines.scoring when scoring went to worker processes
    home_of_score_frame = "pipelines.scoring" if importlib.util.find_spec("pipelines.scoring") else "pipelines.weekly"
    score_frame = importlib.import_module(home_of_score_frame).score_frame
    secs: dict[str, float] = {}

    def step(name, fn):
        t = time.perf_counter()
        value = fn()
        secs[name] = secs.get(name, 0.0) + time.perf_counter() - t
        return value

    with environment(SHAOBING_HOME=str(home)):
        with warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
            every = step("read", lambda: warehouse.unscored_reports(con, "-", THROUGH))
            champ = warehouse.champion(con)
        frame = every.sample(n=min(int(reports), every.height), seed=0)
        texts = (frame["title"].fill_null("") + "。" + frame["text"]).to_list()
        tok = RiskTokenizer()
        step("build_segmenter", lambda: tok.tokenize("建"))
        tokens = step("segment", lambda: [tok.tokenize(t) for t in texts])
        docs = [" ".join(t) for t in tokens]
        model = step("load", lambda: registry.load(champ["path"]))
        # one score_frame, as the flow runs it, with its model's steps recorded inside it
        spans: dict[str, list] = {}
        for attr in ("score", "_proba_of", "_explain"):
            probe("models.classifier", f"RiskClassifier.{attr}", spans.setdefault(attr, []))
        scores = step("score_frame", lambda: score_frame(model, "bench-profile", frame["report_id"].to_list(), docs))
        for attr in ("score", "_proba_of", "_explain"):
            secs[attr] = seconds_of(spans, attr)
        flagged = scores.filter(pl.col("flagged"))["report_id"].n_unique()
        scratch = Path(home) / "profile-scratch.duckdb"
        scratch.unlink(missing_ok=True)
        with warehouse.open_warehouse(scratch) as con:
            step("store_scores", lambda: warehouse.store_scores(con, scores))
            cache = pl.DataFrame({"content_hash": frame["content_hash"], "tokens": docs})
            step("store_tokens", lambda: warehouse.store_tokens(con, cache, tok.version))
        scratch.unlink(missing_ok=True)
    answer.write_text(json.dumps({"seconds": secs, "reports": len(texts), "read_reports": every.height,
                                  "flagged": flagged}))
    return 0


# ================================================================= the benchmark
def run(args, root: Path) -> tuple[list[dict], dict]:
    """Every measurement; returns the table's rows and the setup facts."""
    info: dict = {"load_before": os.getloadavg(), "cpus": os.cpu_count()}
    shutil.rmtree(root / "logs", ignore_errors=True)  # this run's logs only
    steps = Steps(root / "logs", args.workers)
    samples = root / "samples"
    big = samples / f"reports-{args.reports}-seed-{args.seed}"
    info["generate"] = ensure_sample(big, full_sample(args.reports, args.seed))
    if args.model_reports:
        train_sample = samples / f"model-{args.model_reports}-seed-{args.seed + 1}"
        ensure_sample(train_sample, full_sample(args.model_reports, args.seed + 1))
    else:
        train_sample = SAMPLE
    info["model"] = ensure_model(steps, root / "model", train_sample)
    template = root / "prefect-template"
    warm_prefect(steps, template)

    # 1. the pipeline
    home = fresh_home(root / "full", root / "model", template)
    log(f"pipeline: areas import, ingest of {args.reports:,} generated reports")
    areas = steps.command(home, "areas", "import", str(big / "areas.csv"))
    ingest = steps.command(home, "ingest", *(str(big / f) for f in FILES))
    n = reports_in(home)
    log(f"pipeline: weekly (score {n:,} reports, detect {WEEKS} weeks)")
    weekly = steps.command(home, "weekly", "--through", str(week_start(WEEKS)))

    # 2. floor, 3. straightforward script
    log("floor: jieba alone on the same texts")
    floor = steps.child(home, "_floor", home, args.workers)
    # on one process too: shows what the second process gained on this (shared) machine
    floors = [floor] + ([steps.child(home, "_floor", home, 1)] if floor["out"]["procs"] > 1 else [])
    log("floor: rjieba alone on the same texts (the engine the product segments with)")
    floors.append(steps.child(home, "_floor", home, args.workers, "rjieba"))
    k = min(n, args.naive_sample or NAIVE_SAMPLE)
    log(f"straightforward script ({k:,} of {n:,} reports through the per-report steps)")
    naive = steps.child(root / "naive", "_naive", big, train_sample, root / "naive" / "out", k)

    # 4. one more week, on 104 weeks of history and on 9
    per_week = max(1, round(args.reports / WEEKS))
    runs = {}
    short = fresh_home(root / "short", root / "model", template)
    history = samples / f"history-{SHORT_HISTORY}w-{args.reports}-seed-{args.seed}"
    ensure_sample(history, lambda f: history_sample(f, args.reports, args.seed, SHORT_HISTORY))
    log(f"short history: the sample's first {SHORT_HISTORY} weeks loaded, scored and detected (untimed)")
    info["short_setup"] = steps.child(short, "_setup", history, str(week_start(SHORT_HISTORY)))["out"]
    for label, target, week in (("week 10", short, SHORT_HISTORY), ("week 105", home, WEEKS)):
        extra = samples / f"week-{week + 1}-{per_week}-seed-{args.seed + 7}"
        ensure_sample(extra, lambda f: new_week_sample(f, week, per_week, args.seed + 7))  # noqa: B023 (called at once)
        log(f"{label}: ingest + weekly of {per_week:,} new reports")
        runs[label] = {"history": reports_in(target),
                       "ingest": steps.command(target, "ingest", *(str(extra / f) for f in FILES)),
                       "weekly": steps.command(target, "weekly", "--through", str(week_start(week + 1)))}
        runs[label]["reports"] = reports_in(target) - runs[label]["history"]

    # 5. profile of scoring
    m = min(n, args.profile_reports)
    log(f"profile of scoring on {m:,} reports")
    profile = steps.child(home, "_profile", home, m)["out"]

    info.update(reports=n, floor=floor["out"], load_after=os.getloadavg())
    rows = pipeline_rows(n, areas, ingest, weekly)
    rows += floor_rows(floors)
    rows += naive_rows(naive, n)
    rows += week_rows(runs)
    rows += profile_rows(profile, n, args.workers)
    rows += target_rows(rows, runs)
    return rows, info


# ================================================================= rows
def row(block: str, step: str, n: int | None, seconds: float | None, peak: float | None = None,
        note: str = "", **extra) -> dict:
    r = {"block": block, "step": step, "reports": n, "seconds": seconds, "peak_mb": peak,
         "reports_per_s": n / seconds if n and seconds else None, "note": note}
    r.update(extra)
    return r


def pipeline_rows(n: int, areas: dict, ingest: dict, weekly: dict) -> list[dict]:
    sp = ingest["spans"]
    parts = [("read", "read the files"), ("prepare", "validate, map, mask PII, place, near-duplicates"),
             ("load", "dedupe against the warehouse, store (DuckDB)"), ("snapshot", "publish the board's snapshot")]
    ingest_s = areas["seconds"] + ingest["seconds"]
    rows = [row("pipeline", "ingest", n, ingest_s, max(areas["peak_mb"], ingest["peak_mb"]),
                "shaobing areas import + shaobing ingest (3 files)"),
            row("pipeline", "  areas import", None, areas["seconds"], areas["peak_mb"], "a process of its own")]
    rows += [row("pipeline", f"  {label}", None, seconds_of(sp, key)) for key, label in parts if key in sp]
    work = union_seconds(sp, [k for k, _ in parts])
    rows.append(row("pipeline", "    of which overlapped", None, sum(seconds_of(sp, k) for k, _ in parts) - work, None,
                    "a file read and validated while the one before is stored"))
    rows.append(row("pipeline", "  process start, imports, Prefect", None, ingest["seconds"] - work, None,
                    "the ingest process's time outside the steps above"))
    rows += weekly_rows("pipeline", n, weekly, f"{WEEKS} weeks replayed")
    rows.append(row("pipeline", "end to end", n, ingest_s + weekly["seconds"],
                    max(areas["peak_mb"], ingest["peak_mb"], weekly["peak_mb"]), "ingest + weekly", kind="total"))
    return rows


def weekly_rows(block: str, n: int, weekly: dict, weeks: str, prefix: str = "") -> list[dict]:
    """Rows of one `shaobing weekly` process: scoring, detection, the rest, and what is inside them."""
    sp = weekly["spans"]
    score, detect = seconds_of(sp, "scoring"), seconds_of(sp, "detection")
    scoring = [("read_unscored", "read unscored reports (DuckDB)"),
               ("cache_keys", "token cache: which texts it holds (DuckDB)"),
               ("cache_read", "token cache keys and lookup (DuckDB)"),
               ("segment_in_flow", "segmentation in the flow (tokenize_many)"),
               ("score_in_flow", "features, predict, explain in the flow (score_frame)"),
               ("cache_write", "token cache write (DuckDB)"), ("store_scores", "store scores (DuckDB)"),
               ("weekly_counts", "recount weekly counts (DuckDB)")]
    inputs, mentions = seconds_of(sp, "detect_inputs"), seconds_of(sp, "mentions")
    detection = [("read", "read counts and flagged reports, keep found names (DuckDB)", inputs - mentions),
                 ("mentions", "names and escalation words of flagged reports not kept before", mentions),
                 ("run_week", f"detectors, clusters, alerts (run_week x {len(sp.get('run_week', ()))})",
                  seconds_of(sp, "run_week")),
                 ("fold_week", f"alerts updated and linked (fold_week x {len(sp.get('fold_week', ()))})",
                  seconds_of(sp, "fold_week")),
                 ("store_week", "store signals and alerts (DuckDB)", seconds_of(sp, "store_week"))]
    rest_parts = [("fold", "fold the board's reviews"), ("brief", "write the brief (xlsx)"),
                  ("snapshot", "publish the board's snapshot")]
    rest = weekly["seconds"] - score - detect
    rows = [row(block, f"{prefix}scoring", n, score, peak_within(weekly, "scoring"), "weekly: score_reports")]
    inside = [(label, seconds_of(sp, key)) for key, label in scoring if sp.get(key)]
    rows += [row(block, f"{prefix}  {label}", None, s) for label, s in inside]
    rows.append(row(block, f"{prefix}  the rest: segmentation and scoring, Python between", None,
                    score - sum(s for _, s in inside), None, "in SHAOBING_WORKERS worker processes (waited for) or in line"))
    rows.append(row(block, f"{prefix}detection", n, detect, peak_within(weekly, "detection"), f"weekly: detect_weeks, {weeks}"))
    shown = [(label, s) for key, label, s in detection if sp.get("detect_inputs" if key == "read" else key)]
    rows += [row(block, f"{prefix}  {label}", None, s) for label, s in shown]
    rows.append(row(block, f"{prefix}  the rest", None, detect - sum(s for _, s in shown), None,
                    "the weeks' signals and evidence (replay_signals: on SHAOBING_WORKERS processes, waited for), "
                    "alerts queries, expiry, signal ids"))
    rows.append(row(block, f"{prefix}weekly: the rest", None, rest, None, "process start, imports, Prefect, fold, brief, snapshot"))
    rows += [row(block, f"{prefix}  {label}", None, seconds_of(sp, key)) for key, label in rest_parts if sp.get(key)]
    rows.append(row(block, f"{prefix}  process start, imports, Prefect", None,
                    rest - sum(seconds_of(sp, k) for k, _ in rest_parts)))
    rows.append(row(block, f"{prefix}weekly process", n, weekly["seconds"], weekly["peak_mb"],
                    "shaobing weekly: scoring + detection + the rest"))
    return rows


def floor_rows(floors: list[dict]) -> list[dict]:
    """The floor on --workers processes (the target's), on one (for comparison), and rjieba's."""
    rows = []
    for i, floor in enumerate(floors):
        f = floor["out"]
        engine = f.get("engine", "jieba")
        if engine == "rjieba":
            note, kind = "the engine the product segments with (SHAOBING_SEGMENTER), for comparison", {"kind": "floor rjieba"}
        elif i == 0:
            note = (f"lcut of title + 。 + text: {f['mb']:.1f} MB, {f['distinct']:,} distinct; incl. spawning and "
                    "building the tokenizers")
            kind = {"kind": "floor"}
        else:
            note, kind = "the same on one process, for comparison", {}
        rows.append(row("floor", f"{engine} alone, our dictionary, {f['procs']} proc(s)", f["reports"], f["seconds"],
                        floor["peak_mb"], note, **kind))
    return rows


NAIVE_STEPS = [("read", "read the exports (pandas)"), ("mask", "mask phone and ID numbers (regex)"),
               ("segment", "jieba.lcut row by row"), ("vectorise", "TfidfVectorizer.transform"),
               ("predict", "OneVsRest LogisticRegression.predict_proba"),
               ("count", "weekly counts (groupby), threshold detector"), ("write", "write scores and alerts (CSV)")]


def naive_rows(naive: dict, n: int) -> list[dict]:
    o = naive["out"]
    secs, scale = o["seconds"], o["reports"] / o["sampled"]
    total = sum(secs[k] * (1 if k == "read" else scale) for k, _ in NAIVE_STEPS)
    how = "measured" if scale == 1 else f"per-report steps on {o['sampled']:,} reports x {scale:.1f}"
    rows = [row("naive", "straightforward script, 1 proc", n, total, naive["peak_mb"],
                f"{how}; peak memory as measured", kind="naive")]
    for key, label in NAIVE_STEPS:
        note = "" if key == "read" or scale == 1 else f"{secs[key]:.1f} s on {o['sampled']:,}"
        rows.append(row("naive", f"  {label}", None, secs[key] * (1 if key == "read" else scale), None, note))
    rows.append(row("naive", "  train (not in the total)", None, secs["train"], None,
                    "read, segment and fit on the model's sample with its ground truth"))
    return rows


INGEST_WORK = ("read", "prepare", "load", "snapshot")
WEEKLY_WORK = ("scoring", "detection", "fold", "brief", "snapshot")


def work_seconds(ingest: dict, weekly: dict) -> float:
    """An ingest and a weekly process's time in the product's steps: all but process start,
    imports and Prefect."""
    return union_seconds(ingest["spans"], INGEST_WORK) + sum(seconds_of(weekly["spans"], k) for k in WEEKLY_WORK)


def week_rows(runs: dict) -> list[dict]:
    rows = []
    for label, r in runs.items():
        n, ingest, weekly = r["reports"], r["ingest"], r["weekly"]
        si, sw = ingest["spans"], weekly["spans"]
        total, work = ingest["seconds"] + weekly["seconds"], work_seconds(ingest, weekly)
        parts = [("ingest: read, validate, map, mask", seconds_of(si, "read") + seconds_of(si, "prepare")),
                 ("ingest: dedupe against the warehouse, store", seconds_of(si, "load")),
                 ("weekly: scoring", seconds_of(sw, "scoring")),
                 ("  of which recount weekly counts (DuckDB)", seconds_of(sw, "weekly_counts")),
                 ("weekly: detection", seconds_of(sw, "detection")),
                 ("  of which read counts and flagged reports, names", seconds_of(sw, "detect_inputs")),
                 ("publish the board's snapshot (ingest, weekly)", seconds_of(si, "snapshot") + seconds_of(sw, "snapshot")),
                 ("weekly: fold reviews, brief", seconds_of(sw, "fold") + seconds_of(sw, "brief")),
                 ("process start, imports, Prefect (2 processes)", total - work)]
        rows.append(row("week", f"{label}: ingest + weekly", n, total, max(ingest["peak_mb"], weekly["peak_mb"]),
                        f"{r['history']:,} reports of history before it", kind=label))
        rows += [row("week", f"  {step}", None, secs) for step, secs in parts]
        rows.append(row("week", f"  {label}: work", n, work, None, "all but process start, imports, Prefect",
                        kind=f"{label} work"))
    return rows


PROFILE_STEPS = [("build_segmenter", "build the segmenter (once per process)", False),
                 ("segment", "segmentation (RiskTokenizer.tokenize)", True),
                 ("load", "model load (skops, once per process)", False),
                 ("vectorise", "vectorise (word + char TF-IDF, lexicon)", True),
                 ("predict", "predict (5 logistic regressions, calibration)", True),
                 ("explain", "explain (top terms of the flagged reports)", True),
                 ("frame", "long score frame (score_frame minus the above)", True),
                 ("store_scores", "store scores (DuckDB, empty warehouse)", True),
                 ("store_tokens", "token cache write (DuckDB, empty warehouse)", True)]


def profile_rows(p: dict, n: int, workers: int) -> list[dict]:
    s = dict(p["seconds"])
    # RiskClassifier.score: features once, then probabilities (_proba_of) and the flagged terms (_explain)
    s["vectorise"] = s["score"] - s["_proba_of"] - s["_explain"]
    s["predict"], s["explain"] = s["_proba_of"], s["_explain"]
    s["frame"] = s["score_frame"] - s["score"]
    per_report = sum(s[k] for k, _, scales in PROFILE_STEPS if scales)
    m = p["reports"]
    rows = [row("profile", f"scoring's steps on {m:,} reports, 1 proc", m, per_report, None,
                f"{p['flagged']:,} flagged; at {n:,} reports on {workers} proc(s): ~{per_report * n / m / workers:.0f} s "
                "of work in parallel parts")]
    for key, label, scales in PROFILE_STEPS:
        share = f"{100 * s[key] / per_report:.0f}% of the per-report work" if scales else "fixed"
        rows.append(row("profile", f"  {label}", m if scales else None, s[key], None, share))
    rows.append(row("profile", "  read all reports (DuckDB)", p["read_reports"], s["read"], None, "unscored_reports query"))
    return rows


def target_rows(rows: list[dict], runs: dict) -> list[dict]:
    by = {r.get("kind"): r for r in rows if r.get("kind")}
    total, floor, naive = by["total"]["seconds"], by["floor"]["seconds"], by["naive"]["seconds"]
    w10, w105 = by["week 10"]["seconds"], by["week 105"]["seconds"]
    out = [("end to end / jieba alone", total / floor, f"<= {TOTAL_OVER_FLOOR}x", total / floor <= TOTAL_OVER_FLOOR,
            "wall time, the floor on the same texts"),
           ("straightforward script / end to end", naive / total, f">= {NAIVE_OVER_TOTAL:.0f}x",
            naive / total >= NAIVE_OVER_TOTAL, by["naive"]["note"].split(";")[0]),
           ("week 105 / week 10", w105 / w10, f"~1 (<= {WEEK_RATIO}x)", w105 / w10 <= WEEK_RATIO,
            f"ingest + weekly of {runs['week 105']['reports']:,} new reports, whole processes")]
    if "floor rjieba" in by:
        rust = by["floor rjieba"]["seconds"]
        out.insert(1, ("end to end / rjieba alone", total / rust, "", None,
                       "not a target: the floor of the segmenter the product runs"))
    w10, w105 = by["week 10 work"]["seconds"], by["week 105 work"]["seconds"]
    out.append(("week 105 / week 10, work only", w105 / w10, f"~1 (<= {WEEK_RATIO}x)", w105 / w10 <= WEEK_RATIO,
                "the same without process start, imports and Prefect (the same in both)"))
    result = [{"block": "targets", "step": s, "ratio": v, "target": t, "met": m, "note": note} for s, v, t, m, note in out]
    peak = max(r["peak_mb"] or 0 for r in rows if r["block"] in ("pipeline", "week"))
    result.append({"block": "targets", "step": "peak memory of the pipeline", "peak_mb": peak, "target": f"<= {PEAK_MB} MB",
                   "met": peak <= PEAK_MB, "note": "largest process tree of any pipeline step"})
    return result


# ================================================================= output
COLUMNS = [("block", "block", "<"), ("step", "step", "<"), ("reports", "reports", ">"), ("seconds", "secs", ">"),
           ("peak_mb", "peak MB", ">"), ("reports_per_s", "reports/s", ">"), ("ratio", "ratio", ">"),
           ("target", "target", "<"), ("met", "status", "<"), ("note", "note", "<")]


def cell(r: dict, key: str) -> str:
    v = r.get(key)
    if v is None or v == "":
        return ""
    if key == "met":
        return "met" if v else "NOT MET"
    if key == "ratio":
        return f"{v:.2f}x"
    if key in ("reports", "reports_per_s", "peak_mb"):
        return f"{v:,.0f}"
    if key == "seconds":
        return f"{v:.1f}"
    return str(v)


def render(rows: list[dict], info: dict, total: float) -> str:
    out = block_table(rows, COLUMNS, cell)
    g, m = info["generate"], info["model"]
    files = ", ".join(f"{f} {mb:.0f} MB" for f, mb in g["mb"].items())
    out.append(f"sample: {g['reports']:,} reports generated in {g['seconds']:.1f} s ({files}"
               + ("; reused" if g.get("reused") else "") + "), not part of the pipeline")
    out.append(f"model {m['version']}: retrain on {m['reports']:,} reports of {Path(m['sample']).name} "
               f"(macro-F1 {m['macro_f1']:.3f}) in {m['seconds']:.1f} s, not part of the pipeline")
    s = info["short_setup"]
    out.append(f"short history: {s['reports']:,} reports of {SHORT_HISTORY} weeks loaded, scored and detected "
               f"untimed ({s['seconds']:.1f} s)")
    load = lambda xs: " ".join(f"{x:.2f}" for x in xs)  # noqa: E731
    out.append(f"cpus {info['cpus']}; load average {load(info['load_before'])} before, {load(info['load_after'])} "
               "after: other processes share the cores, timings are noisy")
    out.append(f"total {total:.1f} s")
    return "\n".join(out)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=100_000, help="reports to generate and run (default 100000)")
    ap.add_argument("--seed", type=int, default=SEED, help="generator seed (default: the committed sample's)")
    ap.add_argument("--workers", type=int, default=2, help="SHAOBING_WORKERS and the floor's processes (default 2)")
    ap.add_argument("--naive-sample", type=int, default=None,
                    help=f"reports the straightforward script's per-report steps run on, scaled to all "
                         f"(default: all up to {NAIVE_SAMPLE:,}, else {NAIVE_SAMPLE:,})")
    ap.add_argument("--model-reports", type=int, default=0,
                    help="train the scoring model on a generated sample of this size (default: the committed data/sample)")
    ap.add_argument("--profile-reports", type=int, default=PROFILE_REPORTS,
                    help=f"reports the scoring profile runs on (default {PROFILE_REPORTS:,})")
    ap.add_argument("--home", type=Path, default=None,
                    help="keep everything in DIR (logs, homes); reuse its generated samples and trained model")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    return ap.parse_args(argv)


def child(mode: str, answer: str, *a: str) -> int:
    """This file run as one of the benchmark's child processes; it writes its JSON answer to `answer`."""
    out = Path(answer)
    if mode == "_run":
        return child_run(out, list(a))
    if mode == "_setup":
        return child_setup(out, Path(a[0]), a[1])
    if mode == "_floor":
        return child_floor(out, Path(a[0]), int(a[1]), *a[2:])
    if mode == "_naive":
        return child_naive(out, Path(a[0]), Path(a[1]), Path(a[2]), int(a[3]))
    if mode == "_profile":
        return child_profile(out, Path(a[0]), int(a[1]))
    if mode == "_warmup":
        return child_warmup(out)
    raise SystemExit(f"unknown child mode {mode}")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0].startswith("_"):
        return child(*argv)
    args = parse_args(argv)
    t0 = time.perf_counter()
    if args.home:
        args.home.mkdir(parents=True, exist_ok=True)
        rows, info = run(args, args.home.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="shaobing-throughput-") as tmp:
            rows, info = run(args, Path(tmp))
    total = time.perf_counter() - t0
    if args.json:
        print(json.dumps({"rows": rows, "setup": info, "total_seconds": total, "args": vars(args)},
                         ensure_ascii=False, indent=1, default=str))
    else:
        print(render(rows, info, total))
    return 0


if __name__ == "__main__":  # spawned worker processes import this file again
    sys.exit(main())
