"""Sparse rotated IoU equals mmrotate's dense rbbox_overlaps element for element."""
import math

import pytest
import torch

from mmrotate.structures.bbox import RotatedBoxes, rbbox_overlaps
from mmrotate_dal.models.task_modules import (candidate_pairs, dense_rotated_iou,
                                              rotated_iou_aligned, sparse_rotated_iou)
from mmrotate_dal.models.task_modules.assigners import SparseRBboxOverlaps2D
from mmrotate_dal.models.task_modules import rotated_iou
from mmrotate_dal.models.task_modules.rotated_iou import paired_sparse_iou
from tests.helpers import random_rboxes, scene


@pytest.mark.parametrize('seed', range(5))
@pytest.mark.parametrize('mode', ['iou', 'iof'])
def test_sparse_equals_dense(seed, mode, device):
    g = torch.Generator().manual_seed(seed)
    b1 = random_rboxes(700, g, extent=300).to(device)
    b2 = random_rboxes(40, g, extent=300).to(device)
    dense = rbbox_overlaps(b1, b2, mode).clamp(0, 1)  # float error can exceed 1 (iof)
    assert (dense > 0).float().mean() < 0.2  # mostly empty, as at DOTA scale
    assert torch.equal(dense_rotated_iou(b1, b2, mode), dense)
    assert torch.equal(SparseRBboxOverlaps2D()(RotatedBoxes(b1), RotatedBoxes(b2), mode), dense)


def test_touching_and_extreme_boxes():
    # squares touching at an edge / a corner, a 1:50 sliver, a rotated box whose enclosing box
    # just reaches its neighbour, tiny boxes
    b1 = torch.tensor([[0., 0., 10., 10., 0.], [20., 0., 10., 10., 0.], [0., 0., 100., 2., 0.3],
                       [50., 50., 10., 10., math.pi / 4], [3., 3., 1e-3, 1e-3, 0.]])
    b2 = torch.tensor([[10., 0., 10., 10., 0.], [10., 10., 10., 10., 0.], [0., 0., 2., 100., 0.],
                       [57.07, 50., 4., 4., 0.], [3., 3., 1e-3, 1e-3, 0.]])
    dense = rbbox_overlaps(b1, b2).clamp(0, 1)
    assert torch.equal(dense_rotated_iou(b1, b2), dense)


def test_far_coordinates_stay_in_range():
    # mmcv's fp32 kernel returns values far outside [0, 1] for non-overlapping pairs at ~1e6 px
    # (measured: 1.3e7 and -101); those pairs are never candidates here, so they are exactly 0.
    b1 = torch.tensor([[0., 0., 10., 10., 0.], [1e6, 1e6, 5., 5., 0.1], [3., 3., 1., 1., 0.]])
    b2 = torch.tensor([[1e6, 1e6, 5., 5., 0.], [3., 3., 1., 1., 0.], [0., 0., 10., 10., 0.]])
    sparse = dense_rotated_iou(b1, b2)
    assert ((sparse >= 0) & (sparse <= 1)).all()
    assert sparse[0, 0] == 0 and sparse[1, 1] == 0 and sparse[1, 2] == 0
    assert sparse[1, 0] > 0.5 and sparse[0, 2] == pytest.approx(1.0, abs=1e-5)


def test_candidates_cover_all_overlaps_and_are_sorted():
    g = torch.Generator().manual_seed(7)
    b1, b2 = random_rboxes(500, g), random_rboxes(30, g)
    rows, cols = candidate_pairs(b1, b2)
    keys = rows * 30 + cols
    assert torch.equal(keys, keys.sort().values)
    nz = (rbbox_overlaps(b1, b2) > 0).nonzero()
    cand = set(keys.tolist())
    assert all(int(i) * 30 + int(j) in cand for i, j in nz)
    r, c, v = sparse_rotated_iou(b1, b2)
    assert torch.equal(v, rbbox_overlaps(b1, b2).clamp(0, 1)[r, c])


def test_chunking_gives_same_pairs(monkeypatch):
    from mmrotate_dal.models.task_modules import rotated_iou
    g = torch.Generator().manual_seed(3)
    b1, b2 = random_rboxes(300, g), random_rboxes(20, g)
    full = candidate_pairs(b1, b2)
    monkeypatch.setattr(rotated_iou, '_CHUNK_ELEMENTS', 37)  # many small chunks
    chunked = candidate_pairs(b1, b2)
    assert torch.equal(full[0], chunked[0]) and torch.equal(full[1], chunked[1])


def test_empty_inputs_and_aligned():
    b = torch.rand(5, 5) * 10 + 1
    assert dense_rotated_iou(b, torch.zeros(0, 5)).shape == (5, 0)
    assert dense_rotated_iou(torch.zeros(0, 5), b).shape == (0, 5)
    aligned = rotated_iou_aligned(b, b)
    assert torch.allclose(aligned, torch.ones(5), atol=1e-4)
    assert torch.equal(SparseRBboxOverlaps2D()(b, b, is_aligned=True), aligned)


def test_fp32_without_grad_under_autocast_and_float64_inputs():
    g = torch.Generator().manual_seed(1)
    b1 = random_rboxes(50, g).double().requires_grad_(True)
    b2 = random_rboxes(10, g).double()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = dense_rotated_iou(b1, b2)
    assert out.dtype == torch.float32 and not out.requires_grad
    assert torch.equal(out, rbbox_overlaps(b1.detach().float(), b2.float()).clamp(0, 1))


