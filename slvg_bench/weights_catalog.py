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

# --- recognition: CorrNet (WER) -------------------------------------------------------------
CORRNET_REPO = "https://github.com/hulianyuyy/CorrNet"
CORRNET_COMMIT = "c5f903c5025fbf324d4847e1ae65c6cc8c9fa09a"
CORRNET_LICENSE = "no licence file in the CorrNet repository; released for research use"
CORRNET_RAW = f"https://raw.githubusercontent.com/hulianyuyy/CorrNet/{CORRNET_COMMIT}"

register(WeightSpec(
    id="corrnet.phoenix2014t-official",
    filename="corrnet_phoenix2014-T_official.pt",
    license=CORRNET_LICENSE,
    origin="CorrNet (Hu et al., CVPR 2023) trained on PHOENIX-2014-T by the authors; dev 18.9 / test 20.5 WER. "
           "{'model_state_dict': ...}, 186 keys, 1116 classes",
    used_by=("wer",),
    manual=("download the PHOENIX2014-T checkpoint linked from " + CORRNET_REPO + " (README, 'Inference'): "
            "Google Drive https://drive.google.com/file/d/1c_wNHYMqCbqRE5KqrQL1P6chOw5VBS6Q/view or Baidu "
            "https://pan.baidu.com/s/1osUDzpPhKPDavxyvqOrVfQ (passwd deuq)"),
    notes="upstream publishes no checksum; the digest is recorded on install",
))
register(WeightSpec(
    id="corrnet.csl-daily-official",
    filename="corrnet_CSL-Daily_official.pt",
    license=CORRNET_LICENSE,
    origin="CorrNet trained on CSL-Daily by the authors (dev 30.6 / test 30.1 WER); structure without corr1 "
           "and with a 2-entry alpha (corr_stages=(3, 4)), 175 keys, 2001 classes",
    used_by=("wer",),
    manual=("download the CSL-Daily checkpoint (dev_30.60_CSL-Daily.pt) linked from " + CORRNET_REPO +
            " (README, 'Inference'): Google Drive https://drive.google.com/file/d/1-aSKPe9cVkvHeiJuyQm3HlZ5u63CI-mm/view "
            "or Baidu https://pan.baidu.com/s/1WzNltivGRbfV33wkM4rzjg (passwd u2iv)"),
    notes="upstream publishes no checksum; the digest is recorded on install",
))
register(WeightSpec(
    id="corrnet.phoenix2014t-gloss-dict",
    filename="corrnet_phoenix2014-T_gloss_dict.npy",
    urls=(f"{CORRNET_RAW}/preprocess/phoenix2014-T/gloss_dict.npy",),
    sha256="5f85a420ade0baed106369866e563b338580095de89a82d3e374bcd44f98d151",
    license=CORRNET_LICENSE,
    origin=f"CorrNet's PHOENIX-2014-T vocabulary (1115 glosses -> [index, count]) at commit {CORRNET_COMMIT[:12]}",
    used_by=("wer",),
    notes="pickled .npy; read with an allowlist unpickler (slvg_bench.recognition.gloss_dict)",
))
register(WeightSpec(
    id="corrnet.csl-daily-gloss-dict",
    filename="corrnet_CSL-Daily_gloss_dict.npy",
    urls=(f"{CORRNET_RAW}/preprocess/CSL-Daily/gloss_dict.npy",),
    sha256="79fe1a3e8440e8d4c4cf2f4ac386f6812074bfde08334315a8ee166437475907",
    license=CORRNET_LICENSE,
    origin=f"CorrNet's CSL-Daily vocabulary (2000 glosses -> [index, count]) at commit {CORRNET_COMMIT[:12]}",
    used_by=("wer",),
    notes="pickled .npy; read with an allowlist unpickler (slvg_bench.recognition.gloss_dict)",
))
register(WeightSpec(
    id="corrnet.synthsign-slvg",
    filename="corrnet_synthsign.pt",
    license="MIT (trained by slvg-bench on its synthetic synthsign data)",
    origin="CorrNet architecture at reduced width trained here on the synthsign train split "
           "(see docs/wer.md); carries its gloss dictionary and input path",
    used_by=("wer",),
    produced_by="slvg-bench recognizer train --dataset synthsign",
    notes="CPU training is not bit-reproducible across machines, so no fixed checksum",
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
