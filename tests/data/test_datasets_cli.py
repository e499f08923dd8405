import json

import pytest
from click.testing import CliRunner

from slvg_bench import cli as cli_module
from tests.data.fakes import phoenix_tree, small_synthsign

pytestmark = pytest.mark.filterwarnings("ignore::slvg_bench.data.adapters.base.DatasetCountWarning")


def run(*args):
    return CliRunner().invoke(cli_module.cli, list(args), catch_exceptions=False)


def test_list_shows_all_five_with_splits(tmp_path):
    r = run("datasets", "list", "--json")
    assert r.exit_code == 0
    rows = {x["id"]: x for x in json.loads(r.output)}
    assert set(rows) == {"lsa64", "wlasl", "phoenix", "csl", "synthsign"}
    assert rows["lsa64"]["splits"] == {"train": 2800, "test": 400}
    assert rows["wlasl"]["splits"] == {"train": 14289, "val": 3916, "test": 2878}
    assert rows["phoenix"]["splits"] == {"train": 7096, "dev": 519, "test": 642}
    assert rows["csl"]["splits"] == {"train": 18401, "dev": 1077, "test": 1176}
    assert rows["synthsign"]["eval_splits"] == ["dev", "test"] and rows["synthsign"]["root"] is None
    table = run("datasets", "list").output
    for name in rows:
        assert name in table
    # a generated synthsign shows its own counts
    small_synthsign(tmp_path / "synthsign")
    rows = {x["id"]: x for x in json.loads(run("datasets", "list", "--json", "--data-root", str(tmp_path)).output)}
    assert rows["synthsign"]["splits"] == {"train": 3, "dev": 2, "test": 3}


def test_verify_prints_expected_vs_found(tmp_path):
    rows = {"dev": [("a", "Signer01", "A", "a"), ("b", "Signer02", "B", "b")]}
    phoenix_tree(tmp_path, rows, n_frames=1, skip_frames=("b",))
    r = CliRunner().invoke(cli_module.cli, ["datasets", "verify", "phoenix", "--data-root", str(tmp_path),
                                            "--missing-out", str(tmp_path / "missing.txt")])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "expected" in r.output and "found" in r.output and "519" in r.output and "7,096" in r.output
    assert "missing dev/b" in r.output
    assert (tmp_path / "missing.txt").read_text() == "b\n"
    js = json.loads(run("datasets", "verify", "phoenix", "--data-root", str(tmp_path), "--json").output)
    dev = next(s for s in js["splits"] if s["split"] == "dev")
    assert (dev["expected"], dev["annotated"], dev["found"], dev["missing"]) == (519, 2, 1, 1)


def test_prepare_and_pairs(tmp_path):
    small_synthsign(tmp_path / "synthsign")
    r = run("datasets", "prepare", "synthsign", "--data-root", str(tmp_path), "--resolution", "16", "--workers", "1")
    assert r.exit_code == 0
    folder = r.output.strip().splitlines()[-1]
    assert "/cache/synthsign/r16-" in folder
    r2 = run("datasets", "prepare", "synthsign", "--data-root", str(tmp_path), "--resolution", "16",
             "--set", "margin=0.3", "--workers", "1")  # fmt: skip
    assert r2.output.strip().splitlines()[-1] != folder
    r3 = run("datasets", "pairs", "synthsign", "--data-root", str(tmp_path), "--out", str(tmp_path / "p.csv"))
    assert r3.output.strip().splitlines()[-1] == str(tmp_path / "p.csv")
    assert (tmp_path / "p.csv").read_text().count("\n") == 1 + 3


def test_errors_are_one_line(capsys, tmp_path):
    with pytest.raises(SystemExit) as e:
        cli_module.main(["datasets", "verify", "csl", "--data-root", str(tmp_path)])
    assert e.value.code == 1
    err = capsys.readouterr().err
    assert "CSL-Daily not found under" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as e:
        cli_module.main(["datasets", "prepare", "lsa46"])
    assert e.value.code == 2 and "Did you mean 'lsa64'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli_module.main(["datasets", "prepare", "synthsign", "--set", "overflow=wrap"])
    assert e.value.code == 2 and "overflow" in capsys.readouterr().err
