"""Named weight files: where they come from, their checksums, and the local cache.

Every pretrained file the toolkit uses is declared once in
:mod:`slvg_bench.weights_catalog` as a :class:`WeightSpec` (id ``arch.tag``,
file name, URLs or manual instructions, checksum, licence, origin, users).
Files live in ``$SLVG_BENCH_HOME/weights/`` except torchvision files, which go
where ``torch.hub`` looks (``$TORCH_HOME/hub/checkpoints``) so torchvision and
the ``lpips`` package find them too.

Checksums are always verified: a full sha256, or the sha256 prefix that
upstream publishes in the file name (torchvision, OpenMMLab). A file whose
upstream publishes no checksum is accepted and its sha256 recorded next to it.

Models this toolkit trained itself on synthsign ship inside the package
(``packaged``: a file in ``slvg_bench/shipped/``, verified against the full
``sha256``). A file of the same id in the cache — the user's own run of the
``produced_by`` command, or a ``weights add`` — takes precedence over the
shipped copy; its checksum is then the user's (status ``unverified``).
A missing file raises :class:`~slvg_bench.errors.WeightsUnavailableError`
naming the file and the command that installs it; callers that compute
optional metrics turn that into an "unavailable" result, never a 0.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from slvg_bench import paths
from slvg_bench.errors import SlvgError, WeightsUnavailableError
from slvg_bench.registry import Registry

Status = Literal["present", "missing", "bad-checksum", "unverified"]


@dataclass(frozen=True)
class WeightSpec:
    """A pretrained weight file, declared as data.

    Attributes:
        id: ``arch.tag`` (lowercase), e.g. ``alexnet.imagenet-torchvision``.
        filename: name of the file in the cache.
        urls: direct download URLs, tried in order (empty: manual download only).
        sha256: full hex digest, or a published prefix (>= 8 hex digits); None when
            upstream publishes none (the digest is then recorded on first install).
        license: licence note; origin: who made it and how.
        used_by: metric/method ids that need it.
        manual: how to get the file by hand when there is no direct URL.
        location: ``"cache"`` (``$SLVG_BENCH_HOME/weights``) or ``"torch_hub"``.
        produced_by: for files trained by this toolkit, the command that makes them.
        packaged: file name of the copy shipped in ``slvg_bench/shipped/`` (``sha256`` is its digest).
    """

    id: str
    filename: str
    urls: tuple[str, ...] = ()
    sha256: str | None = None
    license: str = "unknown"
    origin: str = ""
    used_by: tuple[str, ...] = ()
    manual: str | None = None
    location: Literal["cache", "torch_hub"] = "cache"
    produced_by: str | None = None
    packaged: str | None = None
    size_bytes: int | None = None
    notes: str = ""
    extra: dict = field(default_factory=dict)


WEIGHTS: Registry[WeightSpec] = Registry("weight")


def register(spec: WeightSpec) -> WeightSpec:
    """Add a spec to the registry (used by the catalog)."""
    if spec.sha256 is not None and (len(spec.sha256) < 8 or any(c not in "0123456789abcdef" for c in spec.sha256)):
        raise ValueError(f"weight {spec.id!r}: sha256 must be lowercase hex of length >= 8")
    WEIGHTS.register(spec.id, spec)
    return spec


def _ensure_catalog() -> None:
    import slvg_bench.weights_catalog  # noqa: F401  (registers the built-in specs)


def get_spec(weight_id: str) -> WeightSpec:
    _ensure_catalog()
    return WEIGHTS.get(weight_id)


def is_known(weight_id: str) -> bool:
    """Whether ``weight_id`` is in the catalog (loads the catalog first)."""
    _ensure_catalog()
    return weight_id in WEIGHTS


def shipped_model(method: str, dataset: str) -> str | None:
    """Id of the model of ``method`` for ``dataset`` that ships inside the package, or None."""
    for spec in all_specs():
        if spec.packaged and spec.extra.get("method") == method and spec.extra.get("dataset") == dataset:
            return spec.id
    return None


def all_specs() -> list[WeightSpec]:
    _ensure_catalog()
    return [WEIGHTS.get(n) for n in WEIGHTS.names()]


def torch_hub_checkpoints_dir() -> Path:
    """Where torch.hub (and thus torchvision/lpips) looks for downloaded checkpoints."""
    torch_home = os.environ.get("TORCH_HOME")
    if torch_home:
        return Path(torch_home).expanduser() / "hub" / "checkpoints"
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "torch" / "hub" / "checkpoints"


SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"


def cache_path(spec: WeightSpec | str) -> Path:
    """The path the file has (or would have) in the cache: where add, download and produce write."""
    spec = get_spec(spec) if isinstance(spec, str) else spec
    folder = torch_hub_checkpoints_dir() if spec.location == "torch_hub" else paths.weights_dir()
    return folder / spec.filename


def packaged_path(spec: WeightSpec | str) -> Path | None:
    """The shipped copy inside the package (None when the weight is not shipped)."""
    spec = get_spec(spec) if isinstance(spec, str) else spec
    return SHIPPED_DIR / spec.packaged if spec.packaged else None


def weight_path(spec: WeightSpec | str) -> Path:
    """The file in use: the cache copy when there is one, else the shipped copy, else the cache path."""
    spec = get_spec(spec) if isinstance(spec, str) else spec
    cached = cache_path(spec)
    shipped = packaged_path(spec)
    if shipped is not None and not cached.is_file():
        return shipped
    return cached


def _checksum_applies(spec: WeightSpec, path: Path) -> bool:
    """The catalog's sha256 describes the shipped copy; a user's own training of a shipped id is theirs."""
    return not (spec.packaged and spec.produced_by and path != packaged_path(spec))


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _sidecar(path: Path) -> Path:
    """Where the sha256 record of ``path`` is kept: beside it inside ``$SLVG_BENCH_HOME`` (the weights
    cache, training folders), else in ``$SLVG_BENCH_HOME/cache/sha256/`` keyed by the absolute path, so a
    checkpoint passed from another folder never gets a file written next to it."""
    resolved = path.resolve()
    if resolved.is_relative_to(paths.home().resolve()):
        return path.with_name(path.name + ".sha256.json")
    key = hashlib.sha256(str(resolved).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return paths.cache_dir() / "sha256" / f"{key}.json"


def cached_sha256(path: str | Path) -> str:
    """sha256 of a file, cached in a sidecar keyed by size and mtime (files are 50–200 MB).

    Shipped files (a few MB, inside the installed package) are hashed each time, never sidecarred."""
    path = Path(path)
    if path.parent.resolve() == SHIPPED_DIR:
        return sha256_file(path)
    st = path.stat()
    side = _sidecar(path)
    if side.is_file():
        try:
            rec = json.loads(side.read_text())
            if rec.get("size") == st.st_size and rec.get("mtime_ns") == st.st_mtime_ns:
                return rec["sha256"]
        except (ValueError, KeyError):
            pass
    digest = sha256_file(path)
    try:
        side.parent.mkdir(parents=True, exist_ok=True)
        side.write_text(json.dumps({"sha256": digest, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                                    "path": str(path.resolve())}))
    except OSError:  # read-only cache: hashing again next time is fine
        pass
    return digest


def checksum_matches(spec: WeightSpec, digest: str, path: Path | None = None) -> bool:
    if path is not None and not _checksum_applies(spec, path):
        return True
    return spec.sha256 is None or digest.startswith(spec.sha256)


def status(spec: WeightSpec | str) -> Status:
    """present / missing / bad-checksum / unverified (present, but upstream publishes no checksum)."""
    spec = get_spec(spec) if isinstance(spec, str) else spec
    path = weight_path(spec)
    if not path.is_file():
        return "missing"
    digest = cached_sha256(path)
    if not checksum_matches(spec, digest, path):
        return "bad-checksum"
    return "present" if spec.sha256 and _checksum_applies(spec, path) else "unverified"


def install_hint(spec: WeightSpec) -> str:
    """The one command (or two) that puts the file in place."""
    if spec.produced_by:
        return f"`{spec.produced_by}`"
    add = f"`slvg-bench weights add {spec.id} /path/to/{spec.filename}`"
    if spec.urls:
        return f"`slvg-bench weights download {spec.id}` (or offline: {add})"
    return f"{add} after downloading it by hand: {spec.manual or 'see docs/weights.md'}"


def require(weight_id: str) -> Path:
    """Path of a verified weight file, or :class:`WeightsUnavailableError` saying how to get it."""
    spec = get_spec(weight_id)
    path = weight_path(spec)
    st = status(spec)
    if st == "missing":
        raise WeightsUnavailableError(
            f"weight {spec.id!r} (file {spec.filename}"
            + (f", sha256 {spec.sha256}…" if spec.sha256 else "")
            + f") is not installed at {path}; install it with {install_hint(spec)}"
        )
    if st == "bad-checksum":
        raise WeightsUnavailableError(
            f"weight {spec.id!r} at {path} has sha256 {cached_sha256(path)} but {spec.sha256}… was expected; "
            f"delete it and reinstall with {install_hint(spec)}"
        )
    return path


def record_digest(spec: WeightSpec, path: Path) -> str:
    """sha256 of an installed file, for run provenance."""
    return cached_sha256(path)


def _atomic_copy_verified(spec: WeightSpec, fill, shown_as: str | None = None, on_validated=None) -> Path:
    """Write via ``fill(tmp_path)`` into a temp file, verify its checksum, open and check it for its kind
    (:mod:`slvg_bench.weight_validation`), then rename into place. ``on_validated(description)`` is
    called with what the check found (None: no structural check for this id)."""
    dest = cache_path(spec)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.filename}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        fill(tmp)
        digest = sha256_file(tmp)
        if not checksum_matches(spec, digest, dest):
            raise SlvgError(
                f"weight {spec.id!r}: the file has sha256 {digest} but {spec.sha256}… was expected "
                f"(wrong file or corrupted download); nothing was installed"
            )
        from slvg_bench.weight_validation import validate

        description = validate(spec, tmp, shown_as or spec.filename)
        if on_validated is not None:
            on_validated(description)
        os.replace(tmp, dest)
        st = dest.stat()
        side = _sidecar(dest)
        side.parent.mkdir(parents=True, exist_ok=True)
        side.write_text(json.dumps({"sha256": digest, "size": st.st_size, "mtime_ns": st.st_mtime_ns}))
        return dest
    finally:
        if tmp.exists():
            tmp.unlink()


def add(weight_id: str, source: str | Path, on_validated=None) -> Path:
    """Install a local copy of a weight file after verifying its checksum and checking it for its kind
    (:func:`slvg_bench.weight_validation.validate`; ``on_validated(description)`` receives the result)."""
    from slvg_bench.errors import UsageError, os_error_reason, output_error
    from slvg_bench.outputs import ensure_dir

    spec = get_spec(weight_id)
    source = Path(source)
    if not source.is_file():
        what = "a folder" if source.is_dir() else "not a file" if source.exists() else "does not exist"
        raise UsageError(f"cannot add weight {spec.id!r}: {str(source)!r} {'is ' if what != 'does not exist' else ''}{what}"
                         f" (expected the weight file {spec.filename})")
    try:
        with open(source, "rb") as f:
            f.read(1)
    except OSError as e:
        raise SlvgError(f"cannot add weight {spec.id!r}: {str(source)!r} cannot be read: {os_error_reason(e)}") from e
    dest = cache_path(spec)
    ensure_dir(dest.parent, "the weights cache")

    def fill(tmp: Path) -> None:
        try:
            shutil.copyfile(source, tmp)
        except OSError as e:
            raise output_error(dest, e, "install the weight at") from e

    try:
        return _atomic_copy_verified(spec, fill, str(source), on_validated)
    except OSError as e:
        raise output_error(dest, e, "install the weight at") from e


def download(weight_id: str, progress: bool = True, timeout: float = 60.0) -> Path:
    """Download a weight file from its URLs (in order), verify, install atomically."""
    import urllib.error
    import urllib.request

    spec = get_spec(weight_id)
    if not spec.urls:
        raise SlvgError(f"weight {spec.id!r} has no direct download URL; {install_hint(spec)}")
    errors = []
    for url in spec.urls:

        def fill(tmp: Path, url: str = url) -> None:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0) or None
                if progress:
                    from slvg_bench.console import make_progress

                    with make_progress(transient=True) as bar:
                        task = bar.add_task(f"download {spec.filename}", total=total)
                        while block := response.read(1 << 20):
                            out.write(block)
                            bar.advance(task, len(block))
                else:
                    shutil.copyfileobj(response, out)

        try:
            return _atomic_copy_verified(spec, fill, url)
        except (urllib.error.URLError, OSError, TimeoutError) as e:
            errors.append(f"{url}: {e}")
    raise SlvgError(
        f"could not download weight {spec.id!r} ({'; '.join(errors)}); offline, install a local copy with "
        f"`slvg-bench weights add {spec.id} /path/to/{spec.filename}`"
    )
