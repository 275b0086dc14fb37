"""Test helper: run the built add-in's own VBA in pyopenvba's interpreter, on a fake Windows
or a fake macOS.

Everything the add-in's VBA does runs as written (xlwings' ``RunPython``, ``GetConfig``,
``ExecuteWindows``/``ExecuteMac``, the callback of ``macros/XlreportRibbon.bas``) against
pyopenvba's in-memory Excel.  Only the points where VBA reaches the operating system are
routed, by a textual substitution in the loaded source, to :class:`FakeOS`:

- ``Environ``, ``GetAttr``, ``Dir``, ``Kill``, ``MacScript``, xlwings' ``ReadFile``, ``AppleScriptTask``,
  ``CreateObject("WScript.Shell")`` (``Run`` records the command line, ``ExpandEnvironmentStrings``
  expands ``%VAR%``), ``Application.Hwnd`` and ``Application.Path``;
- the file statements of xlwings' ``GetConfigFromFile`` (``Open ... For Input``, ``Input #``,
  ``EOF``, ``Close``), which read a real file of a real folder standing for the fake disk,
  decoded with the fake system's ANSI code page and split into fields the way VBA's
  ``Input #`` does.

The fake disk is a real folder: ``C:\\Users\\张三`` is ``<root>/C/Users/张三`` on the fake Windows,
``/Users/zhang`` is ``<root>/Users/zhang`` on the fake macOS, so ``xlreport addin install``'s own
writer puts the config file there and the VBA reads exactly those bytes.

Three spots of the interpreter needed a hand (noted here, the add-in is not changed for them):
directive lines with a trailing comment (``#Const App = "..." 'comment``) are stripped of the
comment before :func:`strip_directives`; pyopenvba's ``Workbook.FullName`` joins with the host's
``/``, so on the fake Windows the books are given Windows' backslash; VBA compares a Variant String
"False" with ``True`` (as False) where pyopenvba raises Type mismatch, so that one comparison
goes through ``CBool``.
"""
from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath
from xml.etree import ElementTree as ET

from pyopenvba.apps.excel import ExcelApplication
from pyopenvba.apps.excel._model import Workbook
from pyopenvba.excel import ExcelFile
from pyopenvba.interpreter import ModuleRuntime, VBAObject, member, method, parse_module
from pyopenvba.interpreter._preprocess import strip_directives
from pyopenvba.interpreter._values import MISSING, VBAInt, error, to_text

WINDOWS = {"Win64": True, "Win32": True, "VBA7": True, "Mac": False, "App": "Microsoft Excel"}
MAC = {"Win64": False, "Win32": False, "VBA7": True, "Mac": True, "MAC_OFFICE_VERSION": 16,
       "App": "Microsoft Excel"}
LOADED = ("xlwings", "XlreportRibbon")  # the modules a click runs through
MAC_CONTAINER = "Library/Containers/com.microsoft.Excel/Data"

# (pattern, replacement): the OS touch points of the add-in's VBA
ROUTES = [
    (r'CreateObject\("WScript\.Shell"\)', "OS.Shell"),
    (r"(?<![.\w])Environ\(", "OS.Environ("),
    (r"(?<![.\w])GetAttr\(", "OS.GetAttr("),
    (r"(?<![.\w])Dir\(", "OS.Dir("),
    (r"(?<![.\w])MacScript\(", "OS.MacScript("),
    (r"(?<!Function )(?<![.\w])ReadFile\(", "OS.ReadFile("),
    (r"(?<![.\w])AppleScriptTask\(", "OS.AppleScriptTask("),
    (r"(?m)^(\s*)Kill ", r"\1OS.Kill "),
    (r"Application\.Hwnd", "OS.Hwnd"),
    (r"Application\.Path(?!Separator)", "OS.AppPath"),
    (r"(?m)^(\s*)Open (\w+) For Input As \w+", r"\1OS.OpenInput \2"),
    (r"(?m)^(\s*)Input #\w+, (\w+), (\w+)", r"\1\2 = OS.InputField(): \3 = OS.InputField()"),
    (r"EOF\(\w+\)", "OS.AtEnd()"),
    (r"(?m)^(\s*)Close #\w+", r"\1OS.CloseFile"),
    (r"(?<![.\w])FreeFile(?!\w)", "1"),
    # not an OS touch point: VBA compares the Variant String "False" with True as False, while
    # pyopenvba raises Type mismatch; the same comparison, through CBool
    (r'If GetConfig\("SHOW CONSOLE", False\) = True', 'If CBool(GetConfig("SHOW CONSOLE", False)) = True'),
]


