"""Shared fixtures: the real published reports of ../shared/reports and their transcriptions."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# xlwings' remote engine (xlwings.Book(json=...), used by tests/test_excel.py) is in its PRO part,
# licensed PolyForm Noncommercial, which allows this noncommercial project to use it.  The key
# must be set before xlwings is first imported.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


def find_shared() -> Path:
    """shared/ lies beside the clone (CI) or beside /work/main (developers' machines)."""
    candidates = [os.environ.get("XLREPORT_SHARED"), ROOT.parent / "shared", Path("/work/shared")]
    for c in candidates:
        if c and (Path(c) / "reports").is_dir():
            return Path(c)
    raise RuntimeError("找不到 shared/reports：请设置 XLREPORT_SHARED 指向 shared 目录")


SHARED = find_shared()
REPORTS = SHARED / "reports"
REAL_JSON = sorted(REPORTS.glob("*.json"))


def load_transcription(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def year_of(path: Path) -> int:
    return int(path.name[:4])


@pytest.fixture(params=REAL_JSON, ids=lambda p: p.stem)
def transcription(request) -> tuple[Path, dict]:
    """Each real report's hand transcription (path, data)."""
    return request.param, load_transcription(request.param)
