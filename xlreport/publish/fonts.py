"""The GB/T 9704-2012 fonts and the installed fonts used when they are absent.

A document names the official font (what the recipient's Word or browser shows); a PDF made on
this machine can only embed installed fonts, so it uses the first installed fallback, and the
fallbacks used are said to the user."""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Face:
    role: str  # the GB/T 9704 name: 小标宋, 仿宋, 黑体, 楷体
    official: str  # the family a Chinese office machine has
    alternatives: tuple[str, ...]  # other names of the same face
    fallbacks: tuple[str, ...]  # installed families that stand in for it, best first

    @property
    def css(self) -> str:
        names = (self.official, *self.alternatives, *self.fallbacks)
        return ",".join(f"'{n}'" for n in names) + ("," + ("sans-serif" if self.role == "黑体" else "serif"))


TITLE = Face("小标宋", "方正小标宋简体", ("方正小标宋_GBK", "华文中宋", "STZhongsong"),
             ("Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "宋体"))
BODY = Face("仿宋", "仿宋_GB2312", ("仿宋", "FangSong", "STFangsong"),
            ("Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "宋体"))
HEADING = Face("黑体", "黑体", ("SimHei", "STHeiti"), ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei"))
SUBHEADING = Face("楷体", "楷体_GB2312", ("楷体", "KaiTi", "STKaiti"), ("Noto Serif CJK SC", "Source Han Serif SC"))
TABLE = Face("宋体", "宋体", ("SimSun",), ("Noto Serif CJK SC", "Source Han Serif SC"))
FACES = (TITLE, BODY, HEADING, SUBHEADING, TABLE)


@lru_cache(maxsize=1)
def installed() -> frozenset[str]:
    """Families of the installed fonts that cover Chinese (fontconfig), empty when unknown."""
    if shutil.which("fc-list") is None:
        return frozenset()
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(",") if name.strip())


def resolve(face: Face, have: frozenset[str] | None = None) -> tuple[str, bool]:
    """(family to use on this machine, whether it is the official face or an alternative name of it)."""
    have = installed() if have is None else have
    for name in (face.official, *face.alternatives):
        if name in have:
            return name, True
    for name in face.fallbacks:
        if name in have:
            return name, False
    return face.official, False


def fallbacks_used(faces=FACES, have: frozenset[str] | None = None) -> list[str]:
    """Chinese notes naming each of ``faces`` (those a writer uses) that is absent and what stands
    in for it."""
    notes = []
    for face in faces:
        name, ok = resolve(face, have)
        if not ok:
            notes.append(f"{face.role}（{face.official}）未安装，以“{name}”代替")
    return notes