def _strip_directive_comments(source: str) -> str:
    return re.sub(r"(?m)^(\s*#[^'\r\n]*?)\s*'[^\r\n]*", r"\1", source)


def routed(source: str, name: str, constants: dict) -> str:
    code = strip_directives(_strip_directive_comments(source), module=name, constants=constants)
    for pattern, repl in ROUTES:
        code = re.sub(pattern, repl, code)
    return code


class Shell(VBAObject):
    """WScript.Shell: Run records the command line and answers the exit code."""

    def __init__(self, os_: "FakeOS"):
        self.os = os_
        self.runs: list[str] = []
        self.popups: list[str] = []

    @method(name="Run")
    def run(self, Command=MISSING, WindowStyle=MISSING, WaitOnReturn=MISSING):
        self.runs.append(to_text(Command))
        return VBAInt(self.os.exit_code, "Long")

    @method(name="ExpandEnvironmentStrings")
    def expand(self, Src=MISSING):
        return re.sub(r"%([^%]+)%", lambda m: self.os.env.get(m.group(1).upper(), m.group(0)), to_text(Src))

    @method(name="Popup")
    def popup(self, Text=MISSING, SecondsToWait=MISSING, Title=MISSING, Type=MISSING):
        self.popups.append(to_text(Text))
        return VBAInt(1, "Integer")


