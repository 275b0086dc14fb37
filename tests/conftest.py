"""Fixtures for every test: the real published reports of tests/data/reports and their transcriptions.

The repository holds the data the tests need (tests/data); nothing outside the clone is read."""
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


DATA = ROOT / "tests" / "data"
REPORTS = DATA / "reports"  # real published reports (.txt) and their hand transcriptions (.json)
FORMAT_MD = DATA / "FORMAT.md"  # the official format, as written for the people who build xlreport
REAL_JSON = sorted(REPORTS.glob("*.json"))
if not REAL_JSON:  # a parametrised test over no reports would pass by testing nothing
    raise RuntimeError(f"tests/data/reports holds no transcriptions: {REPORTS}")


def load_transcription(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def year_of(path: Path) -> int:
    return int(path.name[:4])


@pytest.fixture(params=REAL_JSON, ids=lambda p: p.stem)
def transcription(request) -> tuple[Path, dict]:
    """Each real report's hand transcription (path, data)."""
    return request.param, load_transcription(request.param)
