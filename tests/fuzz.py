"""A seeded mutation fuzzer over real workbooks, for ``tests/test_hostile_fuzz.py`` (a few hundred
cases on every run) and ``scripts/fuzz.py`` (a long run).

``mutate(base, rng)`` takes the bytes of a real .xlsx (the examples and the blank templates) and
applies one to three mutations of the kinds a damaged or crafted file shows: bytes flipped in an
XML part, an element deleted, a sheet renamed, defined names removed, odd cell values and types,
a member dropped or truncated, relationships broken or aliased, a DOCTYPE (entity bomb), an
unclosed tag repeated, a part that is not UTF-8, a cell at XFD1048576, the zip itself damaged.
The same (seed, base) always gives the same bytes.

``classify(result)`` says what the checker did with a case: ``ok`` (a verdict: passed, errors,
unreadable, skipped), or ``traceback`` / ``abort`` / ``hang`` (a ``workbook.internal_error``
finding: an exception, a dead worker, the time limit).
"""
from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASES = sorted((ROOT / "examples").glob("*.xlsx")) + sorted((ROOT / "workbook").glob("*.xlsx"))
REGRESSIONS = ROOT / "tests" / "data" / "fuzz"
XLS_BASES = sorted((REGRESSIONS / "base").glob("*.xls"))  # .xls that LibreOffice made of an example

ODD_VALUES = ["", "abc", "1e400", "-1e400", "inf", "nan", "NaN", "-0", "1" * 5000, "9" * 400, "0x1F", "１２",
              " 1 ", "1,000", "1.5e3", "-", "&amp;", "&#0;", "&#x1F;", "2147483648", "-99999999999999999999",
              "1.7976931348623157e309", "年", "\u202e1", "0" * 300 + "1"]
ODD_TYPES = ["s", "b", "e", "str", "inlineStr", "n", "d", "x", ""]
ODD_NAMES = ["", "'", "''", "表三'", "a" * 40, "表一", "表二", "表三", "表四", "_xlreport", "封面及正文", "Sheet1",
             "&lt;&gt;", "汇总来源", "检查结果", "問題", "x\u0000y", "表三 "]


def members_of(data: bytes) -> dict[str, bytes]:
    """The members of a zip (an .xlsx) by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def zipped(members: dict[str, bytes]) -> bytes:
    """A zip (an .xlsx) of these members, deflated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _xml_parts(m: dict[str, bytes]) -> list[str]:
    return sorted(n for n in m if n.endswith((".xml", ".rels")))


def _sheets(m: dict[str, bytes]) -> list[str]:
    return sorted(n for n in m if n.startswith("xl/worksheets/") and n.endswith(".xml"))


def _sub_one(rng: random.Random, pattern: str, text: str, repl) -> str:
    found = list(re.finditer(pattern, text, re.S))
    if not found:
        return text
    m = rng.choice(found)
    new = repl(m) if callable(repl) else repl
    return text[:m.start()] + new + text[m.end():]


def _text(m, name):
    return m[name].decode("utf-8", "replace")


# -- mutations: each changes the members in place ---------------------------------------------------

def flip_bytes(m, rng):
    name = rng.choice(_xml_parts(m))
    data = bytearray(m[name])
    if not data:
        return
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(data))
        data[i] = rng.choice([rng.randrange(256), ord("<"), ord(">"), ord('"'), ord("&"), ord("/"), 0])
    m[name] = bytes(data)


def delete_element(m, rng):
    name = rng.choice(_xml_parts(m))
    text = _text(m, name)
    tag = rng.choice(["c", "v", "f", "row", "sheet", "definedName", "si", "t", "Relationship", "sheetData",
                      "sheetProtection", "dimension", "sheets", "definedNames", "is"])
    m[name] = _sub_one(rng, rf"<{tag}\b[^<>]*/>|<{tag}\b[^<>]*>.*?</{tag}>|<{tag}\b[^<>]*>", text, "").encode()


def rename_sheet(m, rng):
    text = _text(m, "xl/workbook.xml")
    new = rng.choice(ODD_NAMES)
    m["xl/workbook.xml"] = _sub_one(rng, r'(<sheet\b[^<>]*\bname=")([^"]*)(")', text,
                                    lambda x: x.group(1) + new + x.group(3)).encode()


