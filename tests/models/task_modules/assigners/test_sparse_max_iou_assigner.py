"""SparseMaxIoUAssigner equals mmdet's MaxIoUAssigner (dense rotated IoU) under every option."""
import itertools

import pytest
import torch
from mmengine.structures import InstanceData

from mmrotate.registry import TASK_UTILS
from tests.helpers import scene

OPTIONS = list(itertools.product(
    [(0.5, 0.4, 0.0), (0.1, 0.1, 0.0), (0.5, (0.1, 0.4), 0.2), (0.6, 0.5, 0.3)],  # pos, neg, min
    [True, False],  # gt_max_assign_all
    [True, False]))  # match_low_quality


def build(kind, pos, neg, min_pos, assign_all, low_quality, **extra):
    calc = dict(type='RBboxOverlaps2D') if kind == 'mmdet.MaxIoUAssigner' else {}
    cfg = dict(type=kind, pos_iou_thr=pos, neg_iou_thr=neg, min_pos_iou=min_pos,
               gt_max_assign_all=assign_all, match_low_quality=low_quality, **extra)
    if calc:
        cfg['iou_calculator'] = calc
    return TASK_UTILS.build(cfg)


@pytest.mark.parametrize('thr,assign_all,low_quality', OPTIONS)
@pytest.mark.parametrize('seed', [0, 1])
def test_equals_mmdet_max_iou_assigner(thr, assign_all, low_quality, seed, device):
    anchors, _, gts, labels = scene(600, 25, seed)
    gts[-1] = torch.tensor([900., 900., 10., 6., 0.3])  # overlaps no anchor: max IoU 0
    gts[-2] = gts[-3]  # duplicate GTs: the later one wins shared priors
    anchors, gts, labels = anchors.to(device), gts.to(device), labels.to(device)
    pred, gt = InstanceData(priors=anchors), InstanceData(bboxes=gts, labels=labels)
    ours = build('SparseMaxIoUAssigner', *thr, assign_all, low_quality).assign(pred, gt)
    ref = build('mmdet.MaxIoUAssigner', *thr, assign_all, low_quality).assign(pred, gt)
    assert torch.equal(ours.gt_inds, ref.gt_inds)
    assert torch.equal(ours.labels, ref.labels)
    assert torch.allclose(ours.max_overlaps, ref.max_overlaps)
    assert (ours.gt_inds > 0).any()


@pytest.mark.parametrize('wrt_candidates', [True, False])
def test_ignore_regions_equal_mmdet(wrt_candidates):
    anchors, _, gts, labels = scene(600, 20, 3)
    ignore = InstanceData(bboxes=gts[:3].clone() + torch.tensor([5., 5., 10., 10., 0.1]))
    pred, gt = InstanceData(priors=anchors), InstanceData(bboxes=gts[3:], labels=labels[3:])
    kwargs = dict(ignore_iof_thr=0.3, ignore_wrt_candidates=wrt_candidates)
    ours = build('SparseMaxIoUAssigner', 0.5, 0.4, 0.0, True, True, **kwargs)
    ref = build('mmdet.MaxIoUAssigner', 0.5, 0.4, 0.0, True, True, **kwargs)
    got, expected = ours.assign(pred, gt, ignore), ref.assign(pred, gt, ignore)
    assert (expected.max_overlaps == -1).any()  # some priors are ignored
    assert torch.equal(got.gt_inds, expected.gt_inds)
    assert torch.allclose(got.max_overlaps, expected.max_overlaps)


def test_no_gts_and_no_priors():
    assigner = build('SparseMaxIoUAssigner', 0.5, 0.4, 0.0, True, True)
    anchors, _, gts, labels = scene(50, 3, 0)
    empty_gt = InstanceData(bboxes=torch.zeros(0, 5), labels=torch.zeros(0, dtype=torch.long))
    res = assigner.assign(InstanceData(priors=anchors), empty_gt)
    assert (res.gt_inds == 0).all() and (res.labels == -1).all()
    res = assigner.assign(InstanceData(priors=torch.zeros(0, 5)),
                          InstanceData(bboxes=gts, labels=labels))
    assert res.gt_inds.numel() == 0


@pytest.mark.parametrize('kind', ['SparseMaxIoUAssigner', 'S3FDAssigner'])
def test_equal_to_mmdet_to_the_last_bit_on_a_dota_scale_scene(kind):
    """65k anchors: mmcv's kernel is not bit-symmetric, so IoU(prior, GT) and mmdet's
    IoU(GT, prior) differ in the last bit and flipped a few ties/thresholds (7 anchors at 100
    GTs) until the sparse assigners took mmdet's argument order."""
    from mmrotate_dal.benchmarks.assigners import make_inputs
    from .reference import s3fd_reference
    data = make_inputs(10, seed=1)
    pred = InstanceData(priors=data['anchors'])
    gt = InstanceData(bboxes=data['gts'], labels=data['labels'])
    if kind == 'S3FDAssigner':
        expected = s3fd_reference(data['anchors'], data['gts'], data['labels'])
        got = TASK_UTILS.build(dict(type='S3FDAssigner')).assign(pred, gt).gt_inds
    else:
        expected = build('mmdet.MaxIoUAssigner', 0.5, 0.4, 0.0, True, True).assign(pred, gt).gt_inds
        got = build('SparseMaxIoUAssigner', 0.5, 0.4, 0.0, True, True).assign(pred, gt).gt_inds
    assert torch.equal(got, expected)
