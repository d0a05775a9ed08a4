"""The dependency audit of `make test`: pip-audit checks every pinned package
(requirements.txt and requirements-dev.txt, exactly the versions pinned) against
the vulnerability data PyPI publishes (from the OSV database).

- A known vulnerability fails the run, naming the package, the advisory and the
  versions that fix it.
- Where that data cannot be reached (offline, a proxy, a PyPI mirror that knows
  none of the packages), it says so plainly, "dependency audit skipped:
  vulnerability data unreachable (…)", and the run goes on: the tests never
  depend on the network.
- An advisory that does not apply to us is ignored in IGNORED below, with the
  reason, so that no one has to guess later.

    .venv/bin/python scripts/dependency_audit.py
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ["requirements.txt", "requirements-dev.txt"]
# Advisory id (PYSEC-…, GHSA-…, CVE-…) -> why it does not apply to Blue Heart.
IGNORED: dict[str, str] = {}
# Seconds: each request to PyPI, and the whole audit (about 90 packages, one
# request each; a few seconds when PyPI answers).
REQUEST_TIMEOUT = 10
TOTAL_TIMEOUT = 180
# What pip-audit's last words say when it could not reach its data; any other
# failure (a malformed requirement, say) fails the run.
UNREACHABLE = (
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "NameResolutionError",
    "ProxyError",
    "SSLError",
    "ServiceError",
    "Max retries exceeded",
    "timed out",
)


def command(report: Path) -> list[str]:
    requirements = [arg for name in REQUIREMENTS for arg in ("--requirement", name)]
    ignored = [arg for advisory in IGNORED for arg in ("--ignore-vuln", advisory)]
    return [
        *(sys.executable, "-m", "pip_audit", *requirements),
        # The files pin every package they pull in: audit exactly those, without
        # resolving (or installing) anything.
        *("--no-deps", "--disable-pip"),
        *("--timeout", str(REQUEST_TIMEOUT), "--progress-spinner", "off"),
        *("--format", "json", "--output", str(report), *ignored),
    ]


def verdict(report: dict | None, error: str = "") -> tuple[int, str]:
    """The exit status and what to print, from pip-audit's JSON report (None
    when it stopped before writing one) and its last error line."""
    if report is None:
        if any(word in error for word in UNREACHABLE):
            return 0, f"dependency audit skipped: vulnerability data unreachable ({error})"
        return 1, f"dependency audit failed: {error}"
    dependencies = report["dependencies"]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    unaudited = [d for d in dependencies if "skip_reason" in d]
    if vulnerable:
        lines = [
            f"  {d['name']} {d['version']}: {v['id']}"
            + (f" (fixed in {', '.join(v['fix_versions'])})" if v.get("fix_versions") else "")
            for d in vulnerable
            for v in d["vulns"]
        ]
        return 1, "dependency audit: known vulnerabilities\n" + "\n".join(lines)
    if unaudited and len(unaudited) == len(dependencies):
        return 0, (
            "dependency audit skipped: vulnerability data unreachable "
            f"(PyPI answered for none of the {len(dependencies)} packages)"
        )
    message = (
        f"dependency audit: {len(dependencies) - len(unaudited)} packages, no known vulnerability"
    )
    if unaudited:
        names = ", ".join(d["name"] for d in unaudited)
        message += f"; not audited, their data unreachable: {names}"
    return 0, message


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as directory:
        report_path = Path(directory) / "audit.json"
        try:
            done = subprocess.run(
                command(report_path),
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=TOTAL_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            status, message = verdict(None, f"no answer, timed out after {TOTAL_TIMEOUT} s")
        else:
            report = json.loads(report_path.read_text()) if report_path.exists() else None
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            status, message = verdict(report, lines[-1] if lines else f"exit {done.returncode}")
    print(f"{message} [{time.monotonic() - started:.1f} s]")
    return status


if __name__ == "__main__":
    sys.exit(main())
