"""The systemd units in deploy/systemd parse and point at real things: `systemd-analyze
verify` on each (paths moved to this checkout), and every command they run exists here."""

import re
import shutil
import subprocess

import pytest

from app.settings import ROOT

UNITS = ROOT / "deploy" / "systemd"


def test_every_unit_verifies(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not on this machine")
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/srv/next-steps", str(ROOT))
        text = text.replace(
            "/etc/next-steps/next-steps.env", str(ROOT / "deploy" / "next-steps.env")
        )
        name = unit.name.replace("@.service", "@1.service")
        (tmp_path / name).write_text(text)
    names = sorted(path.name for path in tmp_path.iterdir() if path.suffix != ".target")
    checked = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names], cwd=tmp_path, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    problems = [line for line in checked.stderr.splitlines() if "next-steps" in line]
    assert checked.returncode == 0 and problems == [], checked.stderr


def test_the_commands_the_units_run_are_this_projects():
    commands = " ".join(
        line.split("=", 1)[1]
        for unit in UNITS.iterdir()
        for line in unit.read_text().splitlines()
        if line.startswith(("ExecStart=", "ExecStartPre="))
    )
    for module in re.findall(r"-m (app[\w.]*)", commands):
        assert (ROOT / (module.replace(".", "/") + ".py")).exists(), module
    assert "deploy/gunicorn.conf.py" in commands and (ROOT / "deploy/gunicorn.conf.py").exists()
    assert "/srv/next-steps/deploy/backup" in commands and (ROOT / "deploy/backup").exists()
    target = (UNITS / "next-steps.target").read_text()
    for wanted in re.findall(r"(next-steps-[\w@]+)\.service", target):
        template = re.sub(r"@\w+", "@", wanted)
        assert (UNITS / f"{template}.service").exists(), wanted
