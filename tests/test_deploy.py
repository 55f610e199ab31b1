"""The deployment recipes hold together (no Docker daemon or systemd is needed to read them): the container
copies every package the wheel is built from, and both recipes ask `zhiri health`."""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"


def wheel_packages() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return list(project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=("#", ";"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def test_the_container_copies_every_package_the_wheel_is_built_from():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, flags=re.MULTILINE))
    assert set(wheel_packages()) <= copied, set(wheel_packages()) - copied
    for package in wheel_packages():
        assert (REPO / package / "__init__.py").exists(), package
    assert re.search(r"^HEALTHCHECK .*CMD \[\"zhiri\", \"health\"\]$", dockerfile, flags=re.MULTILINE)
    assert 'CMD ["zhiri", "run"]' in dockerfile
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert not set(wheel_packages()) & set(ignored)


def test_the_systemd_unit_restarts_on_failure_and_the_timer_runs_the_health_check():
    service = unit("zhiri.service")["Service"]
    assert service["Type"] == "notify" and service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2" and int(service["WatchdogSec"]) > 0
    assert service["ExecStart"].endswith("zhiri run")
    health = unit("zhiri-health.service")
    assert health["Service"]["ExecStart"].endswith("zhiri health")
    assert health["Service"]["User"] == service["User"]
    assert health["Service"]["WorkingDirectory"] == service["WorkingDirectory"]
    # The database's folder is writable for both: SQLite's WAL files (see zhiri-health.service).
    assert health["Service"]["ReadWritePaths"] == service["ReadWritePaths"]
    timer = unit("zhiri-health.timer")["Timer"]
    assert timer["OnUnitActiveSec"] and timer["OnBootSec"]
