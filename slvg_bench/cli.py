"""The ``slvg-bench`` command line.

Subcommands live in ``slvg_bench/commands/<name>.py`` and are imported only
when invoked (their modules import torch inside the functions), so ``--help``
is fast. Every :class:`~slvg_bench.errors.SlvgError` ends in one red line on
stderr and a non-zero exit code: 1 for a failed run, 2 for a usage error.
"""

from __future__ import annotations

import sys

import click

from slvg_bench import __version__
from slvg_bench.errors import SlvgError

# name -> "module:attr" of a click command. Keep sorted by name.
COMMANDS: dict[str, str] = {
    "check": "slvg_bench.commands.check:check",
    "compare": "slvg_bench.commands.compare:compare",
    "datasets": "slvg_bench.commands.datasets:datasets",
    "evaluate": "slvg_bench.commands.evaluate:evaluate",
    "fvd": "slvg_bench.commands.fvd:fvd",
    "leaderboard": "slvg_bench.commands.leaderboard:leaderboard",
    "pose": "slvg_bench.commands.pose:pose",
    "recognizer": "slvg_bench.commands.recognizer:recognizer",
    "reconstruct": "slvg_bench.commands.reconstruct:reconstruct",
    "run": "slvg_bench.commands.run:run",
    "score-wer": "slvg_bench.commands.score_wer:score_wer",
    "synth": "slvg_bench.commands.synth:synth",
    "train": "slvg_bench.commands.train:train",
    "video": "slvg_bench.commands.video:video",
    "weights": "slvg_bench.commands.weights:weights",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_commands:
            from slvg_bench.registry import import_object

            return import_object(self.lazy_commands[name])
        return super().get_command(ctx, name)

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name is not None and name not in self.list_commands(ctx) and not name.startswith("-"):
            import difflib

            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            ctx.fail(f"unknown command {name!r}.{hint} Commands: {', '.join(self.list_commands(ctx))}")
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="slvg-bench")
def cli() -> None:
    """Benchmark toolkit for sign-language video generation (SLVG).

    Evaluate MRAA, TPSMM, DynaST and PGMM on LSA64, WLASL-2000, PHOENIX-2014T,
    CSL-Daily and the built-in synthetic dataset synthsign with L1, SSIM,
    LPIPS, FVD, TCD and WER.
    """


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI, turning SlvgError into one line + exit code."""
    from slvg_bench.allocator import keep_large_allocations_in_heap
    from slvg_bench.console import err_console

    keep_large_allocations_in_heap()  # before torch allocates anything (see the module)

    import warnings

    from rich.markup import escape

    # torch warns (two lines) before refusing a foreign pickle; the error line that follows says it all
    warnings.filterwarnings("ignore", message="Detected pickle protocol", category=UserWarning)

    def fail(message: str, code: int) -> None:
        message = " ".join(str(message).split())  # always one line
        err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
        sys.exit(code)

    try:
        cli.main(args=argv, prog_name="slvg-bench", standalone_mode=False)
    except SlvgError as e:
        from slvg_bench.safe_load import clean_message

        fail(clean_message(str(e), e.__cause__), e.exit_code)
    except click.exceptions.Abort as e:
        # click turns Ctrl-C (KeyboardInterrupt) and a closed stdin (EOFError) into Abort
        if isinstance(e.__context__, KeyboardInterrupt) or isinstance(e.__cause__, KeyboardInterrupt):
            fail("interrupted (Ctrl-C); finished work is saved: rerun the same command to resume", 130)
        fail("aborted: an input ended early (EOFError: a file that is empty or truncated, or a closed stdin)", 1)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        fail("interrupted (Ctrl-C); finished work is saved: rerun the same command to resume", 130)
    except OSError as e:  # a read-only or full disk, a file where a folder belongs, ...: one line, no traceback
        from slvg_bench.errors import os_error_message

        fail(os_error_message(e), 1)
    except UnicodeDecodeError as e:
        fail(f"a file is not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8", 1)
    sys.exit(0)
