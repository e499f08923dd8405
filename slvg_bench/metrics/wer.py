"""Word (gloss) error rate exactly as CorrNet/VAC score continuous sign-language recognition.

The official procedure (hulianyuyy/CorrNet ``evaluation/slr_eval``), as pure functions:

1. Hypothesis simplification (``preprocess.sh``, the RWTH-PHOENIX rules), applied to every
   CTM line, i.e. to **each hypothesis gloss on its own** (one gloss per CTM line): strip
   ``loc-/cl-/qu-/poss-/lh-``, ``S0NNE→SONNE``, ``HABEN2→HABEN``, delete
   ``__EMOTION__/__PU__/__LEFTHAND__``, ``…ZEIGEN→…ZEIGEN-BILDSCHIRM`` (gloss-final), drop
   ``RAUM`` after two capitals, remove ``-PLUSPLUS``, drop glosses containing
   ``__LEFTHAND__/__EPENTHESIS__/__EMOTION__``. The multi-word rules (``WIE AUSSEHEN``,
   finger-spelling joins, duplicate collapse) are in the table too but cannot match inside
   one gloss, so in the official pipeline they never fire; ``rule_scope="sentence"``
   applies the table to the space-joined sentence instead (the original RWTH usage).
   References are never modified.
2. A hypothesis left empty becomes ``[EMPTY]`` (one word).
3. Consecutive repeated hypothesis glosses are merged (``merge_same``).
4. Alignment by dynamic programming with sclite's weights — insertion 3, deletion 3,
   substitution 4 — with the official tie-breaking (substitution, then deletion, then
   insertion; a match always takes the diagonal).
5. Errors are counted **unweighted** (S + D + I of that alignment), summed over the corpus
   and divided by the total number of reference glosses. WER is reported in percent.

Normalisation differs per dataset only through :data:`CONVENTIONS` (data, here and nowhere
else): ``phoenix`` (the rules above), ``csl`` (the same pipeline — CorrNet runs
``preprocess.sh`` on CSL-Daily too; its ASCII-capital patterns change none of the 2000
CSL-Daily glosses), ``plain`` (no rewriting; used for synthsign).

Differences from ``jiwer`` (uniform 1/1/1 Levenshtein, no rewriting): the S/D/I split can
differ (``A B C`` vs ``A C D``: jiwer 2 S, here 1 D + 1 I), rare ties can change the total,
``[EMPTY]`` turns an empty output into 1 S + (N-1) D instead of N D, and repeated
hypothesis glosses are merged here. On a normalised sentence pair the counts equal jiwer's,
whatever either tie-breaking, when jiwer's distance is ``max(n, m) − LCS`` (docs/wer.md).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from itertools import groupby
from typing import Iterable, Mapping, Sequence

EMPTY = "[EMPTY]"
METRIC_ID = "wer"
VERSION = "1"  # bump on any change that can move a number
HIGHER_IS_BETTER = False


@dataclass(frozen=True)
class Rule:
    """One ``sed``/``perl`` substitution of ``preprocess.sh`` as a Python regex (ASCII classes)."""

    pattern: str
    replacement: str
    note: str = ""

    def apply(self, text: str) -> str:
        return re.sub(self.pattern, self.replacement, text, flags=re.ASCII)


# preprocess.sh, in its order (sed BRE \( \) -> ( ); perl's duplicate rule needs 4 passes)
_DEDUP = Rule(r"(?<![\w-])(\b[A-Z]+(?![\w-])) \1(?![\w-])", r"\1", "collapse an immediately repeated all-caps word")
PHOENIX_RULES: tuple[Rule, ...] = (
    Rule("loc-", "", "strip prefix"), Rule("cl-", "", "strip prefix"), Rule("qu-", "", "strip prefix"),
    Rule("poss-", "", "strip prefix"), Rule("lh-", "", "strip prefix"),
    Rule("S0NNE", "SONNE"), Rule("HABEN2", "HABEN"),
    Rule("__EMOTION__", ""), Rule("__PU__", ""), Rule("__LEFTHAND__", ""),
    Rule("WIE AUSSEHEN", "WIE-AUSSEHEN", "multi-word"),
    Rule("ZEIGEN ", "ZEIGEN-BILDSCHIRM ", "multi-word"),
    Rule("ZEIGEN$", "ZEIGEN-BILDSCHIRM", "line-final, so gloss-final in a CTM line"),
    Rule(r"^([A-Z]) ([A-Z][+ ])", r"\1+\2", "finger-spelling join (multi-word)"),
    Rule(r"[ +]([A-Z]) ([A-Z]) ", r" \1+\2 ", "finger-spelling join (multi-word)"),
    Rule(r"([ +][A-Z]) ([A-Z][ +])", r"\1+\2", "finger-spelling join (multi-word)"),
    Rule(r"([ +][A-Z]) ([A-Z][ +])", r"\1+\2", "finger-spelling join (multi-word)"),
    Rule(r"([ +][A-Z]) ([A-Z][ +])", r"\1+\2", "finger-spelling join (multi-word)"),
    Rule(r"([ +]SCH) ([A-Z][ +])", r"\1+\2", "finger-spelling join (multi-word)"),
    Rule(r"([ +]NN) ([A-Z][ +])", r"\1+\2", "finger-spelling join (multi-word)"),
    Rule(r"([ +][A-Z]) (NN[ +])", r"\1+\2", "finger-spelling join (multi-word)"),
    Rule(r"([ +][A-Z]) ([A-Z])$", r"\1+\2", "finger-spelling join (multi-word)"),
    Rule(r"([A-Z][A-Z])RAUM", r"\1", "drop the RAUM suffix"),
    Rule("-PLUSPLUS", ""),
    _DEDUP, _DEDUP, _DEDUP, _DEDUP,
)
PHOENIX_DROP = ("__LEFTHAND__", "__EPENTHESIS__", "__EMOTION__")  # grep -v: the gloss is dropped


@dataclass(frozen=True)
class Convention:
    """How hypotheses are normalised and scored for one dataset family."""

    name: str
    rules: tuple[Rule, ...] = ()
    drop_containing: tuple[str, ...] = ()
    rule_scope: str = "gloss"  # "gloss": each gloss alone (official CTM pipeline); "sentence": joined
    empty_token: str | None = EMPTY
    merge_repeats: bool = True
    ins_cost: int = 3
    del_cost: int = 3
    sub_cost: int = 4
    description: str = ""


CONVENTIONS: dict[str, Convention] = {
    "phoenix": Convention("phoenix", PHOENIX_RULES, PHOENIX_DROP,
                          description="CorrNet/VAC official: PHOENIX rules per gloss, [EMPTY], merge, 3/3/4"),
    "csl": Convention("csl", PHOENIX_RULES, PHOENIX_DROP,
                      description="CorrNet official for CSL-Daily (same pipeline; the rules never match its glosses)"),
    "plain": Convention("plain", description="no gloss rewriting; [EMPTY], merge, 3/3/4 (synthsign)"),
}
# the convention each dataset's WER uses
DATASET_CONVENTION = {"phoenix": "phoenix", "phoenix2014t": "phoenix", "phoenix2014": "phoenix",
                      "csl": "csl", "csl-daily": "csl", "csl_daily": "csl", "synthsign": "plain"}


def get_convention(name: str | Convention) -> Convention:
    if isinstance(name, Convention):
        return name
    key = DATASET_CONVENTION.get(name, name)
    if key not in CONVENTIONS:
        from slvg_bench.errors import UsageError

        raise UsageError(f"unknown WER convention {name!r}; expected one of {', '.join(CONVENTIONS)}")
    return CONVENTIONS[key]


# ---------------------------------------------------------------------------------------------
# normalisation


def apply_rules(text: str, rules: Sequence[Rule]) -> str:
    for rule in rules:
        text = rule.apply(text)
    return text


def normalize_hypothesis(glosses: Sequence[str], convention: str | Convention = "plain") -> list[str]:
    """Steps 1–3: rewrite, drop, ``[EMPTY]`` when nothing is left, merge repeats."""
    conv = get_convention(convention)
    if conv.rule_scope == "gloss":
        out = [apply_rules(g, conv.rules) for g in glosses]
        out = [g for g in out if not any(m in g for m in conv.drop_containing)]
        out = [t for g in out for t in g.split()]
    elif conv.rule_scope == "sentence":
        out = apply_rules(" ".join(glosses), conv.rules).split()
        out = [g for g in out if not any(m in g for m in conv.drop_containing)]
    else:
        raise ValueError(f"rule_scope must be 'gloss' or 'sentence', got {conv.rule_scope!r}")
    if not out and conv.empty_token:
        out = [conv.empty_token]
    if conv.merge_repeats:
        out = [k for k, _ in groupby(out)]
    return out


# ---------------------------------------------------------------------------------------------
# alignment and counting


@dataclass
class ErrorCounts:
    """Unweighted error counts of one or many aligned sentences."""

    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    n_ref: int = 0
    n_sentences: int = 0
    alignment: list = field(default_factory=list, repr=False)  # per sentence: list of (op, ref, hyp)

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float:
        """Corpus WER in percent (NaN when there are no reference glosses)."""
        return 100.0 * self.errors / self.n_ref if self.n_ref else float("nan")

    def __iadd__(self, other: "ErrorCounts") -> "ErrorCounts":
        self.substitutions += other.substitutions
        self.deletions += other.deletions
        self.insertions += other.insertions
        self.n_ref += other.n_ref
        self.n_sentences += other.n_sentences
        self.alignment += other.alignment
        return self

    def to_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k != "alignment"}
        d.update(errors=self.errors, wer=self.wer)
        return d


def align(ref: Sequence[str], hyp: Sequence[str], ins_cost: int = 3, del_cost: int = 3,
          sub_cost: int = 4) -> list[tuple[str, str | None, str | None]]:
    """Minimum-cost alignment with the official DP and tie-breaking.

    Returns ``(op, ref_gloss, hyp_gloss)`` in order, op ∈ C (correct), S, D (ref gloss
    missing from hyp), I (extra hyp gloss).
    """
    n, m = len(ref), len(hyp)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    back = [[""] * (m + 1) for _ in range(n + 1)]
    for j in range(1, m + 1):
        cost[0][j], back[0][j] = j * ins_cost, "I"
    for i in range(1, n + 1):
        cost[i][0], back[i][0] = i * del_cost, "D"
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if ref[i - 1] == hyp[j - 1]:  # the official DP takes the diagonal on a match
                cost[i][j], back[i][j] = cost[i - 1][j - 1], "C"
                continue
            options = (cost[i - 1][j - 1] + sub_cost, cost[i - 1][j] + del_cost, cost[i][j - 1] + ins_cost)
            best = min(options)
            cost[i][j], back[i][j] = best, "SDI"[options.index(best)]  # ties: S, then D, then I
    path = []
    i, j = n, m
    while i > 0 or j > 0:
        op = back[i][j]
        if op in ("C", "S"):
            path.append((op, ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif op == "D":
            path.append((op, ref[i - 1], None))
            i -= 1
        else:
            path.append((op, None, hyp[j - 1]))
            j -= 1
    return path[::-1]


def count_sentence(ref: Sequence[str], hyp: Sequence[str], convention: str | Convention = "plain",
                   keep_alignment: bool = False) -> ErrorCounts:
    """Errors of one sentence: ``hyp`` is normalised (steps 1–3), ``ref`` used as given."""
    conv = get_convention(convention)
    ref = [g for g in ref if g]
    path = align(ref, normalize_hypothesis(hyp, conv), conv.ins_cost, conv.del_cost, conv.sub_cost)
    ops = [p[0] for p in path]
    return ErrorCounts(ops.count("S"), ops.count("D"), ops.count("I"), len(ref), 1,
                       [path] if keep_alignment else [])


def score_corpus(refs: Mapping[str, Sequence[str]], hyps: Mapping[str, Sequence[str]],
                 convention: str | Convention = "plain", keep_alignment: bool = False) -> ErrorCounts:
    """Corpus WER over the reference ids (a missing hypothesis counts as empty -> ``[EMPTY]``).

    Hypotheses for ids without a reference are ignored, as in the official scorer.
    """
    total = ErrorCounts()
    for key, ref in refs.items():
        total += count_sentence(ref, hyps.get(key, ()), convention, keep_alignment)
    return total


def corpus_wer(refs: Iterable[Sequence[str]], hyps: Iterable[Sequence[str]],
               convention: str | Convention = "plain") -> float:
    """WER in percent of parallel lists of gloss sequences (the function the metric adapter calls)."""
    refs, hyps = list(refs), list(hyps)
    if len(refs) != len(hyps):
        raise ValueError(f"{len(refs)} references but {len(hyps)} hypotheses")
    return score_corpus(dict(enumerate(map(list, refs))), dict(enumerate(map(list, hyps))), convention).wer
