"""The documentation: generated pages up to date, the site builds strictly, the README is short and its
links lead somewhere, and its test command is the one CI runs."""
import re
import subprocess
import sys

from markdown.extensions.toc import slugify_unicode

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_generated_pages_are_up_to_date():
    """docs/rules.md, docs/cli.md and docs/dev/api-reference.md are what scripts/gen_docs.py writes now."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_the_rule_catalogue_lists_every_rule_with_its_message():
    from xlreport.rules import RULES, SEVERITY_LABELS
    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in RULES.values():
        row = next((line for line in page.splitlines() if line.startswith(f"| `{rule.id}` |")), None)
        assert row is not None, rule.id
        assert SEVERITY_LABELS[rule.severity] in row


def test_the_cli_reference_has_every_command_and_option():
    import argparse
    from xlreport.cli import build_parser
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        assert f"## `xlreport {name}`" in page
        for action in parser._actions:
            for flag in action.option_strings:
                assert flag in page, (name, flag)


def test_the_site_builds_strictly(tmp_path):
    """mkdocs --strict: a broken link or anchor, or a page left out of the nav, fails the build."""
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(tmp_path / "site")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "site" / "rules" / "index.html").is_file()


def test_readme_is_short_and_its_links_lead_somewhere():
    assert len(README.encode("utf-8")) < 8000
    links = re.findall(r"\]\(([^)\s]+)\)", README)
    assert len(links) >= 10
    for link in links:
        assert not link.startswith(("http:", "https:", "/")), link
        target, _, anchor = link.partition("#")
        path = ROOT / target
        assert path.exists(), link
        if anchor:
            headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), flags=re.M)
            assert anchor in {slugify_unicode(h, "-") for h in headings}, link


def test_readme_quick_start_commands_are_the_ones_ci_runs():
    assert "pip install . && xlreport check examples/" in README
    assert "pip install '.[test]' && python -m pytest" in README
    assert re.search(r"^python3 -m pip install .*'\.\[test\]'$", CI, flags=re.M)
    assert re.search(r"^python3 -m pytest$", CI, flags=re.M)
    assert re.search(r"^python3 -m mkdocs build --strict", CI, flags=re.M)


def test_readme_names_each_user_and_links_their_guide():
    for user, page in (("填报人员", "docs/guide/template.md"), ("政务公开办", "docs/guide/office.md"),
                       ("审计", "docs/guide/audit.md")):
        assert user in README and f"({page})" in README
    assert "## For developers (English)" in README and "(docs/dev/index.md)" in README


def test_ci_sees_the_installed_system_packages_every_time():
    """.ci/run's check for LibreOffice, poppler and a CJK font once piped fc-list into grep -q under
    pipefail: grep quit at the first match, fc-list died of SIGPIPE and the check failed about half
    the time, so CI ran apt-get again (and would fail where apt-get cannot).  The tests need these
    packages, so here they are installed and the check must say so every time."""
    codes = [subprocess.run(["bash", str(ROOT / ".ci" / "run"), "--check-system"], cwd=ROOT).returncode
             for _ in range(20)]
    assert codes == [0] * 20