class FakeOS(VBAObject):
    """A Windows or a macOS seen from VBA, with its disk in the real folder ``root``."""

    def __init__(self, system: str, root: Path, *, user: str, codepage: str = "cp936"):
        self.system = system  # "win" | "mac"
        self.root = Path(root)
        self.codepage = codepage
        self.exit_code = 0
        self.shell = Shell(self)
        self.killed: list[str] = []
        self.apple: list[tuple[str, str, str]] = []
        self._text = ""
        self._pos = 0
        if system == "win":
            self.home = f"C:\\Users\\{user}"
            self.env = {"USERPROFILE": self.home, "TEMP": f"{self.home}\\AppData\\Local\\Temp",
                        "HOMEDRIVE": "C:", "HOMEPATH": f"\\Users\\{user}"}
            self.app_path = "C:\\Program Files\\Microsoft Office\\root\\Office16"
        else:
            self.home = f"/Users/{user}"
            # Excel for Mac is sandboxed: its HOME is the container
            self.env = {"HOME": f"{self.home}/{MAC_CONTAINER}", "USER": user}
            self.app_path = "/Applications/Microsoft Excel.app/Contents"
        self.real(self.home).mkdir(parents=True, exist_ok=True)

    # -- the fake disk
    def real(self, path: str) -> Path:
        """The real file standing for ``path`` of the fake system."""
        if self.system == "win":
            p = PureWindowsPath(path)
            return self.root.joinpath(p.drive.rstrip(":"), *p.parts[1:])
        return self.root.joinpath(*PurePosixPath(path).parts[1:])

    @property
    def container(self) -> str:
        return f"{self.home}/{MAC_CONTAINER}"

    # -- VBA's runtime functions that reach the system
    @method(name="Environ")
    def environ(self, Expression=MISSING):
        return self.env.get(to_text(Expression).upper(), "")

    @method(name="GetAttr")
    def getattr_(self, PathName=MISSING):
        p = self.real(to_text(PathName))
        if not p.exists():
            raise error(53)  # File not found
        return VBAInt(16 if p.is_dir() else 32, "Integer")

    @method(name="Dir")
    def dir_(self, PathName=MISSING, Attributes=MISSING):
        p = self.real(to_text(PathName))
        return p.name if p.exists() else ""

    @method(name="Kill")
    def kill(self, PathName=MISSING):
        self.killed.append(to_text(PathName))
        p = self.real(to_text(PathName))
        if not p.exists():
            raise error(53)
        p.unlink()

    @method(name="MacScript")
    def macscript(self, Script=MISSING):
        script = to_text(Script)
        if script == "return POSIX path of (path to home folder) as string":
            return self.container + "/"  # what sandboxed Excel answers
        m = re.fullmatch(r'set mac_path to POSIX file "(.*)" as string', script)
        if m:
            return "Macintosh HD" + m.group(1).replace("/", ":")
        m = re.fullmatch(r'return POSIX path of \("(.*)"\) as string', script)
        if m:
            text = m.group(1)
            if text.startswith("/"):
                return text
            _, *parts = text.split(":")  # an HFS path: "Macintosh HD:Users:zhang"
            return "/" + "/".join(parts)
        raise AssertionError(f"MacScript not modelled: {script}")

    @method(name="ReadFile")
    def read_file(self, FileName=MISSING):
        """xlwings' ReadFile (the Python error log): the file's text, "" when there is none."""
        name = to_text(FileName)
        if self.system == "mac" and not name.startswith("/"):
            name = "/" + "/".join(name.split(":")[1:])
        elif self.system == "win":
            name = self.shell.expand(name)
        p = self.real(name)
        return p.read_text(encoding="utf-8") if p.is_file() else ""

    @method(name="AppleScriptTask")
    def applescripttask(self, ScriptName=MISSING, ProcedureName=MISSING, Parameter=MISSING):
        self.apple.append((to_text(ScriptName), to_text(ProcedureName), to_text(Parameter)))
        return ""

    @member(name="Shell")
    def shell_(self):
        return self.shell

    @member(name="Hwnd")
    def hwnd(self):
        return VBAInt(461346, "Long")

    @member(name="AppPath")
    def apppath(self):
        return self.app_path

    # -- Open ... For Input / Input # / EOF / Close, on the fake disk
    @method(name="OpenInput")
    def open_input(self, PathName=MISSING):
        p = self.real(to_text(PathName))
        if not p.is_file():
            raise error(53)
        self._text = p.read_bytes().decode(self.codepage)  # VBA reads text in the ANSI code page
        self._pos = 0

    @method(name="InputField")
    def input_field(self):
        """One field as ``Input #`` reads it: leading blanks skipped, a quoted string up to its
        closing quote, else up to a comma or line end (trimmed); the delimiter is consumed."""
        t, i = self._text, self._pos
        while i < len(t) and t[i] in " \t":
            i += 1
        if i < len(t) and t[i] == '"':
            j = t.index('"', i + 1) if '"' in t[i + 1:] else len(t)
            value = t[i + 1:j]
            i = j + 1
            while i < len(t) and t[i] in " \t":
                i += 1
        else:
            j = i
            while j < len(t) and t[j] not in ",\r\n":
                j += 1
            value = t[i:j].strip()
            i = j
        if i < len(t) and t[i] == ",":
            i += 1
        elif t.startswith("\r\n", i):
            i += 2
        elif i < len(t) and t[i] in "\r\n":
            i += 1
        self._pos = i
        return value

    @method(name="AtEnd")
    def at_end(self):
        return self._pos >= len(self._text)

    @method(name="CloseFile")
    def close_file(self):
        self._text, self._pos = "", 0


@lru_cache(maxsize=None)
def _modules(xlam: str) -> dict[str, str]:
    return {m.name: m.source for m in ExcelFile(xlam).vba_project().modules}


@lru_cache(maxsize=None)
def _addin_sheets(xlam: str) -> tuple[str, ...]:
    with zipfile.ZipFile(xlam) as z:
        root = ET.fromstring(z.read("xl/workbook.xml"))
    return tuple(el.get("name") for el in root.iter() if el.tag.endswith("}sheet"))


