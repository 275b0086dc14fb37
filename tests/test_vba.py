"""The built add-in's own VBA, run in pyopenvba's VBA interpreter on a fake Windows and a fake
macOS (tests/vba_os.py): each ribbon control clicked, the exact command line Excel would start
asserted, and that command's Python part run for real on xlwings' remote engine."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

pytest.importorskip("xlwings")
pytest.importorskip("pyopenvba")

from vba_os import Excel, FakeOS, ms_argv  # noqa: E402
from xlreport import addin  # noqa: E402
from xlreport.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CUI = "{http://schemas.microsoft.com/office/2009/07/customui}"
BOOK_DIR = "C:\\Users\\张三\\Documents\\2024年 报告"
BOOK = "某某局 2024年度年报.xlsx"
APP = "C:\\Program Files\\Microsoft Office\\root\\Office16\\Microsoft Excel"


@pytest.fixture(scope="module")
def xlam(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("vba") / "xlreport.xlam"
    assert main(["addin", "build", "-o", str(path)]) == 0
    return path


def tags(xlam) -> list[str]:
    with zipfile.ZipFile(xlam) as z:
        root = ET.fromstring(z.read(addin.RIBBON_PART))
    return [el.get("tag") for el in root.iter() if el.get("onAction")]


def _touch(os_: FakeOS, path: str) -> None:
    p = os_.real(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"")


# (id, interpreter as installed, prefix, interpreter xlwings starts, conda activation)
WINDOWS_PYTHONS = [
    ("venv", "C:\\Users\\张三\\xlreport\\.venv\\Scripts\\python.exe", "C:\\Users\\张三\\xlreport\\.venv", None),
    ("conda", "C:\\Users\\张三\\miniconda3\\envs\\gov\\python.exe", "C:\\Users\\张三\\miniconda3\\envs\\gov",
     "C:\\Users\\张三\\miniconda3\\condabin\\conda activate gov && "),
    ("python.org", "C:\\Users\\张三\\AppData\\Local\\Programs\\Python\\Python311\\python.exe",
     "C:\\Users\\张三\\AppData\\Local\\Programs\\Python\\Python311", None),
    ("spaces-chinese", "D:\\办公 软件\\年报 环境\\Scripts\\python.exe", "D:\\办公 软件\\年报 环境", None),
]


def windows(tmp_path, exe=None, prefix=None, conda=False, codepage="cp936") -> FakeOS:
    os_ = FakeOS("win", tmp_path / "disk", user="张三", codepage=codepage)  # cp936: a Chinese Windows
    if exe:
        _touch(os_, exe)
        if conda:
            os_.real(prefix + "\\conda-meta").mkdir(parents=True)
            _touch(os_, "C:\\Users\\张三\\miniconda3\\condabin\\conda.bat")
            os_.real("C:\\Users\\张三\\miniconda3\\conda-meta").mkdir(parents=True)
        addin.write_config("win32", exe, home=os_.home, real=os_.real, prefix=prefix, codepage=codepage)
    return os_


def win_command(python: str, tag: str, *, book=BOOK, folder=BOOK_DIR, placeholder="", conda=None) -> str:
    """The command line xlwings' ExecuteWindows starts for one click (log name aside)."""
    drive = python[:2]
    pydir = python.rsplit("\\", 1)[0]
    full = (f"{folder}\\{book}" if folder else book).replace("\\", "\\\\")
    this = "C:\\Users\\张三\\AppData\\Roaming\\Microsoft\\Excel\\XLSTART\\xlreport.xlam".replace("\\", "\\\\")
    code = (f"import xlwings.utils;xlwings.utils.prepare_sys_path(\\\"False;{full};{this};;;;\\\"); "
            f"import xlreport.excel; xlreport.excel.on_ribbon('{tag}', placeholder='{placeholder}')")
    return (f'cmd.exe /C {drive} & cd "{pydir}" & {conda or ""}"{python}" -B -c "{code}"  --wb="{book}" '
            f'--from_xl=1 --app="{APP}" --hwnd="461346" 2> "C:\\Users\\张三\\AppData\\Local\\Temp\\xlwings-GUID.log" ')


