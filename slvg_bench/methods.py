"""The Animator interface every method implements, and the registry of method adapters.

An Animator turns one source image and a driving video into a generated video:

    animate(source: 3×H×W, driving: T×3×H×W, driving_keypoints: T×133×3 | None) -> T×3×H×W

all float32 in [0, 1] (keypoints in pixels + confidence). Adapters live next to
their models (``baselines/<m>/animator.py``, ``pgmm/animator.py``) and are
registered here by lazy import path, so the harness never imports model
internals and ``slvg-bench --help`` imports no torch.

A :class:`MethodSpec` says how to load the method for inference
(``load(checkpoint, device)``) and, for trainable methods, how to build it for
the shared trainer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol, runtime_checkable

from slvg_bench.registry import Registry


@runtime_checkable
class Animator(Protocol):
    """Generates frames; implementations run in eval mode under ``torch.no_grad()``."""

    method_id: str

    def animate(self, source, driving, driving_keypoints=None):
        """source ``3×H×W``, driving ``T×3×H×W`` (float in [0,1]); returns ``T×3×H×W`` in [0,1]."""
        ...


@runtime_checkable
class IntermediatesAnimator(Protocol):
    """An Animator that can also show what happens inside it (the PGMM paper's Fig. 7).

    ``intermediates(source, driving, driving_keypoints=None)`` returns ``(frames, maps)``:
    ``frames`` exactly as :meth:`Animator.animate` would return them, and ``maps`` a dict
    ``name -> [T×1×h_s×w_s tensor per scale, coarse to fine]`` (a single-scale map is a
    one-element list; each tensor at the scale's native resolution, float32, CPU). Names
    the pictures know (:mod:`slvg_bench.intermediate_maps`):

    - ``flow_magnitude``: length of the backward flow's displacement, in pixels of the
      output frame (≥ 0);
    - ``occlusion``: in [0, 1], 1 = occluded (the warped source features are suppressed);
    - ``pfm_difference``: mean over RGB of ``|output − output without pose fusion|`` in [0, 1].

    The method's :class:`MethodSpec` lists the names it returns in ``intermediates``.
    """

    method_id: str

    def intermediates(self, source, driving, driving_keypoints=None): ...


@dataclass(frozen=True)
class MethodSpec:
    """Declared facts about a method and the callables that load or build it.

    Attributes:
        id: registry id (lowercase).
        summary: one line for ``--help`` and leaderboards.
        load: ``load(checkpoint: str | None, device: str) -> Animator``.
        needs_checkpoint: False for parameter-free sanity methods.
        sanity: True for the bracketing methods (``static`` floor, ``oracle`` ceiling): they
            appear on every leaderboard but never take the "best" mark.
        uses_keypoints: True when ``animate`` needs ``driving_keypoints``.
        trainable: True when ``build`` returns a model for the shared trainer.
        build: ``build(config) -> torch.nn.Module`` whose ``forward(batch)`` returns
            ``(generated, {loss_name: scalar})``; None for untrainable methods.
        config_cls: ``"module:Class"`` of the method's config dataclass (it nests a
            :class:`~slvg_bench.train_config.TrainConfig` as field ``train``).
        intermediates: names of the maps its animator's ``intermediates()`` returns
            (:class:`IntermediatesAnimator`); empty when it has none.
        config_dir: folder of YAML configs: ``<dataset>.yaml`` and ``<dataset>-<preset>.yaml``
            (e.g. ``synthsign-quick.yaml``). Resolution order for training: dataclass defaults
            <- ``<dataset>.yaml`` <- ``<dataset>-<preset>.yaml`` <- ``--config FILE`` <- ``--set k=v``.
    """

    id: str
    summary: str
    load: Callable
    needs_checkpoint: bool = True
    sanity: bool = False
    uses_keypoints: bool = False
    trainable: bool = False
    build: Optional[Callable] = None
    config_cls: Optional[str] = None
    config_dir: Optional[str] = None
    intermediates: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


# id -> "module:attr" of a MethodSpec
METHODS: Registry[MethodSpec] = Registry(
    "method",
    {
        "dynast": "baselines.dynast.animator:SPEC",
        "mraa": "baselines.mraa.animator:SPEC",
        "oracle": "slvg_bench.sanity_methods:ORACLE",
        "pgmm": "pgmm.animator:SPEC",
        "static": "slvg_bench.sanity_methods:STATIC",
        "tpsmm": "baselines.tpsmm.animator:SPEC",
    },
)


def get_method(name: str) -> MethodSpec:
    """The spec of a registered method (unknown names list the valid ones)."""
    return METHODS.get(name)


def methods_with_intermediates() -> list[str]:
    """Ids of the registered methods whose animators return Fig. 7 intermediates."""
    return [name for name in METHODS.names() if METHODS.get(name).intermediates]


class TrainableModel(Protocol):
    """What a trainable method's ``build(config)`` returns (a ``torch.nn.Module``).

    The shared trainer (:mod:`slvg_bench.training`) knows nothing else about a model:

    - ``forward(batch) -> (generated, losses)``: ``batch`` is the pair batch of
      :mod:`slvg_bench.data` (keys ``source``, ``driving``: ``B×3×H×W`` float in
      [0,1]; ``source_kp``, ``driving_kp``: ``B×133×3`` when the dataset has
      keypoints; ``id``: list of video ids). ``generated`` is ``B×3×H×W`` in [0,1];
      ``losses`` maps names to already-weighted scalar tensors whose sum is minimised.
    - optional ``set_epoch(epoch)``: called at the start of every epoch (schedules
      such as TPSMM's dropout or background-predictor start).
    - optional ``param_groups(train_config)``: list of optimizer parameter groups
      (default: all parameters that require grad, one group).
    """

    def forward(self, batch: dict): ...
