"""The robust rotated IoU behind RotatedIoULoss: polygon clipping, checked against shapely.

The sweeps are the ones that found upstream's failures (issue #17): coincident and nearly
coincident pairs, the same box at angle + pi, w/h swapped at angle + pi/2, boxes sharing an edge,
one box inside the other. The reference is shapely on the float32 boxes' own values.
"""
import math

import numpy as np
import pytest
import torch
from mmcv.ops import box_iou_rotated, diff_iou_rotated_2d

from mmrotate.registry import MODELS
from mmrotate_dal.models.losses import (rotated_iou_clip, rotated_iou_impl, rotated_iou_impl_as,
                                        set_rotated_iou_impl)
from mmrotate_dal.benchmarks.iou_sweep import CASES, pair_case, shapely_ref, sweep, sweep_boxes
from tests.models.losses.test_diff_iou_rotated_cpu import SPECIAL, random_pairs


@pytest.mark.parametrize('name', CASES)
def test_sweep_equals_shapely(name):
    g = torch.Generator().manual_seed(CASES.index(name))
    a = sweep_boxes(400, seed=CASES.index(name))
    b = pair_case(name, a, g)
    got = rotated_iou_clip(a, b).double()
    ref = shapely_ref(a, b)
    np.testing.assert_allclose(got, ref, atol=1e-5)
    if name in ('identical', 'angle + pi', 'w/h swapped, angle + pi/2'):
        assert (ref > 1 - 1e-5).all()
    if name == 'sharing one edge':
        assert (ref < 1e-5).all()


def test_near_coincident_pairs_at_many_angles_and_aspect_ratios():
    angles = torch.linspace(-math.pi, math.pi, 37)
    ratios = torch.tensor([1.0, 1.5, 3.0, 8.0, 20.0])
    rows = [(60.0, 40.0, 24.0, 24.0 / r, t) for t in angles.tolist() for r in ratios.tolist()]
    a = torch.tensor(rows)
    g = torch.Generator().manual_seed(7)
    for scale in (0.0, 1e-6, 1e-4, 1e-2):
        b = a + torch.randn(a.shape, generator=g) * scale
        np.testing.assert_allclose(rotated_iou_clip(a, b).double(), shapely_ref(a, b), atol=1e-5)


def test_random_pairs_equal_shapely_and_mmcv_kernel():
    a, b = random_pairs(500, seed=0)
    got = rotated_iou_clip(a, b)
    np.testing.assert_allclose(got.double(), shapely_ref(a, b), atol=1e-5)
    np.testing.assert_allclose(got, box_iou_rotated(a, b, aligned=True), atol=2e-5)


@pytest.mark.parametrize('box1,box2,expected', SPECIAL + [
    ((0, 0, 6, 3, 0.5), (0, 0, 0.0, 3, 0.5), 0.0),  # zero width: upstream says 1/3
    ((5, 5, 6, 2, 1.0), (5, 5, 6, 2, 1.0 + math.pi), 1.0),  # upstream says 1/3
    ((95.2738, 3.6165, 28.1096, 5.5335, 0.4078), (95.2738, 3.6165, 28.1096, 5.5335, 0.4078),
     1.0),  # the issue's example: upstream's CPU path said 0
])
def test_special_pairs(box1, box2, expected):
    iou = rotated_iou_clip(torch.tensor([box1]), torch.tensor([box2])).item()
    assert iou == pytest.approx(expected, abs=1e-5)


def test_gradcheck_away_from_degenerate_points_and_finite_on_them():
    a, b = random_pairs(12, seed=2, dtype=torch.float64)
    ious = rotated_iou_clip(a, b)
    keep = (ious > 0.05) & (ious < 0.95)
    a = a[keep].clone().requires_grad_(True)
    assert len(a) >= 5
    assert torch.autograd.gradcheck(lambda p: rotated_iou_clip(p, b[keep]), (a, ), eps=1e-6,
                                    atol=1e-5)
    boxes = sweep_boxes(64, seed=11)
    for name in CASES:
        pred = pair_case(name, boxes, torch.Generator().manual_seed(0)).requires_grad_(True)
        rotated_iou_clip(pred, boxes).sum().backward()
        assert torch.isfinite(pred.grad).all(), name
    zero = torch.tensor([[0., 0., 0., 0., 0.]], requires_grad=True)
    out = rotated_iou_clip(zero, zero.detach())
    out.sum().backward()
    assert out.item() == 0 and torch.isfinite(zero.grad).all()


@pytest.mark.parametrize('mode', ['log', 'linear', 'square'])
def test_rotated_iou_loss_of_a_perfect_prediction_is_zero(mode):
    loss = MODELS.build(dict(type='RotatedIoULoss', mode=mode, loss_weight=1.0))
    g = torch.Generator().manual_seed(0)
    targets = torch.rand(64, 5, generator=g)  # the issue's batch: centres 0-100, sizes 5-35
    targets[:, :2] *= 100
    targets[:, 2:4] = 5 + targets[:, 2:4] * 30
    targets[:, 4] = (targets[:, 4] * 2 - 1) * 1.5
    assert loss(targets.clone(), targets).item() < 1e-5
    for name in ('angle + pi', 'w/h swapped, angle + pi/2'):
        assert loss(pair_case(name, targets, g), targets).item() < 1e-5, name


def test_the_registered_loss_on_the_issue_sweep_has_no_wrong_pair():
    rows = sweep(400)
    assert sum(r['wrong/robust'] for r in rows) == 0, rows
    assert max(r['max_error/robust'] for r in rows) < 1e-5
    assert sum(r['wrong/upstream'] for r in rows) > 100  # upstream's algorithm fails it


def test_upstream_implementation_stays_available(monkeypatch):
    loss = MODELS.build(dict(type='RotatedIoULoss', mode='linear'))
    box = torch.tensor([[5., 5., 6., 2., 1.0]])
    flipped = box + torch.tensor([[0., 0., 0., 0., math.pi]])
    assert rotated_iou_impl() == 'robust'
    assert loss(flipped, box).item() == pytest.approx(0, abs=1e-5)
    with rotated_iou_impl_as('upstream'):
        assert rotated_iou_impl() == 'upstream'
        upstream = diff_iou_rotated_2d(flipped[None], box[None]).item()
        assert upstream < 0.5  # mmcv's algorithm is wrong on this pair; it is used as it is
        assert loss(flipped, box).item() == pytest.approx(1 - upstream, abs=1e-6)
    assert rotated_iou_impl() == 'robust'
    monkeypatch.setenv('MMROTATE_DAL_ROTATED_IOU', 'upstream')
    assert rotated_iou_impl() == 'upstream'
    set_rotated_iou_impl('robust')  # an explicit choice beats the environment
    assert rotated_iou_impl() == 'robust'
    set_rotated_iou_impl(None)
    monkeypatch.setenv('MMROTATE_DAL_ROTATED_IOU', 'fast')
    with pytest.raises(ValueError, match='MMROTATE_DAL_ROTATED_IOU must be one of'):
        rotated_iou_impl()
    with pytest.raises(ValueError, match='must be one of'):
        set_rotated_iou_impl('exact')
    with pytest.raises(ValueError, match='same shape'):
        rotated_iou_clip(box, torch.zeros(2, 5))
    assert rotated_iou_clip(torch.zeros(0, 5), torch.zeros(0, 5)).shape == (0, )
