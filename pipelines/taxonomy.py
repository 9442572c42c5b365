"""The taxonomy in force: the built-in one, or the file named by SHAOBING_TAXONOMY."""
from __future__ import annotations

from pathlib import Path

from models.taxonomy import Taxonomy, default_taxonomy
from . import settings


def taxonomy() -> Taxonomy:
    path = settings.get("SHAOBING_TAXONOMY")
    if not path:
        return default_taxonomy()
    try:
        return Taxonomy.from_toml(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"SHAOBING_TAXONOMY={path}: cannot use it ({exc})") from None
