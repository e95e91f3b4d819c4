"""RegressionAwareFocalLoss against a hand computation of the sigmoid focal loss."""
import math

import pytest
import torch

from mmrotate.registry import MODELS


def focal(logit, target, alpha=0.25, gamma=2.0):
    p = 1 / (1 + math.exp(-logit))
    if target:
        return -alpha * (1 - p) ** gamma * math.log(p)
    return -(1 - alpha) * p ** gamma * math.log(1 - p)


def test_mined_positive_term_is_scaled_by_its_weight_only():
    loss = MODELS.build(dict(type='RegressionAwareFocalLoss', use_sigmoid=True, gamma=2.0,
                             alpha=0.25, loss_weight=1.0))
    logits = torch.tensor([[0.3, -1.2], [1.5, 0.4], [-0.7, 2.0], [0.1, 0.2]])
    labels = torch.tensor([0, 1, 2, 0])  # 2 = background
    label_weights = torch.tensor([1.0, 1.0, 1.0, 0.0])  # anchor 3 ignored
    weight = torch.tensor([0.6, 1.0, 0.0, 0.9])  # anchor 0 mined (fa 0.6), anchor 1 by IoU
    got = loss(logits, labels, label_weights, weight, avg_factor=2.0)
    expected = (0.6 * focal(0.3, 1) + focal(-1.2, 0)  # mined: only its class term scaled
                + focal(1.5, 0) + focal(0.4, 1)  # IoU-matched positive: unchanged
                + focal(-0.7, 0) + focal(2.0, 0)) / 2.0  # negative; anchor 3 ignored
    assert got.item() == pytest.approx(expected, rel=1e-5)
    # with every weight 1 it is mmdet's focal loss
    plain = MODELS.build(dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25))
    ones = loss(logits, labels, label_weights, torch.ones(4), avg_factor=2.0)
    ref = plain(logits, labels, label_weights, avg_factor=2.0)
    assert ones.item() == pytest.approx(ref.item(), rel=1e-5)


def test_matching_sensitive_focal_loss_is_unchanged_by_the_refactor():
    loss = MODELS.build(dict(type='MatchingSensitiveFocalLoss', use_sigmoid=True))
    logits = torch.tensor([[0.3, -1.2]])
    got = loss(logits, torch.tensor([0]), torch.ones(1), torch.tensor([0.5]), avg_factor=1.0)
    assert got.item() == pytest.approx(1.5 * focal(0.3, 1) + focal(-1.2, 0), rel=1e-5)
