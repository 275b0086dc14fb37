"""Build the xlreport Excel add-in (.xlam) from the user's own xlwings and ``macros/``.

The add-in is the ribbon add-in template that ships inside the installed xlwings wheel
(BSD-licensed; its VBA module pins the xlwings DLL of exactly that version), with

- its sample ribbon replaced by ``macros/customUI14.xml`` (part ``customUI/customUI14.xml``,
  relationship type ``.../2007/relationships/ui/extensibility``, the Office 2010+ ribbon), and
- its sample callback module replaced by ``macros/XlreportRibbon.bas`` (written into
  ``xl/vbaProject.bin`` with pyopenvba).

It can be built on any OS; nothing of xlwings is ever committed to this repository.
"""
from __future__ import annotations

import io
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from .output import OutputError, check_target, write_atomic

CALLBACK_MODULE = "XlreportRibbon"
SAMPLE_MODULE = "RibbonMyAddin"  # the sample callback module of xlwings' ribbon template
RIBBON_PART = "customUI/customUI14.xml"
RIBBON_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
OLD_RIBBON_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RIBBON_CONTENT_TYPE = "application/xml"
TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
DEFAULT_NAME = "xlreport.xlam"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class AddinError(Exception):
    """The add-in cannot be built or installed; the message is Chinese."""


def macros_dir() -> Path:
    """The folder holding customUI14.xml and XlreportRibbon.bas: inside the installed package
    (``xlreport/macros``, mapped from the repository's top-level ``macros/``), else the
    repository's ``macros/`` when running from a checkout."""
    here = Path(__file__).resolve().parent
    for cand in (here / "macros", here.parent / "macros"):
        if (cand / "customUI14.xml").is_file() and (cand / f"{CALLBACK_MODULE}.bas").is_file():
            return cand
    raise AddinError("找不到功能区文件（macros/customUI14.xml、macros/XlreportRibbon.bas），"
                     "xlreport 安装不完整，请重新安装")


def ribbon_xml() -> bytes:
    return (macros_dir() / "customUI14.xml").read_bytes()


def callback_source() -> str:
    """The VBA callback module, CRLF line ends; refuses non-ASCII text (VBA would destroy it)."""
    raw = (macros_dir() / f"{CALLBACK_MODULE}.bas").read_bytes()
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise AddinError(f"{CALLBACK_MODULE}.bas 含有非 ASCII 字符；VBA 源码中的中文会被破坏，"
                         "中文请写在 customUI14.xml 或 Python 中") from None
    lines = text.replace("\r\n", "\n").split("\n")
    lines = [ln for ln in lines if not ln.startswith("Attribute VB_Name")]
    return "\r\n".join(lines).rstrip("\r\n") + "\r\n"


def xlwings_dir() -> Path:
    try:
        import xlwings
    except ImportError:
        raise AddinError("未安装 xlwings。请先运行：pip install \"xlreport[excel]\"") from None
    return Path(xlwings.__file__).resolve().parent


def xlwings_version() -> str:
    import xlwings
    return xlwings.__version__


def template_path() -> Path:
    path = xlwings_dir() / TEMPLATE_NAME
    if not path.is_file():
        raise AddinError(f"已安装的 xlwings {xlwings_version()} 中没有功能区加载项模板 {TEMPLATE_NAME}，"
                         "请升级 xlwings（pip install -U xlwings）")
    return path


def _callbacks_in_ribbon(xml: bytes) -> list[str]:
    root = ET.fromstring(xml)
    return sorted({el.get("onAction") for el in root.iter() if el.get("onAction")})


def _with_vba(src: Path, dst: Path) -> None:
    """Copy the template to ``dst`` with the sample module replaced by the callback module."""
    try:
        from pyopenvba import ExcelFile
    except ImportError:
        raise AddinError("未安装 pyopenvba。请运行：pip install \"xlreport[excel]\"") from None
    shutil.copyfile(src, dst)
    with ExcelFile(str(dst)) as wb:
        project = wb.vba_project()
        names = wb.module_names()
        if SAMPLE_MODULE in names:
            project.delete_module(SAMPLE_MODULE)
        if CALLBACK_MODULE in names:
            project.delete_module(CALLBACK_MODULE)
        project.add_module(CALLBACK_MODULE, callback_source())
        wb.save(str(dst))


def _rels(data: bytes) -> bytes:
    """Package relationships: old ribbon relationships dropped, the customUI14 one added."""
    ET.register_namespace("", PKG_RELS)
    root = ET.fromstring(data)
    ids = set()
    for rel in list(root):
        if rel.get("Type") in (RIBBON_REL, OLD_RIBBON_REL):
            root.remove(rel)
        else:
            ids.add(rel.get("Id"))
    n = 1
    while f"rIdXlreport{n}" in ids:
        n += 1
    ET.SubElement(root, f"{{{PKG_RELS}}}Relationship",
                  {"Id": f"rIdXlreport{n}", "Type": RIBBON_REL, "Target": RIBBON_PART})
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + ET.tostring(root)


