"""The catalog of every pretrained weight file the toolkit knows (declared data, no code).

Ids are ``arch.tag``. sha256 values that are 8 hex digits are the prefixes that
upstream embeds in the file names (torchvision, OpenMMLab, pytorch-fid); None means upstream
publishes no checksum (the digest is recorded on install and in provenance).
Add an entry here when a module needs a new file; ``slvg-bench weights list``
shows them all.
"""

from slvg_bench.weights import WeightSpec, register

TORCHVISION_LICENSE = "BSD-3-Clause (torchvision); ImageNet weights for non-commercial research use"


def _torchvision(arch: str, filename: str, origin: str, used_by: tuple[str, ...]) -> WeightSpec:
    """``<arch>.imagenet-torchvision``: a file from download.pytorch.org/models, kept in torch hub's cache.

    torchvision names its files ``<name>-<sha256 prefix>.pth``; that prefix is the checksum.
    """
    return WeightSpec(
        id=f"{arch}.imagenet-torchvision",
        filename=filename,
        urls=(f"https://download.pytorch.org/models/{filename}",),
        sha256=filename.removesuffix(".pth").rsplit("-", 1)[1],
        license=TORCHVISION_LICENSE,
        origin=origin,
        used_by=used_by,
        location="torch_hub",
    )


register(_torchvision("alexnet", "alexnet-owt-7be5be79.pth",
                      "torchvision AlexNet (one weird trick) trained on ImageNet; the LPIPS-alex backbone",
                      ("lpips-alex",)))
register(_torchvision("vgg16", "vgg16-397923af.pth",
                      "torchvision VGG-16 trained on ImageNet; the LPIPS-vgg backbone", ("lpips-vgg",)))
register(_torchvision("vgg19", "vgg19-dcbb9e9d.pth",
                      "torchvision VGG-19 trained on ImageNet; the perceptual loss of TPSMM/MRAA/PGMM/DynaST",
                      ("tpsmm", "mraa", "pgmm", "dynast")))
register(_torchvision("resnet18", "resnet18-f37072fd.pth",
                      "torchvision ResNet-18 trained on ImageNet; CorrNet's backbone initialisation", ("corrnet",)))

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

# --- MRAA official checkpoints (baselines/mraa; converted on load by baselines/mraa/convert.py) ---
_MRAA_MANUAL = (
    "download {f} from the official MRAA checkpoints folder linked in the README of "
    "https://github.com/snap-research/articulated-animation (Google Drive folder "
    "https://drive.google.com/drive/folders/1jCeFPqfU_wKNYwof0ONICwsj3xHlr_tb)"
)
for _setup, _file, _res, _what in (
    ("vox", "vox256.pth", 256, "VoxCeleb faces"),
    ("taichi", "taichi256.pth", 256, "TaiChiHD full bodies"),
    ("ted", "ted384.pth", 384, "TED-talks upper bodies"),
    ("ted-youtube", "ted-youtube384.pth", 384, "TED-talks YouTube upper bodies (20 regions)"),
    ("mgif", "mgif256.pth", 256, "MGif cartoon animals"),
):
    register(WeightSpec(
        id=f"mraa.{_setup}{_res}-official",
        filename=_file,
        sha256=None,  # upstream publishes no checksum; recorded on install
        license="none granted: Snap Inc. sample-code notice (informational use only; no licence to copy, "
                "modify or distribute) covers the repository; no separate terms for the weights",
        origin=f"official MRAA checkpoint trained on {_what} at {_res}×{_res} (snap-research, CVPR 2021)",
        used_by=("mraa",),
        manual=_MRAA_MANUAL.format(f=_file),
        notes="converted to slvg-bench modules on load (baselines/mraa/convert.py)",
        extra={"setup": _setup, "image_size": _res},
    ))
del _setup, _file, _res, _what
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
    packaged="corrnet_synthsign.pt",
    sha256="ea5dfdd81d193119c3965b0d0e3da58279a53d1c3c65d25e16a1289ad9b0a7b9",
    size_bytes=5460736,
    license="MIT (trained by slvg-bench on its synthetic synthsign data)",
    origin="CorrNet architecture at a quarter width (ResNet-18 16/32/64/128, 2x2 pooled frame features, temporal "
           "conv and BiLSTM 128) trained here on synthsign's eight train identities plus 24 extra training "
           "signers (its own medium render at 64 px), 11 joint epochs with frame-level CE and point regression, "
           "then 10 epochs of the temporal layers on frozen features, with 24 still clips per epoch (one frame "
           "repeated, no glosses: a still video reads as nothing); input 64 -> crop 56, 12.5 fps, minus the "
           "temporal median. 18.2 min of training on 2 CPU cores (2110 CPU-s), after 98 s rendering its training copy; dev WER 9.6 % (docs/wer.md); "
           "carries its gloss dictionary and input path",
    used_by=("wer",),
    produced_by="slvg-bench recognizer train --dataset synthsign",
    notes="the shipped copy's checksum is fixed; CPU training is not bit-reproducible across machines, so a "
          "retrain (installed into the cache, where it takes precedence) has its own",
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

