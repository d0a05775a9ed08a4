"""Run a Python script in a fresh interpreter with the project's settings and
only the environment given (a database of its own, say), as start-up would."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_script(script: str, **env: str) -> dict:
    """The JSON the script printed on its last line; fails with its stderr."""
    done = subprocess.run(  # noqa: S603 - this interpreter, our own code, no shell
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "HOME": os.environ["HOME"],
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
