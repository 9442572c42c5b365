"""Every setting is documented, and every deployment entry point imports."""
from pathlib import Path

from pipelines import settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")


def test_every_setting_is_documented_in_the_readme():
    assert [s.name for s in settings.SETTINGS if f"`{s.name}`" not in README] == []


def test_the_readme_starts_with_the_two_commands():
    head = "\n".join(README.splitlines()[:10])
    assert "make demo" in head and "make test" in head


def test_the_weekly_deployment_imports_and_keeps_its_schedule():
    settings.configure_prefect()
    from pipelines.deployments import weekly_schedule
    from pipelines.ingest import ingest_flow
    from pipelines.retrain import retrain_flow
    from pipelines.weekly import weekly_flow

    schedule = weekly_schedule()
    assert schedule.cron == "0 6 * * 1" and schedule.timezone == "Asia/Shanghai"
    assert {f.name for f in (ingest_flow, weekly_flow, retrain_flow)} == {"ingest", "weekly", "retrain"}
