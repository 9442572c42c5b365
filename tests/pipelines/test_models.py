"""Model versions from the command line: retrain records a challenger and promotes it by the rule,
promote and rollback move the champion, and a damaged or tampered model file is refused while the
champion keeps serving."""
from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager

import duckdb
import pytest

from pipelines.cli import main


@contextmanager
def home_env(path, **extra):
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {"SHAOBING_HOME": str(path), **extra}.items():
            mp.setenv(name, value)
        yield


@pytest.fixture
def home(small_warehouse, tmp_path):
    path = tmp_path / "home"
    shutil.copytree(small_warehouse, path, ignore=shutil.ignore_patterns("prefect"))
    return path


@pytest.fixture(scope="module")
def retrained(small_warehouse, prefect_harness, tmp_path_factory):
    """A home whose `retrain --no-promote` left a challenger beside the champion, and its output."""
    path = tmp_path_factory.mktemp("models") / "home"
    shutil.copytree(small_warehouse, path, ignore=shutil.ignore_patterns("prefect"))
    first = champion(path)
    with home_env(path):
        from contextlib import redirect_stdout
        from io import StringIO

        out = StringIO()
        with redirect_stdout(out):
            assert main(["retrain", "--no-promote"]) == 0
    [new] = [v for v in versions(path) if v != first]
    return {"home": path, "champion": first, "challenger": new, "out": out.getvalue()}


@pytest.fixture
def with_challenger(retrained, tmp_path):
    path = tmp_path / "home"
    shutil.copytree(retrained["home"], path)
    return path


def versions(home) -> dict[str, dict]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.sql("select version, status, path, metrics, params, train_hash, code_version from model_versions "
                       "order by created_at, version").pl()
    finally:
        con.close()
    return {r["version"]: r for r in rows.iter_rows(named=True)}


def champion(home) -> str:
    [name] = [v for v, r in versions(home).items() if r["status"] == "champion"]
    return name


def test_retrain_records_a_challenger_then_promote_and_rollback_move_the_champion(retrained, with_challenger):
    home, first, new, out = with_challenger, retrained["champion"], retrained["challenger"], retrained["out"]
    assert "kept as challenger" in out and "Brier score by category" in out
    with home_env(home):
        assert champion(home) == first and versions(home)[new]["status"] == "challenger"
        record = versions(home)[new]
        metrics = json.loads(record["metrics"])
        assert set(metrics["brier"]) == set(metrics["labels"]) and all(0 <= b <= 1 for b in metrics["brier"].values())
        assert json.loads(record["params"])["nb_power"] == 0.5 and record["train_hash"] and record["code_version"]

        assert main(["models", "promote", new]) == 0
        assert champion(home) == new and versions(home)[first]["status"] == "retired"
        assert main(["models", "rollback"]) == 0
        assert champion(home) == first
        assert main(["models", "promote", "no-such-version"]) == 1
        assert champion(home) == first


def test_the_promotion_rule_is_not_worse_by_default_and_configurable(home, prefect_harness, capsys):
    first = champion(home)
    champ_f1 = json.loads(versions(home)[first]["metrics"])["macro_f1"]
    with home_env(home):
        # the same labels give the same model: not worse, so promoted
        assert main(["retrain"]) == 0
        second = champion(home)
        assert second != first and "promoted to champion" in capsys.readouterr().out
        assert json.loads(versions(home)[second]["metrics"])["macro_f1"] == pytest.approx(champ_f1, abs=1e-9)
    with home_env(home, SHAOBING_PROMOTE_MARGIN="1.5"):
        assert main(["retrain"]) != 0
        assert "SHAOBING_PROMOTE_MARGIN='1.5'" in capsys.readouterr().err
    with home_env(home):
        assert main(["retrain", "--margin", "-0.1"]) == 2
    assert champion(home) == second and len(versions(home)) == 2


@pytest.mark.parametrize("damage", ["garbage", "truncated", "untrusted"])
def test_a_damaged_or_tampered_model_file_is_refused_and_the_champion_keeps_serving(retrained, with_challenger,
                                                                                      capsys, damage):
    home, first, new = with_challenger, retrained["champion"], retrained["challenger"]
    with home_env(home):
        path = str(home / versions(home)[new]["path"])  # recorded relative to the home
        if damage == "garbage":
            with open(path, "wb") as fh:
                fh.write(b"not a model at all")
        elif damage == "truncated":
            data = open(path, "rb").read()
            with open(path, "wb") as fh:
                fh.write(data[: len(data) // 2])
        else:
            import skops.io as sio

            sio.dump({"payload": shutil.rmtree}, path)  # a file that would hand back a dangerous callable
        capsys.readouterr()
        assert main(["models", "promote", new]) == 1
        err = capsys.readouterr().err
        assert path in err and "the champion is unchanged" in err
        assert not os.path.isabs(versions(home)[new]["path"])
        assert ("untrusted types" in err) if damage == "untrusted" else ("damaged or not a model" in err)
        assert champion(home) == first
    # the champion still serves: it loads and scores
    from pipelines import registry

    model = registry.load(home / versions(home)[first]["path"])
    assert model.predict_proba(["工地 老板 拖欠 工资"]).shape == (1, len(model.classes_))
