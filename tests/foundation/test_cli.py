import subprocess
import sys

import numpy as np
import pytest

from slvg_bench import cli as cli_module
from slvg_bench.video import write_mp4


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "slvg_bench", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_help_lists_every_command_and_imports_no_torch():
    code = (
        "import sys; from slvg_bench.cli import cli; from click.testing import CliRunner;"
        "r = CliRunner().invoke(cli, ['--help']); print(r.output);"
        "print('TORCH' if 'torch' in sys.modules else 'NOTORCH')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    for name in cli_module.COMMANDS:
        assert name in out
    assert "NOTORCH" in out


@pytest.mark.parametrize("name", sorted(cli_module.COMMANDS))
def test_every_command_has_help(name):
    from click.testing import CliRunner

    r = CliRunner().invoke(cli_module.cli, [name, "--help"])
    assert r.exit_code == 0, r.output
    assert len(r.output.strip().splitlines()) > 2


def test_unknown_command_suggests():
    r = run_cli("vidoe")
    assert r.returncode == 2
    assert "Did you mean 'video'" in r.stderr


def test_video_info_and_missing_file_error(tmp_path):
    write_mp4(tmp_path / "a.mp4", np.zeros((3, 16, 16, 3), np.uint8), lossless=True)
    r = run_cli("video", "info", str(tmp_path / "a.mp4"))
    assert r.returncode == 0 and "3" in r.stdout
    r = run_cli("video", "info", str(tmp_path / "nope.mp4"))
    assert r.returncode == 1
    assert "nope.mp4" in r.stderr and "does not exist" in r.stderr
    assert "Traceback" not in r.stderr
