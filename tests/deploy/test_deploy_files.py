"""The files of deploy/ stay true to the code: the settings example names every setting and loads into a
deployment that several app processes can share, nginx accepts the site and lets uploads as large as the
settings allow, and systemd accepts the units, whose commands exist."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clipshop.cli import app
from clipshop.cli.processes import shared_state_problems
from clipshop.config import DEFAULT_COUNTRIES, Settings, WriteRates
from stack import DEPLOY, NGINX_SITE, SETTINGS_EXAMPLE, nginx_command, nginx_reason

UNITS = DEPLOY / "systemd"


def named_settings(example: str) -> set[str]:
    """Every top-level key the example sets or shows commented out, and each table it opens."""
    names = set()
    table = None
    for line in example.splitlines():
        if opened := re.match(r"\[(\w+)", line):
            table = opened.group(1)
            names.add(table)
        elif (key := re.match(r"#? ?(\w+) = ", line)) and table is None:
            names.add(key.group(1))
        elif (key := re.match(r"# (\w+): in secrets\.env", line)) and table is None:
            names.add(key.group(1))  # a secret: "# secret_key: in secrets.env"
    return names


def table_keys(example: str, table: str) -> set[str]:
    section = example.split(f"[{table}]", 1)[1].split("\n[", 1)[0]
    return set(re.findall(r"^#? ?(\w+) = ", section, re.MULTILINE))


def example_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in [n for n in os.environ if n.startswith("CLIPSHOP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CLIPSHOP_CONFIG", str(SETTINGS_EXAMPLE))
    monkeypatch.setenv("CLIPSHOP_SECRET_KEY", "a secret of this deployment")
    return Settings()


def test_the_settings_example_names_every_setting_and_no_other() -> None:
    example = SETTINGS_EXAMPLE.read_text()
    assert named_settings(example) == set(Settings.model_fields)
    assert table_keys(example, "write_rates") == set(WriteRates.model_fields)


def test_the_settings_example_is_a_postgresql_and_redis_deployment_for_several_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = example_settings(monkeypatch)
    defaults = Settings.model_construct()
    assert (settings.env, settings.jobs_backend, settings.media_accel_prefix) == ("prod", "redis", "/_media")
    assert shared_state_problems(settings) == []
    urls = [settings.directory_database_url(), settings.sandbox_database_url()]
    urls += [settings.region_database_url(name) for name in settings.regions]
    assert all(url.startswith("postgresql+psycopg://") for url in urls) and len(set(urls)) == 7
    # What it restates is the default, so the example changes nothing it does not mean to.
    assert {name: region.countries for name, region in settings.regions.items()} == DEFAULT_COUNTRIES
    assert settings.tax_rates_bp == Settings.model_fields["tax_rates_bp"].get_default(
        call_default_factory=True
    )
    assert settings.recs_values == Settings.model_fields["recs_values"].get_default(call_default_factory=True)
    assert (settings.max_upload_bytes, settings.write_rates) == (defaults.max_upload_bytes, WriteRates())


def body_limit(site: str, location: str) -> int:
    block = site.split(f"location {location} {{", 1)[1].split("}", 1)[0]
    size, unit = re.search(r"client_max_body_size (\d+)([kmg]);", block).groups()  # type: ignore[union-attr]
    return int(size) * 1024 ** {"k": 1, "m": 2, "g": 3}[unit]


def test_nginx_takes_uploads_as_large_as_the_settings_allow(monkeypatch: pytest.MonkeyPatch) -> None:
    site = NGINX_SITE.read_text()
    assert body_limit(site, "/api/v1/uploads") == example_settings(monkeypatch).max_upload_bytes
    assert "proxy_request_buffering off;" in site.split("location /api/v1/uploads {", 1)[1].split("}", 1)[0]


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    if reason := nginx_reason():
        pytest.skip(reason)
    command = nginx_command(tmp_path, port=8080, app_ports=[8001, 8002], media_root=tmp_path / "media")
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    site = (tmp_path / "clipshop.conf").read_text()
    assert "    listen 127.0.0.1:8080;\n" in site and "listen [::]:80;" not in site
    upstream = site.split("upstream clipshop_app {", 1)[1].split("}", 1)[0]
    assert re.findall(r"server (\S+) max_fails=3 fail_timeout=10s;", upstream) == [
        "127.0.0.1:8001",
        "127.0.0.1:8002",
    ]
    assert f"alias {tmp_path / 'media'}/;" in site


def exec_start(unit: Path) -> list[str]:
    [line] = [line for line in unit.read_text().splitlines() if line.startswith("ExecStart=")]
    return shlex.split(line.removeprefix("ExecStart="))


@pytest.mark.parametrize("unit", ["clipshop-app.service", "clipshop-worker@.service"])
def test_the_units_commands_and_options_exist(unit: str) -> None:
    program, *args = exec_start(UNITS / unit)
    assert program == "/opt/clipshop/venv/bin/clipshop"
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package)")
    clipshop = Path(sys.executable).with_name("clipshop")  # the venv's, for the executable check
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/opt/clipshop/venv/bin/clipshop", str(clipshop))
        (tmp_path / unit.name).write_text(text)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["clipshop-app.service", "clipshop-worker@.service", "clipshop.target"]
    checked = subprocess.run(
        [analyze, "verify", "--man=no", *(f"./{name}" for name in names), "./clipshop-worker@1.service"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (checked.returncode, checked.stderr) == (0, "")
