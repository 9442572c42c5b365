"""The risk taxonomy: categories, their names, weak-label mappings and lexicons, from one TOML."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Category:
    key: str
    name: str
    source_categories: tuple[str, ...] = ()
    lexicon: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]
    uninformative_source_categories: tuple[str, ...] = ()

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.categories]

    def name(self, key: str) -> str:
        """The Chinese display name of a category key (the key itself if unknown)."""
        return next((c.name for c in self.categories if c.key == key), key)

    def weak_labels(self, source_category: str | None) -> list[str] | None:
        """Categories an export's own category implies: [] means 'none of ours', None 'unknown'."""
        text = (source_category or "").strip()
        if not text or any(u in text for u in self.uninformative_source_categories):
            return None
        return [c.key for c in self.categories if any(s in text for s in c.source_categories)]

    @classmethod
    def from_toml(cls, text: str) -> "Taxonomy":
        data = tomllib.loads(text)
        cats = data.get("category") or []
        if not cats:
            raise ValueError("taxonomy: no [[category]] entries")
        keys = [c.get("key") for c in cats]
        if any(not k for k in keys) or len(set(keys)) != len(keys):
            raise ValueError(f"taxonomy: every category needs a unique key, got {keys}")
        return cls(
            categories=tuple(
                Category(c["key"], c.get("name", c["key"]), tuple(c.get("source_categories", ())),
                         {str(k): float(v) for k, v in c.get("lexicon", {}).items()})
                for c in cats
            ),
            uninformative_source_categories=tuple(data.get("uninformative_source_categories", ())),
        )


@cache
def default_taxonomy() -> Taxonomy:
    """The taxonomy shipped with the package (pipelines may load another via SHAOBING_TAXONOMY)."""
    return Taxonomy.from_toml(resources.files(__package__).joinpath("taxonomy.toml").read_text("utf-8"))
