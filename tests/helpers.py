"""Random rotated-box scenes shared by the assigner and IoU tests."""
import math

import torch


def random_rboxes(n, generator, extent=200.0, size=(4.0, 60.0), ratio_max=8.0):
    """(n, 5) rotated boxes (cx, cy, w, h, t) with sizes in ``size`` and aspect ratios up to
    ``ratio_max``, angles in [-pi/2, pi/2)."""
    cxcy = torch.rand(n, 2, generator=generator) * extent
    long_side = size[0] + torch.rand(n, generator=generator) * (size[1] - size[0])
    ratio = 1 + torch.rand(n, generator=generator) * (ratio_max - 1)
    t = (torch.rand(n, generator=generator) - 0.5) * math.pi
    return torch.cat([cxcy, long_side[:, None], (long_side / ratio)[:, None], t[:, None]], 1)


def scene(num_anchors, num_gts, seed, extent=200.0):
    """Anchors, predictions and GTs where many predictions land near GTs (high output IoU),
    with exact duplicate anchors/predictions to exercise argmax ties."""
    g = torch.Generator().manual_seed(seed)
    gts = random_rboxes(num_gts, g, extent, size=(8.0, 60.0))
    anchors = random_rboxes(num_anchors, g, extent, size=(8.0, 60.0), ratio_max=3.0)
    anchors[:, 4] = 0  # horizontal anchors, as in RetinaNet
    # some anchors sit on GTs (high input IoU)
    k = num_anchors // 4
    pick = torch.randint(0, num_gts, (k, ), generator=g)
    anchors[:k, :4] = gts[pick, :4] + torch.randn(k, 4, generator=g) * torch.tensor([3, 3, 4, 2])
    anchors[:, 2:4] = anchors[:, 2:4].abs() + 2
    preds = anchors + torch.randn(num_anchors, 5, generator=g) * torch.tensor([4, 4, 4, 2, 0.2])
    # some predictions land on GTs from poor anchors (high output IoU, low input IoU)
    sel = torch.randperm(num_anchors, generator=g)[:num_anchors // 3]
    pick = torch.randint(0, num_gts, (sel.numel(), ), generator=g)
    preds[sel] = gts[pick] + torch.randn(sel.numel(), 5, generator=g) * torch.tensor(
        [1.5, 1.5, 2, 1, 0.05])
    preds[:, 2:4] = preds[:, 2:4].abs() + 1
    # exact duplicates: ties in every argmax
    anchors[-5:] = anchors[k:k + 5].clone()
    preds[-5:] = preds[k:k + 5].clone()
    labels = torch.randint(0, 4, (num_gts, ), generator=g)
    return anchors, preds, gts, labels