# --- metrics: the FVD network (Kinetics-400 Inception-I3D, TF-Hub i3d-kinetics-400/1) -------------
# Neither file has a published sha256; the git blob SHA-1 of each upstream copy is recorded in
# `extra` and compared when the file is loaded (reported with every FVD).
I3D_LICENSE = "Apache-2.0 (DeepMind kinetics-i3d / TF-Hub i3d-kinetics-400 weights); conversions by their authors"
register(WeightSpec(
    id="i3d.k400-tats",
    filename="i3d_pretrained_400.pt",
    urls=(
        "https://github.com/songweige/TATS/raw/main/tats/fvd/i3d_pretrained_400.pt",
        "https://onedrive.live.com/download?cid=78EEF3EB6AE7DBCB&resid=78EEF3EB6AE7DBCB%21199&authkey=AApKdFHPXzWLNyI",
    ),
    sha256=None,
    license=I3D_LICENSE,
    origin="VideoGPT/TATS state dict converted from TF-Hub i3d-kinetics-400/1 (tats/fvd/convert_tf_pretrained.py); "
           "byte-identical copy in common_metrics_on_video_quality (fvd/videogpt/)",
    used_by=("fvd-i3d-k400",),
    manual="VideoGPT Google-Drive id 1mQK8KD8G6UWRa5t87SRMm5PVXtlpneJT, or the TATS repository file tats/fvd/i3d_pretrained_400.pt",
    notes="about 50 MB; plain state dict (287 keys), loaded with weights_only=True",
    extra={"git_blob_sha1": "a867b87ac3a9097d200598b1d48a1b890d8ec744"},
))
register(WeightSpec(
    id="i3d.k400-styleganv",
    filename="i3d_torchscript.pt",
    urls=("https://www.dropbox.com/s/ge9e5ujwgetktms/i3d_torchscript.pt?dl=1",),
    sha256=None,
    license=I3D_LICENSE,
    origin="StyleGAN-V TorchScript export of TF-Hub i3d-kinetics-400/1 (src/metrics/frechet_video_distance.py)",
    used_by=("fvd-i3d-k400",),
    manual="https://www.dropbox.com/s/ge9e5ujwgetktms/i3d_torchscript.pt?dl=0 (also in "
           "JunyaoHu/common_metrics_on_video_quality at fvd/styleganv/i3d_torchscript.pt)",
    notes="TorchScript module; called with keyword arguments x=, rescale=False, resize=False, return_features=True",
    extra={"git_blob_sha1": "93daef59c7ae0e9e8f76225521407e60cbafa6aa"},
))

# --- metrics: the FID network (pytorch-fid's port of the TF Inception 2015-12-05) ----------------
# pytorch-fid publishes the sha256 prefix in the file name (torch.hub's `<name>-<sha256[:8]>.pth`
# convention, like torchvision's files): that prefix is the verified checksum. The full digest in
# `extra` is the one third-party FID code pins for this URL (e.g. genforce's inception model table,
# 95,628,359 bytes); it is not published by pytorch-fid itself.
register(WeightSpec(
    id="inception-v3.pytorch-fid",
    filename="pt_inception-2015-12-05-6726825d.pth",
    urls=("https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth",),
    sha256="6726825d",
    license="Apache-2.0 (pytorch-fid; the TensorFlow Inception 2015-12-05 weights it ports are Apache-2.0)",
    origin="pytorch-fid 0.3.0 (mseitzer) port of the TF Inception-v3 graph inception-2015-12-05 used by the "
           "original TTUR FID code; torchvision Inception-v3 layout with 1008 classes and the FID block patches",
    used_by=("fid-inception",),
    location="torch_hub",
    notes="plain state dict; loaded strictly into slvg_bench.metrics.inception_fid.FIDInceptionV3",
    extra={"sha256_full_reported": "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2",
           "size_bytes_reported": 95628359},
))

