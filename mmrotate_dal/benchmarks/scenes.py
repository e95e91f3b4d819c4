"""DOTA-scale assignment inputs: the anchors of a 1024 x 1024 image, GTs and predictions."""
import math
from typing import Tuple

import torch
from torch import Tensor


def dota_anchors(img_size: int = 1024, strides=(8, 16, 32, 64, 128),
                 ratios=(0.5, 1.0, 2.0), octave_base_scale: float = 4.0) -> Tensor:
    """(N, 5) horizontal anchors, ``len(ratios)`` per location on P3-P7 (65,472 at 1024 px).

    Sizes are ``octave_base_scale * stride`` (MMRotate's RetinaNet convention), centres at
    ``(i + 0.5) * stride``, levels then locations then ratios as mmdet orders them.
    """
    out = []
    for stride in strides:
        n = math.ceil(img_size / stride)
        centers = (torch.arange(n, dtype=torch.float32) + 0.5) * stride
        cy, cx = torch.meshgrid(centers, centers, indexing='ij')
        size = octave_base_scale * stride
        per_ratio = []
        for r in ratios:
            w, h = size / math.sqrt(r), size * math.sqrt(r)
            per_ratio.append(torch.stack([cx, cy, torch.full_like(cx, w), torch.full_like(cx, h),
                                          torch.zeros_like(cx)], -1).reshape(-1, 5))
        out.append(torch.stack(per_ratio, 1).reshape(-1, 5))
    return torch.cat(out)


def level_sizes(img_size: int = 1024, strides=(8, 16, 32, 64, 128), per_location: int = 3):
    """Anchors per level of :func:`dota_anchors`."""
    return [math.ceil(img_size / s)**2 * per_location for s in strides]


def dota_gts(num: int, img_size: int = 1024, seed: int = 0,
             sizes: Tuple[float, float] = (10, 300)) -> Tuple[Tensor, Tensor]:
    """``num`` rotated GTs with DOTA-like sizes (long side log-uniform in ``sizes`` px) and aspect
    ratios (1-8), and their labels (15 classes)."""
    g = torch.Generator().manual_seed(seed)
    low, high = sizes
    long_side = torch.exp(math.log(low) + torch.rand(num, generator=g) * math.log(high / low))
    ratio = 1 + torch.rand(num, generator=g) * 7
    centers = torch.rand(num, 2, generator=g) * img_size
    t = (torch.rand(num, generator=g) - 0.5) * math.pi
    boxes = torch.cat([centers, long_side[:, None], (long_side / ratio)[:, None], t[:, None]], 1)
    return boxes, torch.randint(0, 15, (num, ), generator=g)


def predictions(anchors: Tensor, gts: Tensor, seed: int = 0) -> Tensor:
    """Decoded predictions: anchors moved a little, and a third of those near a GT snapped onto it
    (as a partly trained detector does)."""
    g = torch.Generator().manual_seed(seed + 1)
    preds = anchors + torch.randn(anchors.shape, generator=g) * torch.tensor([2., 2., 2., 2., 0.1])
    preds[:, 2:4] = preds[:, 2:4].abs() + 1
    if gts.numel():
        d = torch.cdist(anchors[:, :2], gts[:, :2])
        nearest = d.argmin(1)
        close = (d.gather(1, nearest[:, None]).squeeze(1) < anchors[:, 2:4].max(1).values) & (
            torch.rand(len(anchors), generator=g) < 0.33)
        jitter = torch.randn(int(close.sum()), 5, generator=g) * torch.tensor([2., 2., 2., 1., .05])
        preds[close] = gts[nearest[close]] + jitter
        preds[:, 2:4] = preds[:, 2:4].abs() + 1
    return preds
