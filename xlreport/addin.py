"""Build, install, diagnose and bundle the xlreport Excel add-in (.xlam).

The add-in is the ribbon add-in template that ships inside the installed xlwings wheel
(BSD-licensed; its VBA module names the xlwings DLL of exactly that version, which button calls
never load: RunPython starts Python through cmd.exe on Windows and AppleScript on macOS), with

- xlwings' project name set to ``xlreport`` (the template's is ``myaddin``), so the VBA reads
  the config that :func:`install` writes (:func:`config_path`), and the clerk's folder kept off
  Python's path by default,
- its sample ribbon replaced by ``macros/customUI14.xml`` (part ``customUI/customUI14.xml``,
  relationship type ``.../2007/relationships/ui/extensibility``, the Office 2010+ ribbon), and
- its sample callback module replaced by ``macros/XlreportRibbon.bas`` (written into
  ``xl/vbaProject.bin`` with pyopenvba).

It can be built on any OS; nothing of xlwings is ever committed to this repository.
"""
from __future__ import annotations

import io
import re
import shlex
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from xml.etree import ElementTree as ET

from .output import OutputError, check_target, write_atomic

DIST_NAME = "xlreport-gov"  # the distribution name ("xlreport" on the package index is another project)
INSTALL_HINT = ("在 xlreport 源码目录中运行：pip install \".[excel]\"，"
                "或安装离线包（xlreport addin bundle）中的 xlreport_gov-*.whl")
PROJECT_NAME = "xlreport"  # the add-in's xlwings project name: its config file and config sheet
QUICKSTART_PROJECT = 'Public Const PROJECT_NAME As String = "myaddin"'
WORKBOOK_PATH_DEFAULT = 'GetConfig("ADD_WORKBOOK_TO_PYTHONPATH", "true")'

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
        raise AddinError(f"未安装 xlwings。{INSTALL_HINT}") from None
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


FIRST_MENU_YEAR = 2019  # the first year of the official format the template menu offers
YEAR_MENU = re.compile(rb'(<menu id="xlreportNewMenu"[^>]*>)(.*?)(\s*</menu>)', re.S)


def ribbon_with_years(xml: bytes, year: int | None = None) -> bytes:
    """The 新建模板 menu filled with one button per report year, from ``year`` (the year of
    the build) down to 2019, each labelled with its format version where that is not the latest."""
    from .formats import get_format
    import datetime as dt
    year = year or dt.date.today().year
    latest = get_format(None, year).version
    buttons = []
    for y in range(year, FIRST_MENU_YEAR - 1, -1):
        version = get_format(None, y).version
        label = f"{y}年度" + ("" if version == latest else f"（{version}版格式）")
        buttons.append(f'\n            <button id="xlreportNew{y}" label="{label}" '
                       f'onAction="XlreportRibbon_OnAction" tag="new:{y}"/>')
    m = YEAR_MENU.search(xml)
    if m is None:
        raise AddinError("customUI14.xml 中没有 id 为 xlreportNewMenu 的菜单")
    return xml[:m.start(2)] + "".join(buttons).encode("utf-8") + xml[m.start(3):]


def _callbacks_in_ribbon(xml: bytes) -> list[str]:
    root = ET.fromstring(xml)
    return sorted({el.get("onAction") for el in root.iter() if el.get("onAction")})


def _with_vba(src: Path, dst: Path) -> None:
    """Copy the template to ``dst`` with the sample module replaced by the callback module."""
    try:
        from pyopenvba import ExcelFile
    except ImportError:
        raise AddinError(f"未安装 pyopenvba。{INSTALL_HINT}") from None
    shutil.copyfile(src, dst)
    with ExcelFile(str(dst)) as wb:
        project = wb.vba_project()
        names = wb.module_names()
        if SAMPLE_MODULE in names:
            project.delete_module(SAMPLE_MODULE)
        if CALLBACK_MODULE in names:
            project.delete_module(CALLBACK_MODULE)
        project.add_module(CALLBACK_MODULE, callback_source())
        module = project.get_module(XLWINGS_MODULE)
        module.body = xlwings_module_body(module.body)
        wb.save(str(dst))