def _runs(os_: FakeOS) -> list[str]:
    return [re.sub(r"xlwings-[0-9A-F-]{36}\.log", "xlwings-GUID.log", r) for r in os_.shell.runs]


@pytest.mark.parametrize("case", WINDOWS_PYTHONS, ids=[c[0] for c in WINDOWS_PYTHONS])
def test_windows_every_button_starts_the_installed_python(xlam, tmp_path, case):
    name, exe, prefix, conda = case
    os_ = windows(tmp_path, exe, prefix, conda=conda is not None)
    for tag in tags(xlam):
        xl = Excel(xlam, os_)
        xl.open_book(BOOK_DIR, BOOK)
        os_.shell.runs.clear()
        xl.click(tag)
        assert _runs(os_) == [win_command(exe, tag, conda=conda)], tag
        assert xl.dialogs == [] and os_.shell.popups == []  # no VBA message box on the way


def test_english_windows_with_a_chinese_user_folder(xlam, tmp_path):
    """VBA reads the config in the ANSI code page (cp1252 here): the user folder's Chinese name
    is written as %USERPROFILE%, which xlwings expands in Unicode."""
    name, exe, prefix, conda = WINDOWS_PYTHONS[1]
    os_ = windows(tmp_path, exe, prefix, conda=True, codepage="cp1252")
    conf = os_.real("C:\\Users\\张三\\.xlreport\\xlreport.conf").read_bytes()
    assert conf.isascii() and b'"CONDA PATH","%USERPROFILE%\\miniconda3"' in conf
    xl = Excel(xlam, os_)
    xl.open_book(BOOK_DIR, BOOK)
    xl.click("check")
    assert _runs(os_) == [win_command(exe, "check", conda=conda)]


def test_a_path_the_code_page_cannot_hold_is_refused_clearly(tmp_path):
    os_ = FakeOS("win", tmp_path / "disk", user="zhang", codepage="cp1252")
    with pytest.raises(addin.AddinError, match="系统代码页"):
        addin.write_config("win32", "D:\\办公 软件\\年报 环境\\Scripts\\python.exe", home=os_.home,
                           real=os_.real, prefix="D:\\x", codepage="cp1252")
    assert not os_.real(os_.home + "\\.xlreport").exists()


def test_windows_config_file_is_where_the_vba_reads_it(xlam, tmp_path):
    exe = WINDOWS_PYTHONS[0][1]
    os_ = windows(tmp_path, exe, WINDOWS_PYTHONS[0][2])
    conf = os_.real("C:\\Users\\张三\\.xlreport\\xlreport.conf")
    assert conf.read_bytes() == ('"INTERPRETER_WIN","%USERPROFILE%\\xlreport\\.venv\\Scripts\\python.exe"\r\n'
                                 '"ADD_WORKBOOK_TO_PYTHONPATH","False"\r\n').encode("cp936")
    conf.rename(conf.with_name("xlwings.conf"))  # the file xlwings' own "config create" writes is not read
    xl = Excel(xlam, os_)
    xl.open_book(BOOK_DIR, BOOK)
    xl.click("check")
    assert _runs(os_)[0].startswith('cmd.exe /C python -B -c ')


def test_windows_without_config_starts_bare_python(xlam, tmp_path):
    """No config (add-in added by hand, install not run): xlwings' default, a bare ``python``
    from PATH; ``xlreport addin doctor`` explains this case."""
    os_ = windows(tmp_path)
    xl = Excel(xlam, os_)
    xl.open_book(BOOK_DIR, BOOK)
    xl.click("check")
    cmd = _runs(os_)[0]
    assert cmd.startswith('cmd.exe /C python -B -c "import xlwings.utils;xlwings.utils.prepare_sys_path(\\"false;')


