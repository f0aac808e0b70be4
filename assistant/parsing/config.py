"""``kb/kb.toml``: how to read the knowledge base when a file could be read more than one way.

```toml
format = "heading"       # auto (default) | heading | bold | lines | list | definitions | details
section_depth = 2        # keep at most two heading levels in the section path (0: all)
question_level = 3       # heading convention: ### headings are the questions

[files."legacy/old-faq.md"]   # per-file overrides, path relative to the KB folder
format = "bold"
```
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import KnowledgeBaseError
from .conventions import FORMATS, Options

SETTINGS_FILE = "kb.toml"
_KEYS = {"format", "section_depth", "question_level"}


@dataclass(frozen=True)
class KbConfig:
    """Defaults and per-file overrides, keyed by the path relative to the KB folder."""

    default: Options = field(default_factory=Options)
    files: dict[str, Options] = field(default_factory=dict)

    def for_file(self, relative: str) -> Options:
        return self.files.get(relative, self.default)


def _options(table: dict[str, object], base: Options, display: str, text: str) -> Options:
    unknown = set(table) - _KEYS - {"files"}
    if unknown:
        key = sorted(unknown)[0]
        raise KnowledgeBaseError(
            f"unknown setting {key!r} (known: {', '.join(sorted(_KEYS))})", display, _line(text, key)
        )
    fmt = table.get("format", base.format)
    if fmt not in ("auto", *FORMATS):
        raise KnowledgeBaseError(
            f"format {fmt!r} is not one of auto, {', '.join(FORMATS)}", display, _line(text, "format")
        )
    values: dict[str, int] = {}
    for key in ("section_depth", "question_level"):
        value = table.get(key, getattr(base, key))
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 6:
            raise KnowledgeBaseError(
                f"{key} must be a whole number from 0 to 6, not {value!r}", display, _line(text, key)
            )
        values[key] = value
    return replace(base, format=str(fmt), **values)


def _line(text: str, needle: str) -> int | None:
    found = re.search(rf"^\s*{re.escape(needle)}\s*=", text, re.MULTILINE)
    return None if found is None else text.count("\n", 0, found.start()) + 1


def load_config(kb_dir: Path) -> KbConfig:
    """Read ``kb.toml`` in the KB folder (all defaults when there is none)."""
    path = kb_dir / SETTINGS_FILE
    if not path.is_file():
        return KbConfig()
    display = str(Path(kb_dir.name) / SETTINGS_FILE)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(f"cannot read settings: {exc}", display) from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise KnowledgeBaseError(f"invalid TOML: {exc}", display, int(found.group(1)) if found else None) from None
    default = _options(data, Options(), display, text)
    files_table = data.get("files", {})
    if not isinstance(files_table, dict):
        raise KnowledgeBaseError("[files] must be a table of per-file settings", display, _line(text, "files"))
    files: dict[str, Options] = {}
    for name, table in files_table.items():
        if not isinstance(table, dict):
            raise KnowledgeBaseError(f"[files.{name!r}] must be a table", display)
        if not (kb_dir / name).is_file():
            raise KnowledgeBaseError(
                f"[files] names {name!r}, which is not a file of the KB", display, _line(text, "format")
            )
        files[Path(name).as_posix()] = _options(table, default, display, text)
    return KbConfig(default, files)
