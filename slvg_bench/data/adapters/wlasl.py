"""WLASL-2000 (Li et al., WACV 2020), read from the start kit's files.

Layout (``<data_root>/wlasl/``, the ``start_kit`` folder or its contents)::

    WLASL_v0.3.json              list of {"gloss", "instances": [{bbox, fps, frame_start, frame_end,
                                 instance_id, signer_id, source, split, url, variation_id, video_id}]}
    videos/<video_id>.mp4        clips made by start_kit/preprocess.py (or obtained on request)
    raw_videos_mp4/<name>.mp4    optional: the downloads preprocess.py cuts the clips from

Trimming follows ``preprocess.py``: a clip in ``videos/`` *is* the instance (YouTube
instances were already cut to 1-based frames ``frame_start .. frame_end``; other
sources were copied whole). When only the raw download exists, the adapter cuts
it the same way: YouTube raws (``raw_videos_mp4/<last 11 chars of url>.mp4``) to
frames ``[frame_start-1, frame_end)`` (0-based) unless ``frame_end - 1 <= 0``
(whole video), other raws (``raw_videos_mp4/<video_id>.mp4``) whole.

Official split train/val/test (v0.3: 14,289 / 3,916 / 2,878; the PGMM paper uses
train and test). The JSON ``bbox`` ``[xmin, ymin, xmax, ymax]`` (YOLOv3, source
pixels) is the crop's initial box. Many URLs are dead: missing videos are counted
and listed (``slvg-bench datasets verify wlasl``), never fatal.
"""

from __future__ import annotations

import json
from pathlib import Path

from slvg_bench.data.adapters.base import DatasetAdapter, Missing, ScanResult
from slvg_bench.data.sample import Sample
from slvg_bench.errors import DatasetError

JSON_NAME = "WLASL_v0.3.json"
INSTANCE_KEYS = ("bbox", "frame_start", "frame_end", "signer_id", "split", "url", "video_id")
SPLITS = ("train", "val", "test")


def is_youtube(url: str) -> bool:
    return "youtube" in url or "youtu.be" in url


def raw_range(inst: dict) -> tuple[int, int | None]:
    """0-based ``[start, end)`` that preprocess.py keeps of a YouTube raw video."""
    end_frame = int(inst["frame_end"]) - 1
    if end_frame <= 0:
        return 0, None
    return int(inst["frame_start"]) - 1, end_frame + 1


def load_annotations(path: Path) -> list[dict]:
    """The JSON as a list of glosses, each with its instances; structural errors name the entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DatasetError(f"WLASL annotation file {str(path)!r} is not valid JSON: {e}") from e
    if not isinstance(data, list):
        raise DatasetError(f"WLASL annotation file {str(path)!r} must hold a JSON list of glosses, got {type(data).__name__}")
    for i, entry in enumerate(data):
        if not isinstance(entry, dict) or "gloss" not in entry or not isinstance(entry.get("instances"), list):
            raise DatasetError(f"WLASL annotation file {str(path)!r}: entry {i} lacks 'gloss' or an 'instances' list")
        for inst in entry["instances"]:
            lacking = [k for k in INSTANCE_KEYS if k not in inst]
            if lacking:
                vid = inst.get("video_id", "?")
                raise DatasetError(
                    f"WLASL annotation file {str(path)!r}: instance {vid!r} of gloss {entry['gloss']!r} lacks {lacking}"
                )
            if inst["split"] not in SPLITS:
                raise DatasetError(
                    f"WLASL annotation file {str(path)!r}: instance {inst['video_id']!r} has split {inst['split']!r}, "
                    f"expected one of {SPLITS}"
                )
    return data


class WLASLAdapter(DatasetAdapter):
    name = "wlasl"
    title = "WLASL-2000"
    version = "1"
    splits = SPLITS
    eval_splits = ("test",)
    expected_counts = {"train": 14289, "val": 3916, "test": 2878}
    dir_names = ("wlasl", "WLASL", "wlasl2000", "WLASL2000")
    nested = ("", "start_kit")
    anchor = JSON_NAME
    download = "https://github.com/dxli94/WLASL (start_kit: video_downloader.py + preprocess.py; missing videos on request)"

    def _source(self, inst: dict) -> tuple[Path, int, int | None] | None:
        vid = str(inst["video_id"])
        clip = self.root / "videos" / f"{vid}.mp4"
        if clip.is_file() and clip.stat().st_size > 0:
            return clip, 0, None
        url = str(inst["url"])
        if is_youtube(url):
            raw = self.root / "raw_videos_mp4" / f"{url[-11:]}.mp4"
            start, end = raw_range(inst)
        else:
            raw = self.root / "raw_videos_mp4" / f"{vid}.mp4"
            start, end = 0, None
        if raw.is_file() and raw.stat().st_size > 0:
            return raw, start, end
        return None

    def scan(self) -> ScanResult:
        data = load_annotations(self.root / JSON_NAME)
        samples, missing, notes, seen = [], [], [], set()
        for class_index, entry in enumerate(data):
            for inst in entry["instances"]:
                vid = str(inst["video_id"])
                if vid in seen:
                    notes.append(f"video_id {vid!r} appears more than once; the first instance is used")
                    continue
                seen.add(vid)
                src = self._source(inst)
                if src is None:
                    missing.append(Missing(vid, inst["split"], f"videos/{vid}.mp4 not found", str(inst["signer_id"])))
                    continue
                path, start, end = src
                box = inst.get("bbox")
                samples.append(Sample(
                    dataset=self.name, id=vid, split=inst["split"], signer=str(inst["signer_id"]),
                    video=path, glosses=(str(entry["gloss"]),), frame_start=start, frame_end=end,
                    person_box=tuple(float(v) for v in box) if box and len(box) == 4 else None,
                    fps=float(inst["fps"]) if inst.get("fps") else None,
                    meta={"class_index": class_index, "instance_id": inst.get("instance_id"),
                          "variation_id": inst.get("variation_id"), "source": inst.get("source"),
                          "url": inst["url"]},
                ))  # fmt: skip
        samples.sort(key=lambda s: (self.splits.index(s.split), s.id))
        missing.sort(key=lambda m: (self.splits.index(m.split), m.id))
        return ScanResult(samples, missing, notes)
