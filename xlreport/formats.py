"""The official layouts of the annual report, as data.

Each version of 政府信息公开工作年度报告 is described here once: its tables, blocks,
rows and columns with their verbatim labels, which cells are inputs and which are totals,
the kind of each value and the text sections.  Everything else in xlreport (the template
writer, the readers, the rules, the add-in, the exports) derives from these objects.

A cell's stable key is ``"<table>.<row id>.<column id>"`` with ASCII ids, e.g.
``"t3.new.natural"``; it does not depend on where a sheet puts the cell.

Adding a version means adding a ``Format`` built from tables here plus its rules in
``xlreport.rules``: no other module needs to change.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cached_property


class Kind(str, Enum):
    """The kind of value a cell holds."""

    COUNT = "count"  # integer >= 0
    MONEY = "money"  # decimal >= 0 in 万元, at most 6 decimal places
    SIGNED = "signed"  # integer, may be negative (2019 本年增/减)
    AMOUNT = "amount"  # decimal >= 0, unit not fixed (2019 采购总金额)
    TEXT = "text"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def numeric(self) -> bool:
        return self in KIND_LIMITS

    @property
    def negative(self) -> bool:
        """May the value be below zero?"""
        return KIND_LIMITS[self].negative

    @property
    def integer(self) -> bool:
        """Whole numbers only?"""
        return KIND_LIMITS[self].integer

    @property
    def max_decimals(self) -> int | None:
        """At most this many decimal places (0 for integers; None: any)."""
        return KIND_LIMITS[self].decimals


@dataclass(frozen=True)
class Limits:
    """What a numeric value kind allows: the engine's value rules, the template's data
    validation, its conditional formats and the 校验 sheet's count all derive from these."""

    negative: bool
    integer: bool
    decimals: int | None


KIND_LIMITS = {
    Kind.COUNT: Limits(negative=False, integer=True, decimals=0),
    Kind.MONEY: Limits(negative=False, integer=False, decimals=6),
    Kind.SIGNED: Limits(negative=True, integer=True, decimals=0),
    Kind.AMOUNT: Limits(negative=False, integer=False, decimals=None),
}


KIND_LABELS = {
    Kind.COUNT: "非负整数",
    Kind.MONEY: "非负金额（万元，最多6位小数）",
    Kind.SIGNED: "整数（可为负数）",
    Kind.AMOUNT: "非负数",
    Kind.TEXT: "文字",
}

INPUT = "input"
TOTAL = "total"


def cell_key(table, row, column) -> str:
    """The stable key of a cell, ``t3.new.natural``: table code, row id, column id (each given
    as the object or as its code/id)."""
    return f"{getattr(table, 'code', table)}.{getattr(row, 'id', row)}.{getattr(column, 'id', column)}"


def cell_path(table, row, column) -> str:
    """The interchange path of a cell, ``三/<row label>/<column label>``: table id, row label,
    column label (each given as the object or as its id/label)."""
    return f"{getattr(table, 'id', table)}/{getattr(row, 'label', row)}/{getattr(column, 'label', column)}"


def split_key(key: str) -> tuple[str, str, str]:
    """``t3.new.natural`` -> ("t3", "new", "natural"); ValueError for anything else."""
    table, row, column = key.split(".")
    return table, row, column


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    kind: Kind = Kind.COUNT
    role: str = INPUT
    groups: tuple[str, ...] = ()  # header labels spanning this column, outermost first


@dataclass(frozen=True)
class Row:
    id: str
    label: str
    role: str = INPUT
    groups: tuple[str, ...] = ()  # row-header labels spanning this row, outermost first


@dataclass(frozen=True)
class Block:
    """A rectangle of rows x columns with its own column headers.

    Table 二 has one block per 第二十条 item; 三 and 四 have a single block."""

    id: str
    label: str  # e.g. 第二十条第（一）项; "" for single-block tables
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    corner: str = ""  # the header cell above the row labels (信息内容, the 三 note)


@dataclass(frozen=True)
class Cell:
    key: str
    table: "Table"
    block: Block
    row: Row
    column: Column

    @property
    def role(self) -> str:
        return TOTAL if TOTAL in (self.row.role, self.column.role) else INPUT

    @property
    def kind(self) -> Kind:
        return self.column.kind

    @property
    def is_input(self) -> bool:
        return self.role == INPUT

    @property
    def label(self) -> str:
        """Official labels naming the cell, e.g. ``表三「（一）予以公开」自然人``."""
        return f"{self.table.short}「{self.row.label}」{self.column.label}"

    @property
    def path(self) -> str:
        """The interchange path ``三/<row label>/<column label>``."""
        return cell_path(self.table, self.row, self.column)


