"""The seeded sample generator: same seed, same bytes; raw shapes as real exports have them."""
from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date

import openpyxl
import pytest

from models.taxonomy import default_taxonomy
from pipelines.sample import phrases
from pipelines.sample.generator import HOTLINE_HEADER, PETITION_HEADER, START, WEEKS, generate

FILES = ("areas.csv", "hotline.csv", "petitions.xlsx", "grid.jsonl", "planted_hotspots.csv", "truth/labels.csv")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    counts = generate(out, reports=2000)
    return out, counts


def digests(folder):
    return {f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in FILES}


def read_csv(path, encoding="utf-8"):
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding))))


def test_same_seed_gives_identical_bytes(sample, tmp_path):
    out, _ = sample
    generate(tmp_path, reports=2000)
    assert digests(tmp_path) == digests(out)


def test_another_seed_gives_other_reports(sample, tmp_path):
    generate(tmp_path, reports=300, seed=7)
    assert digests(tmp_path)["hotline.csv"] != digests(sample[0])["hotline.csv"]


def test_counts_add_up_to_the_reports_asked_for(sample):
    _, counts = sample
    assert counts["truth/labels.csv"] == 2000
    assert counts["hotline.csv"] + counts["petitions.xlsx"] + counts["grid.jsonl"] == 2000


def test_hotline_is_gb18030_with_the_export_header(sample):
    raw = (sample[0] / "hotline.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    header = next(csv.reader(io.StringIO(raw.decode("gb18030"))))
    assert header == HOTLINE_HEADER


def test_petition_sheet_has_the_register_header_and_real_dates(sample):
    sheet = openpyxl.load_workbook(sample[0] / "petitions.xlsx", read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == PETITION_HEADER
    kinds = {type(r[1]).__name__ for r in rows[1:]}
    assert "datetime" in kinds  # mostly real Excel dates, some typed in as text
    assert all(isinstance(r[3], int) and r[3] >= 1 for r in rows[1:])


def test_grid_lines_are_json_with_every_field(sample):
    lines = (sample[0] / "grid.jsonl").read_text("utf-8").splitlines()
    first = json.loads(lines[0])
    assert set(first) == {"event_id", "reported_at", "grid_code", "grid_worker", "event_type", "description",
                          "lon", "lat", "status"}
    assert all(json.loads(line)["grid_code"][12] == "-" for line in lines)


def test_every_report_has_a_truth_label(sample):
    out, _ = sample
    ids = {f"hotline:{r['工单编号']}" for r in read_csv(out / "hotline.csv", "gb18030")}
    ids |= {f"grid:{json.loads(line)['event_id']}" for line in (out / "grid.jsonl").read_text("utf-8").splitlines()}
    sheet = openpyxl.load_workbook(out / "petitions.xlsx", read_only=True).active
    ids |= {f"petition:{r[0]}" for r in sheet.iter_rows(min_row=2, values_only=True)}
    labels = read_csv(out / "truth" / "labels.csv")
    assert {r["report_id"] for r in labels} == ids and len(labels) == len(ids)
    keys = default_taxonomy().keys
    for r in labels:
        parts = r["labels"].split(";")
        assert parts == ["none"] or parts == [k for k in keys if k in parts]


def test_planted_hotspots_lie_in_the_period_and_in_known_areas(sample):
    out, _ = sample
    codes = {r["area_code"] for r in read_csv(out / "areas.csv")}
    planted = read_csv(out / "planted_hotspots.csv")
    assert len(planted) >= 4
    for p in planted:
        first, last = date.fromisoformat(p["first_week"]), date.fromisoformat(p["last_week"])
        assert START <= first <= last < date.fromordinal(START.toordinal() + 7 * WEEKS)
        assert first.weekday() == 0 and first >= date(2025, 9, 1)
        assert p["area_code"] in codes and p["category"] in default_taxonomy().keys


def test_areas_form_a_county_town_village_tree(sample):
    areas = read_csv(sample[0] / "areas.csv")
    by_code = {a["area_code"]: a for a in areas}
    assert len(by_code) == len(areas)
    assert [a["level"] for a in areas].count("3") == 1
    for a in areas:
        if a["level"] != "3":
            assert int(by_code[a["parent_code"]]["level"]) == int(a["level"]) - 1


@pytest.mark.parametrize("key", sorted(phrases.TOPICS))
def test_operators_right_categories_agree_with_the_taxonomy(key):
    # 劳动保障/社保缴纳 is a real export category the taxonomy does not map: it stays a 'none' weak label.
    topic, taxonomy = phrases.TOPICS[key], default_taxonomy()
    for channel in ("hotline", "petition", "grid"):
        for category in topic[channel]:
            weak = taxonomy.weak_labels(category)
            if weak is None or category == "劳动保障/社保缴纳":
                continue
            assert set(weak) <= set(topic["labels"]) and bool(weak) == bool(topic["labels"]), category
