import math

import pytest
import torch

from slvg_bench.pose import layout as L
from slvg_bench.pose.pck import PCKAccumulator, pck


def person(t: int = 2) -> torch.Tensor:
    """A ground truth whose body box is 100 px, each hand box 10 px, face box 20 px."""
    gt = torch.zeros(t, 133, 3)
    gt[:, list(L.BODY[:11]), :2] = torch.tensor([[0.0, 0.0], [100.0, 100.0]]).repeat(6, 1)[:11]
    gt[:, list(L.FACE), :2] = torch.linspace(40, 60, 68)[:, None]
    for hand, x0 in ((L.LEFT_HAND, 10.0), (L.RIGHT_HAND, 80.0)):
        gt[:, list(hand), 0] = torch.linspace(x0, x0 + 10, 21)
        gt[:, list(hand), 1] = 50.0
    gt[:, list(L.BODY[:11]) + list(L.FACE) + list(L.HANDS), 2] = 1.0
    return gt


def test_perfect_prediction():
    gt = person()
    r = pck(gt, gt)
    for g in ("body", "hands", "face"):
        assert r[g]["pck"] == 1.0 and r[g]["mean_error_px"] == 0.0
    assert r["hands"]["n"] == 2 * 42 and r["body"]["n"] == 2 * 11 and r["face"]["n"] == 2 * 68


def test_person_and_group_normalisation():
    gt = person()
    pred = gt.clone()
    pred[..., 0] += 5.0  # 5 px off everywhere
    by_person = pck(pred, gt, alpha=0.1)  # threshold 0.1 * 100 = 10 px: all correct
    by_group = pck(pred, gt, alpha=0.1, norm="group")  # hands: 0.1 * 10 = 1 px: all wrong
    assert by_person["hands"]["pck"] == 1.0 and by_group["hands"]["pck"] == 0.0
    assert by_group["body"]["pck"] == 1.0 and by_group["face"]["pck"] == 0.0  # face box 20 -> 2 px
    assert by_person["hands"]["mean_error_px"] == pytest.approx(5.0)


def test_unknown_points_and_missed_predictions():
    gt = person(1)
    pred = gt.clone()
    pred[0, L.LEFT_HAND[0], 2] = 0.0  # not detected -> a miss even though the position is right
    gt[0, L.RIGHT_HAND[0], 2] = 0.0  # unknown in the ground truth -> not counted
    pred[0, L.LEFT_HAND[1], 0] += 100.0  # found but far off
    r = pck(pred, gt)
    assert r["hands"]["n"] == 41 and r["hands"]["pck"] == pytest.approx(39 / 41)
    assert r["hands"]["detected"] == pytest.approx(40 / 41)
    assert r["hands"]["mean_error_px"] == pytest.approx(100 / 40)  # over detected points only
    gt[0, list(L.FACE), 2] = 0.0
    face = pck(pred, gt)["face"]
    assert math.isnan(face["pck"]) and math.isnan(face["mean_error_px"]) and face["n"] == 0


def test_accumulator_equals_one_shot():
    gt = person(4)
    pred = gt + torch.randn(4, 133, 3, generator=torch.Generator().manual_seed(0)) * 3
    pred[..., 2] = 1.0
    acc = PCKAccumulator()
    acc.update(pred[:1], gt[:1])
    acc.update(pred[1:], gt[1:])
    split, whole = acc.result(), pck(pred, gt)
    for g in whole:
        assert split[g]["n"] == whole[g]["n"] and split[g]["pck"] == whole[g]["pck"]
        assert split[g]["mean_error_px"] == pytest.approx(whole[g]["mean_error_px"], rel=1e-12)
    with pytest.raises(ValueError):
        acc.update(pred[:, :17], gt[:, :17])
