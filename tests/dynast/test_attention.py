"""DynaST attention: sparse over all keys == dense; candidate lists match their definitions."""

import torch

from baselines.dynast.attention import (
    dense_attention,
    hard_mask,
    inner_scale_candidates,
    inter_scale_candidates,
    select_top_k,
    sparse_attention,
)


def _inputs(b=2, c=6, p=3, h=4, w=5, hk=3, wk=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)  # noqa: E731
    return r(b, c, h, w), r(b, c, hk, wk), r(b, p, h, w), r(b, p, hk, wk), r(b, 7, hk, wk), r(b, 3, hk, wk)


def test_sparse_attention_over_all_keys_equals_dense():
    q, k, qp, kp, v, v2 = _inputs()
    b, _, h, w = q.shape
    m = k.shape[2] * k.shape[3]
    everything = torch.arange(m).expand(b, h * w, m)
    smooth = q.shape[1] ** 0.5
    dense = dense_attention(q, k, qp, kp, v, v2=v2)
    sparse = sparse_attention(q, k, qp, kp, v, everything, smooth, prune_scale=1 / qp.shape[1], v2=v2)
    for name in ("output", "conf", "attn", "logits", "warped"):
        torch.testing.assert_close(getattr(sparse, name), getattr(dense, name), rtol=1e-12, atol=1e-12)
    # the prune mask really removes something in this example, so conf < 1 somewhere
    assert (dense.conf < 1 - 1e-6).any() and (dense.conf > 1e-6).any()


def test_dense_attention_matches_its_definition():
    q, k, qp, kp, v, _ = _inputs(seed=1)
    b, c, h, w = q.shape
    qf, kf, vf = q.flatten(2), k.flatten(2), v.flatten(2)
    logits = torch.einsum("bcn,bcm->bnm", qf, kf) / c**0.5
    mask = (torch.einsum("bpn,bpm->bnm", qp.flatten(2), kp.flatten(2)) / qp.shape[1] > 0).double()
    kept = torch.softmax(logits, -1) * mask
    expected = torch.einsum("bnm,bcm->bcn", kept, vf).reshape(b, -1, h, w)
    res = dense_attention(q, k, qp, kp, v)
    torch.testing.assert_close(res.output, expected)
    torch.testing.assert_close(res.conf, kept.sum(-1).view(b, 1, h, w))


def test_hard_mask_forward_is_a_step_and_backward_the_sigmoid_slope():
    x = torch.tensor([-2.0, 0.0, 0.5, 3.0], requires_grad=True)
    y = hard_mask(x)
    assert y.tolist() == [0.0, 0.0, 1.0, 1.0]
    y.sum().backward()
    s = torch.sigmoid(x.detach())
    torch.testing.assert_close(x.grad, s * (1 - s))


def test_inter_scale_candidates_are_the_children_of_the_parent_top_k():
    h, w, k = 4, 6, 2
    g = torch.Generator().manual_seed(0)
    prev = torch.randint(0, (h // 2) * (w // 2), (1, (h // 2) * (w // 2), k), generator=g)
    cands = inter_scale_candidates(prev, h, w)
    assert cands.shape == (1, h * w, 4 * k)
    for y in range(h):
        for x in range(w):
            parent = (y // 2) * (w // 2) + x // 2
            expected = []
            for j in prev[0, parent].tolist():
                py, px = divmod(j, w // 2)
                expected += [(2 * py) * w + 2 * px, (2 * py) * w + 2 * px + 1,
                             (2 * py + 1) * w + 2 * px, (2 * py + 1) * w + 2 * px + 1]  # fmt: skip
            assert cands[0, y * w + x].tolist() == expected


def test_inner_scale_candidates_shift_neighbour_lists_towards_the_query():
    h, w, k = 3, 4, 2
    g = torch.Generator().manual_seed(1)
    prev = torch.randint(0, h * w, (1, h * w, k), generator=g)
    cands = inner_scale_candidates(prev, h, w)
    assert cands.shape == (1, h * w, 5 * k)
    clip = lambda v, n: min(max(v, 0), n - 1)  # noqa: E731
    for y in range(h):
        for x in range(w):
            expected = prev[0, y * w + x].tolist()
            for (ny, nx), (dy, dx) in (((y - 1, x), (1, 0)), ((y + 1, x), (-1, 0)),
                                        ((y, x - 1), (0, 1)), ((y, x + 1), (0, -1))):  # fmt: skip
                ny, nx = clip(ny, h), clip(nx, w)
                for j in prev[0, ny * w + nx].tolist():
                    jy, jx = divmod(j, w)
                    expected.append(clip(jy + dy, h) * w + clip(jx + dx, w))
            assert cands[0, y * w + x].tolist() == expected


def test_select_top_k_returns_the_best_candidates_positions():
    attn = torch.tensor([[[0.1, 0.5, 0.2, 0.2]]])
    cands = torch.tensor([[[7, 3, 9, 1]]])
    assert select_top_k(attn, cands, 1).tolist() == [[[3]]]
    assert sorted(select_top_k(attn, cands, 3)[0, 0].tolist()) == [1, 3, 9]
