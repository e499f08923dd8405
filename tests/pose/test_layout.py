import pytest

from slvg_bench.errors import UnknownNameError
from slvg_bench.pose import layout as L


def test_groups_partition_the_133_points():
    groups = L.BODY + L.FEET + L.FACE + L.LEFT_HAND + L.RIGHT_HAND
    assert groups == tuple(range(133))
    assert (len(L.BODY), len(L.FEET), len(L.FACE), len(L.LEFT_HAND), len(L.RIGHT_HAND)) == (17, 6, 68, 21, 21)
    assert L.hand_index("right", "index4") == 120 and L.hand_index("left", "wrist") == 91


def test_sign36():
    s = L.subset("sign36")
    assert len(s) == 36 and len(set(s)) == 36
    assert set(L.SIGN36[:7]) == {0, 5, 6, 7, 8, 9, 10}
    for side in ("left", "right"):
        # wrist, and knuckle (MCP) + tip of every digit
        for p in ("wrist", "thumb2", "thumb4", "index1", "index4", "middle1", "middle4", "ring1", "ring4", "pinky1", "pinky4"):
            assert L.hand_index(side, p) in s
    assert {23 + 8, 23 + 19, 23 + 24, 23 + 48, 23 + 54, 23 + 51, 23 + 57} <= set(s)  # iBUG chin, brows, mouth
    with pytest.raises(UnknownNameError):
        L.subset("sign37")


def test_flip_permutation_matches_mmpose_swap_pairs():
    perm = L.FLIP_PERMUTATION
    assert sorted(perm) == list(range(133))
    assert all(perm[perm[i]] == i for i in range(133))  # an involution
    # MMPose coco_wholebody dataset_info 'swap' entries (0-based face-i = 23 + i)
    face_pairs = [(0, 16), (7, 9), (17, 26), (21, 22), (31, 35), (36, 45), (39, 42), (40, 47), (41, 46),
                  (48, 54), (50, 52), (55, 59), (56, 58), (60, 64), (61, 63), (65, 67)]  # fmt: skip
    for a, b in face_pairs:
        assert perm[23 + a] == 23 + b
    for centre in (8, 27, 28, 29, 30, 33, 51, 57, 62, 66):
        assert perm[23 + centre] == 23 + centre
    assert perm[0] == 0 and perm[5] == 6 and perm[17] == 20 and perm[19] == 22
    assert [perm[i] for i in L.LEFT_HAND] == list(L.RIGHT_HAND)


def test_limbs_are_valid_pairs():
    for a, b in L.WHOLEBODY_LIMBS + L.WRIST_LINKS:
        assert 0 <= a < 133 and 0 <= b < 133 and a != b
    assert len(L.LEFT_HAND_LIMBS) == 20 and len(L.RIGHT_HAND_LIMBS) == 20
    # flipping maps the limb set onto itself
    limbs = {frozenset(x) for x in L.WHOLEBODY_LIMBS}
    assert {frozenset((L.FLIP_PERMUTATION[a], L.FLIP_PERMUTATION[b])) for a, b in L.WHOLEBODY_LIMBS} == limbs