def test_bad_arguments():
    calc = SparseRBboxOverlaps2D()
    with pytest.raises(ValueError, match='mode'):
        calc(torch.rand(2, 5), torch.rand(2, 5), mode='giou')
    with pytest.raises(ValueError, match='5'):
        calc(torch.rand(2, 3), torch.rand(2, 3))
    with pytest.raises(ValueError, match='horizontal .* and rotated'):
        calc(torch.rand(2, 4), torch.rand(2, 5))
    from mmdet.structures.bbox import bbox_overlaps  # 4 columns: horizontal boxes
    hb = torch.tensor([[0., 0., 10., 10.], [5., 5., 20., 15.]])
    assert torch.equal(calc(hb, hb), bbox_overlaps(hb, hb))


@pytest.mark.parametrize('force_dense', [False, True])
def test_paired_sparse_iou_equals_two_dense_matrices(force_dense, device, monkeypatch):
    """One candidate pass for anchors and predictions gives both dense matrices at every returned
    pair and only zeros elsewhere; also through the dense-kernel branch (forced on the CPU)."""
    if force_dense:
        monkeypatch.setattr(rotated_iou, 'use_dense_kernel', lambda dev, pairs: True)
    anchors, preds, gts, _ = scene(800, 30, 4)
    preds[7] = float('nan')  # a broken prediction: output IoU 0, its anchor still counts
    preds[11, 0] = float('inf')
    anchors, preds, gts = anchors.to(device), preds.to(device), gts.to(device)
    rows, cols, sa, fa = paired_sparse_iou(anchors, preds, gts)
    dense_sa = rbbox_overlaps(anchors, gts).clamp(0, 1)
    dense_fa = rbbox_overlaps(torch.nan_to_num(preds, posinf=0.0), gts).clamp(0, 1)
    dense_fa[[7, 11]] = 0
    assert (dense_sa[7] > 0).any() and (dense_fa > 0).any()
    keys = rows * gts.size(0) + cols
    assert torch.equal(keys, keys.sort().values)  # sorted by row * G + col
    assert torch.equal(sa, dense_sa[rows, cols]) and torch.equal(fa, dense_fa[rows, cols])
    elsewhere_a, elsewhere_f = dense_sa.clone(), dense_fa.clone()
    elsewhere_a[rows, cols] = 0
    elsewhere_f[rows, cols] = 0
    assert not elsewhere_a.any() and not elsewhere_f.any()
    assert ((sa > 0) | (fa > 0)).float().mean() > 0.5  # few useless pairs


def test_paired_sparse_iou_empty_and_mismatched_inputs():
    empty = torch.zeros(0, 5)
    box = torch.tensor([[10., 10., 4., 4., 0.]])
    assert all(t.numel() == 0 for t in paired_sparse_iou(empty, empty, box))
    assert all(t.numel() == 0 for t in paired_sparse_iou(box, box, empty))
    with pytest.raises(ValueError, match='same shape'):
        paired_sparse_iou(box, box.repeat(2, 1), box)


def _hboxes(n, g, extent=300.0):
    xy = torch.rand(n, 2, generator=g) * extent
    wh = 2 + torch.rand(n, 2, generator=g) * 50
    return torch.cat([xy, xy + wh], 1)


@pytest.mark.parametrize('seed', range(3))
@pytest.mark.parametrize('mode', ['iou', 'iof'])
def test_horizontal_boxes_take_mmdet_bbox_overlaps(seed, mode, device):
    """(n, 4) boxes are horizontal: every entry point gives mmdet's bbox_overlaps."""
    from mmdet.structures.bbox import HorizontalBoxes, bbox_overlaps
    g = torch.Generator().manual_seed(seed)
    b1, b2 = _hboxes(600, g).to(device), _hboxes(40, g).to(device)
    b1[:3] = b2[:3]  # identical pairs
    b1[3] = b2[4] + torch.tensor([b2[4, 2] - b2[4, 0], 0, b2[4, 2] - b2[4, 0], 0],
                                 device=device)  # touching along an edge: IoU 0
    dense = bbox_overlaps(b1, b2, mode).clamp(0, 1)
    assert (dense > 0).any() and (dense == 0).float().mean() > 0.8
    assert torch.equal(dense_rotated_iou(b1, b2, mode), dense)
    assert torch.equal(dense_rotated_iou(HorizontalBoxes(b1), HorizontalBoxes(b2), mode), dense)
    rows, cols, ious = sparse_rotated_iou(b1, b2, mode)
    assert torch.equal(ious, dense[rows, cols])
    assert int((dense > 0).sum()) == int((ious > 0).sum())
    preds = b1 + torch.randn(b1.shape, generator=g).to(device) * 3
    rows, cols, iou_a, iou_b = paired_sparse_iou(b1, preds, b2)
    dense_b = bbox_overlaps(preds, b2).clamp(0, 1)
    assert torch.equal(iou_a, bbox_overlaps(b1, b2).clamp(0, 1)[rows, cols])
    assert torch.equal(iou_b, dense_b[rows, cols])
    assert int((dense_b > 0).sum()) == int((iou_b > 0).sum())


def test_horizontal_and_rotated_boxes_do_not_mix():
    hbox = torch.tensor([[0., 0., 10., 10.]])
    rbox = torch.tensor([[5., 5., 10., 10., 0.]])
    assert rotated_iou.is_horizontal(hbox) and not rotated_iou.is_horizontal(rbox)
    for fn in (dense_rotated_iou, sparse_rotated_iou, rotated_iou_aligned, candidate_pairs):
        with pytest.raises(ValueError, match='horizontal .* and rotated'):
            fn(hbox, rbox)
    with pytest.raises(ValueError, match='horizontal .* and rotated'):
        paired_sparse_iou(rbox, rbox, hbox)
