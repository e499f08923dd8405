"""``slvg-bench score-wer``: score any recognizer's output with the official CorrNet WER procedure."""

from __future__ import annotations

import click


@click.command("score-wer")
@click.option("--ref", "ref_path", required=True, type=click.Path(), help="References: 'id|glosses' lines or an STM file.")
@click.option("--hyp", "hyp_path", required=True, type=click.Path(), help="Hypotheses: 'id|glosses' lines or a CTM file.")
@click.option("--convention", type=click.Choice(["phoenix", "csl", "plain"]), default="plain", show_default=True,
              help="Hypothesis normalisation: PHOENIX rules (phoenix, csl) or none (plain, synthsign).")
@click.option("--ref-format", type=click.Choice(["bar", "stm", "ctm"]), default=None,
              help="Format of --ref (default: from the suffix, .stm/.ctm, else 'id|glosses').")
@click.option("--hyp-format", type=click.Choice(["bar", "stm", "ctm"]), default=None, help="Format of --hyp.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON on stdout.")
@click.option("--alignment", is_flag=True, help="Also print each sentence's alignment (C/S/D/I).")
def score_wer(ref_path: str, hyp_path: str, convention: str, ref_format: str | None, hyp_format: str | None,
              as_json: bool, alignment: bool) -> None:
    """Corpus WER of HYP against REF: PHOENIX hypothesis rules (per convention), [EMPTY] for
    empty outputs, merged repeats, sclite-weighted alignment (ins 3, del 3, sub 4), unweighted
    S+D+I summed over the corpus. Ids missing from HYP count as empty hypotheses."""
    import json

    from slvg_bench.errors import UsageError
    from slvg_bench.metrics.wer import score_corpus
    from slvg_bench.recognition.transcripts import read_transcripts

    from slvg_bench.outputs import check_text_file

    check_text_file(ref_path, "--ref")
    check_text_file(hyp_path, "--hyp")
    refs = read_transcripts(ref_path, ref_format)
    hyps = read_transcripts(hyp_path, hyp_format)
    if not refs:
        raise UsageError(f"reference file {ref_path!r} holds no sentences")
    missing = [k for k in refs if k not in hyps]
    extra = [k for k in hyps if k not in refs]
    counts = score_corpus(refs, hyps, convention, keep_alignment=alignment)
    if missing:
        click.echo(f"note: {len(missing)} reference ids have no hypothesis and were scored as [EMPTY]"
                   f" (e.g. {missing[0]!r})", err=True)
    if extra:
        click.echo(f"note: {len(extra)} hypothesis ids have no reference and were ignored (e.g. {extra[0]!r})",
                   err=True)
    if alignment:
        for key, path in zip(refs, counts.alignment):
            ops = " ".join(op if op != "C" else "." for op, _, _ in path)
            pairs = " ".join(f"{r or '*'}/{h or '*'}" for _, r, h in path)
            click.echo(f"{key}: {ops}  {pairs}", err=True)
    if as_json:
        click.echo(json.dumps({"convention": convention, **counts.to_dict()}, indent=2))
    else:
        click.echo(f"WER {counts.wer:.2f}%  (S {counts.substitutions}, D {counts.deletions}, I {counts.insertions}; "
                   f"{counts.n_ref} reference glosses in {counts.n_sentences} sentences; convention {convention})")
