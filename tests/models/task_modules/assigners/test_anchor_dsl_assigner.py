"""AnchorDSLAssigner: mmdet's DynamicSoftLabelAssigner on anchors, through (cx, cy, s, s)."""
import pytest
import torch
from mmdet.models.task_modules.prior_generators import MlvlPointGenerator
from mmdet.structures.bbox import cat_boxes
from mmengine.structures import InstanceData

from mmrotate.registry import TASK_UTILS
from mmrotate.structures.bbox import RotatedBoxes
from tests.helpers import random_rboxes

STRIDES = [8, 16, 32]
SIZES = [(16, 16), (8, 8), (4, 4)]


def anchors_at(offset, ratios=(1.0, ), scales=1):
    gen = TASK_UTILS.build(dict(type='FakeRotatedAnchorGenerator', angle_version='le90',
                                octave_base_scale=2, scales_per_octave=scales,
                                ratios=list(ratios), strides=STRIDES, center_offset=offset))
    levels = gen.grid_priors(SIZES, device='cpu')
    return cat_boxes(levels), [len(level) for level in levels]


def scene(num, seed=0):
    g = torch.Generator().manual_seed(seed)
    gts = random_rboxes(6, g, extent=100, size=(10, 40), ratio_max=4)
    gts[:, :2] += 14
    preds = random_rboxes(num, g, extent=128, size=(6, 40), ratio_max=4)
    # a third of the predictions sit on GTs
    k = num // 3
    preds[:k] = gts[torch.randint(0, 6, (k, ), generator=g)] + torch.randn(k, 5, generator=g) * 2
    preds[:, 2:4] = preds[:, 2:4].abs() + 2
    logits = torch.randn(num, 4, generator=g)
    return gts, preds, logits, torch.randint(0, 4, (6, ), generator=g)


def build(**kwargs):
    return TASK_UTILS.build(dict(type='AnchorDSLAssigner', strides=STRIDES, **kwargs))


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_equals_mmdet_dsl_when_the_anchors_collapse_to_points(seed):
    """One square anchor per location at offset 0: the adapter's priors are RTMDet's point
    priors, and the assignment is mmdet's on them."""
    anchors, counts = anchors_at(offset=0.0)
    points = torch.cat(MlvlPointGenerator(STRIDES, offset=0).grid_priors(
        SIZES, device='cpu', with_stride=True))
    assigner = build()
    assert torch.equal(assigner.point_priors(anchors.tensor, counts), points)
    gts, preds, logits, labels = scene(len(points), seed)
    gt = InstanceData(bboxes=RotatedBoxes(gts), labels=labels)
    ours = assigner.assign(InstanceData(priors=anchors, bboxes=preds, scores=logits), gt,
                           num_level_priors=counts)
    mmdet = TASK_UTILS.build(dict(type='mmdet.DynamicSoftLabelAssigner', soft_center_radius=3.0,
                                  topk=13, iou_weight=3.0,
                                  iou_calculator=dict(type='RBboxOverlaps2D')))
    ref = mmdet.assign(InstanceData(priors=points, bboxes=preds, scores=logits), gt)
    assert torch.equal(ours.gt_inds, ref.gt_inds) and (ours.gt_inds > 0).sum() >= 3
    assert torch.equal(ours.labels, ref.labels)
    assert torch.allclose(ours.max_overlaps, ref.max_overlaps)


def test_stride_of_every_anchor_with_three_anchors_per_location():
    anchors, counts = anchors_at(offset=0.5, ratios=(0.5, 1.0, 2.0))
    assert counts == [16 * 16 * 3, 8 * 8 * 3, 4 * 4 * 3]
    pts = build().point_priors(anchors.tensor, counts)
    for level, (start, n) in enumerate(zip([0, counts[0], counts[0] + counts[1]], counts)):
        assert (pts[start:start + n, 2:] == STRIDES[level]).all()
    assert torch.equal(pts[:, :2], anchors.tensor[:, :2])
    # the three anchors of a location share their point prior (centre and stride)
    assert torch.equal(pts[0::3], pts[1::3]) and torch.equal(pts[0::3], pts[2::3])


def test_empty_gts_missing_inputs_and_bad_settings():
    anchors, counts = anchors_at(offset=0.5)
    _, preds, logits, _ = scene(len(anchors))
    pred = InstanceData(priors=anchors, bboxes=preds, scores=logits)
    empty = InstanceData(bboxes=RotatedBoxes(torch.zeros(0, 5)),
                         labels=torch.zeros(0, dtype=torch.long))
    res = build().assign(pred, empty, num_level_priors=counts)
    assert (res.gt_inds == 0).all() and (res.labels == -1).all()
    gt = InstanceData(bboxes=RotatedBoxes(torch.tensor([[50., 50., 20., 10., 0.3]])),
                      labels=torch.tensor([1]))
    with pytest.raises(KeyError, match='scores'):
        build().assign(InstanceData(priors=anchors, bboxes=preds), gt, num_level_priors=counts)
    with pytest.raises(ValueError, match='num_level_priors'):
        build().assign(pred, gt)
    with pytest.raises(ValueError, match='3 strides but the head has 2 levels'):
        build().assign(pred, gt, num_level_priors=[counts[0], counts[1] + counts[2]])
    for kwargs in (dict(topk=0), dict(topk=2.5), dict(soft_center_radius=0)):
        with pytest.raises(ValueError):
            build(**kwargs)
    with pytest.raises(ValueError, match='strides'):
        TASK_UTILS.build(dict(type='AnchorDSLAssigner', strides=[8, 0]))
