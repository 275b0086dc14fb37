"""Static tests of the built Excel add-in (.xlam): package, ribbon, VBA read back with oletools."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

xlwings = pytest.importorskip("xlwings")
pytest.importorskip("pyopenvba")
olevba = pytest.importorskip("oletools.olevba")

from xlreport import addin  # noqa: E402
from xlreport.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CUI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
SUB_RE = re.compile(r"^\s*(?:Public\s+)?Sub\s+(\w+)\s*\(\s*control\s+As\s+IRibbonControl\s*\)", re.M | re.I)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("addin") / "xlreport.xlam"
    assert main(["addin", "build", "-o", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def modules(built) -> dict[str, str]:
    """Every VBA module of the built add-in as oletools decompresses it from vbaProject.bin."""
    parser = olevba.VBA_Parser(str(built))
    try:
        out = {}
        for _, stream, _, code in parser.extract_macros():
            out[stream.split("/")[-1]] = code
        return out
    finally:
        parser.close()


def _ribbon(built) -> ET.Element:
    with zipfile.ZipFile(built) as z:
        return ET.fromstring(z.read(addin.RIBBON_PART))


def test_valid_package_with_content_types(built):
    with zipfile.ZipFile(built) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        types = ET.fromstring(z.read("[Content_Types].xml"))
    defaults = {d.get("Extension").lower(): d.get("ContentType") for d in types.findall(f"{{{CT_NS}}}Default")}
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.findall(f"{{{CT_NS}}}Override")}
    for name in names - {"[Content_Types].xml"}:
        ext = name.rsplit(".", 1)[-1].lower()
        assert "/" + name in overrides or ext in defaults, f"no content type for {name}"
    for part in overrides:
        assert part[1:] in names, f"content type for a missing part {part}"
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    assert overrides["/" + addin.RIBBON_PART] == "application/xml"


def test_relationships_point_at_customui14(built):
    with zipfile.ZipFile(built) as z:
        names = set(z.namelist())
        rels = ET.fromstring(z.read("_rels/.rels")).findall(f"{{{REL_NS}}}Relationship")
    ribbon = [r for r in rels if r.get("Type").endswith("/ui/extensibility")]
    assert [(r.get("Type"), r.get("Target")) for r in ribbon] == [
        ("http://schemas.microsoft.com/office/2007/relationships/ui/extensibility", "customUI/customUI14.xml")]
    assert len({r.get("Id") for r in rels}) == len(rels)
    for r in rels:
        assert r.get("Target").lstrip("/") in names
    assert not any(n.lower() == "customui/customui.xml" for n in names)  # xlwings' sample ribbon is gone


def test_ribbon_tab_buttons_and_one_callback(built):
    root = _ribbon(built)
    assert root.tag == f"{{{CUI_NS}}}customUI"
    tabs = root.findall(f".//{{{CUI_NS}}}tab")
    assert [t.get("label") for t in tabs] == ["政务公开年报"]
    labels = {el.get("label") for el in root.iter() if el.get("label")}
    assert {"校验", "填充合计", "清除标记", "新建模板", "帮助"} <= labels
    actions = [el for el in root.iter() if el.get("onAction")]
    assert {el.get("onAction") for el in actions} == {"XlreportRibbon_OnAction"}
    assert all(el.get("tag") for el in actions)
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))


def test_every_onaction_has_a_sub_in_vbaproject(built, modules):
    subs = {name for code in modules.values() for name in SUB_RE.findall(code)}
    callbacks = {el.get("onAction") for el in _ribbon(built).iter() if el.get("onAction")}
    assert callbacks and callbacks <= subs
    code = modules[addin.CALLBACK_MODULE]
    assert "RunPython" in code and "xlreport.excel.on_ribbon" in code and "control.Tag" in code
    assert "RibbonMyAddin" not in modules  # the sample callback module is replaced


def test_vba_source_is_ascii(modules):
    raw = (ROOT / "macros" / "XlreportRibbon.bas").read_bytes()
    raw.decode("ascii")
    modules[addin.CALLBACK_MODULE].encode("ascii")


def test_xlwings_module_pins_the_installed_version(modules):
    code = "\n".join(modules.values())
    assert re.findall(r'XLWINGS_VERSION As String = "([^"]+)"', code) == [xlwings.__version__]
    dlls = set(re.findall(r'Lib "xlwings(?:32|64)-([\d.]+)\.dll"', code))
    assert dlls == {xlwings.__version__}


def test_xlwings_module_has_the_project_name_xlreport(modules):
    code = modules["xlwings"]
    assert re.findall(r'PROJECT_NAME As String = "([^"]+)"', code) == ["xlreport"]
    assert 'GetConfig("ADD_WORKBOOK_TO_PYTHONPATH", "true")' not in code


def test_build_is_reproducible_and_refuses_to_overwrite(built, tmp_path, capsys):
    again = tmp_path / "again.xlam"
    addin.build(again)
    assert again.read_bytes() == built.read_bytes()
    before = again.read_bytes()
    assert main(["addin", "build", "-o", str(again)]) == 2  # an output problem: exit code 2, as for every command
    assert "已存在" in capsys.readouterr().err and again.read_bytes() == before
    assert main(["addin", "build", "-o", str(again), "--force"]) == 0


@pytest.mark.parametrize("name, words", [("x.xlsx", ".xlam"), ("missing/x.xlam", "不存在")])
def test_build_rejects_bad_outputs(tmp_path, name, words):
    with pytest.raises(addin.AddinError, match=re.escape(words)):
        addin.build(tmp_path / name)
    assert list(tmp_path.rglob("*")) == []


def test_broken_template_leaves_nothing(tmp_path):
    bad = tmp_path / "bad.xlam"
    bad.write_bytes(b"not a zip")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(Exception):
        addin.build(out / "x.xlam", template=bad)
    assert list(out.iterdir()) == []


def test_install_elsewhere_prints_steps(capsys):
    if sys.platform.startswith("win") or sys.platform == "darwin":
        pytest.skip("this checks the message on systems without Excel")
    assert main(["addin", "install"]) == 1
    err = capsys.readouterr().err
    assert "Windows 或 macOS" in err and xlwings.__version__ in err and "xlreport addin build" in err


def test_install_commands_use_xlwings_installer(tmp_path):
    win = addin.install_commands(tmp_path / "x.xlam", "win32")
    mac = addin.install_commands(tmp_path / "x.xlam", "darwin")
    assert [c[3:5] for c in win] == [["addin", "install"]]
    assert [c[3:5] for c in mac] == [["addin", "install"], ["runpython", "install"]]
    # xlwings' "config create" writes ~/.xlwings/xlwings.conf, which the xlreport add-in never reads
    assert not any("config" in c for c in win + mac)


class _Proc:
    def __init__(self, stdout, returncode=0):
        self.stdout, self.stderr, self.returncode = stdout, "", returncode


@pytest.mark.parametrize("output, ok", [
    ("Successfully installed the xlwings add-in! Please restart Excel.", True),
    ("Error: Failed to install the add-in: If Excel is running, quit Excel and try again.", False),
    ("PermissionError(13, 'Permission denied')", False),
])
def test_install_fails_loudly_when_xlwings_did_not_copy(tmp_path, monkeypatch, output, ok):
    """xlwings' installer prints its failure and exits 0: install reads what it printed."""
    monkeypatch.setattr(addin.Path, "home", classmethod(lambda cls: tmp_path))
    calls = []

    def runner(cmd):
        calls.append(cmd)
        return _Proc(output)

    if ok:
        out = addin.install(platform="darwin", runner=runner)  # this host's paths are POSIX
        conf = tmp_path / "Library/Containers/com.microsoft.Excel/Data/xlreport.conf"
        assert str(conf) in out and conf.is_file()
        assert len(calls) == 2  # and xlwings' AppleScript
    else:
        with pytest.raises(addin.AddinError, match="加载项没有装入 Excel"):
            addin.install(platform="darwin", runner=runner)
        assert list(tmp_path.iterdir()) == []  # no config for an add-in that is not there
        assert len(calls) == 1