def remove_defined_names(m, rng):
    text = _text(m, "xl/workbook.xml")
    if rng.random() < 0.3:
        text = re.sub(r"<definedNames>.*?</definedNames>", "", text, flags=re.S)
    else:
        for _ in range(rng.randint(1, 10)):
            text = _sub_one(rng, r"<definedName\b[^<>]*>[^<]*</definedName>", text, "")
    if rng.random() < 0.3:  # or point one at something odd
        odd = rng.choice(["#REF!", "'表三'!$D$5:$XFD$1048576", "'无此表'!$A$1", "表三!A1:A1048576", "'''!$A$1",
                          "'表三'!$A$0", "'表三'!$D$5:$J$4"])
        text = _sub_one(rng, r"(<definedName\b[^<>]*>)([^<]*)(</definedName>)", text,
                        lambda x: x.group(1) + odd.replace("'", "&apos;") + x.group(3))
    m["xl/workbook.xml"] = text.encode()


def odd_cell(m, rng):
    sheets = _sheets(m)
    if not sheets:
        return
    name = rng.choice(sheets)
    text = _text(m, name)
    for _ in range(rng.randint(1, 5)):
        kind = rng.random()
        if kind < 0.5:
            v = rng.choice(ODD_VALUES)
            text = _sub_one(rng, r"<v>[^<]*</v>", text, f"<v>{v}</v>")
        elif kind < 0.8:
            t = rng.choice(ODD_TYPES)
            text = _sub_one(rng, r'<c r="([A-Z]+\d+)"( s="\d+")?( t="\w+")?', text,
                            lambda x: f'<c r="{x.group(1)}"{x.group(2) or ""} t="{t}"')
        else:
            ref = rng.choice(["A0", "XFD1048576", "XFE1", "A1048577", "AAAAA1", "A" + "9" * 30, "a1", "A01"])
            text = _sub_one(rng, r'<c r="[A-Z]+\d+"', text, f'<c r="{ref}"')
    m[name] = text.encode()


def drop_member(m, rng):
    name = rng.choice(sorted(m))
    del m[name]


def truncate_member(m, rng):
    name = rng.choice(_xml_parts(m))
    m[name] = m[name][:rng.randrange(max(1, len(m[name])))]


def bad_relationship(m, rng):
    name = "xl/_rels/workbook.xml.rels"
    if name not in m:
        return
    text = _text(m, name)
    kind = rng.random()
    if kind < 0.4:
        target = rng.choice(["worksheets/none.xml", "../../etc/passwd", "/xl/worksheets/sheet1.xml", "",
                             "worksheets/sheet1.xml", "styles.xml", "sharedStrings.xml", "../[Content_Types].xml"])
        text = _sub_one(rng, r'Target="[^"]*"', text, f'Target="{target}"')
    elif kind < 0.7:
        text = _sub_one(rng, r'Id="rId\d+"', text, f'Id="rId{rng.randint(1, 30)}"')
    else:  # many sheets pointing at one part
        wb = _text(m, "xl/workbook.xml")
        extra = "".join(f'<sheet name="别名{i}" sheetId="{900 + i}" r:id="rId1"/>' for i in range(rng.randint(2, 300)))
        m["xl/workbook.xml"] = wb.replace("</sheets>", extra + "</sheets>").encode()
    m[name] = text.encode()


def doctype(m, rng):
    name = rng.choice(_xml_parts(m))
    text = _text(m, name)
    bomb = ('<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>')
    i = text.find("?>")
    text = text[:i + 2] + bomb + text[i + 2:] if i >= 0 else bomb + text
    if rng.random() < 0.5:
        text = _sub_one(rng, r"<v>[^<]*</v>|<t>[^<]*</t>", text, "<t>&d;</t>")
    m[name] = text.encode()


def unclosed(m, rng):
    name = rng.choice(_xml_parts(m))
    text = _text(m, name)
    tag = rng.choice(["<sheet ", "<definedName ", "<Relationship ", "<si>", '<c r="A1">', "<f", "<v>", "<t ",
                      "<sheetProtection ", "<row "])
    piece = tag * rng.choice([rng.randint(10, 3000), 25000])  # 25,000: about 300 KB
    i = rng.randrange(len(text) + 1)
    m[name] = (text[:i] + piece + text[i:]).encode()


def not_utf8(m, rng):
    name = rng.choice(_xml_parts(m))
    text = _text(m, name)
    data = text.encode("utf-8")
    if rng.random() < 0.5:
        data = text.encode("gbk", "replace")
    else:
        i = rng.randrange(len(data) + 1)
        data = data[:i] + b"\xff\xfe\xc3" + data[i:]
    m[name] = data


def far_cell(m, rng):
    sheets = _sheets(m)
    if not sheets:
        return
    name = rng.choice(sheets)
    text = _text(m, name)
    ref = rng.choice(["XFD1048576", "A1048576", "XFD1", "ZZ50000"])
    row = re.match(r"[A-Z]+(\d+)", ref).group(1)
    text = text.replace("</sheetData>", f'<row r="{row}"><c r="{ref}"><v>1</v></c></row></sheetData>', 1)
    m[name] = text.encode()


