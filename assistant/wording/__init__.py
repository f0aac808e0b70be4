"""The wording catalogs: every plain sentence FAQ Assistant says, in Chinese and English, as data.

Each catalog is a TOML file beside this module (``calculator.toml``, ``ui.toml``) with one table per key
and its two format strings side by side::

    [bad_negative]
    zh = "“{text}”是负数，无法计算。"
    en = "“{text}” is negative, so I can't compute with it."

:func:`catalog` reads one (through :mod:`importlib.resources`, so it works from an installed wheel), checks
that every key has a string in every language and nothing else, and caches it. Wording that needs logic
(plurals, flags, lists) stays in Python beside its user.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import NamedTuple

from ..errors import ConfigError

LANGUAGES = ("zh", "en")


class Wording(NamedTuple):
    """One key's wording: the Chinese and the English format string."""

    zh: str
    en: str


@functools.cache
def catalog(name: str) -> Mapping[str, Wording]:
    """The catalog ``name`` (``"calculator"``, ``"ui"``), read and checked once; key -> :class:`Wording`, in file
    order. Raises :class:`.ConfigError` naming the file and key when it is malformed."""
    return read(resources.files(__name__) / f"{name}.toml")


def read(source: Traversable) -> Mapping[str, Wording]:
    """Read and check one catalog file (uncached; :func:`catalog` is the way in)."""
    where = str(source)
    try:
        text = source.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read the wording catalog: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    entries: dict[str, Wording] = {}
    for key, table in data.items():
        at = f"{where}:{_line(text, key)}"
        if not isinstance(table, dict):
            raise ConfigError(f"{at}: {key!r} must be a table [{key}] with zh and en, not {table!r}")
        missing = [language for language in LANGUAGES if language not in table]
        if missing:
            raise ConfigError(f"{at}: [{key}] has no {' and '.join(missing)} wording")
        extra = sorted(set(table) - set(LANGUAGES))
        if extra:
            raise ConfigError(f"{at}: [{key}] has {', '.join(extra)}, but a key holds only {' and '.join(LANGUAGES)}")
        for language in LANGUAGES:
            if not isinstance(table[language], str):
                raise ConfigError(f"{at}: [{key}] {language} must be a string, not {table[language]!r}")
        entries[key] = Wording(table["zh"], table["en"])
    return MappingProxyType(entries)


def _line(text: str, key: str) -> int | str:
    """The line of the table header ``[key]`` (``?`` when it cannot be found, e.g. a dotted or inline table)."""
    found = re.search(rf"^[ \t]*\[[ \t]*{re.escape(key)}[ \t]*\]", text, re.MULTILINE)
    return "?" if found is None else text.count("\n", 0, found.start()) + 1


__all__ = ["LANGUAGES", "Wording", "catalog", "read"]