def test_installed_package_finds_the_macros(tmp_path):
    """``pip install .`` puts macros/ into the package as xlreport.macros (offline: the same
    setuptools step that fills the wheel, build_py, when ``wheel`` is not installed)."""
    target = tmp_path / "site"
    try:
        import wheel  # noqa: F401
        cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-q",
               "--target", str(target), str(ROOT)]
    except ImportError:
        cmd = [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(target)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    for name in ("customUI14.xml", "XlreportRibbon.bas"):
        assert (target / "xlreport" / "macros" / name).read_bytes() == (ROOT / "macros" / name).read_bytes()
    code = "import xlreport.addin as a; print(a.macros_dir())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(target), "PATH": ""})
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()) == target / "xlreport" / "macros"


def test_year_menu_runs_from_the_build_year_to_2019():
    xml = addin.ribbon_with_years(addin.ribbon_xml(), 2031)
    menu = ET.fromstring(xml).find(f".//{{{CUI_NS}}}menu[@id='xlreportNewMenu']")
    tags = [b.get("tag") for b in menu]
    assert tags == [f"new:{y}" for y in range(2031, 2018, -1)]
    labels = {b.get("tag"): b.get("label") for b in menu}
    assert labels["new:2031"] == "2031年度" and labels["new:2020"] == "2020年度（2019版格式）"
    assert b"2026" not in addin.ribbon_xml()  # no year typed into the source