def _content_types(data: bytes) -> bytes:
    ET.register_namespace("", CT_NS)
    root = ET.fromstring(data)
    for el in list(root):
        if el.tag == f"{{{CT_NS}}}Override" and el.get("PartName", "").lower().startswith("/customui/"):
            root.remove(el)
    ET.SubElement(root, f"{{{CT_NS}}}Override", {"PartName": "/" + RIBBON_PART, "ContentType": RIBBON_CONTENT_TYPE})
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + ET.tostring(root)


def build_bytes(template: Path | None = None) -> bytes:
    """The add-in package as bytes (fixed zip timestamps: the same inputs give the same bytes)."""
    template = template or template_path()
    xml = ribbon_xml()
    try:
        ET.fromstring(xml)
    except ET.ParseError as e:
        raise AddinError(f"customUI14.xml 不是合法的 XML：{e}") from None
    source = callback_source()
    for cb in _callbacks_in_ribbon(xml):
        if not re.search(rf"^\s*(Public\s+)?Sub\s+{re.escape(cb)}\s*\(\s*control\s+As\s+IRibbonControl\s*\)",
                         source, re.M | re.I):
            raise AddinError(f"功能区回调 {cb} 在 {CALLBACK_MODULE}.bas 中没有对应的 Sub")
    with tempfile.TemporaryDirectory(prefix="xlreport-addin-") as tmp:
        staged = Path(tmp) / "addin.xlam"
        _with_vba(template, staged)
        out = io.BytesIO()
        with zipfile.ZipFile(staged) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                name = info.filename
                if name.lower().startswith("customui/"):
                    continue  # the sample ribbon (and its images) go
                data = src.read(name)
                if name == "_rels/.rels":
                    data = _rels(data)
                elif name == "[Content_Types].xml":
                    data = _content_types(data)
                _put(dst, name, data)
            _put(dst, RIBBON_PART, xml)
    return out.getvalue()


def _put(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    zi = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.external_attr = 0o644 << 16
    zf.writestr(zi, data)


def build(path, *, force: bool = False, template: Path | None = None) -> Path:
    """Write the add-in to ``path`` (whole or not at all); refuse to overwrite unless ``force``."""
    try:
        path = check_target(path, force, ".xlam")
        return write_atomic(path, build_bytes(template))
    except OutputError as e:
        raise AddinError(str(e)) from None


MANUAL_STEPS = """\
本机不是 Windows 或 macOS，无法自动安装 Excel 加载项（WPS 表格不支持 xlwings 功能区，
但模板自带的合计公式和“校验”表在 WPS 中照常可用）。
请在装有 Excel 的 Windows 或 macOS 电脑上：
  1. pip install "xlreport[excel]"（加载项须用那台电脑上的 xlwings 生成；本机为 {version}）
  2. xlreport addin install
     （自动完成：生成加载项、装入 Excel 启动文件夹、在 ~/.xlwings/xlwings.conf 中记下 Python 解释器；
       macOS 上还会安装 xlwings 的 AppleScript 文件）
也可以手工：xlreport addin build -o xlreport.xlam，再在 Excel 中“文件—选项—加载项—管理 Excel 加载项—浏览”选中它。
详见 xlreport 项目 README 的“Excel 功能区加载项”一节。"""


def install_commands(path, platform: str) -> list[list[str]]:
    """The xlwings CLI calls that install the add-in on ``platform``."""
    cli = [sys.executable, "-m", "xlwings.cli"]
    cmds = [cli + ["addin", "install", "--file", str(path)],
            cli + ["config", "create"]]  # interpreter setting; an existing file is kept
    if platform == "darwin":
        cmds.append(cli + ["runpython", "install"])  # the AppleScript file RunPython needs on macOS
    return cmds


def install(*, platform: str | None = None, runner=None) -> str:
    """Build the add-in and install it through xlwings' own installer (copied into Excel's
    XLSTART folder), set the interpreter in xlwings' user config (kept if present) and, on
    macOS, install xlwings' AppleScript.  Elsewhere raises AddinError with the manual steps.
    Returns xlwings' output."""
    platform = platform or sys.platform
    if not (platform.startswith("win") or platform == "darwin"):
        raise AddinError(MANUAL_STEPS.format(version=xlwings_version()))
    import subprocess
    run = runner or (lambda c: subprocess.run(c, capture_output=True, text=True))
    out = []
    with tempfile.TemporaryDirectory(prefix="xlreport-addin-") as tmp:
        path = build(Path(tmp) / DEFAULT_NAME)
        for cmd in install_commands(path, platform):
            proc = run(cmd)
            out.append(proc.stdout or "")
            if proc.returncode != 0:
                raise AddinError(f"xlwings 安装步骤失败（{' '.join(cmd[3:])}）：\n{proc.stdout}{proc.stderr}")
    return "".join(out)