XLWINGS_MODULE = "xlwings"


def xlwings_module_body(body: str) -> str:
    """xlwings' VBA module as the add-in needs it: its own project name (so it reads
    ``%USERPROFILE%\\.xlreport\\xlreport.conf`` / ``~/Library/Containers/com.microsoft.Excel/Data/xlreport.conf``
    and an ``xlreport.conf`` sheet, which ``xlreport addin install`` writes), and the clerk's
    folder kept out of Python's path unless a config says otherwise.  Each text must be
    found as expected: a changed xlwings template stops the build instead of giving a wrong add-in."""
    for old, new, times in ((QUICKSTART_PROJECT, f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"', (1,)),
                            (WORKBOOK_PATH_DEFAULT, WORKBOOK_PATH_DEFAULT.replace('"true"', '"false"'), (1, 2))):
        n = body.count(old)  # the path default: RunPython, and the UDF command the add-in never uses
        if n not in times:
            raise AddinError(f"xlwings {xlwings_version()} 的加载项模板与预期不同（“{old}”出现 {n} 次），"
                             "无法生成加载项；请安装 setup.cfg 允许的 xlwings 版本")
        body = body.replace(old, new)
    return body


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


def build_bytes(template: Path | None = None, year: int | None = None) -> bytes:
    """The add-in package as bytes (fixed zip timestamps: the same inputs give the same bytes)."""
    template = template or template_path()
    xml = ribbon_with_years(ribbon_xml(), year)
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


# -- the add-in's config: which Python its buttons start -------------------------------------------

MAC_CONTAINER = ("Library", "Containers", "com.microsoft.Excel", "Data")


def config_path(platform: str, home: str) -> str:
    r"""Where the built add-in's VBA (xlwings' ``GetConfigFilePath`` with PROJECT_NAME xlreport)
    looks for its user config: ``%USERPROFILE%\.xlreport\xlreport.conf`` on Windows; on macOS
    the sandboxed Excel's home, ``~/Library/Containers/com.microsoft.Excel/Data/xlreport.conf``."""
    if platform.startswith("win"):
        return str(PureWindowsPath(home, f".{PROJECT_NAME}", f"{PROJECT_NAME}.conf"))
    return str(PurePosixPath(home, *MAC_CONTAINER, f"{PROJECT_NAME}.conf"))


def detect_conda(prefix: str, platform: str, real=Path) -> tuple[str, str] | None:
    """(conda base folder, environment name) when ``prefix`` is a conda environment."""
    pure = PureWindowsPath if platform.startswith("win") else PurePosixPath
    p = pure(prefix)
    if not real(str(p / "conda-meta")).is_dir():
        return None
    if real(str(p / "condabin")).is_dir():
        return str(p), "base"
    if p.parent.name.lower() == "envs":
        return str(p.parent.parent), p.name
    return None


def config_settings(platform: str, executable: str, *, home: str, conda: tuple[str, str] | None = None,
                    wrapper: str | None = None) -> list[tuple[str, str]]:
    """The settings ``xlreport addin install`` writes for the add-in (xlwings' config keys)."""
    if platform.startswith("win"):
        out = [("INTERPRETER_WIN", _profile_relative(executable, home))]
        if conda:
            out += [("CONDA PATH", _profile_relative(conda[0], home)), ("CONDA ENV", conda[1])]
    else:
        # AppleScript puts the interpreter into a shell command unquoted: a path with spaces or
        # other than plain ASCII goes through a small script in ~/.xlreport
        out = [("INTERPRETER_MAC", wrapper if wrapper and not _shell_safe(executable) else executable)]
    out.append(("ADD_WORKBOOK_TO_PYTHONPATH", "False"))  # the clerk's folder is no module folder
    return out


def _profile_relative(path: str, home: str) -> str:
    """A path with non-ASCII characters inside the user's folder, spelled through %USERPROFILE%:
    VBA reads the config in the ANSI code page, xlwings expands the variable in Unicode."""
    if path.isascii():
        return path
    try:
        return "%USERPROFILE%\\" + str(PureWindowsPath(path).relative_to(PureWindowsPath(home)))
    except ValueError:
        return path


def _shell_safe(path: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9_./+-]+", path))


def _config_text(settings) -> str:
    for key, value in settings:
        if '"' in value:
            raise AddinError(f"路径中含有双引号，xlwings 的配置文件无法记录：{value}")
    return "".join(f'"{k}","{v}"\r\n' for k, v in settings)  # the format of VBA's Write #


def write_config(platform: str, executable: str | None = None, *, home: str | None = None, real=Path,
                 prefix: str | None = None, codepage: str | None = None) -> tuple[str, list[tuple[str, str]]]:
    """Write the add-in's user config for ``executable`` (default: this Python).  ``home`` is the
    user's home as the target system spells it, ``real`` maps such a path to the file to write
    (both only differ in tests).  Returns the config path and the settings."""
    executable = executable or sys.executable
    home = home if home is not None else str(Path.home())
    prefix = prefix if prefix is not None else sys.prefix
    wrapper = None
    if not platform.startswith("win") and not _shell_safe(executable):
        wrapper = str(PurePosixPath(home, f".{PROJECT_NAME}", "python"))
        w = real(wrapper)
        w.parent.mkdir(parents=True, exist_ok=True)
        w.write_text(f"#!/bin/sh\nexec {shlex.quote(executable)} \"$@\"\n", encoding="utf-8")
        w.chmod(0o755)
    conda = detect_conda(prefix, platform, real) if platform.startswith("win") else None
    settings = config_settings(platform, executable, home=home, conda=conda, wrapper=wrapper)
    text = _config_text(settings)
    codepage = codepage or ("mbcs" if sys.platform.startswith("win") else "ascii")
    try:
        data = text.encode(codepage)
    except UnicodeEncodeError:
        raise AddinError("Python 的安装路径含有本机 Excel 无法从配置文件读出的字符（VBA 按系统代码页读取）："
                         f"{executable}。请把 Python 或虚拟环境装在只含英文字母和数字的路径下，"
                         "或装在自己的用户文件夹内。") from None
    path = config_path(platform, home)
    target = real(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, data)
    return path, settings


MANUAL_STEPS = """\
本机不是 Windows 或 macOS，无法自动安装 Excel 加载项（WPS 表格不支持 xlwings 功能区，
但模板自带的合计公式和“校验”表在 WPS 中照常可用）。
请在装有 Excel 的 Windows 或 macOS 电脑上：
  1. 安装 xlreport（{hint}；加载项须用那台电脑上的 xlwings 生成，本机为 {version}）
  2. xlreport addin install
     （自动完成：生成加载项、装入 Excel 启动文件夹、在加载项自己的配置文件
       （Windows：%USERPROFILE%\\.xlreport\\xlreport.conf；macOS：~/Library/Containers/com.microsoft.Excel/Data/xlreport.conf）
       中记下装有 xlreport 的 Python；macOS 上还会安装 xlwings 的 AppleScript 文件）
也可以手工：xlreport addin build -o xlreport.xlam，在 Excel 中“文件—选项—加载项—管理 Excel 加载项—浏览”选中它，
再在那台电脑上运行 xlreport addin doctor 查看解释器设置。
不能联网的电脑：在能联网的电脑上运行 xlreport addin bundle 生成离线安装包，拷过去双击其中的安装脚本。
详见 xlreport 项目 README 的“Excel 功能区加载项”一节。"""


def install_commands(path, platform: str) -> list[list[str]]:
    """The xlwings CLI calls that install the add-in on ``platform`` (the interpreter setting is
    written by :func:`write_config`, not by ``xlwings config create``, whose file this add-in
    does not read)."""
    cli = [sys.executable, "-m", "xlwings.cli"]
    cmds = [cli + ["addin", "install", "--file", str(path)]]
    if platform == "darwin":
        cmds.append(cli + ["runpython", "install"])  # the AppleScript file RunPython needs on macOS
    return cmds


INSTALLED = "Successfully installed"  # what xlwings' installer prints once the file is copied


def install(*, platform: str | None = None, runner=None) -> str:
    """Build the add-in, install it through xlwings' own installer (copied into Excel's XLSTART
    folder), and write the add-in's config with this Python.  xlwings' installer reports a failed
    copy only in its output (exit code 0), so that output is checked.  Elsewhere raises
    AddinError with the manual steps.  Returns what was done, for the user."""
    platform = platform or sys.platform
    if not (platform.startswith("win") or platform == "darwin"):
        raise AddinError(MANUAL_STEPS.format(version=xlwings_version(), hint=INSTALL_HINT))
    import subprocess
    run = runner or (lambda c: subprocess.run(c, capture_output=True, text=True))
    out = []
    with tempfile.TemporaryDirectory(prefix="xlreport-addin-") as tmp:
        path = build(Path(tmp) / DEFAULT_NAME)
        for n, cmd in enumerate(install_commands(path, platform)):
            proc = run(cmd)
            text = (proc.stdout or "") + (proc.stderr or "")
            out.append(proc.stdout or "")
            if proc.returncode != 0 or (n == 0 and INSTALLED not in text):
                raise AddinError(f"xlwings 安装加载项失败（{' '.join(cmd[3:5])}），加载项没有装入 Excel：\n"
                                 f"{text.strip() or '（没有输出）'}\n"
                                 "常见原因：Excel 正在运行（请退出 Excel 后重试）、Excel 启动文件夹无写入权限。")
    conf, settings = write_config(platform)
    out.append(f"已写入加载项配置：{conf}\n" + "".join(f"  {k} = {v}\n" for k, v in settings))
    return "".join(out)


# -- 诊断: what the add-in will start, and the known failures ---------------------------------------

KNOWN_FAILURES = """\
常见问题与解决办法：
- 点按钮提示 “Could not find Interpreter!” 或 “'python' 不是内部或外部命令”：加载项找不到 Python。
  在装有 xlreport 的 Python 中运行 xlreport addin install（会写入加载项配置），然后重启 Excel。
- 提示 “Run-time error 53 ... xlwings64-<版本>.dll not found” 或版本不一致：加载项与本机 xlwings 版本不同。
  升级或降级 xlwings 后须重新运行 xlreport addin install。
- 32/64 位不一致（提示找不到 xlwings32/xlwings64 DLL、或 “Bad DLL calling convention”）：按钮本身不用 DLL，
  但 Office 与 Python 的位数不同时部分功能会失败；请安装与 Office 位数相同的 Python（“文件—账户—关于 Excel”可看位数）。
- 点按钮没有任何反应或提示 “权限被拒绝/被组策略阻止”：单位电脑的安全策略禁止 Office 启动其他程序
  （如攻击面减少规则 “阻止 Office 应用程序创建子进程”）。请联系信息中心为 Excel 放行，或改用命令行 xlreport check。
- macOS 上提示 “To enable RunPython, please run 'xlwings runpython install'” 或要求授权：运行 xlreport addin install，
  并在“系统设置—隐私与安全性—自动化”中允许 Excel 控制 “System Events”/终端。
- 没有打开工作簿时：“新建模板”和“帮助”照常可用，“校验”等按钮会提示先打开工作簿。"""


def read_config(path: Path, codepage: str | None = None) -> dict[str, str]:
    """The settings of an xlwings-style config file ("KEY","VALUE" lines)."""
    codepage = codepage or ("mbcs" if sys.platform.startswith("win") else "utf-8")
    out = {}
    for line in path.read_bytes().decode(codepage, errors="replace").splitlines():
        m = re.fullmatch(r'\s*"([^"]*)"\s*,\s*"([^"]*)"\s*', line)
        if m:
            out[m.group(1).upper()] = m.group(2)
    return out


def installed_addins(platform: str | None = None, home: Path | None = None) -> list[Path]:
    """xlreport.xlam in Excel's user startup folders (the usual places)."""
    platform = platform or sys.platform
    home = home or Path.home()
    import os
    if platform.startswith("win"):
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
        cands = [base / "Microsoft" / "Excel" / "XLSTART"]
    else:
        data = home.joinpath(*MAC_CONTAINER)
        cands = [home / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content" / "Startup" / "Excel",
                 data / "Library" / "Application Support" / "Microsoft" / "Office" / "Excel" / "XLSTART"]
    return [c / DEFAULT_NAME for c in cands if (c / DEFAULT_NAME).is_file()]


def addin_xlwings_version(path: Path) -> str | None:
    """The xlwings version an add-in file was built from (its VBA module's XLWINGS_VERSION)."""
    from pyopenvba import ExcelFile
    with ExcelFile(str(path)) as wb:
        for m in wb.vba_project().modules:
            found = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', m.source)
            if found:
                return found.group(1)
    return None


def doctor(platform: str | None = None, home: Path | None = None) -> tuple[bool, str]:
    """The diagnosis: (all well, Chinese text)."""
    from . import __version__ as xlreport_version
    platform = platform or sys.platform
    home = home or Path.home()
    lines, ok = [], True
    import struct
    lines.append(f"本 Python：{sys.executable}（{struct.calcsize('P') * 8} 位，Python {sys.version.split()[0]}）")
    lines.append(f"xlreport {xlreport_version}（发行包名 {DIST_NAME}）")
    try:
        xv = xlwings_version()
        lines.append(f"xlwings {xv}")
    except Exception:
        xv = None
        ok = False
        lines.append(f"✗ 未安装 xlwings：{INSTALL_HINT}")
    conf = Path(config_path(platform, str(home)))
    if conf.is_file():
        settings = read_config(conf)
        key = "INTERPRETER_WIN" if platform.startswith("win") else "INTERPRETER_MAC"
        interp = settings.get(key, "")
        shown = interp.replace("%USERPROFILE%", str(home))
        lines.append(f"加载项配置：{conf}")
        lines.append(f"  按钮启动的 Python：{interp or '（未设置：将启动 PATH 中的 python）'}")
        if not interp:
            ok = False
        elif Path(shown).resolve() != Path(sys.executable).resolve() and not Path(shown).is_file():
            ok = False
            lines.append("✗ 配置中的 Python 不存在。请在装有 xlreport 的 Python 中重新运行 xlreport addin install。")
        if settings.get("ADD_WORKBOOK_TO_PYTHONPATH", "").lower() == "true":
            lines.append("! 配置把工作簿所在文件夹加入了 Python 路径，同名 .py 文件可能干扰加载项。")
    else:
        ok = False
        lines.append(f"✗ 没有加载项配置 {conf}：按钮会启动 PATH 中的 python（虚拟环境、conda、未勾选 "
                     "“Add to PATH” 的 Python 都找不到 xlreport）。请运行 xlreport addin install。")
    found = installed_addins(platform, home)
    for path in found:
        built = addin_xlwings_version(path)
        same = built == xv
        ok = ok and same
        lines.append(f"{'' if same else '✗ '}已安装的加载项：{path}（由 xlwings {built} 生成"
                     f"{'，与本机一致' if same else '，与本机 xlwings ' + str(xv) + ' 不一致：请重新运行 xlreport addin install'}）")
    if not found:
        lines.append("未在 Excel 启动文件夹中找到 xlreport.xlam（手工加载的加载项不在此列）。")
    lines.append("")
    lines.append(KNOWN_FAILURES)
    return ok, "\n".join(lines)


# -- the offline bundle: wheels for a target platform and double-click install scripts ----------------

TARGETS = {  # --platform: (pip platform tags, packaging marker environment)
    "win_amd64": (["win_amd64"], {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                                  "platform_machine": "AMD64"}),
    "win32": (["win32"], {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                          "platform_machine": "x86"}),
    # macOS 11 as the floor: pip widens a macOS tag to the older ones it runs on, never newer
    "macosx_arm64": (["macosx_11_0_arm64"], {"sys_platform": "darwin", "platform_system": "Darwin",
                                              "os_name": "posix", "platform_machine": "arm64"}),
    "macosx_x86_64": (["macosx_11_0_x86_64"], {"sys_platform": "darwin", "platform_system": "Darwin",
                                                "os_name": "posix", "platform_machine": "x86_64"}),
}
WHEELS = "wheels"
WIN_SCRIPT = "安装.bat"
MAC_SCRIPT = "安装.command"

_WIN_BAT = r"""@echo off
rem xlreport offline install: a venv in %USERPROFILE%\xlreport-venv, packages from .\wheels only
cd /d "%~dp0"
set "VENV=%USERPROFILE%\xlreport-venv"
set "PY="
where py >nul 2>nul && set "PY=py -{python}"
if not defined PY set "PY=python"
echo 正在创建 Python 虚拟环境：%VENV%
%PY% -m venv "%VENV%"
if errorlevel 1 goto nopython
echo 正在从本文件夹安装 xlreport（不联网）……
"%VENV%\Scripts\python.exe" -m pip install --no-index --find-links "%~dp0{wheels}" "{dist}[excel]"
if errorlevel 1 goto failed
echo 正在生成并安装 Excel 加载项（请先退出 Excel）……
"%VENV%\Scripts\python.exe" -m xlreport addin install
if errorlevel 1 goto failed
echo 安装完成。请重新启动 Excel，功能区中会出现“政务公开年报”选项卡。
pause
exit /b 0
:nopython
echo 没有找到 Python {python}。请先安装 Python {python}（64 位，与 Office 位数一致），再双击本文件。
pause
exit /b 1
:failed
echo 安装未完成，请把上面的提示发给维护人员；也可以运行 xlreport addin doctor 查看原因。
pause
exit /b 1
"""

_MAC_COMMAND = """#!/bin/bash
# xlreport offline install: a venv in ~/.xlreport/venv, packages from ./wheels only
cd "$(dirname "$0")" || exit 1
VENV="$HOME/.xlreport/venv"
PY="$(command -v python{python} || command -v python3)"
if [ -z "$PY" ]; then
  echo "没有找到 Python {python}。请先安装 Python {python}（python.org），再双击本文件。"; exit 1
fi
echo "正在创建 Python 虚拟环境：$VENV"
"$PY" -m venv "$VENV" || exit 1
echo "正在从本文件夹安装 xlreport（不联网）……"
"$VENV/bin/python" -m pip install --no-index --find-links "$PWD/{wheels}" "{dist}[excel]" || exit 1
echo "正在生成并安装 Excel 加载项（请先退出 Excel）……"
"$VENV/bin/python" -m xlreport addin install || {{ echo "安装未完成；可运行 $VENV/bin/xlreport addin doctor 查看原因。"; exit 1; }}
echo "安装完成。请重新启动 Excel，功能区中会出现“政务公开年报”选项卡。"
"""


def source_root() -> Path:
    """The xlreport source tree to build the wheel from: the one this package runs from (an
    editable install), else the current folder (installed with ``pip install .`` and run in the clone)."""
    for root in (Path(__file__).resolve().parent.parent, Path.cwd()):
        cfg = root / "setup.cfg"
        if (root / "xlreport" / "addin.py").is_file() and cfg.is_file() and \
                f"name = {DIST_NAME}" in cfg.read_text(encoding="utf-8", errors="replace"):
            return root
    raise AddinError("生成离线安装包须在 xlreport 的源码目录中运行（需要 setup.cfg 来生成 xlreport 的 wheel）："
                     "请先进入 xlreport 源码目录（含 setup.cfg 的文件夹）再运行。")


def _pip(args: list[str], what: str) -> None:
    import subprocess
    proc = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise AddinError(f"{what}失败：\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def _target_args(platform: str | None, python: str) -> list[str]:
    if platform is None:
        return []
    tags, _ = TARGETS[platform]
    out = ["--only-binary=:all:", "--python-version", python, "--implementation", "cp",
           "--abi", "cp" + python.replace(".", ""), "--abi", "abi3", "--abi", "none"]
    for tag in tags:
        out += ["--platform", tag]
    return out


def wheel_requirements(folder: Path, environment: dict, extras=("excel",)):
    """(wheel, requirement) for every dependency the wheels in ``folder`` declare for the target
    ``environment`` (markers evaluated for the target, not for this machine)."""
    from packaging.requirements import Requirement
    for whl in sorted(folder.glob("*.whl")):
        with zipfile.ZipFile(whl) as z:
            meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
            text = z.read(meta).decode("utf-8", "replace")
        own = whl.name.split("-")[0].lower() == DIST_NAME.replace("-", "_")
        for line in text.splitlines():
            if not line.startswith("Requires-Dist:"):
                continue
            req = Requirement(line.split(":", 1)[1].strip())
            envs = [dict(environment, extra=e) for e in (extras if own else ())] or [dict(environment, extra="")]
            if req.marker is None or any(req.marker.evaluate(e) for e in envs):
                yield whl, req


def missing_requirements(folder: Path, environment: dict) -> list[str]:
    """Requirements of the wheels in ``folder`` that no wheel there satisfies."""
    from packaging.utils import canonicalize_name
    have: dict[str, list[str]] = {}
    for whl in folder.glob("*.whl"):
        name, version = whl.name.split("-")[:2]
        have.setdefault(canonicalize_name(name), []).append(version)
    out = []
    for _, req in wheel_requirements(folder, environment):
        versions = have.get(canonicalize_name(req.name), [])
        if not any(req.specifier.contains(v, prereleases=True) for v in versions):
            out.append(str(req.name) + str(req.specifier))
    return sorted(set(out))


def bundle(out, *, platform: str | None = "win_amd64", python: str = "3.11", force: bool = False) -> Path:
    """Gather an offline install folder: ``wheels/`` (xlreport and its ``excel`` extra, every
    dependency for ``platform``/``python``; None means this machine) and the install scripts."""
    if platform is not None and platform not in TARGETS:
        raise AddinError(f"不支持的平台“{platform}”，可选：{'、'.join(TARGETS)}")
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not force:
        raise AddinError(f"文件夹“{out}”已存在且不为空；如要覆盖请加 --force")
    root = source_root()
    with tempfile.TemporaryDirectory(prefix="xlreport-bundle-") as tmp:
        stage = Path(tmp) / "bundle"
        wheels = stage / WHEELS
        wheels.mkdir(parents=True)
        _pip(["wheel", "--no-deps", "-q", "-w", str(wheels), str(root)], "生成 xlreport 的 wheel ")
        own = next(wheels.glob("*.whl"))
        _pip(["download", "-q", "-d", str(wheels), *_target_args(platform, python), f"{own}[excel]"],
             "下载依赖包")
        if platform is not None:
            env = dict(TARGETS[platform][1], python_version=python, python_full_version=python + ".0",
                       implementation_name="cpython", platform_python_implementation="CPython")
            for _ in range(5):  # pip evaluates markers for this machine: fetch what the target needs
                missing = missing_requirements(wheels, env)
                if not missing:
                    break
                _pip(["download", "-q", "-d", str(wheels), *_target_args(platform, python), *missing],
                     "下载目标平台的依赖包")
            missing = missing_requirements(wheels, env)
            if missing:
                raise AddinError(f"以下依赖没有 {platform} 的 wheel：{'、'.join(missing)}")
        fmt = dict(python=python, wheels=WHEELS, dist=DIST_NAME)
        (stage / WIN_SCRIPT).write_bytes(_WIN_BAT.format(**fmt).replace("\n", "\r\n").encode("gbk"))
        mac = stage / MAC_SCRIPT
        mac.write_text(_MAC_COMMAND.format(**fmt), encoding="utf-8")
        mac.chmod(0o755)
        (stage / "说明.txt").write_text(
            "xlreport 离线安装包\n\nWindows：先安装 Python " + python + "（python.org，64 位），再双击“安装.bat”。\n"
            "macOS：先安装 Python " + python + "（python.org），再双击“安装.command”（首次需右键—打开）。\n"
            "安装脚本只从本文件夹的 wheels 中安装（pip --no-index），在用户目录下建立虚拟环境，"
            "生成并安装 Excel 加载项，并写入加载项配置。之后可运行 xlreport addin doctor 检查。\n",
            encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(stage, out)
    return out
