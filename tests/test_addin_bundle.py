"""The offline bundle (xlreport addin bundle): built for real with pip (needs the package index
once, to fetch the wheels); then installed with --no-index into a fresh venv by its own script."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytest.importorskip("xlwings")
packaging_tags = pytest.importorskip("packaging.tags")
from packaging.utils import canonicalize_name, parse_wheel_filename  # noqa: E402

from xlreport import addin  # noqa: E402
from xlreport.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _index_reachable() -> bool:
    url = urlparse(os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple")
    try:
        socket.create_connection((url.hostname, url.port or 443), timeout=5).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _index_reachable(), reason="the bundle is gathered from the package index")


def _offline_env(home: Path) -> dict:
    """No pip configuration of this machine (its find-links and local indexes): the bundle alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, HOME=str(home), PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin")
    return env


@pytest.fixture(scope="module")
def win_bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "离线安装包"
    assert main(["addin", "bundle", "--platform", "win_amd64", "--python", "3.11", "-o", str(out)]) == 0
    return out


def test_win_amd64_bundle_holds_a_wheel_for_every_dependency(win_bundle):
    wheels = win_bundle / "wheels"
    target = {*packaging_tags.cpython_tags((3, 11), platforms=["win_amd64"]),
              *packaging_tags.compatible_tags((3, 11), "cp311", platforms=["win_amd64"])}
    names = {}
    for whl in wheels.glob("*.whl"):
        name, version, _, tags = parse_wheel_filename(whl.name)
        assert tags & target, f"{whl.name} does not install on Windows 64-bit, Python 3.11"
        names[name] = version
    env = dict(addin.TARGETS["win_amd64"][1], python_version="3.11", python_full_version="3.11.0",
               implementation_name="cpython", platform_python_implementation="CPython")
    for whl, req in addin.wheel_requirements(wheels, env):
        have = names.get(canonicalize_name(req.name))
        assert have is not None and req.specifier.contains(have, prereleases=True), f"{whl.name}: {req} missing"
    # the Windows-only dependencies pip leaves out when it runs on another system
    assert {"pywin32", "colorama", "xlwings", "xlreport-gov", "pyopenvba"} <= set(names)
    bat = (win_bundle / addin.WIN_SCRIPT).read_bytes().decode("gbk")
    assert "--no-index" in bat and '"xlreport-gov[excel]"' in bat and "addin install" in bat
    assert "\r\n" in bat


def test_bundle_for_this_machine_installs_offline_and_the_button_runs(tmp_path):
    out = tmp_path / "bundle"
    assert main(["addin", "bundle", "--platform", "current", "-o", str(out)]) == 0
    home = tmp_path / "home"
    home.mkdir()
    proc = subprocess.run(["bash", str(out / addin.MAC_SCRIPT)], capture_output=True, text=True,
                          env=_offline_env(home), timeout=900)
    # everything up to the Excel step ran from the bundle; the Excel step says it needs Windows/macOS
    assert "Windows 或 macOS" in proc.stderr + proc.stdout, proc.stdout + proc.stderr
    python = home / ".xlreport" / "venv" / "bin" / "python"
    shown = subprocess.run([str(python), "-m", "pip", "show", "xlreport-gov", "xlwings"], capture_output=True,
                           text=True, env=_offline_env(home))
    assert "Name: xlreport-gov" in shown.stdout and "Name: xlwings" in shown.stdout
    # the button's Python side, in that venv, on xlwings' remote engine
    code = (
        "import os, json; os.environ['XLWINGS_LICENSE_KEY'] = 'noncommercial'\n"
        "import xlwings, xlreport.excel as x\n"
        "book = xlwings.Book(json={'client': 'VBA', 'version': xlwings.__version__,\n"
        "    'book': {'name': '工作簿1', 'active_sheet_index': 0, 'selection': 'A1'}, 'names': [],\n"
        "    'sheets': [{'name': 'Sheet1', 'values': [[None]], 'pictures': [], 'tables': []}]})\n"
        "xlwings.Book.caller = classmethod(lambda cls: book)\n"
        "x.on_ribbon('check')\n"
        "print(json.dumps([x.last_run.message, x.__file__], ensure_ascii=False))\n")
    ran = subprocess.run([str(python), "-c", code], capture_output=True, text=True, env=_offline_env(home),
                         cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    message, module = json.loads(ran.stdout)
    assert "不是" in message  # a blank workbook is no annual report: said in Chinese
    assert str(home / ".xlreport" / "venv") in module  # the installed copy, not this checkout


def test_macos_bundle_installs_on_macos_11_arm64(tmp_path):
    out = tmp_path / "mac"
    assert main(["addin", "bundle", "--platform", "macosx_arm64", "--python", "3.11", "-o", str(out)]) == 0
    platforms = list(packaging_tags.mac_platforms((11, 0), "arm64"))
    target = {*packaging_tags.cpython_tags((3, 11), platforms=platforms),
              *packaging_tags.compatible_tags((3, 11), "cp311", platforms=platforms)}
    names = set()
    for whl in (out / "wheels").glob("*.whl"):
        name, _, _, tags = parse_wheel_filename(whl.name)
        assert tags & target, f"{whl.name} does not install on macOS 11 (arm64), Python 3.11"
        names.add(name)
    env = dict(addin.TARGETS["macosx_arm64"][1], python_version="3.11", python_full_version="3.11.0",
               implementation_name="cpython", platform_python_implementation="CPython")
    assert addin.missing_requirements(out / "wheels", env) == []
    assert {"appscript", "psutil", "xlwings", "xlreport-gov"} <= names  # xlwings' macOS-only dependencies
    assert os.access(out / addin.MAC_SCRIPT, os.X_OK)