@dataclass(frozen=True)
class Table:
    id: str  # the official numeral: 二, 三, 四
    code: str  # ASCII code used in keys and names: t2, t3, t4
    title: str
    blocks: tuple[Block, ...]

    @property
    def short(self) -> str:
        return f"表{self.id}"

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        return tuple(r for b in self.blocks for r in b.rows)

    def block_of(self, row_id: str) -> Block:
        for b in self.blocks:
            if any(r.id == row_id for r in b.rows):
                return b
        raise KeyError(row_id)

    def row(self, row_id: str) -> Row:
        for r in self.rows:
            if r.id == row_id:
                return r
        raise KeyError(row_id)

    @cached_property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(
            Cell(cell_key(self, r, c), self, b, r, c)
            for b in self.blocks
            for r in b.rows
            for c in b.columns
        )


@dataclass(frozen=True)
class TextSection:
    id: str
    label: str
    prompt: str = ""


@dataclass(frozen=True)
class MetaField:
    id: str
    label: str


META_FIELDS = (
    MetaField("agency", "填报单位"),
    MetaField("year", "报告年度"),
    MetaField("format", "格式版本"),
    MetaField("published", "发布日期"),
)


@dataclass(frozen=True)
class Format:
    version: str
    issued_by: str
    tables: tuple[Table, ...]
    sections: tuple[TextSection, ...]
    title: str = "政府信息公开工作年度报告"

    def table(self, table_id: str) -> Table:
        """The table of an id (三) or code (t3); KeyError when this format has none."""
        for t in self.tables:
            if table_id in (t.id, t.code):
                return t
        raise KeyError(table_id)

    def __hash__(self) -> int:  # hashed often (layouts are cached per format): computed once
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash((self.version, self.issued_by, self.tables, self.sections, self.title))

    def __repr__(self) -> str:
        return f"Format({self.version!r}, tables={'/'.join(t.id for t in self.tables)}, cells={len(self.cells)})"

    @cached_property
    def cells(self) -> dict[str, Cell]:
        return {c.key: c for t in self.tables for c in t.cells}

    @cached_property
    def inputs(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells.values() if c.is_input)

    @cached_property
    def totals(self) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells.values() if not c.is_input)

    def cell_at(self, table_id: str, row_label: str, col_label: str) -> Cell | None:
        """The cell named by official labels, or None."""
        return self._by_path.get(f"{self.table(table_id).id}/{row_label}/{col_label}")

    def cell_by_path(self, path: str) -> Cell | None:
        """The cell of an interchange path ``三/<row label>/<column label>``, or None."""
        return self._by_path.get(path)

    @cached_property
    def _by_path(self) -> dict[str, Cell]:
        return {c.path: c for c in self.cells.values()}

    def with_table(self, table: Table, version: str | None = None) -> "Format":
        """A copy with one table replaced (for reports that mix two layouts)."""
        tables = tuple(table if t.id == table.id else t for t in self.tables)
        return Format(version or self.version, self.issued_by, tables, self.sections, self.title)


# ---------------------------------------------------------------------------
# Table 二 — 主动公开政府信息情况

ITEM = "第二十条第（{}）项"
INFO = "信息内容"


def _block(item: str, columns, rows) -> Block:
    return Block(f"item{'一二三四五六七八九'.index(item) + 1}", ITEM.format(item),
                 tuple(columns), tuple(Row(i, l) for i, l in rows), corner=INFO)


_DECISIONS_2021 = Column("decisions", "本年处理决定数量")
TABLE2_2021 = Table("二", "t2", "二、主动公开政府信息情况", (
    _block("一", [Column("issued", "本年制发件数"), Column("repealed", "本年废止件数"),
                  Column("in_force", "现行有效件数")],
           [("rules", "规章"), ("normative", "行政规范性文件")]),
    _block("五", [_DECISIONS_2021], [("licensing", "行政许可")]),
    _block("六", [_DECISIONS_2021], [("penalty", "行政处罚"), ("coercion", "行政强制")]),
    _block("八", [Column("fee_amount", "本年收费金额（单位：万元）", Kind.MONEY)],
           [("fees", "行政事业性收费")]),
))

_ITEMS_2019 = [Column("prev_items", "上一年项目数量"), Column("change", "本年增/减", Kind.SIGNED),
               Column("decisions", "处理决定数量")]