def test_windows_no_workbook_open(xlam, tmp_path):
    exe = WINDOWS_PYTHONS[0][1]
    os_ = windows(tmp_path, exe, WINDOWS_PYTHONS[0][2])
    for tag in tags(xlam):
        xl = Excel(xlam, os_)
        assert xl.app.application.active_book is None
        os_.shell.runs.clear()
        xl.click(tag)  # raised VBA error 91 (ActiveWorkbook.FullName on Nothing) before the fix
        assert _runs(os_) == [win_command(exe, tag, book="工作簿1", folder="", placeholder="工作簿1")], tag
        assert xl.dialogs == [] and [b.name for b in xl.app.workbooks()] == ["工作簿1"]


MAC_PYTHONS = [
    ("venv", "/Users/zhang/xlreport/.venv/bin/python", "/Users/zhang/xlreport/.venv/bin/python"),
    ("python.org", "/Library/Frameworks/Python.framework/Versions/3.11/bin/python3",
     "/Library/Frameworks/Python.framework/Versions/3.11/bin/python3"),
    ("spaces-chinese", "/Users/zhang/办公 软件/年报 环境/bin/python", "/Users/zhang/.xlreport/python"),
]


@pytest.mark.parametrize("case", MAC_PYTHONS, ids=[c[0] for c in MAC_PYTHONS])
def test_macos_every_button_starts_the_installed_python(xlam, tmp_path, case):
    _, exe, started = case
    os_ = FakeOS("mac", tmp_path / "disk", user="zhang", codepage="ascii")
    addin.write_config("darwin", exe, home=os_.home, real=os_.real, prefix="/x")
    if started != exe:  # the wrapper script for a path the shell would split
        wrapper = os_.real(started)
        assert wrapper.read_text(encoding="utf-8") == f"#!/bin/sh\nexec '{exe}' \"$@\"\n"
        assert wrapper.stat().st_mode & 0o111
    for tag in tags(xlam):
        xl = Excel(xlam, os_)
        xl.open_book("/Users/zhang/Documents", "年报 2024.xlsx")
        os_.apple.clear()
        xl.click(tag)
        this = f"{os_.container}/Library/Application Support/Microsoft/Office/Excel/XLSTART/xlreport.xlam"
        assert os_.apple == [(f"xlwings-{addin.xlwings_version()}.applescript", "VbaHandler",
                              f"False;/Users/zhang/Documents/年报 2024.xlsx;{this};;;;;|{started}|"
                              f"import xlreport.excel; xlreport.excel.on_ribbon('{tag}', placeholder='')|"
                              f"年报 2024.xlsx|/Applications/Microsoft Excel.app/Cont|{os_.container}/xlwings.log")]
        assert xl.dialogs == []


def test_macos_no_workbook_open(xlam, tmp_path):
    os_ = FakeOS("mac", tmp_path / "disk", user="zhang", codepage="ascii")
    addin.write_config("darwin", MAC_PYTHONS[0][1], home=os_.home, real=os_.real, prefix="/x")
    for tag in tags(xlam):
        xl = Excel(xlam, os_)
        os_.apple.clear()
        xl.click(tag)
        (_, _, param), = os_.apple
        parts = param.split("|")
        assert parts[1] == MAC_PYTHONS[0][1]
        assert parts[2].endswith(f"on_ribbon('{tag}', placeholder='工作簿1')") and parts[3] == "工作簿1"


# -- the Python part of the command line, run for real ----------------------------------------------