def shared_strings(m, rng):
    name = "xl/sharedStrings.xml"
    if name not in m:
        sheets = _sheets(m)
        if not sheets:
            return
        s = rng.choice(sheets)
        m[s] = _sub_one(rng, r'<c r="([A-Z]+\d+)"[^<>]*>', _text(m, s),
                        lambda x: f'<c r="{x.group(1)}" t="s">').encode()
        m[name] = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>x</t></si></sst>'
        return
    text = _text(m, name)
    m[name] = _sub_one(rng, r"</si>", text, rng.choice(["", "</t>", "<si>", "</si></si>"])).encode()


def zip_damage(data: bytes, rng) -> bytes:
    data = bytearray(data)
    kind = rng.random()
    if kind < 0.4:
        for _ in range(rng.randint(1, 16)):
            i = rng.randrange(len(data))
            data[i] = rng.randrange(256)
    elif kind < 0.7:
        data = data[:rng.randrange(len(data))]
    else:  # a member that declares a smaller size than its data
        i = data.rfind(b"PK\x01\x02")
        if i >= 0:
            j = rng.randrange(i + 1)
            k = data.find(b"PK\x01\x02", j)
            if k >= 0:
                data[k + 24:k + 28] = (rng.randint(0, 100)).to_bytes(4, "little")
    return bytes(data)


def odd_meta(m, rng):
    """An agency name or year with what a clerk can paste: control characters, a huge number, inf."""
    sheets = _sheets(m)
    if not sheets:
        return
    name = rng.choice(sheets)
    text = _text(m, name)
    v = rng.choice(["某局\u000b（\u0001）", "=cmd|' /C calc'!A0", "inf", "-inf", "1" * 400, "\u001b[31m红\u001b[0m",
                    "a&#x1;b", "\ud7ff", "\ufffe", "=HYPERLINK(\"x\")", "#表三", "%20"])
    v = v.replace("&", "&amp;").replace("<", "&lt;") if "&#" not in v else v
    m[name] = _sub_one(rng, r'(<c r="[A-Z]+\d+")[^<>]*>(?:<is>.*?</is>|<v>[^<]*</v>)', text,
                       lambda x: f'{x.group(1)} t="inlineStr"><is><t>{v}</t></is>').encode()


MUTATIONS = [odd_meta, flip_bytes, delete_element, rename_sheet, remove_defined_names, odd_cell, odd_cell, drop_member,
             truncate_member, bad_relationship, doctype, unclosed, not_utf8, far_cell, shared_strings]


def mutate(base: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """One mutated workbook and the names of its mutations."""
    m = members_of(base)
    done = []
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
        if not _xml_parts(m):
            break
        f = rng.choice(MUTATIONS)
        try:
            f(m, rng)
        except KeyError:  # the part it works on was dropped before
            continue
        done.append(f.__name__)
    data = zipped(m)
    if rng.random() < 0.08:
        data = zip_damage(data, rng)
        done.append("zip_damage")
    return data, done


def mutate_xls(base: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """A damaged .xls: bytes flipped past the OLE header, or one BIFF record's fields changed."""
    data = bytearray(base)
    if rng.random() < 0.5:
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(512, len(data))] = rng.randrange(256)
        return bytes(data), ["xls_flip"]
    starts = [m.start() for m in re.finditer(rb"[\x00-\xff]\x02\x0e\x00|\xbd\x00|\xfd\x00\x0a\x00|\xfc\x00",
                                             bytes(data[512:]))]
    for _ in range(rng.randint(1, 5)):
        if not starts:
            break
        i = 512 + rng.choice(starts) + rng.randrange(2, 12)
        if i + 2 <= len(data):
            data[i:i + 2] = rng.choice([0xFFFF, 0x8000, 0x4000, 0x0100, 0]).to_bytes(2, "little")
    return bytes(data), ["xls_record"]


def case(seed: int, bases=None) -> tuple[str, bytes, list[str]]:
    """Case ``seed``: (file name, bytes, mutations); about one in eight is an .xls."""
    bases = bases or BASES
    rng = random.Random(seed)
    if XLS_BASES and rng.random() < 0.125:
        data, done = mutate_xls(rng.choice(XLS_BASES).read_bytes(), rng)
        return f"fuzz_{seed:06d}.xls", data, done
    base = rng.choice(bases)
    data, done = mutate(base.read_bytes(), rng)
    return f"fuzz_{seed:06d}.xlsx", data, done


def classify(result) -> str:
    """ok | traceback | abort | hang, from a ``batch.Result``."""
    for f in result.findings:
        if f["rule"] == "workbook.internal_error":
            if "异常终止" in f["message"]:
                return "abort"
            if "时间上限" in f["message"]:
                return "hang"
            return "traceback"
    return "ok"
