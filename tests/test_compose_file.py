"""docker-compose.yml is production-shaped: only the proxy is reachable, on loopback
unless told otherwise; web is healthy-checked and unprivileged; workers scale and
the beat does not; no secret has a default, so the stack refuses to start without
them; the migrations run once, before anything that needs them.

The file is read as YAML, with compose's `${NAME:-default}` interpolation applied
as it would be with nothing set, so a published address hidden behind a variable
is judged by what it becomes by default.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# Services that never run in production: the `try` profile (.env.example turns it
# on to try the stack on one machine).
TRYING_ONLY = "try"
SECRETS = ("SECRET_KEY", "POSTGRES_PASSWORD")
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value, environ: dict[str, str]):
    """`value` as compose makes it from `environ` (a required variable that is
    missing becomes None in place of the whole value)."""
    if isinstance(value, dict):
        return {key: interpolate(item, environ) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, environ) for item in value]
    if not isinstance(value, str):
        return value
    missing = False

    def substitute(match: re.Match) -> str:
        nonlocal missing
        given = environ.get(match["name"])
        empty_counts = (match["op"] or "").startswith(":")
        unset = given is None or (empty_counts and given == "")
        if match["op"] and match["op"].endswith("?") and unset:
            missing = True
            return ""
        if match["op"] and match["op"].endswith("-") and unset:
            return match["arg"]
        return given or ""

    result = VARIABLE.sub(substitute, value.replace("$$", "\0")).replace("\0", "$")
    return None if missing else result


def load(text: str | None = None, environ: dict[str, str] | None = None) -> dict:
    raw = yaml.safe_load(text if text is not None else (ROOT / "docker-compose.yml").read_text())
    return interpolate(raw, environ or {})


@pytest.fixture
def compose() -> dict:
    return load()


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def published(service: dict) -> list[str]:
    return [str(port) for port in service.get("ports") or []]


def in_production(compose: dict) -> dict[str, dict]:
    return {
        name: service
        for name, service in compose["services"].items()
        if TRYING_ONLY not in (service.get("profiles") or [])
    }


def test_it_publishes_the_proxy_alone(compose):
    publishing = {name for name, service in in_production(compose).items() if published(service)}
    assert publishing == {"proxy"}


def test_it_publishes_on_loopback_only_by_default(compose):
    for name, service in compose["services"].items():
        for port in published(service):
            # "HOST_IP:HOST_PORT:CONTAINER_PORT"; without an address it is every interface.
            assert port.count(":") == 2, f"{name} publishes {port} on every interface"
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port}"


def test_the_proxy_serves_https_and_http(compose):
    targets = {port.rsplit(":", 1)[1] for port in published(compose["services"]["proxy"])}
    assert targets == {"80", "443"}


def test_the_proxy_runs_the_repository_rules(compose):
    mounts = compose["services"]["proxy"]["volumes"]
    # Where deploy/nginx/blueheart.conf includes the shared rules from.
    assert "./deploy/nginx:/etc/nginx/blueheart:ro" in mounts
    assert "./deploy/compose/nginx-http.conf:/etc/nginx/conf.d/default.conf:ro" in mounts
    assert all(mount.endswith(":ro") for mount in mounts)
    https = load(environ={"PROXY_CONFIG": "https"})["services"]["proxy"]["volumes"]
    assert "./deploy/compose/nginx-https.conf:/etc/nginx/conf.d/default.conf:ro" in https


@pytest.mark.parametrize("variant", ["http", "https"])
def test_the_compose_server_blocks_include_the_shared_rules(variant):
    conf = (ROOT / "deploy" / "compose" / f"nginx-{variant}.conf").read_text()
    assert "include /etc/nginx/blueheart/blueheart-http.conf;" in conf
    assert "include /etc/nginx/blueheart/blueheart-common.conf;" in conf
    # The zone and upstream the shared rules name, and the static volume's mount.
    assert "keys_zone=blueheart_micro:" in conf
    assert "upstream blueheart_app {\n    server web:8000;" in conf
    assert "set $blueheart_static_root /srv/static;" in conf


def test_web_has_a_health_check(compose):
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert test[0] in ("CMD", "CMD-SHELL")
    assert "/readyz" in " ".join(test)


def test_web_runs_as_an_unprivileged_user(compose):
    user = compose["services"]["web"].get("user")
    if user is None:
        # The image's user: the last USER of the Dockerfile.
        users = re.findall(r"^USER\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.M)
        assert users, "the Dockerfile never leaves root"
        user = users[-1]
    assert str(user).split(":")[0] not in ("root", "0")


def test_the_image_has_a_health_check():
    assert re.search(r"^HEALTHCHECK\s", (ROOT / "Dockerfile").read_text(), re.M)


def test_web_and_the_workers_scale(compose):
    for name in ("web", "worker"):
        service = compose["services"][name]
        assert "container_name" not in service, f"{name} has a fixed name: it cannot scale"
        assert not published(service), f"{name} publishes a port: a second copy cannot bind it"


def test_there_is_exactly_one_beat(compose):
    beat = compose["services"]["beat"]
    assert beat["deploy"]["replicas"] == 1


def test_migrations_run_once_before_anything_that_needs_them(compose):
    services = compose["services"]
    assert "migrate" in services["migrate"]["command"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert "migrate" not in " ".join(services[name]["command"]), f"{name} migrates"
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_every_secret_is_required(compose):
    raw = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in raw["services"].items():
        for key, value in environment(service).items():
            value = str(value)
            for secret in SECRETS:
                if secret in value or key == secret:
                    assert f"${{{secret}:?" in value, f"{name}: {key} does not require {secret}"
    # And what requiring them does: with nothing set, no service's environment is whole.
    for name, service in compose["services"].items():
        env = environment(service)
        for key in ("SECRET_KEY", "DATABASE_URL", "POSTGRES_PASSWORD"):
            if key in env:
                assert env[key] is None, f"{name}: {key} has a default"


def test_the_mail_catcher_is_for_trying_only(compose):
    mailpit = compose["services"]["mailpit"]
    assert mailpit["profiles"] == [TRYING_ONLY]
    env = environment(compose["services"]["web"])
    assert env["EMAIL_URL"] is None, "EMAIL_URL has a default: production would not fail closed"


def test_the_checks_fail_on_a_file_that_breaks_the_rules():
    # The rules above, against a compose file that breaks each one.
    broken = load(
        """
