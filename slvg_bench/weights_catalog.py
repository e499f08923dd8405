"""The catalog of every pretrained weight file the toolkit knows (declared data, no code).

Ids are ``arch.tag``. sha256 values that are 8 hex digits are the prefixes that
upstream embeds in the file names (torchvision, OpenMMLab); None means upstream
publishes no checksum (the digest is recorded on install and in provenance).
Add an entry here when a module needs a new file; ``slvg-bench weights list``
shows them all.
"""

from slvg_bench.weights import WeightSpec, register

TORCHVISION_LICENSE = "BSD-3-Clause (torchvision); ImageNet weights for non-commercial research use"

register(WeightSpec(
    id="alexnet.imagenet-torchvision",
    filename="alexnet-owt-7be5be79.pth",
    urls=("https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",),
    sha256="7be5be79",
    license=TORCHVISION_LICENSE,
    origin="torchvision AlexNet (one weird trick) trained on ImageNet; the LPIPS-alex backbone",
    used_by=("lpips-alex",),
    location="torch_hub",
))
register(WeightSpec(
    id="vgg16.imagenet-torchvision",
    filename="vgg16-397923af.pth",
    urls=("https://download.pytorch.org/models/vgg16-397923af.pth",),
    sha256="397923af",
    license=TORCHVISION_LICENSE,
    origin="torchvision VGG-16 trained on ImageNet; the LPIPS-vgg backbone",
    used_by=("lpips-vgg",),
    location="torch_hub",
))
register(WeightSpec(
    id="vgg19.imagenet-torchvision",
    filename="vgg19-dcbb9e9d.pth",
    urls=("https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",),
    sha256="dcbb9e9d",
    license=TORCHVISION_LICENSE,
    origin="torchvision VGG-19 trained on ImageNet; the perceptual loss of TPSMM/MRAA/PGMM/DynaST",
    used_by=("tpsmm", "mraa", "pgmm", "dynast"),
    location="torch_hub",
))
register(WeightSpec(
    id="resnet18.imagenet-torchvision",
    filename="resnet18-f37072fd.pth",
    urls=("https://download.pytorch.org/models/resnet18-f37072fd.pth",),
    sha256="f37072fd",
    license=TORCHVISION_LICENSE,
    origin="torchvision ResNet-18 trained on ImageNet; CorrNet's backbone initialisation",
    used_by=("corrnet",),
    location="torch_hub",
))

# --- DynaST (baselines/dynast) ---
register(WeightSpec(
    id="dynast.deepfashion-official",
    filename="dynast_deepfashion_latest_net_G.pth",
    sha256=None,
    license="Apache-2.0 (Huage001/DynaST); trained on DeepFashion (non-commercial research use)",
    origin="official DynaST generator (ECCV 2022) trained on DeepFashion at 256x256; 20-channel pose maps",
    used_by=("dynast",),
    manual=(
        "download latest_net_G.pth from the Google Drive link in github.com/Huage001/DynaST README "
        "(file id 1UJ9xsQBBWZEXOz-jizerR4Qjo7n1kYmy)"
    ),
    notes="plain generator state dict (674 tensors); converted on load by baselines.dynast.convert",
))

# --- TPSMM official checkpoints (baselines/tpsmm; converted on load by baselines/tpsmm/convert.py) ---
_TPSMM_MANUAL = (
    "download {f} from the official TPSMM release linked in the README of "
    "https://github.com/yoyo-nb/Thin-Plate-Spline-Motion-Model (Google Drive folder "
    "https://drive.google.com/drive/folders/1pNDo1ODQIb5HVObRtCmubqJikmR7VVLT or Yandex "
    "https://disk.yandex.com/d/bWopgbGj1ZUV1w)"
)
for _setup, _file, _res, _what in (
    ("vox", "vox.pth.tar", 256, "VoxCeleb faces"),
    ("taichi", "taichi.pth.tar", 256, "TaiChiHD full bodies"),
    ("ted", "ted.pth.tar", 384, "TED-talks upper bodies"),
    ("mgif", "mgif.pth.tar", 256, "MGif cartoon animals"),
):
    register(WeightSpec(
        id=f"tpsmm.{_setup}{_res}-official",
        filename=_file,
        sha256=None,  # upstream publishes no checksum; recorded on install
        license="MIT (repository licence; no separate licence stated for the weights)",
        origin=f"official TPSMM checkpoint trained on {_what} at {_res}×{_res} (yoyo-nb, CVPR 2022)",
        used_by=("tpsmm",),
        manual=_TPSMM_MANUAL.format(f=_file),
        notes="converted to slvg-bench modules on load (baselines/tpsmm/convert.py)",
        extra={"setup": _setup, "image_size": _res},
    ))
del _setup, _file, _res, _what
