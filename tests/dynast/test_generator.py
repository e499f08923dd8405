"""DynaST generator: shapes through every level, exemplar reuse, batch independence in eval."""

import torch

from baselines.dynast.generator import DynaSTGenerator, GeneratorConfig

TINY = GeneratorConfig(crop_size=32, ngf=4, max_multi=8, n_layers=2, top_k=2, pos_dim=4, prune_dim=4)


def _inputs(b=2, nc=20, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(b, 3, size, size, generator=g) * 2 - 1, torch.rand(b, nc, size, size, generator=g), \
        torch.rand(b, nc, size, size, generator=g)  # fmt: skip


def test_shapes_through_every_level():
    torch.manual_seed(0)
    gen = DynaSTGenerator(TINY, 20).eval()
    ref, seg, ref_seg = _inputs()
    trace = {}
    with torch.no_grad():
        out = gen(ref, seg, ref_seg, with_warps=True, trace=trace)
    assert out["fake"].shape == (2, 3, 32, 32) and out["fake"].abs().max() <= 1
    assert [w.shape[-1] for w in out["warps"]] == [4, 4, 8, 8, 16, 16, 32, 32]
    widths = {4: 32, 3: 16, 2: 8, 1: 4}
    for level, side in ((4, 4), (3, 8), (2, 16), (1, 32)):
        c = widths[level]
        assert trace[f"enc_q.feat_L{level}"].shape == (2, c, side, side)
        assert trace[f"enc_kv.feat_L{level}"].shape == (2, c, side, side)
        assert trace[f"L{level}.q"].shape == trace[f"L{level}.kv"].shape == (2, c, side, side)
        for i in range(2):
            assert trace[f"L{level}.block{i}.out"].shape == (2, c, side, side)
            assert trace[f"L{level}.block{i}.conf"].shape == (2, 1, side, side)
        if level < 4:
            assert trace[f"L{level}.pos"].shape == (1, 4 * (2 ** (level - 1)), side, side)
            assert trace[f"L{level}.block0.prev_top_k_idx"].shape == (2, (side // 2) ** 2, 2)
            # indices address this level's key grid
            assert int(trace[f"L{level}.block1.prev_top_k_idx"].max()) < side * side
    assert trace["L4.block1.cor_map"].shape == (2, 16, 16)
    assert "L1.block1.next_top_k_idx" not in trace  # the last block needs no top-k


def test_exemplar_encoded_once_gives_the_same_images():
    torch.manual_seed(1)
    gen = DynaSTGenerator(TINY, 20).eval()
    ref, seg, ref_seg = _inputs(b=3, seed=1)
    ref, ref_seg = ref[:1].expand(3, -1, -1, -1), ref_seg[:1].expand(3, -1, -1, -1)
    with torch.no_grad():
        full = gen(ref, seg, ref_seg)["fake"]
        ex = gen.encode_exemplar(ref[:1], ref_seg[:1])
        cached = gen(ref[:1], seg, exemplar=ex)["fake"]
    torch.testing.assert_close(cached, full, rtol=1e-5, atol=1e-5)


def test_eval_output_does_not_depend_on_the_batch():
    torch.manual_seed(2)
    gen = DynaSTGenerator(TINY, 20).eval()
    ref, seg, ref_seg = _inputs(b=3, seed=2)
    with torch.no_grad():
        together = gen(ref, seg, ref_seg)["fake"]
        alone = torch.cat([gen(ref[i : i + 1], seg[i : i + 1], ref_seg[i : i + 1])["fake"] for i in range(3)])
    torch.testing.assert_close(alone, together, rtol=1e-5, atol=1e-5)


def test_the_generator_trains_every_parameter():
    torch.manual_seed(3)
    gen = DynaSTGenerator(TINY, 20).train()
    ref, seg, ref_seg = _inputs(seed=3)
    out = gen(ref, seg, ref_seg, with_warps=True)
    (out["fake"].square().mean() + sum(w.abs().mean() for w in out["warps"])).backward()
    no_grad = [n for n, p in gen.named_parameters() if p.grad is None]
    assert no_grad == []


def test_exemplar_blend_starts_at_the_exemplar_and_mixes_by_the_mask():
    """output_blend 'exemplar': m·G + (1 − m)·E; the mask head's bias −3 puts an untrained model near E."""
    torch.manual_seed(4)
    cfg = GeneratorConfig(**{**TINY.__dict__, "output_blend": "exemplar"})
    gen = DynaSTGenerator(cfg, 20).eval()
    ref, seg, ref_seg = _inputs(seed=4)
    with torch.no_grad():
        out = gen(ref, seg, ref_seg, trace=(trace := {}))
    mask = out["blend_mask"]
    assert mask.shape == (2, 1, 32, 32) and 0.03 < float(mask.mean()) < 0.07
    torch.testing.assert_close(out["fake"], mask * trace["fake_image_unblended"] + (1 - mask) * ref)
    plain = DynaSTGenerator(TINY, 20).eval()
    with torch.no_grad():
        far = (plain(ref, seg, ref_seg)["fake"] - ref).abs().mean()
    assert (out["fake"] - ref).abs().mean() < 0.1 * far
    # a saturated mask returns exactly the exemplar, or exactly the generated image
    for bias, expect in ((-1e4, ref), (1e4, trace["fake_image_unblended"])):
        torch.nn.init.constant_(gen.blend_head.bias, bias)
        torch.nn.init.zeros_(gen.blend_head.weight)
        with torch.no_grad():
            torch.testing.assert_close(gen(ref, seg, ref_seg)["fake"], expect)


def test_warped_blend_uses_the_last_attention_warp_in_eval_too():
    torch.manual_seed(5)
    cfg = GeneratorConfig(**{**TINY.__dict__, "output_blend": "warped"})
    gen = DynaSTGenerator(cfg, 20).eval()
    ref, seg, ref_seg = _inputs(seed=5)
    torch.nn.init.zeros_(gen.blend_head.weight)
    torch.nn.init.constant_(gen.blend_head.bias, -1e4)  # output = the warp alone
    with torch.no_grad():
        train_path = gen(ref, seg, ref_seg, with_warps=True)
        eval_path = gen(ref[:1], seg, exemplar=gen.encode_exemplar(ref[:1], ref_seg[:1]))
    torch.testing.assert_close(train_path["fake"], train_path["warps"][-1])
    torch.testing.assert_close(eval_path["fake"][:1], train_path["fake"][:1], rtol=1e-5, atol=1e-5)


def test_no_blend_head_in_the_official_tree():
    assert not any(k.startswith("blend_head") for k in DynaSTGenerator(TINY, 20).state_dict())
