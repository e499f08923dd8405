"""The trainer's discriminator role: separate optimizer, D step after G step, exact resume."""

import torch
from torch import nn

from slvg_bench.train_config import TrainConfig
from slvg_bench.training.loop import Trainer, build_optimizers


class TinyGAN(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.g = nn.Conv2d(3, 3, 3, padding=1)
        self.d = nn.Conv2d(3, 1, 3, padding=1)
        self.d_calls = 0

    def forward(self, batch, generated=None):
        if generated is not None:
            self.d_calls += 1
            real = batch["driving"]
            return generated, {"d_fake": torch.relu(1 + self.d(generated)).mean(),
                               "d_real": torch.relu(1 - self.d(real)).mean()}
        fake = torch.sigmoid(self.g(batch["source"]))
        return fake, {"l1": (fake - batch["driving"]).abs().mean(), "gan": -self.d(fake).mean()}

    def param_groups(self, tc):
        return [{"role": "generator", "params": list(self.g.parameters())},
                {"role": "discriminator", "params": list(self.d.parameters()), "lr": tc.lr * 4}]


class Pairs(torch.utils.data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return {"source": torch.rand(3, 8, 8, generator=g), "driving": torch.rand(3, 8, 8, generator=g), "id": f"v{i}"}


def test_one_optimizer_per_role():
    opts = build_optimizers(TinyGAN(), TrainConfig())
    assert set(opts) == {"generator", "discriminator"}
    assert opts["discriminator"].param_groups[0]["lr"] == 4 * TrainConfig().lr


def test_discriminator_trains_only_on_its_loss_and_resumes_exactly(tmp_path):
    from dataclasses import dataclass, field

    @dataclass
    class C:
        train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=2, batch_size=4, num_workers=0,
                                                                       checkpoint_every=1, log_every=1, lr=1e-2))

    model = TinyGAN()
    d0 = [p.detach().clone() for p in model.d.parameters()]
    Trainer(model, Pairs(), C(), method="toy", out_dir=tmp_path / "a", progress=False).fit()
    assert model.d_calls == 4  # one D step per G step (2 epochs × 2 steps)
    assert any(not torch.equal(a, b) for a, b in zip(d0, model.d.parameters()))
    ck = torch.load(tmp_path / "a" / "final.pt", weights_only=True)
    assert set(ck["extra_optimizers"]) == {"discriminator"}

    # interrupted after 3 steps, resumed: same parameters as the uninterrupted run
    c = C()
    c.train.max_steps = 3
    part = TinyGAN()
    Trainer(part, Pairs(), c, method="toy", out_dir=tmp_path / "b", progress=False).fit()
    resumed = TinyGAN()
    Trainer(resumed, Pairs(), C(), method="toy", out_dir=tmp_path / "b", progress=False).fit(resume=True)
    for a, b in zip(model.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)
