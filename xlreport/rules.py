"""The rules of a consistent report, as data.

Each rule is written once and applied to every column, row or group it covers.  A rule
has a stable id (used to recognise a reviewed finding on the next run), a severity and
a Chinese message template.  The engine in ``xlreport.engine`` evaluates them; the
template writer turns the sum rules into native formulas for the 校验 sheet.

Sum rules read ``left = right`` with terms naming rows (for ``each="column"``) or
columns (for ``each="row"``) of one table; a term may point at last year's report.
Selectors expand to several ids: ``@inputs`` (every input on that axis) and
``@group:<label>`` (every input row under a row-header group).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .formats import FORMATS, RESULT, Block, Format, Table, cell_key

ERROR, WARNING = "error", "warning"
SEVERITY_LABELS = {ERROR: "错误", WARNING: "提示"}

# The status words, in one place.  Of a report (``xlreport check``'s summary):
PASSED, HAS_ERRORS, UNREADABLE, SKIPPED = "通过", "有错误", "无法读取", "已跳过"
# ... of a line of the template's 校验 sheet, and of the sheet as a whole:
LINE_PASS, LINE_FAIL, LINE_INVALID, LINE_BLANK_TOTAL, NOT_FILLED = "通过", "错误", "数值无效", "总计空白", "未填写"


@dataclass(frozen=True)
class CellRef:
    key: str
    label: str  # official labels, e.g. 表三「（一）予以公开」自然人
    address: str | None = None  # 表三!D7, when the report came from a sheet


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    cells: tuple[CellRef, ...] = ()
    expected: Decimal | None = None
    actual: Decimal | None = None
    table: str | None = None
    where: str | None = None

    @property
    def difference(self) -> Decimal | None:
        if self.expected is None or self.actual is None:
            return None
        return self.actual - self.expected

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def to_dict(self) -> dict:
        from .values import plain
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "table": self.table,
            "cells": [{"key": c.key, "label": c.label, "address": c.address} for c in self.cells],
            "expected": plain(self.expected),
            "actual": plain(self.actual),
            "difference": plain(self.difference),
        }


def cells_text(refs) -> str:
    """Cells named for a message as a clerk reads them, each label once: the official label and
    the address, and a run of cells of one row under the row's label given once
    (``表三「（一）予以公开」自然人（表三!D7）、商业企业（表三!E7）``)."""
    parts, row = [], None
    for r in refs:
        head, mark, column = r.label.rpartition("」")
        text = column if mark and head == row else r.label
        row = head if mark else None
        parts.append(f"{text}（{r.address}）" if r.address else text)
    return "、".join(parts)



class _Builds:
    """``rule.finding(...)``: a finding of this rule with its message filled in."""

    def finding(self, refs=(), *, table: str | None = None, where: str | None = None,
                numbers: tuple = (None, None), **fields) -> Finding:
        """``table``/``where`` also fill the message's ``{table}`` (表三) and ``{where}`` unless given;
        ``numbers``: (expected, actual) of a sum or value finding."""
        expected, actual = numbers
        if table is not None:
            fields.setdefault("table", f"表{table}")
        if where is not None:
            fields.setdefault("where", where)
        return Finding(self.id, self.severity, self.message.format(**fields), tuple(refs),
                       expected=expected, actual=actual, table=table, where=where)


@dataclass(frozen=True)
class Term:
    ref: str  # a row or column id, or a selector
    sign: int = 1
    previous: bool = False  # read from last year's report


@dataclass(frozen=True)
class SumRule(_Builds):
    id: str
    title: str  # short Chinese name, used in summaries and the 校验 sheet
    severity: str
    table: str  # 二 / 三 / 四
    each: str  # "column": terms are rows, one instance per column; "row": the reverse
    left: tuple[Term, ...]
    right: tuple[Term, ...]
    message: str  # placeholders: {table} {where} {left} {right} {diff} {cells}
    over: tuple[str, ...] | None = None  # the columns/rows it applies to (None: all)
    defines: bool = False  # left is one total cell whose value the right side derives
    versions: tuple[str, ...] = tuple(FORMATS)
    cross_year: bool = False


@dataclass(frozen=True)
class CheckRule(_Builds):
    """A rule whose logic is a named check in the engine (values, blanks, text, layout)."""

    id: str
    title: str
    severity: str
    message: str
    versions: tuple[str, ...] = tuple(FORMATS)


def T(ref: str, sign: int = 1, previous: bool = False) -> Term:
    return Term(ref, sign, previous)


ALL_INPUT_COLUMNS = "@inputs"
RESULT_LEAVES = f"@group:{RESULT}"

SUM_RULES: tuple[SumRule, ...] = (
    SumRule("三.balance", "表三 第一项+第二项=第三项（七）总计+第四项", ERROR, "三", "column",
            (T("new"), T("carried_in")), (T("result_total"), T("carried_out")),
            "{table}「{where}」列：第一项+第二项={left}，第三项（七）总计+第四项={right}，相差{diff}（{cells}）"),
    SumRule("三.row_total", "表三 每行总计=各申请人之和", ERROR, "三", "row",
            (T("total"),), (T(ALL_INPUT_COLUMNS),),
            "{table}「{where}」行：总计为{left}，自然人与法人或其他组织各列之和为{right}，相差{diff}（{cells}）",
            defines=True),
    SumRule("三.subtotal", "表三 （七）总计=（一）至（六）各项之和", ERROR, "三", "column",
            (T("result_total"),), (T(RESULT_LEAVES),),
            "{table}「{where}」列：（七）总计为{left}，（一）至（六）各项之和为{right}，相差{diff}（{cells}）",
            defines=True),
    SumRule("四.total", "表四 总计=结果维持+结果纠正+其他结果+尚未审结", ERROR, "四", "row",
            (T("total"),), (T(ALL_INPUT_COLUMNS),),
            "{table}「{where}」：总计为{left}，结果维持+结果纠正+其他结果+尚未审结={right}，相差{diff}（{cells}）",
            defines=True),
    SumRule("跨年.carry_over", "本年上年结转=上年结转下年度继续办理", ERROR, "三", "column",
            (T("carried_in"),), (T("carried_out", previous=True),),
            "{table}「{where}」列：本年“二、上年结转”为{left}，上年报告“四、结转下年度继续办理”为{right}，"
            "相差{diff}（{cells}）", cross_year=True),
    SumRule("跨年.in_force", "现行有效件数=上年现行有效+本年制发−本年废止", WARNING, "二", "row",
            (T("in_force"),), (T("in_force", previous=True), T("issued"), T("repealed", -1)),
            "{table}「{where}」：现行有效件数为{left}，上年现行有效件数+本年制发−本年废止={right}，"
            "相差{diff}（统计口径可能不同，请核实；{cells}）",
            over=("rules", "normative"), versions=("2021",), cross_year=True),
)

CHECK_RULES: tuple[CheckRule, ...] = (
    CheckRule("value.invalid", "数值无法识别", ERROR, "{label}（{address}）填写的{value}不是数字"),
    CheckRule("value.negative", "数值不能为负", ERROR, "{label}（{address}）为{value}，应为{kind}"),
    CheckRule("value.integer", "数值应为整数", ERROR, "{label}（{address}）为{value}，应为{kind}"),
    CheckRule("value.decimals", "金额小数位过多", ERROR, "{label}（{address}）为{value}，应为{kind}"),
    CheckRule("value.blank", "空白单元格", WARNING,
              "{table}「{where}」有{count}个单元格空白（{cells}）：空白不等于0，没有数据请填0"),
    CheckRule("value.unit", "数字带单位", WARNING,
              "{table}有{count}个数字连同单位填写：{cells}，已按数字读取（单位见表头，单元格只填数字）"),
    CheckRule("table.missing", "表格缺失", ERROR, "缺少{table}（{title}）"),
    CheckRule("layout.mixed", "表格版本混用", WARNING,
              "{table}使用{used}版格式，其余表格为{version}版格式"),
    CheckRule("layout.outdated", "格式版本过旧", WARNING,
              "{year}年度报告应使用{expected}版格式（{issued}），本报告使用{version}版格式"),
    CheckRule("text.narrative_mismatch", "正文数字与表格不符", WARNING,
              "一、总体情况称“{quote}”（{claimed}件），与表三「一、本年新收政府信息公开申请数量」总计{value}不符"),
    CheckRule("text.late", "发布晚于法定期限", WARNING,
              "发布日期{date}晚于法定期限{deadline}（《政府信息公开条例》第四十九条）"),
    CheckRule("parse.unrecognised", "未识别为年度报告", ERROR,
              "未识别为政府信息公开工作年度报告：{reason}"),
    CheckRule("parse.no_split", "数字无法拆分", ERROR,
              "{table}「{where}」的数字“{digits}”无法拆分成{count}个单元格并满足勾稽关系，这些单元格未能读出，请人工核对"),
    CheckRule("parse.uncertain", "单元格无法确定", WARNING,
              "{table}「{where}」有{count}个单元格无法从原文确定（{cells}）：{reason}；已按一种可能的读法填写，请人工核对"),
    CheckRule("parse.cannot_verify", "勾稽关系无法核对", WARNING,
              "{table}「{where}」的“{rule}”无法核对：所涉单元格（{cells}）未能从原文确定读出，"
              "找不到满足该勾稽关系的读法；未作为错误报告，请人工核对原文"),
    CheckRule("table.blank_total", "已发布表格的总计留空", ERROR,
              "{table}有数据的行（列）总计留空：{labels}。已发布的表格不完整，总计无法按原表核对"
              "（各项之间的勾稽关系仍按已填数据核对）"),
    CheckRule("table.blank_cells", "已发布表格有空白", WARNING,
              "{table}有留空的单元格：{labels}。已发布的表格中空白按0核对，原表是否漏填请对照原文"),
    CheckRule("doc.garbled", "文字提取为乱码", ERROR,
              "文件的文字提取结果疑似乱码（{reason}），表格和正文可能读错或读不出：请改用网页或 Word 原件，"
              "或先对 PDF 做文字识别（OCR）后再检查"),
    CheckRule("text.copied", "正文照搬上年", WARNING,
              "{section}与上年报告（{previous}）{similarity}%相同，可能照搬了上年的内容，请核实是否反映本年情况"),
    CheckRule("trend.swing", "申请数量大幅变化", WARNING,
              "表三「一、本年新收政府信息公开申请数量」总计为{value}，上年为{previous}（{change}），请核实"),
    CheckRule("parse.label_typo", "官方标签有错字", WARNING,
              "{table}的官方标签“{label}”在报告中写作“{found}”"),
    CheckRule("doc.empty", "文件为空", ERROR, "{reason}"),
    CheckRule("doc.unreadable", "文件无法读取", ERROR, "{reason}"),
    CheckRule("doc.too_large", "文件过大", ERROR, "{reason}"),
    CheckRule("text.fee", "未说明信息处理费", WARNING,
              "六、其他需要报告的事项未说明是否收取信息处理费（《政府信息公开信息处理费管理办法》）{address}",
              versions=("2021",)),
)

RULES = {r.id: r for r in SUM_RULES + CHECK_RULES}


def rules_for(fmt: Format, cross_year: bool | None = None) -> list[SumRule]:
    """The sum rules that apply to a format (optionally only the cross-year ones or the others)."""
    return [r for r in SUM_RULES if fmt.version in r.versions
            and (cross_year is None or r.cross_year == cross_year)]


FEE_WORDS = ("处理费",)  # text.fee: section 六 names the fee if it holds one of these (信息处理费 included)


# -- expanding a rule into its instances ---------------------------------------------

@dataclass(frozen=True)
class Instance:
    """One application of a sum rule: the cells on each side, with signs."""

    rule: SumRule
    where: str  # the official label of the column / row it applies to
    left: tuple[tuple[str, int, bool], ...]  # (cell key, sign, previous)
    right: tuple[tuple[str, int, bool], ...]


def _axis(block: Block, each: str):
    """(the ids the rule iterates over, the ids its terms name)."""
    return (block.columns, block.rows) if each == "column" else (block.rows, block.columns)


def _expand(ref: str, items) -> list:
    if ref == ALL_INPUT_COLUMNS:
        return [i for i in items if i.role == "input"]
    if ref.startswith("@group:"):
        group = ref[len("@group:"):]
        return [i for i in items if group in getattr(i, "groups", ()) and i.role == "input"]
    return [i for i in items if i.id == ref]


def instances(rule: SumRule, table: Table) -> list[Instance]:
    """Every instance of ``rule`` in ``table`` (empty when the table lacks its ids)."""
    out = []
    for block in table.blocks:
        outer, inner = _axis(block, rule.each)
        for o in outer:
            if rule.over is not None and o.id not in rule.over:
                continue

            def keys(terms):
                cells = []
                for t in terms:
                    found = _expand(t.ref, inner)
                    if not found:
                        return None
                    for i in found:
                        r, c = (i, o) if rule.each == "column" else (o, i)
                        cells.append((cell_key(table, r, c), t.sign, t.previous))
                return tuple(cells)

            left, right = keys(rule.left), keys(rule.right)
            if left and right:
                out.append(Instance(rule, o.label, left, right))
    return out

# -- workbook rules: found by the readers (xlreport.readers), not by the engine ----------------

WORKBOOK_RULES: tuple[CheckRule, ...] = (
    CheckRule("workbook.unreadable", "文件无法读取", ERROR, "无法读取：{reason}"),
    CheckRule("workbook.encrypted", "工作簿已加密", ERROR,
              "工作簿设有打开密码（已加密），无法读取：请去掉打开密码后重新提交"),
    CheckRule("workbook.lock_file", "Excel 临时文件", WARNING,
              "Excel 打开文件时生成的临时锁定文件（~$开头），不是报告，已跳过"),
    CheckRule("workbook.check_result", "检查结果工作簿", WARNING,
              "这是 xlreport 以前输出的检查结果（有“检查结果”“问题清单”表），不是年度报告"),
    CheckRule("workbook.empty", "报告未填写", ERROR,
              "所有填报单元格都是空白：报告尚未填写（可能提交了空白模板）"),
    CheckRule("workbook.not_report", "不是年度报告工作簿", ERROR,
              "不是年度报告工作簿：没有找到任何官方表格（表二、表三、表四）的行列标题；"
              "如果这是报告，请按官方表格的行列标题填写，或使用 xlreport 的模板"),
    CheckRule("workbook.sheet_missing", "工作表缺失", ERROR,
              "工作表“{sheet}”已被删除或改名，{table}无法读取"),
    CheckRule("workbook.unprotected", "工作表保护被撤销", WARNING,
              "工作表保护已被撤销：{sheets}（合计公式可能被改动，合计已按填报数重新计算）"),
    CheckRule("workbook.formula_overwritten", "合计公式被覆盖", WARNING,
              "{table}合计单元格的公式已被覆盖或删除：{cells}。合计已按填报数重新计算后比较"),
    CheckRule("workbook.number_as_text", "数字以文本保存", ERROR,
              "{table}有{count}个数字以文本形式保存：{cells}。Excel 的合计和校验公式不计入文本，请改为数值"),
    CheckRule("workbook.number_as_text_unsummed", "数字以文本保存（合计未漏算）", WARNING,
              "{table}有{count}个数字以文本形式保存：{cells}。合计没有漏算它们，已按数字检查；"
              "建议改为数值，以免求和公式漏算"),
    CheckRule("workbook.other_year", "另有其他年度的表格", WARNING, "{detail}"),
    CheckRule("workbook.year_ambiguous", "多份表格无法确定年度", ERROR, "{detail}"),
    CheckRule("workbook.formula_unevaluated", "公式无法计算", WARNING, "{detail}"),
    CheckRule("workbook.previous_missing", "没有找到上年报告", WARNING,
              "上年报告文件夹中没有{agency}{year}的报告（{found}），跨年结转未检查"),
    CheckRule("workbook.previous_ambiguous", "上年报告不止一份", WARNING,
              "上年报告文件夹中有{count}份{agency}{year}的报告：{files}，无法确定用哪一份，跨年结转未检查；"
              "请只保留一份"),
    CheckRule("workbook.label_missing", "表格标签未找到", ERROR,
              "{table}中未找到：{labels}（请按官方表格的行列标题填写）"),
    CheckRule("workbook.internal_error", "检查程序内部错误", ERROR,
              "检查此文件时发生内部错误（{error}），本文件未能检查，其他文件不受影响；"
              "这是 xlreport 的问题，不是报告的问题：请把此文件和这条消息发给 xlreport 的维护者"),
)

RULES.update({r.id: r for r in WORKBOOK_RULES})


def rule_finding(rule_id: str, refs=(), table: str | None = None, where: str | None = None, **fields) -> Finding:
    """``RULES[rule_id].finding(...)``, for callers that hold a rule id."""
    return RULES[rule_id].finding(refs, table=table, where=where, **fields)