TABLE2_2019 = Table("二", "t2", "二、主动公开政府信息情况", (
    _block("一", [Column("made", "本年新制作数量"), Column("published", "本年新公开数量"),
                  Column("public_total", "对外公开总数量")],
           [("rules", "规章"), ("normative", "规范性文件")]),
    _block("五", _ITEMS_2019, [("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")]),
    _block("六", _ITEMS_2019, [("penalty", "行政处罚"), ("coercion", "行政强制")]),
    _block("八", _ITEMS_2019[:2], [("fees", "行政事业性收费")]),
    _block("九", [Column("procurement_items", "采购项目数量"),
                  Column("procurement_amount", "采购总金额", Kind.AMOUNT)],
           [("procurement", "政府集中采购")]),
))

# ---------------------------------------------------------------------------
# Table 三 — 收到和处理政府信息公开申请情况

APPLICANTS = "申请人情况"
ORGS = "法人或其他组织"
TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
TABLE3_COLUMNS = (
    Column("natural", "自然人", groups=(APPLICANTS,)),
    Column("business", "商业企业", groups=(APPLICANTS, ORGS)),
    Column("research", "科研机构", groups=(APPLICANTS, ORGS)),
    Column("nonprofit", "社会公益组织", groups=(APPLICANTS, ORGS)),
    Column("legal", "法律服务机构", groups=(APPLICANTS, ORGS)),
    Column("other", "其他", groups=(APPLICANTS, ORGS)),
    Column("total", "总计", role=TOTAL, groups=(APPLICANTS,)),
)
RESULT = "三、本年度办理结果"
REFUSED, UNABLE, DECLINED, OTHER = "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"


def _sub(group: str, items) -> list[Row]:
    return [Row(i, l, groups=(RESULT, group)) for i, l in items]


_HEAD3 = [
    Row("new", "一、本年新收政府信息公开申请数量"),
    Row("carried_in", "二、上年结转政府信息公开申请数量"),
    Row("granted", "（一）予以公开", groups=(RESULT,)),
    Row("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", groups=(RESULT,)),
    *_sub(REFUSED, [("refused_secret", "1.属于国家秘密"),
                    ("refused_law", "2.其他法律行政法规禁止公开"),
                    ("refused_safety", "3.危及“三安全一稳定”"),
                    ("refused_third_party", "4.保护第三方合法权益"),
                    ("refused_internal", "5.属于三类内部事务信息"),
                    ("refused_process", "6.属于四类过程性信息"),
                    ("refused_enforcement", "7.属于行政执法案卷"),
                    ("refused_query", "8.属于行政查询事项")]),
    *_sub(UNABLE, [("unable_not_held", "1.本机关不掌握相关政府信息"),
                   ("unable_create", "2.没有现成信息需要另行制作"),
                   ("unable_unclear", "3.补正后申请内容仍不明确")]),
    *_sub(DECLINED, [("declined_petition", "1.信访举报投诉类申请"),
                     ("declined_repeat", "2.重复申请"),
                     ("declined_publication", "3.要求提供公开出版物"),
                     ("declined_mass", "4.无正当理由大量反复申请"),
                     ("declined_confirm", "5.要求行政机关确认或重新出具已获取信息")]),
]
_TAIL3 = [
    Row("result_total", "（七）总计", role=TOTAL, groups=(RESULT,)),
    Row("carried_out", "四、结转下年度继续办理"),
]
_OTHER_2021 = _sub(OTHER, [
    ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_misc", "3.其他"),
])
_OTHER_2019 = [Row("other", OTHER, groups=(RESULT,))]

_T3_TITLE = "三、收到和处理政府信息公开申请情况"
TABLE3_2021 = Table("三", "t3", _T3_TITLE, (
    Block("main", "", TABLE3_COLUMNS, tuple(_HEAD3 + _OTHER_2021 + _TAIL3), corner=TABLE3_NOTE),))
TABLE3_2019 = Table("三", "t3", _T3_TITLE, (
    Block("main", "", TABLE3_COLUMNS, tuple(_HEAD3 + _OTHER_2019 + _TAIL3), corner=TABLE3_NOTE),))

# ---------------------------------------------------------------------------
# Table 四 — 政府信息公开行政复议、行政诉讼情况
# One printed row of 15 numbers; modelled as three groups (rows) of the same five columns.

LITIGATION = "行政诉讼"
TABLE4 = Table("四", "t4", "四、政府信息公开行政复议、行政诉讼情况", (
    Block("main", "", (
        Column("upheld", "结果维持"), Column("corrected", "结果纠正"),
        Column("other", "其他结果"), Column("pending", "尚未审结"),
        Column("total", "总计", role=TOTAL),
    ), (
        Row("review", "行政复议"),
        Row("suit_direct", "未经复议直接起诉", groups=(LITIGATION,)),
        Row("suit_after", "复议后起诉", groups=(LITIGATION,)),
    )),
))

