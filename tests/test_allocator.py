"""slvg_bench.allocator: large buffers stay in the heap (fewer page faults), and the opt-outs hold."""

import os
import subprocess
import sys

import pytest

from slvg_bench import allocator

# allocate and free a 64 MiB buffer 20 times; print the minor page faults it took
_PROBE = """
import resource, sys
from slvg_bench.allocator import keep_large_allocations_in_heap
done = keep_large_allocations_in_heap()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    b = bytearray(64 * 1024 * 1024)
    del b
print(int(done), resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _probe(**env_extra) -> tuple[int, int]:
    env = {k: v for k, v in os.environ.items() if k not in allocator._USER_TUNING + (allocator.OPT_OUT_VARIABLE,)}
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True).stdout
    done, faults = out.split()
    return int(done), int(faults)


glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or __import__("platform").libc_ver()[0] != "glibc",
                           reason="glibc only")


@glibc
def test_large_buffers_are_reused_instead_of_faulted_in_again():
    done, faults = _probe()
    opted_out, faults_default = _probe(SLVG_BENCH_MALLOC="system")
    assert (done, opted_out) == (1, 0)
    # by default every 64 MiB bytearray is a fresh mmap: 16384 pages each time
    assert faults_default > 10 * 16384
    assert faults < 3 * 16384, (faults, faults_default)


@glibc
def test_user_malloc_tuning_is_left_alone():
    assert _probe(MALLOC_MMAP_THRESHOLD_="131072")[0] == 0
    assert _probe(GLIBC_TUNABLES="glibc.malloc.trim_threshold=131072")[0] == 0


def test_main_tunes_the_allocator_before_running_a_command(monkeypatch):
    from slvg_bench import cli

    calls = []
    monkeypatch.setattr(allocator, "keep_large_allocations_in_heap", lambda: calls.append(1) or True)
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0 and calls == [1]
