"""The Docker files, checked offline: hadolint, compose validation, and how the image installs."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from service.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
DOCKERFILE = DOCKER / "Dockerfile"


def test_hadolint_finds_nothing():
    hadolint = Path(sys.executable).parent / "hadolint"
    done = subprocess.run(
        [str(hadolint), str(DOCKERFILE)], check=False, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_files_are_valid():
    compose = shutil.which("docker-compose")
    if compose is None:
        pytest.skip("COMPOSE NOT VALIDATED: no docker-compose (make test installs it)")
    for profile in ([], ["--profile", "cpu"], ["--profile", "ray"]):
        done = subprocess.run(
            [compose, "-f", "compose.yml", *profile, "config", "-q"],
            check=False,
            cwd=ROOT / "docker",
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr


def test_both_images_install_the_project_as_make_does():
    text = DOCKERFILE.read_text()
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    wanted = [p.rstrip("*") for p in packages["packages"]["find"]["include"]]
    for target in ("cpu-build", "gpu-build"):
        stage = text.split(f"AS {target}")[1].split("\nFROM ")[0]
        assert "pip install --no-cache-dir torch==2.13.0" in stage  # the Makefile's pin
        assert 'pip install --no-cache-dir ".[ray]"' in stage  # the project, Ray clusters too
        for package in wanted:
            assert f"COPY {package} {package}" in stage, package
    for target in ("cpu", "gpu"):
        stage = text.split(f"AS {target}\n")[1].split("\nFROM ")[0]
        assert "COPY checkpoints" in stage
        assert "USER 10001" in stage
        assert "/readyz" in stage


def test_qsdiff_services_restart_and_have_time_to_drain():
    services = yaml.safe_load((DOCKER / "compose.yml").read_text())["services"]
    for name in ("api", "worker-gpu", "worker-cpu", "ray-pool"):
        assert services[name]["restart"] == "unless-stopped", name
        grace = int(services[name]["stop_grace_period"].rstrip("s"))
        assert grace > Settings().drain_grace_seconds, name  # the drain ends before SIGKILL