# --- pose estimators (slvg_bench/pose, issue 6) ---
register(WeightSpec(
    id="hrnet-w32.coco-wholebody-256x192",
    filename="hrnet_w32_coco_wholebody_256x192-853765cd_20200918.pth",
    urls=("https://download.openmmlab.com/mmpose/top_down/hrnet/hrnet_w32_coco_wholebody_256x192-853765cd_20200918.pth",),
    sha256="853765cd",
    license="Apache-2.0 (MMPose model zoo); trained on COCO-WholeBody",
    origin="MMPose 0.x top-down HRNet-W32 trained on COCO-WholeBody at 256x192 (Jin et al., ECCV 2020); "
           "the paper's pose estimator P_e",
    used_by=("hrnet-w32-wholebody", "pgmm"),
))
register(WeightSpec(
    id="posenet.synthsign",
    filename="posenet-synthsign.pt",
    packaged="posenet-synthsign.pt",
    sha256="e9f5a0c689db1f75b5b2764440a8d7c19cefdb4df12a4ac18321236c7a1aa6a4",
    size_bytes=1745327,
    license="MIT (trained by slvg-bench on the synthetic synthsign dataset)",
    origin="small heatmap U-Net (0.43M parameters, widths 16/32/64/96, 133 COCO-WholeBody heatmaps at 1/4 "
           "resolution) trained by slvg-bench on synthsign's exact keypoints (train split, small, seed 0): default "
           "PoseTrainConfig, 1200 steps, 136 s wall alone on 2 CPU cores; stored in float32 as trained (1.7 MB). "
           "Test split (24 videos, 2030 frames, unseen signers), PCK@0.1 of the person box: body 0.961, hands "
           "0.942, face 1.000; mean error 2.44 / 3.15 / 0.61 px (docs/pose.md)",
    used_by=("posenet-synthsign", "pgmm", "akd", "mpjpe", "dtw-mje"),
    produced_by="slvg-bench pose train --dataset synthsign",
    notes="code commit 94e75f9; CPU training is not bit-reproducible across machines, so a retrain (installed "
          "into the cache, where it takes precedence) differs in its last digits and its checksum",
    extra={"dataset": "synthsign"},
))

