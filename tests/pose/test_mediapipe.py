from types import SimpleNamespace

import numpy as np
import pytest
import torch

from slvg_bench.pose import layout as L
from slvg_bench.pose.estimators import ESTIMATORS
from slvg_bench.pose.estimators.mediapipe_holistic import FACE_MESH_TO_IBUG68, POSE_TO_WHOLEBODY, holistic_to_wholebody


def landmarks(n: int, seed: int, visibility: float = 0.0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1, (n, 2))
    return SimpleNamespace(landmark=[SimpleNamespace(x=x, y=y, z=0.0, visibility=visibility) for x, y in xy]), xy


def test_mapping_tables_are_complete_and_symmetric():
    assert len(FACE_MESH_TO_IBUG68) == 68 and len(set(FACE_MESH_TO_IBUG68)) == 68
    assert all(0 <= v < 468 for v in FACE_MESH_TO_IBUG68)
    assert set(POSE_TO_WHOLEBODY) == set(range(23)) - {18, 21}  # small toes have no pose landmark
    # MediaPipe Pose numbers left/right in pairs (odd = left from 1..10; 11+ odd = left)
    for coco, mp in POSE_TO_WHOLEBODY.items():
        name = (L.BODY_NAMES + L.FOOT_NAMES)[coco]
        if name.startswith("left"):
            assert mp in (2, 7) or (mp >= 11 and mp % 2 == 1)
        elif name.startswith("right"):
            assert mp in (5, 8) or (mp >= 11 and mp % 2 == 0)


def test_holistic_result_to_wholebody():
    pose, pose_xy = landmarks(33, 0, visibility=0.7)
    left, left_xy = landmarks(21, 1)
    face, face_xy = landmarks(468, 2)
    result = SimpleNamespace(pose_landmarks=pose, left_hand_landmarks=left, right_hand_landmarks=None, face_landmarks=face)
    kp = holistic_to_wholebody(result, width=200, height=100)
    scale = np.array([200, 100])
    assert kp.shape == (133, 3)
    np.testing.assert_allclose(kp[9, :2], pose_xy[15] * scale - 0.5, rtol=1e-6)  # left wrist
    np.testing.assert_allclose(kp[20, :2], pose_xy[32] * scale - 0.5, rtol=1e-6)  # right big toe
    assert kp[9, 2] == pytest.approx(0.7) and kp[18, 2] == 0 and kp[21, 2] == 0
    np.testing.assert_allclose(kp[list(L.LEFT_HAND), :2], left_xy * scale - 0.5, rtol=1e-6)
    assert np.all(kp[list(L.LEFT_HAND), 2] == 1) and np.all(kp[list(L.RIGHT_HAND), 2] == 0)
    np.testing.assert_allclose(kp[23 + 30, :2], face_xy[4] * scale - 0.5, rtol=1e-6)  # nose tip
    empty = SimpleNamespace(pose_landmarks=None, left_hand_landmarks=None, right_hand_landmarks=None, face_landmarks=None)
    assert not holistic_to_wholebody(empty, 10, 10).any()


def test_registry_entry_is_not_differentiable():
    cls = ESTIMATORS.get("mediapipe")
    assert not cls.differentiable and not cls.has_heatmaps and cls.weight_id is None


@pytest.mark.mediapipe
def test_face_mesh_mapping_on_a_real_face():
    pytest.importorskip("mediapipe")
    skimage_data = pytest.importorskip("skimage.data")
    est = ESTIMATORS.get("mediapipe")(static_image_mode=True, upscale_to=None)
    img = torch.from_numpy(skimage_data.astronaut()).permute(2, 0, 1)[None].float() / 255
    kp = est.estimate(img)[0].numpy()
    face = kp[23:91]
    assert np.all(face[:, 2] == 1)
    jaw, brows, eyes, mouth = face[0:17], face[17:27], face[36:48], face[48:68]
    # iBUG order on a frontal face: jaw runs left to right through the chin (lowest point)
    assert np.all(np.diff(jaw[:9, 1]) > -1) and np.argmax(jaw[:, 1]) == 8
    assert jaw[0, 0] < jaw[8, 0] < jaw[16, 0]
    assert brows[:, 1].max() < eyes[:, 1].min() < eyes[:, 1].max() < face[30, 1] < mouth[:, 1].min()
    assert face[36, 0] < face[39, 0] < face[42, 0] < face[45, 0]  # eye corners left to right
    assert face[48, 0] < face[51, 0] < face[54, 0] and face[51, 1] < face[57, 1]  # mouth corners, lip centres
    assert abs(face[8, 0] - face[30, 0]) < 15  # chin below the nose tip
    # the pose nose agrees with the face-mesh nose tip
    assert np.linalg.norm(kp[0, :2] - face[30, :2]) < 15


@pytest.fixture(scope="module")
def synthsign_tiny(tmp_path_factory):
    generate = pytest.importorskip("slvg_bench.data.synthsign").generate
    return generate(tmp_path_factory.mktemp("synthsign") / "tiny", seed=0, size="tiny", progress=False)


@pytest.mark.slow
@pytest.mark.mediapipe
def test_hands_on_synthsign_frames(synthsign_tiny):
    """Where Holistic finds a synthsign hand, its 21 points are within a few pixels of the truth.

    Holistic finds the small cartoon hands (~12 px at 128 px, upscaled to 256) in only a
    fraction of frames (about 25% on the small test split, see docs/pose.md); the claim
    tested is about the hands it does report: most lie within 5 px (mean over the 21
    points) and are on the correct side.
    """
    pytest.importorskip("mediapipe")
    from slvg_bench.pose.keypoint_data import iter_split
    from slvg_bench.video import to_float

    est = ESTIMATORS.get("mediapipe")()
    errors, correct_side = [], 0
    for _, frames, gt in iter_split(synthsign_tiny, "test", limit=2):
        kp = est.estimate(to_float(frames)).numpy()
        assert kp.shape == gt.shape
        for idx, other in ((L.LEFT_HAND, L.RIGHT_HAND), (L.RIGHT_HAND, L.LEFT_HAND)):
            found = kp[:, idx[0], 2] > 0
            err = np.linalg.norm(kp[found][:, list(idx), :2] - gt[found][:, list(idx), :2], axis=-1).mean(1)
            err_other = np.linalg.norm(kp[found][:, list(idx), :2] - gt[found][:, list(other), :2], axis=-1).mean(1)
            errors.append(err)
            correct_side += int((err < err_other).sum())
        # body and face points Holistic always reports on these frames
        assert (kp[:, 0, 2] > 0.5).mean() > 0.9 and (kp[:, 23:91, 2] > 0).mean() > 0.9
    err = np.concatenate(errors)
    assert len(err) >= 5, f"MediaPipe found only {len(err)} hands"
    assert (err <= 5.0).mean() >= 0.6, f"hands within 5 px: {(err <= 5).mean():.2f} of {len(err)}"
    assert correct_side / len(err) >= 0.9