services:
  web:
    ports: ["8000:8000"]
    environment:
      SECRET_KEY: ${SECRET_KEY:-insecure}
  worker:
    container_name: worker
  beat:
    deploy: {replicas: 2}
"""
    )
    with pytest.raises(AssertionError):
        test_it_publishes_the_proxy_alone(broken)
    with pytest.raises(AssertionError):
        test_it_publishes_on_loopback_only_by_default(broken)
    with pytest.raises(AssertionError):
        test_web_and_the_workers_scale(broken)
    with pytest.raises(AssertionError):
        test_there_is_exactly_one_beat(broken)
    assert environment(broken["services"]["web"])["SECRET_KEY"] == "insecure"


def test_interpolation_reads_as_compose_does():
    assert interpolate("${A:-127.0.0.1}:80:80", {}) == "127.0.0.1:80:80"
    assert interpolate("${A:-127.0.0.1}:80:80", {"A": "192.0.2.7"}) == "192.0.2.7:80:80"
    assert interpolate("${A:?set A}", {}) is None
    assert interpolate("${A:?set A}", {"A": ""}) is None
    assert interpolate("x${A:?set A}y", {"A": "s"}) == "xsy"
    assert interpolate("$$HOSTNAME", {}) == "$HOSTNAME"


def compose_config(folder: Path, environ: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker-compose", "config", "-q"],  # noqa: S607 - found on PATH, as scripts/test does
        cwd=folder,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin"} | environ,
        capture_output=True,
        text=True,
        check=False,
    )


def test_compose_refuses_to_start_without_the_secrets(tmp_path):
    # Not skipped when missing: `make test` installs it (scripts/ensure-services compose).
    assert shutil.which("docker-compose"), (
        "docker-compose is missing: scripts/ensure-services compose"
    )
    # Run where no .env can be read, with nothing of ours in the environment.
    (tmp_path / "docker-compose.yml").write_text((ROOT / "docker-compose.yml").read_text())
    placeholders = {"SECRET_KEY": "x", "POSTGRES_PASSWORD": "y", "EMAIL_URL": "smtp://z"}
    for missing in placeholders:
        given = {key: value for key, value in placeholders.items() if key != missing}
        result = compose_config(tmp_path, given)
        assert result.returncode != 0, f"compose starts without {missing}"
        assert f"set {missing}" in result.stderr
    result = compose_config(tmp_path, placeholders)
    assert result.returncode == 0, result.stderr