# ---------------------------------------------------------------------------
# Text sections

S1 = "一、总体情况"
S5 = "五、存在的主要问题及改进情况"
S6 = "六、其他需要报告的事项"
SECTIONS_2021 = (
    TextSection("s1", S1, "分别介绍主动公开、依申请公开、政府信息管理、政府信息公开平台建设、监督保障等方面情况"
                          "（人民政府还应报告工作考核、社会评议和责任追究结果情况）。"),
    TextSection("s5", S5, "写明上一年度报告所列问题的改进情况、本年度存在的主要问题及改进措施。"),
    TextSection("s6", S6, "写明依据《政府信息公开信息处理费管理办法》收取信息处理费的情况"
                          "（如“本年度未收取信息处理费”），以及其他需要报告的事项。"),
)
SECTIONS_2019 = (
    TextSection("s1", S1, "概述本年度政府信息公开工作总体情况。"),
    TextSection("s5", S5, "写明存在的主要问题及改进情况。"),
    TextSection("s6", S6, "其他需要报告的事项。"),
)

FORMAT_2021 = Format("2021", "国办公开办函〔2021〕30号", (TABLE2_2021, TABLE3_2021, TABLE4), SECTIONS_2021)
FORMAT_2019 = Format("2019", "国办公开办函〔2019〕60号", (TABLE2_2019, TABLE3_2019, TABLE4), SECTIONS_2019)

FORMATS: dict[str, Format] = {f.version: f for f in (FORMAT_2021, FORMAT_2019)}
FIRST_YEAR = {"2019": 2019, "2021": 2021}  # first report year each version is used for
MIN_YEAR, MAX_YEAR = 2008, 2100


class FormatError(ValueError):
    """A bad format version or report year; the message is Chinese."""


YEAR_RANGE_TEXT = f"应为{MIN_YEAR}—{MAX_YEAR}之间的四位数年份"


def parse_year(value) -> int | None:
    """A report year as a cell or a clerk writes it (2024, 2024.0, "2024", "2024年", "2024年度"),
    None unless it is a whole year from MIN_YEAR to MAX_YEAR."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        y = value
    else:
        text = str(value).strip().removesuffix("年度").removesuffix("年").strip()
        try:
            y = float(text) if text else None
        except ValueError:
            return None
    if y is None or not (MIN_YEAR <= y <= MAX_YEAR) or y != int(y):  # also NaN
        return None
    y = int(y)
    return y if MIN_YEAR <= y <= MAX_YEAR else None


def check_year(year) -> int:
    """``year`` if it is a report year (an int from MIN_YEAR to MAX_YEAR), else FormatError."""
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise FormatError(f"报告年度“{year}”不是有效年份（{YEAR_RANGE_TEXT}）")
    return year


def version_for_year(year: int) -> str:
    """The format version that applies to a report year (2021 from report year 2021 on)."""
    check_year(year)
    best = max((v for v, first in FIRST_YEAR.items() if first <= year), key=FIRST_YEAR.get, default="2019")
    return best


def get_format(version: str | int | None = None, year: int | None = None) -> Format:
    """The format for a version ('2021', '2019'), or for a report year when no version is given."""
    if version is None:
        if year is None:
            return FORMAT_2021
        version = version_for_year(year)
    version = str(version)
    if version not in FORMATS:
        raise FormatError(f"未知的格式版本“{version}”，可选：{'、'.join(FORMATS)}")
    return FORMATS[version]


def best_fit(paths, table_id: str | None = None, prefer: str | None = None) -> tuple[Format, int]:
    """The format whose cells match the most of ``paths`` (interchange paths ``三/<row label>/
    <column label>``), counting only table ``table_id`` when given, and the number matched.  A
    tie goes to ``prefer`` (else to the first format: the newest).  It iterates ``FORMATS``, so a
    new format version is considered as soon as it is declared."""
    paths = set(paths)
    scores = []
    for i, fmt in enumerate(FORMATS.values()):
        cells = fmt.cells.values() if table_id is None else (
            fmt.table(table_id).cells if any(t.id == table_id for t in fmt.tables) else ())
        hits = len(paths & {c.path for c in cells})
        scores.append((hits, fmt.version == prefer, -i, fmt))
    hits, _, _, fmt = max(scores, key=lambda s: s[:3])
    return fmt, hits

