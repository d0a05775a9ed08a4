"""The dependency audit's verdict (scripts/dependency_audit.py), from what
pip-audit reports: a known vulnerability fails the run; unreachable data skips
the audit, plainly, and the run goes on; any other failure fails it. No network
here: pip-audit's reports are given."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "dependency_audit", ROOT / "scripts/dependency_audit.py"
)
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

CLEAN = {"name": "django", "version": "6.1.3", "vulns": []}
VULNERABLE = {
    "name": "gunicorn",
    "version": "27.0.1",
    "vulns": [{"id": "GHSA-xxxx-yyyy-zzzz", "fix_versions": ["27.0.2"], "aliases": []}],
}
NOT_FOUND = {
    "name": "pillow",
    "skip_reason": "Dependency not found on PyPI and could not be audited",
}


def test_a_known_vulnerability_fails_the_run_naming_it():
    status, message = audit.verdict({"dependencies": [CLEAN, VULNERABLE]})
    assert status == 1
    assert "gunicorn 27.0.1: GHSA-xxxx-yyyy-zzzz (fixed in 27.0.2)" in message


def test_no_known_vulnerability_passes():
    assert audit.verdict({"dependencies": [CLEAN, CLEAN]}) == (
        0,
        "dependency audit: 2 packages, no known vulnerability",
    )


@pytest.mark.parametrize(
    "error",
    [
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443): "
        "Max retries exceeded with url: /pypi/django/6.1.3/json",
        "no answer, timed out after 180 s",
    ],
)
def test_unreachable_data_skips_the_audit_plainly(error):
    status, message = audit.verdict(None, error)
    assert status == 0
    assert message.startswith("dependency audit skipped: vulnerability data unreachable (")


def test_a_mirror_that_knows_no_package_is_unreachable_data_too():
    status, message = audit.verdict({"dependencies": [NOT_FOUND, NOT_FOUND]})
    assert status == 0
    assert message == (
        "dependency audit skipped: vulnerability data unreachable "
        "(PyPI answered for none of the 2 packages)"
    )


def test_it_says_which_packages_it_could_not_audit():
    status, message = audit.verdict({"dependencies": [CLEAN, NOT_FOUND]})
    assert status == 0
    assert message.endswith(
        "1 packages, no known vulnerability; not audited, their data unreachable: pillow"
    )


def test_any_other_failure_fails_the_run():
    status, message = audit.verdict(None, "pip_audit: error: invalid requirement: 'Django=6.1'")
    assert status == 1
    assert message.startswith("dependency audit failed:")


def test_it_audits_both_pinned_files_exactly_and_the_ignored_advisories(monkeypatch, tmp_path):
    monkeypatch.setattr(audit, "IGNORED", {"PYSEC-0000-1": "the affected function is never called"})
    command = audit.command(tmp_path / "report.json")
    assert command[:3] == [sys.executable, "-m", "pip_audit"]
    assert command.count("--requirement") == 2
    assert {"requirements.txt", "requirements-dev.txt"} <= set(command)
    assert {"--no-deps", "--disable-pip"} <= set(command)
    assert command[command.index("--ignore-vuln") + 1] == "PYSEC-0000-1"
    for name in audit.REQUIREMENTS:
        assert (ROOT / name).exists()