@lru_cache(maxsize=None)
def _parsed(source: str, name: str):
    parsed = parse_module(source, name=name, kind="standard")
    parsed.name = parsed.name or name
    return parsed


def _win_fullname(self):
    return f"{self.path}\\{self.name}" if self.path else self.name


class WinWorkbook(Workbook):
    """A workbook on the fake Windows: FullName joins with a backslash."""

    @member(name="FullName")
    def FullName(self):  # noqa: N802
        return _win_fullname(self)


class Excel:
    """pyopenvba's Excel with the built add-in loaded, on a fake system."""

    def __init__(self, xlam: Path, os_: FakeOS):
        self.os = os_
        self.app = ExcelApplication()
        application = self.app.application
        # the add-in's workbook: its sheets by name (all the VBA asks of them), not a member of
        # Workbooks and never the active workbook, as in Excel
        self.addin = Workbook(application, "xlreport.xlam")
        for sheet in _addin_sheets(str(xlam)):
            self.addin.add_sheet(sheet)
        self.addin.path = (f"{os_.env.get('USERPROFILE')}\\AppData\\Roaming\\Microsoft\\Excel\\XLSTART"
                           if os_.system == "win" else
                           f"{os_.container}/Library/Application Support/Microsoft/Office/Excel/XLSTART")
        if os_.system == "win":
            self.addin.__class__ = WinWorkbook
        application._this_workbook = self.addin
        application.active_book = None
        application.workbooks_.next_name = self._next_name
        self._new = 0
        constants = WINDOWS if os_.system == "win" else MAC
        interp = self.app.interpreter
        for name, source in [("FakeSystem", "Public OS As Object\r\n")] + [
                (n, routed(_modules(str(xlam))[n], n, constants)) for n in LOADED]:
            runtime = ModuleRuntime(_parsed(source, name), interp)  # parsed once per source
            interp.modules[name.lower()] = runtime
        interp.initialise()
        interp.module("FakeSystem").variables["os"].set(os_)

    def _next_name(self):
        self._new += 1
        return f"工作簿{self._new}"  # a Chinese Excel's name for a new workbook

    def open_book(self, folder: str, name: str) -> Workbook:
        """A workbook of the fake disk open and active (its content is not what is tested)."""
        book = self.app.add_workbook()
        book.name, book.path = name, folder
        if self.os.system == "win":
            book.__class__ = WinWorkbook
        return book

    def click(self, tag: str) -> None:
        self.app.run("XlreportRibbon_OnAction", Control(tag))

    @property
    def dialogs(self):
        return self.app.dialogs


class Control(VBAObject):
    """The IRibbonControl Excel passes to a callback."""

    def __init__(self, tag: str, id_: str = "xlreportButton"):
        self._tag, self._id = tag, id_

    @member(name="Tag")
    def tag(self):
        return self._tag

    @member(name="Id")
    def id(self):
        return self._id


def ms_argv(cmdline: str) -> list[str]:
    """Split a command line the way the Microsoft C runtime gives it to ``python.exe``'s argv."""
    args, cur, i, quoted, have = [], [], 0, False, False
    while i < len(cmdline):
        c = cmdline[i]
        if c == "\\":
            n = 0
            while i < len(cmdline) and cmdline[i] == "\\":
                n += 1
                i += 1
            if i < len(cmdline) and cmdline[i] == '"':
                cur.append("\\" * (n // 2))
                if n % 2:
                    cur.append('"')
                    i += 1
            else:
                cur.append("\\" * n)
            have = True
            continue
        if c == '"':
            if quoted and cmdline[i + 1:i + 2] == '"':
                cur.append('"')
                i += 2
                continue
            quoted = not quoted
            have = True
        elif c in " \t" and not quoted:
            if have:
                args.append("".join(cur))
                cur, have = [], False
        else:
            cur.append(c)
            have = True
        i += 1
    if have:
        args.append("".join(cur))
    return args
