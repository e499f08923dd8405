"""DynaST training through the TrainableModel hooks: losses, GAN step, loss decrease on a tiny config."""

import dataclasses
import logging

import pytest
import torch

from baselines.dynast.config import DynaSTConfig, DiscriminatorConfig, LossConfig
from baselines.dynast.generator import GeneratorConfig
from baselines.dynast.model import DynaSTModel, build
from slvg_bench.config import load_config
from slvg_bench.errors import DatasetError, UsageError
from slvg_bench.methods import get_method
from slvg_bench.train_config import TrainConfig
from slvg_bench.training import resolve_config


def tiny_config(**loss) -> DynaSTConfig:
    return DynaSTConfig(
        generator=GeneratorConfig(crop_size=32, ngf=4, n_layers=1, top_k=2, pos_dim=4, prune_dim=4),
        discriminator=DiscriminatorConfig(num_d=2, n_layers=3, ndf=8),
        loss=LossConfig(**{"perceptual_weights": "random", **loss}),
        train=TrainConfig(lr=3e-3, adam_betas=(0.0, 0.9)),
    )


def pair_batch(b=2, size=64, seed=0) -> dict:
    """Two frames per 'video': a smooth textured image and keypoints moved by a small shift."""
    g = torch.Generator().manual_seed(seed)
    low = torch.rand(b, 3, 6, 6, generator=g)
    source = torch.nn.functional.interpolate(low, size=(size, size), mode="bicubic", align_corners=False).clamp(0, 1)
    driving = torch.roll(source, shifts=(2, 3), dims=(2, 3))
    kp = torch.rand(b, 133, 3, generator=g) * torch.tensor([size * 0.5, size * 0.5, 0.0]) + torch.tensor(
        [size * 0.25, size * 0.25, 1.0]
    )
    moved = kp + torch.tensor([3.0, 2.0, 0.0])
    ids = [f"v{i}" for i in range(b)]
    return {"source": source, "driving": driving, "source_kp": kp, "driving_kp": moved, "id": ids}


def optimizers(model, train_cfg):
    groups = model.param_groups(train_cfg)
    assert [g["role"] for g in groups] == ["generator", "discriminator"]
    return {g["role"]: torch.optim.Adam([g]) for g in groups}


def test_forward_returns_frames_and_weighted_losses():
    torch.manual_seed(0)
    model = build(tiny_config())
    batch = pair_batch()
    generated, losses = model(batch)
    assert generated.shape == batch["driving"].shape  # back at the frame size (64), model works at 32
    assert generated.min() >= 0 and generated.max() <= 1
    assert set(losses) == {"warp_self", "gan", "gan_feat", "vgg", "perceptual"}
    assert all(v.ndim == 0 and torch.isfinite(v) for v in losses.values())
    _, d_losses = model(batch, generated=generated)
    assert set(d_losses) == {"d_fake", "d_real"} and all(v.requires_grad for v in d_losses.values())


def test_param_groups_follow_ttur_and_split_generator_from_discriminator():
    model = build(tiny_config())
    g, d = model.param_groups(TrainConfig(lr=1e-4, adam_betas=(0.0, 0.9)))
    assert g["lr"] == pytest.approx(5e-5) and d["lr"] == pytest.approx(2e-4) and g["eps"] == 1e-3
    assert g["betas"] == (0.0, 0.9)
    ids_g, ids_d = {id(p) for p in g["params"]}, {id(p) for p in d["params"]}
    assert not ids_g & ids_d
    assert ids_g == {id(p) for p in model.generator.parameters()}
    assert ids_d == {id(p) for p in model.discriminator.parameters()}
    assert not any(True for _ in model.vgg.parameters())  # frozen VGG: buffers only, out of checkpoints
    assert not any(k.startswith("vgg.") for k in model.state_dict())