# --- models trained here on synthsign and shipped inside the package (slvg_bench/shipped/) -----------
register(WeightSpec(
    id="pgmm.synthsign",
    filename="pgmm-synthsign.pt",
    packaged="pgmm-synthsign.pt",
    sha256="8a7edfb21ca538d1a9ca22ba0d8051b1b7d387b8a2dd910d942bd9d570bb6480",
    size_bytes=12951169,
    license="MIT (trained by slvg-bench on its synthetic synthsign data)",
    origin="PGMM (+pfm: CMM + PFM at the two coarsest scales) at 128x128, K = 10, 6.4M parameters, trained here "
           "on synthsign's train split: presets `cpu` (3740 steps, 11 epochs, ~50 min on 2 CPU cores, bf16 autocast) "
           "then `cpu-ft` (1020 steps, occlusion sparsity 10, ~11 min); stored in float16 (`slvg-bench weights "
           "pack`). Dev split: L1 0.0208 / SSIM 0.888 vs static 0.0218 / 0.877 (docs/methods/pgmm.md)",
    used_by=("pgmm",),
    produced_by="slvg-bench train -m pgmm -d synthsign --preset cpu && "
                "slvg-bench train -m pgmm -d synthsign --preset cpu-ft && "
                "slvg-bench weights pack $SLVG_BENCH_HOME/training/pgmm/synthsign-cpu-ft/final.pt pgmm-synthsign.pt",
    notes="code commit 036c9b34 (plus the uncommitted cpu-ft options, committed right after); CPU training is not "
          "bit-reproducible across machines, so a retrain differs in its last digits and its checksum",
    extra={"method": "pgmm", "dataset": "synthsign", "preset": "cpu-ft"},
))
register(WeightSpec(
    id="tpsmm.synthsign",
    filename="tpsmm-synthsign.pt",
    packaged="tpsmm-synthsign.pt",
    sha256="34266cb02733383d9327ce63b39bd313c6eba0f358dc5613aef54634027b08c3",
    size_bytes=6970809,
    license="MIT (trained by slvg-bench on its synthetic synthsign data)",
    origin="TPSMM at 128x128, K = 10, no background predictor, trained here on synthsign's train split with the "
           "same budget and deviations as pgmm.synthsign: presets `cpu` (3740 steps, bf16 autocast, ~35 min alone "
           "on 2 CPU cores) then `cpu-ft` (1020 steps, occlusion sparsity 10, ~10 min); stored in float16 "
           "(`slvg-bench weights pack`). Dev split: L1 0.0202 / SSIM 0.883 vs static 0.0218 / 0.877; its keypoints "
           "collapsed (spread ~9 px, motion 1-4 px), so the hands are static's (docs/methods/tpsmm.md)",
    used_by=("tpsmm",),
    produced_by="slvg-bench train -m tpsmm -d synthsign --preset cpu && "
                "slvg-bench train -m tpsmm -d synthsign --preset cpu-ft && "
                "slvg-bench weights pack $SLVG_BENCH_HOME/training/tpsmm/synthsign-cpu-ft/final.pt tpsmm-synthsign.pt",
    notes="code commit 8da38da4 (stage 1, resumed once at step 100) and 3aaa4f3d (stage 2; no change to TPSMM "
          "between them); CPU training is not bit-reproducible across machines, so a retrain differs in its last "
          "digits and its checksum",
    extra={"method": "tpsmm", "dataset": "synthsign", "preset": "cpu-ft"},
))
register(WeightSpec(
    id="mraa.synthsign",
    filename="mraa-synthsign.pt",
    packaged="mraa-synthsign.pt",
    sha256="2ccdf1500b79bf48afa1a39d460da20508a7348cb33753738e1e22c0c1e91538",
    size_bytes=5006621,
    license="MIT (trained by slvg-bench on its synthetic synthsign data)",
    origin="MRAA at 128x128, K = 10 regions, no background motion, align_corners true, trained here on "
           "synthsign's train split with the same budget and deviations as pgmm.synthsign and tpsmm.synthsign: "
           "presets `cpu` (3740 steps, bf16 autocast, ~19 min alone on 2 CPU cores) then `cpu-ft` (1020 steps, "
           "occlusion sparsity 10, ~4.5 min); stored in float16 (`slvg-bench weights pack`). Dev split: L1 0.0213 / "
           "SSIM 0.882 vs static 0.0218 / 0.877; its hands are static's (docs/methods/mraa.md)",
    used_by=("mraa",),
    produced_by="slvg-bench train -m mraa -d synthsign --preset cpu && "
                "slvg-bench train -m mraa -d synthsign --preset cpu-ft && "
                "slvg-bench weights pack $SLVG_BENCH_HOME/training/mraa/synthsign-cpu-ft/final.pt mraa-synthsign.pt",
    notes="code commit cb1534b (stage 1; trained from its working tree) and f8d4087 (stage 2, the occlusion "
          "sparsity term; no other change to MRAA between them); CPU training is not bit-reproducible across "
          "machines, so a retrain differs in its last digits and its checksum",
    extra={"method": "mraa", "dataset": "synthsign", "preset": "cpu-ft"},
))
register(WeightSpec(
    id="dynast.synthsign",
    filename="dynast-synthsign.pt",
    packaged="dynast-synthsign.pt",
    sha256="76d9a3142b3111adafb84dcf163a5a2091224fe2b3916f3d72470caa36a16e28",
    size_bytes=25491321,
    license="MIT (trained by slvg-bench on its synthetic synthsign data)",
    origin="DynaST at 128x128 (ngf 16, one transformer layer per scale, top-k 4), whole-body pose maps from the "
           "dataset's keypoints, with the output blend with the exemplar (generator.output_blend exemplar, "
           "loss.unblended, loss.blend_select; not in the official code), trained here on synthsign's train split: "
           "preset `cpu-blend` (680 steps, 2 epochs, bf16 autocast, TPSMM's pair augmentation, ~45 min on 2 CPU "
           "cores); stored in float16 (`slvg-bench weights pack`). Dev split: L1 0.02197 / SSIM 0.8775 vs static "
           "0.02184 / 0.8771 - it ties copying the source (docs/methods/dynast.md)",
    used_by=("dynast",),
    produced_by="slvg-bench train -m dynast -d synthsign --preset cpu-blend && "
                "slvg-bench weights pack $SLVG_BENCH_HOME/training/dynast/synthsign-cpu-blend/final.pt "
                "dynast-synthsign.pt",
    notes="code commit d7368a43; CPU training is not bit-reproducible across machines, so a retrain differs in its "
          "last digits and its checksum",
    extra={"method": "dynast", "dataset": "synthsign", "preset": "cpu-blend"},
))
