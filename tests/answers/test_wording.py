"""The wording catalogs (assistant/wording/*.toml): a malformed catalog is refused, naming the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.wording import Wording, catalog, read


def test_a_catalog_missing_a_language_is_refused_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "ui.toml"
    path.write_text('# group\n[fine]\nzh = "好"\nen = "fine"\n\n[half]\nzh = "只有中文"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ui\.toml:6: \[half\] has no en wording"):
        read(path)
    path.write_text('[fine]\nzh = "好"\nen = "fine {x}"\n', encoding="utf-8")  # complete: read as written
    assert dict(read(path)) == {"fine": Wording("好", "fine {x}")}
    path.write_text('[fine]\nzh = "好"\nen = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ui\.toml:1: \[fine\] en must be a string"):
        read(path)


def test_the_shipped_catalogs_load_once() -> None:
    assert catalog("ui") is catalog("ui") and catalog("ui")["matched"] == Wording("匹配的问题", "Matched FAQ question")
    assert catalog("calculator")["formula"] == Wording("计算：", "Calculation:")
