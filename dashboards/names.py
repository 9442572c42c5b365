"""Chinese display names of the board's words (statuses, channels, categories, roles), shared by all pages."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from models.alerts import CHANNEL_NAMES  # noqa: F401  (re-exported for the pages)
from models.taxonomy import Taxonomy, default_taxonomy
from pipelines import settings
from pipelines.reviews import ACTIONS, DISMISS_REASONS, STATUS_NAMES  # noqa: F401  (STATUS_NAMES adds 已合并)
from pipelines.users import ROLES  # noqa: F401


@cache
def _taxonomy_from(path: str) -> Taxonomy:
    return Taxonomy.from_toml(Path(path).read_text("utf-8")) if path else default_taxonomy()


def taxonomy() -> Taxonomy:
    """The taxonomy in force: SHAOBING_TAXONOMY if set, else the built-in one."""
    return _taxonomy_from(settings.get("SHAOBING_TAXONOMY"))


def category_name(key: str) -> str:
    return taxonomy().name(key)


def status_name(key: str) -> str:
    return STATUS_NAMES.get(key, key)


def channel_name(key: str) -> str:
    return CHANNEL_NAMES.get(key, key)


def action_name(key: str) -> str:
    return ACTIONS[key].name if key in ACTIONS else key


def reason_name(key: str | None) -> str:
    return DISMISS_REASONS.get(key, key or "")


def role_name(key: str) -> str:
    return ROLES.get(key, key)


def people() -> dict[str, str]:
    """Each user's name as the board shows it (``person``), from one reading of the users file."""
    from pipelines import users

    return {u.username: f"{u.name}（{u.username}）" if u.name and u.name != u.username else u.username
            for u in users.list_users()}


def person(username: str | None, known: dict[str, str] | None = None) -> str:
    """Who did something, as the board names its user everywhere: 姓名（用户名）; the user name alone
    where the users file has no other name for it (a removed user, a name equal to it). ``known``:
    ``people()`` read once by a caller naming many."""
    if not username:
        return ""
    return (people() if known is None else known).get(username, username)
