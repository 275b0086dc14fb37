"""Static tests of the built Excel add-in (.xlam): package, ribbon, VBA read back with oletools."""
from __future__ import annotations

import re
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
    assert [c[3:5] for c in win] == [["addin", "install"], ["config", "create"]]
    assert [c[3:5] for c in mac] == [["addin", "install"], ["config", "create"], ["runpython", "install"]]
    assert "--force" not in sum(win, [])  # an existing interpreter setting is kept


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