# Excel's side of a RunPython call, for a Python started exactly as the add-in starts it: a
# sitecustomize on PYTHONPATH makes Book.caller() return the book named by --wb= on xlwings'
# remote engine (built from a real, recalculated file) and writes what happened when Python exits.
EXCEL_SIDE = r"""
import atexit, json, os, sys
if os.environ.get("XLREPORT_BOOK"):
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    sys.path.append(os.environ["XLREPORT_TESTS"])
    import xlwings
    _book = []

    def _caller(cls):
        from xlbook import book_json, remote_book
        wb = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("--wb="))
        _book.append(remote_book(book_json(os.environ["XLREPORT_BOOK"], name=wb)))
        return _book[-1]

    xlwings.Book.caller = classmethod(_caller)

    @atexit.register
    def _report():
        import xlreport.excel as x
        run = x.last_run
        with open(os.environ["XLREPORT_OUT"], "w", encoding="utf-8") as f:
            json.dump({"path": sys.path, "argv": sys.argv, "message": run and run.message,
                       "kind": run and run.kind, "actions": _book[-1].json()["actions"] if _book else []},
                      f, ensure_ascii=False)
"""


def _excel_side_env(book: Path, tmp: Path) -> dict:
    hook = tmp / "excel-side"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(EXCEL_SIDE, encoding="utf-8")
    return {"PATH": "/usr/bin:/bin", "XLREPORT_BOOK": str(book), "XLREPORT_TESTS": str(ROOT / "tests"),
            "PYTHONPATH": f"{hook}:{ROOT}", "HOME": str(tmp), "XLREPORT_OUT": str(tmp / "excel-side.json")}