@pytest.mark.slow
def test_a_few_steps_lower_the_generator_loss():
    """Eight G/D steps on one batch: the reconstruction terms (warp-self, VGG, perceptual) fall by > 5 %.

    The adversarial terms are left out of the criterion: they trade off against the discriminator's.
    """
    torch.manual_seed(0)
    model = build(tiny_config())
    batch = pair_batch(b=2, size=32)
    opt = optimizers(model, model.cfg.train)
    history = []
    for _ in range(8):
        generated, losses = model(batch)
        opt["generator"].zero_grad()
        sum(losses.values()).backward()
        opt["generator"].step()
        opt["discriminator"].zero_grad()  # clears what the generator step left in the discriminator
        _, d_losses = model(batch, generated=generated)
        sum(d_losses.values()).backward()
        opt["discriminator"].step()
        assert all(torch.isfinite(v) for v in {**losses, **d_losses}.values())
        history.append(sum(losses[k].item() for k in ("warp_self", "vgg", "perceptual")))
    assert sum(history[-2:]) / 2 < 0.95 * history[0], history


def test_zero_vgg_weights_skip_the_vgg():
    model = build(tiny_config(vgg=0.0, perceptual=0.0))
    assert model.vgg is None and model.perceptual_weights_used == "none"
    _, losses = model(pair_batch())
    assert set(losses) == {"warp_self", "gan", "gan_feat"}


def test_pixel_and_ssim_terms_without_gan_train_the_generator_alone():
    """The CPU preset's recipe: pixel-pyramid L1 + SSIM, no GAN terms -> no discriminator group, no D step."""
    from baselines.common.appearance_loss import ssim_map

    torch.manual_seed(0)
    model = build(tiny_config(gan=0.0, gan_feat=0.0, vgg=0.0, perceptual=0.0, pixel=(10.0, 10.0), pixel_scales=(1.0, 0.5),
                              ssim=2.0))
    groups = model.param_groups(model.cfg.train)
    assert [g["role"] for g in groups] == ["generator"]
    batch = pair_batch()
    generated, losses = model(batch)
    assert set(losses) == {"warp_self", "pixel", "ssim"}
    real = torch.nn.functional.interpolate(batch["driving"], size=(32, 32), mode="bilinear", align_corners=False,
                                           antialias=True)
    fake = torch.nn.functional.interpolate(generated, size=(32, 32), mode="bilinear", align_corners=False, antialias=True)
    assert losses["ssim"].item() == pytest.approx(2.0 * (1 - ssim_map(fake, real).mean().item()), rel=0.05)
    l1_full = (fake - real).abs().mean().item()
    assert 10.0 * l1_full < losses["pixel"].item() < 10.0 * l1_full * 2.5  # the full-scale term plus a coarser one


def test_batches_without_keypoints_are_refused():
    model = build(tiny_config())
    batch = pair_batch()
    del batch["source_kp"]
    with pytest.raises(DatasetError, match="source_kp"):
        model(batch)


def test_auto_perceptual_weights_fall_back_to_a_logged_random_vgg(caplog):
    with caplog.at_level(logging.WARNING):
        model = DynaSTModel(tiny_config(perceptual_weights="auto"))
    assert model.perceptual_weights_used == "random"
    assert "vgg19.imagenet-torchvision" in caplog.text