def _mac_commands() -> dict[str, set[str]]:
    from xlwings import mac_dict
    return {name: {p for p, _ in params} for name, _, params in mac_dict.commands}


class _Recorder:
    """A platform object that records each command sent to it (name and keyword names)."""

    def __init__(self, log):
        self._log = log

    def __getattr__(self, name):
        return lambda *a, **kw: self._log.append((name, set(kw)))


class _DesktopBook:
    def __init__(self, log):
        self.api = _Recorder(log)
        self.app = type("App", (), {"engine": type("E", (), {"name": "mac"})()})()
        self.sheets = {n: type("S", (), {"api": _Recorder(log)})() for n in ("表二", "表三")}


def test_macos_protection_calls_exist_in_xlwings_applescript_dictionary(monkeypatch):
    from xlreport import excel
    monkeypatch.setattr(excel, "_windows", lambda: False)
    log = []
    seam = excel.Protection()
    book = _DesktopBook(log)
    seam.unprotect(book, ["表二", "表三"], structure=True)
    seam.protect(book, ["表二", "表三"], structure=True)
    commands = _mac_commands()
    assert {name for name, _ in log} == {"unprotect", "protect_worksheet", "protect_workbook"}
    for name, kwargs in log:
        assert name in commands, f"{name} is no command of xlwings' AppleScript dictionary"
        assert kwargs <= commands[name], f"{name}: {kwargs - commands[name]} unknown"


def test_failed_unprotect_protects_again_what_it_lifted(monkeypatch):
    from xlreport import excel
    monkeypatch.setattr(excel, "_windows", lambda: False)
    log = []
    book = _DesktopBook(log)

    class Locked:
        def unprotect(self, **kw):
            raise RuntimeError("wrong password")

    book.sheets["表三"].api = Locked()
    with pytest.raises(excel.NotAReport):
        excel.Protection().unprotect(book, ["表二", "表三"], structure=True)
    assert [n for n, _ in log] == ["unprotect", "unprotect", "protect_worksheet", "protect_workbook"]