def _report(tmp: Path) -> dict:
    return json.loads((tmp / "excel-side.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    from xlreport.libreoffice import find_soffice, recalculate
    if find_soffice() is None:
        pytest.skip("LibreOffice is needed to recalculate")
    src = tmp_path_factory.mktemp("vba-src")
    example = next(p for p in sorted((ROOT / "examples").glob("*.xlsx")) if p.name.startswith("2024_"))
    shutil.copy(example, src / BOOK)
    return recalculate([src / BOOK], tmp_path_factory.mktemp("vba-calc"))[0]


def _run_python_part(command: str, book: Path, cwd: Path) -> dict:
    """The Windows command line's python.exe arguments, split as the C runtime splits them, given
    to this machine's Python (the one stand-in: C:\\...\\python.exe does not exist here)."""
    argv = ms_argv(command.split(" & ")[-1].split("&& ")[-1])
    assert argv[1:3] == ["-B", "-c"]
    proc = subprocess.run([sys.executable, *argv[1:argv.index("2>")]], capture_output=True, text=True,
                          cwd=cwd, env=_excel_side_env(book, cwd))
    assert proc.returncode == 0, proc.stderr
    return _report(cwd)


# what xlwings' AppleScript makes of the add-in's parameter string (its VbaHandler); checked
# against the installed file, so the shell command below is the one macOS runs
APPLESCRIPT = ('set ShellCommand to PythonInterpreter & " -B -u -W ignore -c \\"import xlwings.utils;'
               'xlwings.utils.prepare_sys_path(\'" & PYTHONPATH & "\');" & \u00ac\n\t\tPythonCommand & " \\" '
               '\\"--wb=" & WorkbookName & "\\" \\"--from_xl=1\\" \\"--app=" & ApplicationFullName & "\\" '
               '> /dev/null 2>\\"" & LOG_FILE & "\\" & "')


def mac_shell_command(parameter: str) -> str:
    import xlwings
    script = Path(xlwings.__file__).parent / f"xlwings-{xlwings.__version__}.applescript"
    assert APPLESCRIPT in script.read_text(encoding="utf-8")
    pythonpath, interpreter, command, book, app, log = parameter.split("|")
    # as the AppleScript concatenates it, less its final " & " (the test waits for Python)
    return (f'{interpreter} -B -u -W ignore -c "import xlwings.utils;xlwings.utils.prepare_sys_path(\'{pythonpath}\');'
            f'{command} " "--wb={book}" "--from_xl=1" "--app={app}" > /dev/null 2>"{log}"')


def test_macos_shell_command_through_the_wrapper_runs_check(xlam, tmp_path, recalculated):
    """A Python whose path has spaces and Chinese: AppleScript puts the interpreter unquoted
    into the shell command, so install wrote ~/.xlreport/python; run that command for real."""
    real_python = tmp_path / "办公 软件" / "年报 环境" / "bin" / "python"
    real_python.parent.mkdir(parents=True)
    real_python.symlink_to(sys.executable)
    os_ = FakeOS("mac", tmp_path / "disk", user="zhang", codepage="ascii")
    addin.write_config("darwin", str(real_python), home=os_.home, real=os_.real, prefix="/x")
    xl = Excel(xlam, os_)
    xl.open_book("/Users/zhang/Documents", BOOK)
    xl.click("check")
    (_, _, parameter), = os_.apple
    interpreter = parameter.split("|")[1]
    assert interpreter == "/Users/zhang/.xlreport/python"
    shell = mac_shell_command(parameter.replace(f"|{interpreter}|", f"|{os_.real(interpreter)}|"))
    shell = shell.replace(f'2>"{os_.container}/xlwings.log"', f'2>"{tmp_path}/xlwings.log"')
    proc = subprocess.run(["/bin/sh", "-c", shell], capture_output=True, text=True, cwd=tmp_path,
                          env=_excel_side_env(recalculated, tmp_path))
    assert proc.returncode == 0, (tmp_path / "xlwings.log").read_text()
    out = _report(tmp_path)
    assert out["kind"] == "template" and out["message"].startswith(("校验完成", "校验通过"))
    assert f"--wb={BOOK}" in out["argv"]
    assert not any("Documents" in p for p in out["path"])  # the clerk's folder is not on Python's path


def test_the_command_line_runs_check_on_a_chinese_workbook(xlam, tmp_path, recalculated):
    exe = WINDOWS_PYTHONS[3][1]
    os_ = windows(tmp_path, exe, WINDOWS_PYTHONS[3][2])
    xl = Excel(xlam, os_)
    xl.open_book(BOOK_DIR, BOOK)
    xl.click("check")
    out = _run_python_part(os_.shell.runs[0], recalculated, tmp_path)
    assert out["kind"] == "template"
    assert out["message"].startswith(("校验完成", "校验通过"))
    assert out["actions"][-1]["func"] == "alert" and out["actions"][-1]["args"][0] == out["message"]
    assert not any("报告" in p for p in out["path"])  # the clerk's folder is not on Python's path


def test_the_command_line_with_no_workbook_says_so_in_chinese(xlam, tmp_path, recalculated):
    os_ = windows(tmp_path, WINDOWS_PYTHONS[0][1], WINDOWS_PYTHONS[0][2])
    xl = Excel(xlam, os_)
    xl.click("check")
    out = _run_python_part(os_.shell.runs[0], recalculated, tmp_path)
    assert out["message"].startswith("当前没有打开的工作簿")
    assert [a["func"] for a in out["actions"]] == ["alert"]  # nothing written


@pytest.mark.parametrize("tag, words", [("help", "政务公开年报加载项"), ("new:2025", "已生成 2025 年度空白填报模板"),
                                        ("doctor", "本 Python")])
def test_the_command_line_with_no_workbook_new_help_doctor_work(xlam, tmp_path, recalculated, tag, words):
    os_ = windows(tmp_path, WINDOWS_PYTHONS[0][1], WINDOWS_PYTHONS[0][2])
    xl = Excel(xlam, os_)
    xl.click(tag)
    out = _run_python_part(os_.shell.runs[0], recalculated, tmp_path)
    assert words in out["message"], out["message"]
    if tag.startswith("new:"):  # written into the clerk's Documents (here HOME); the remote engine opens no file
        made = tmp_path / "政务公开年报模板_2025年度.xlsx"
        assert made.is_file() and str(made) in out["message"]
