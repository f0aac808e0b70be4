"""Calibrated no-answer thresholds, per embedding model.

``calibration.json`` beside this file is written by ``benchmarks/calibrate.py`` from the
dev set plus out-of-scope questions; ``ASSISTANT_THRESHOLD`` overrides it.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
DEFAULT_THRESHOLD = 0.45


@lru_cache(maxsize=1)
def _table() -> dict[str, float]:
    try:
        data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
        return {str(k): float(v["threshold"]) for k, v in data.get("models", {}).items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("no calibration (%s); using threshold %.2f", exc, DEFAULT_THRESHOLD)
        return {}


def threshold_for(model_id: str) -> float:
    """The calibrated threshold for ``model_id`` (or 'lexical'), else the default."""
    return _table().get(model_id, DEFAULT_THRESHOLD)