def test_yaml_configs_resolve():
    spec = get_method("dynast")
    assert spec.trainable and spec.uses_keypoints
    from pathlib import Path

    folder = Path(spec.config_dir)
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    assert names == ["csl", "deepfashion", "lsa64", "phoenix", "synthsign", "synthsign-cpu", "synthsign-cpu-blend",
                     "synthsign-quick", "wlasl"]
    quick = load_config(DynaSTConfig, folder / "synthsign.yaml", folder / "synthsign-quick.yaml")
    assert quick.generator.crop_size == 64 and quick.train.max_steps == 30 and quick.semantic_nc == 133
    cpu = load_config(DynaSTConfig, folder / "synthsign.yaml", folder / "synthsign-cpu.yaml")
    assert cpu.generator.crop_size == 128 and cpu.generator.ngf == 16 and not cpu.loss.adversarial
    assert list(cpu.loss.pixel) == [100, 100, 100, 100] and cpu.loss.ssim == 10
    assert cpu.generator.output_blend == "none" and not cpu.train.augment.enabled
    blend = resolve_config("dynast", "synthsign", preset="cpu-blend").config
    # the second CPU design differs from the first in the output blend with its two loss terms, the pair
    # augmentation and a shorter schedule (2 epochs, no lr step); width, other losses and lr are the same
    assert blend.generator.output_blend == "exemplar" and blend.train.augment.enabled
    assert blend.loss.unblended == blend.loss.blend_select == 1.0 and blend.train.epochs == 2
    assert tuple(blend.train.augment.jitter) == (0.1, 0.1, 0.1, 0.1)
    assert dataclasses.replace(blend.generator, output_blend="none") == cpu.generator
    assert dataclasses.replace(blend.train, augment=cpu.train.augment, epochs=cpu.train.epochs,
                               milestones=cpu.train.milestones) == cpu.train
    assert dataclasses.replace(blend.loss, unblended=0.0, blend_select=0.0) == cpu.loss
    official = load_config(DynaSTConfig, folder / "deepfashion.yaml")
    assert official.semantic_nc == 20 and official.generator.crop_size == 256
    assert official.generator.output_blend == "none"


def test_an_unknown_output_blend_is_a_usage_error():
    with pytest.raises(UsageError, match="generator.output_blend"):
        build(DynaSTConfig(generator=GeneratorConfig(crop_size=32, ngf=4, output_blend="warp")))


def test_blend_selection_targets_the_closer_image_and_does_not_saturate():
    from baselines.dynast.losses import blend_selection

    target = torch.zeros(1, 3, 2, 2)
    generated = torch.tensor([0.1, 0.9, 0.1, 0.9]).view(1, 1, 2, 2).expand(1, 3, 2, 2)
    base = torch.full((1, 3, 2, 2), 0.5)
    # the generated image is closer at pixels 0 and 2: a mask logit far on the wrong side still gets
    # a full-size gradient (sigmoid(−20) − 1 ≈ −1 per pixel, / 4 pixels)
    logit = torch.tensor([-20.0, -20.0, 20.0, 20.0]).view(1, 1, 2, 2).requires_grad_()
    loss = blend_selection(logit, generated, base, target)
    loss.backward()
    torch.testing.assert_close(logit.grad.flatten(), torch.tensor([-0.25, 0.0, 0.0, 0.25]), atol=1e-6, rtol=0)
    assert float(loss) == pytest.approx((20 + 20) / 4, rel=1e-6)


def test_blend_terms_train_the_generator_and_the_mask():
    cfg = tiny_config(gan=0.0, gan_feat=0.0, vgg=0.0, perceptual=0.0, pixel=(100.0,), pixel_scales=(1.0,),
                      ssim=10.0, unblended=1.0, blend_select=1.0)
    cfg.generator = dataclasses.replace(cfg.generator, output_blend="exemplar")
    torch.manual_seed(0)
    model = DynaSTModel(cfg)
    generated, losses = model(pair_batch())
    assert {"pixel", "ssim", "pixel_unblended", "ssim_unblended", "blend_select", "warp_self"} == set(losses)
    sum(losses.values()).backward()
    assert model.generator.blend_head.weight.grad.abs().sum() > 0
    assert model.generator.decoder_10[0].weight.grad.abs().sum() > 0
    with pytest.raises(UsageError, match="loss.unblended"):
        DynaSTModel(tiny_config(unblended=1.0))
    no_pixel = tiny_config(unblended=1.0)
    no_pixel.generator = dataclasses.replace(no_pixel.generator, output_blend="exemplar")
    with pytest.raises(UsageError, match="needs loss.pixel or loss.ssim"):
        DynaSTModel(no_pixel)