def test_doctor_reports_config_and_versions(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(addin.Path, "home", classmethod(lambda cls: tmp_path))
    assert main(["addin", "doctor"]) == 1  # no config yet
    out = capsys.readouterr().out
    assert "没有加载项配置" in out and "xlreport addin install" in out and xlwings.__version__ in out
    assert "error 53" in out and "32/64 位" in out and "组策略" in out and "自动化" in out
    addin.write_config(sys.platform, home=str(tmp_path))
    main(["addin", "doctor"])
    out = capsys.readouterr().out
    assert f"按钮启动的 Python：{sys.executable}" in out and "没有加载项配置" not in out


class _App:
    """Desktop Excel's app as xlwings shows it: screen updating and calculation mode."""

    def __init__(self, log):
        object.__setattr__(self, "log", log)
        object.__setattr__(self, "state", {"screen_updating": True, "calculation": "automatic"})
        object.__setattr__(self, "engine", type("E", (), {"name": "excel"})())

    def __getattr__(self, name):
        return self.state[name]

    def __setattr__(self, name, value):
        self.log.append((name, value))
        self.state[name] = value


def test_buttons_write_with_screen_updating_off_and_manual_calculation():
    from xlreport import excel
    log = []
    book = type("Book", (), {})()
    book.app, book.api = _App(log), object()
    with pytest.raises(ZeroDivisionError):
        with excel._Quiet(book):
            assert book.app.state == {"screen_updating": False, "calculation": "manual"}
            1 / 0
    assert log == [("screen_updating", False), ("calculation", "manual"),
                   ("calculation", "automatic"), ("screen_updating", True)]
    book.app.state["calculation"] = "semiautomatic"
    log.clear()
    with excel._Quiet(book):
        pass
    assert log[-2:] == [("calculation", "semiautomatic"), ("screen_updating", True)]


# -- customUI14.xml against the Office 2010 (2009/07) customUI schema --------------------------------
# The schema comes from openxml-audit (MIT, on the package index), which carries the Open XML SDK's
# schema data for http://schemas.microsoft.com/office/2009/07/customui and validates package parts
# against it (content model, attribute types and enumerations).

def _customui_errors(path: Path) -> list[str]:
    audit = pytest.importorskip("openxml_audit")
    result = audit.OpenXmlValidator(file_format=audit.FileFormat.OFFICE_2010).validate(str(path))
    return [str(e) for e in result.errors if "/customUI/" in str(e)]


def _declared_attributes() -> dict[str, set[str]]:
    """Element name -> every attribute the schema declares for an element of that name."""
    import importlib.resources
    import json
    pytest.importorskip("openxml_audit")
    data = json.loads((importlib.resources.files("openxml_audit") / "data/openxml/schemas/"
                       "schemas_microsoft_com_office_2009_07_customui.json").read_text(encoding="utf-8"))
    out: dict[str, set[str]] = {}
    for t in data["Types"]:
        name = t["Name"].rsplit("/mso14:", 1)[-1]
        out.setdefault(name, set()).update(a["QName"].lstrip(":") for a in t.get("Attributes", []))
    return out


def _undeclared(xml: bytes) -> list[str]:
    declared = _declared_attributes()
    out = []
    for el in ET.fromstring(xml).iter():
        name = el.tag.split("}")[-1]
        out += [f"{name}@{a}" for a in el.attrib if a not in declared.get(name, set())]
    return out


def _with_ribbon(built: Path, dst: Path, edit) -> Path:
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            out.writestr(info, edit(data) if info.filename == addin.RIBBON_PART else data)
    return dst


def test_customui_is_valid_against_the_office_2010_schema(built):
    assert _customui_errors(built) == []
    with zipfile.ZipFile(built) as z:
        assert _undeclared(z.read(addin.RIBBON_PART)) == []


@pytest.mark.parametrize("old, new, words", [
    (b'size="large" imageMso="AcceptInvitation"', b'size="huge" imageMso="AcceptInvitation"', "size"),
    (b'<group id="xlreportCheck"', b'<grop id="x"/><group id="xlreportCheck"', "grop"),
    (b'<ribbon>', b'<ribbon><tabs/>', "tabs"),
])
def test_a_broken_customui_fails_the_schema(built, tmp_path, old, new, words):
    bad = _with_ribbon(built, tmp_path / "bad.xlam", lambda d: d.replace(old, new, 1))
    errors = _customui_errors(bad)
    assert errors and any(words in e for e in errors), errors


def test_an_undeclared_attribute_fails(built):
    with zipfile.ZipFile(built) as z:
        xml = z.read(addin.RIBBON_PART).replace(b'tag="check"', b'tag="check" onClick="X"', 1)
    assert _undeclared(xml) == ["button@onClick"]


def test_doctor_tells_whether_the_installed_addin_matches_xlwings(built, tmp_path):
    from pyopenvba import ExcelFile
    startup = tmp_path / "Library/Group Containers/UBF8T346G9.Office/User Content/Startup/Excel"
    startup.mkdir(parents=True)
    addin.write_config("darwin", sys.executable, home=str(tmp_path))
    shutil.copy(built, startup / "xlreport.xlam")
    ok, text = addin.doctor("darwin", tmp_path)
    assert ok and f"由 xlwings {xlwings.__version__} 生成，与本机一致" in text
    with ExcelFile(str(startup / "xlreport.xlam")) as wb:  # an add-in built by another xlwings
        module = wb.vba_project().get_module("xlwings")
        module.body = module.body.replace(f'XLWINGS_VERSION As String = "{xlwings.__version__}"',
                                          'XLWINGS_VERSION As String = "0.30.0"')
        wb.save(str(startup / "xlreport.xlam"))
    ok, text = addin.doctor("darwin", tmp_path)
    assert not ok and "由 xlwings 0.30.0 生成，与本机 xlwings" in text and "重新运行 xlreport addin install" in text


def test_every_tag_of_the_built_ribbon_has_an_action(built):
    from xlreport import excel
    tags = [el.get("tag") for el in _ribbon(built).iter() if el.get("onAction")]
    assert "doctor" in tags and "new:2019" in tags
    for tag in tags:
        assert tag.partition(":")[0] in excel.ACTIONS, tag
