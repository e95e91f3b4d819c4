"""Matching-sensitive losses against hand-computed values and mmdet's own losses."""
import math

import pytest
import torch

from mmdet.models.losses import FocalLoss, L1Loss, SmoothL1Loss
from mmrotate_dal.models.losses import MatchingSensitiveBBoxLoss, MatchingSensitiveFocalLoss


def focal(p_logit, target, alpha=0.25, gamma=2.0):
    p = 1 / (1 + math.exp(-p_logit))
    if target:
        return -alpha * (1 - p)**gamma * math.log(p)
    return -(1 - alpha) * p**gamma * math.log(1 - p)


def test_focal_hand_computed(device):
    # anchor 0: positive of class 1 with w = 0.5; anchor 1: negative; anchor 2: ignored
    logits = torch.tensor([[0.3, -0.2, 1.0], [-1.0, 0.5, 0.0], [2.0, 2.0, 2.0]], device=device)
    labels = torch.tensor([1, 3, 3], device=device)
    label_weights = torch.tensor([1.0, 1.0, 0.0], device=device)
    w = torch.tensor([0.5, 0.9, 0.9], device=device)  # only the positive's entry counts
    expected = (focal(0.3, 0) + (1 + 0.5) * focal(-0.2, 1) + focal(1.0, 0)
                + focal(-1.0, 0) + focal(0.5, 0) + focal(0.0, 0)) / 2.0
    loss = MatchingSensitiveFocalLoss()(logits, labels, label_weights, w, avg_factor=2.0)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_focal_without_weights_equals_mmdet(device):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 4, generator=g)
    labels = torch.randint(0, 5, (50, ), generator=g)
    label_weights = (torch.rand(50, generator=g) > 0.1).float()
    ours = MatchingSensitiveFocalLoss(loss_weight=2.0)(
        logits.to(device), labels.to(device), label_weights.to(device),
        torch.zeros(50, device=device), avg_factor=7.0)
    ref = FocalLoss(use_sigmoid=True, loss_weight=2.0)(logits, labels, label_weights, avg_factor=7.0)
    assert ours.item() == pytest.approx(ref.item(), rel=1e-5)


def test_focal_image_normalisation_is_mean_of_per_image_losses():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(30, 3, generator=g)
    labels = torch.full((30, ), 3)
    labels[[0, 1, 2, 20]] = torch.tensor([0, 2, 1, 1])  # image 0: 3 positives, image 1: 1
    w = torch.rand(30, generator=g)
    ones = torch.ones(30)
    img = torch.arange(30) // 15
    num_pos = torch.tensor([3.0, 1.0])
    image_norm = 2 * num_pos[img]
    loss = MatchingSensitiveFocalLoss(normalize='image')(logits, labels, ones, w,
                                                         image_norm=image_norm)
    per_image = [MatchingSensitiveFocalLoss()(logits[img == i], labels[img == i], ones[:15],
                                              w[img == i], avg_factor=float(num_pos[i]))
                 for i in range(2)]
    assert loss.item() == pytest.approx(sum(per_image).item() / 2, rel=1e-5)


def test_bbox_batch_mode_is_w_weighted_base_loss():
    g = torch.Generator().manual_seed(2)
    pred, target = torch.randn(20, 5, generator=g), torch.randn(20, 5, generator=g)
    weight = (torch.rand(20, 1, generator=g) > 0.5).float().expand(20, 5)
    w = torch.rand(20, generator=g) * 1.2
    loss = MatchingSensitiveBBoxLoss(loss_bbox=dict(type='mmdet.L1Loss'))(
        pred, target, weight, w, avg_factor=4.0)
    expected = ((pred - target).abs() * weight * w[:, None]).sum() / 4.0
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    assert loss.item() == pytest.approx(
        L1Loss()(pred, target, weight * w[:, None], avg_factor=4.0).item(), rel=1e-6)


def test_bbox_image_mode_is_released_per_element_mean():
    # released code: per image, mean over (positives x 5) of w * smoothL1(beta 1/9); mean over images
    g = torch.Generator().manual_seed(3)
    pred, target = torch.randn(12, 5, generator=g), torch.randn(12, 5, generator=g)
    pos = torch.tensor([1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0], dtype=torch.bool)
    img = torch.arange(12) // 6  # image 0: 3 positives, image 1: 1
    w = torch.rand(12, generator=g)
    weight = pos.float()[:, None].expand(12, 5)
    num_pos = torch.tensor([3.0, 1.0])
    loss = MatchingSensitiveBBoxLoss(normalize='image')(pred, target, weight, w,
                                                          image_norm=2 * num_pos[img])
    smooth = SmoothL1Loss(beta=1 / 9, reduction='none')(pred, target)
    per_image = [(smooth[pos & (img == i)] * w[pos & (img == i), None]).mean() for i in range(2)]
    assert loss.item() == pytest.approx(((per_image[0] + per_image[1]) / 2).item(), rel=1e-5)


def test_bad_settings():
    with pytest.raises(ValueError, match='normalize'):
        MatchingSensitiveFocalLoss(normalize='images')
    with pytest.raises(ValueError, match='normalize'):
        MatchingSensitiveBBoxLoss(normalize='per_image')
    with pytest.raises(ValueError, match='use_sigmoid'):
        MatchingSensitiveFocalLoss(use_sigmoid=False)
    with pytest.raises(ValueError, match='image_norm'):
        MatchingSensitiveFocalLoss(normalize='image')(torch.zeros(1, 2), torch.tensor([2]),
                                                      torch.ones(1), torch.zeros(1))
