"""Bad input gets a clear error or a documented behaviour (docs/bad_inputs.md), never a NaN loss."""
import logging
import math

import pytest
import torch
from mmengine.structures import InstanceData

from mmrotate.structures.bbox import RotatedBoxes
from mmrotate_dal.benchmarks.scenes import dota_anchors, dota_gts, level_sizes
from mmrotate_dal.models import drop_invalid_gts
from mmrotate_dal.models.task_modules.assigners import DALAssigner, PAAAssigner
from tests.models.dense_heads.test_dal_retina_head import METAS, build, features, gts, head_cfg
from tests.models.dense_heads.test_rotated_paa_head import build_head as build_paa_head


def broken_gts():
    good = gts(num=(5, 3), seed=7)
    bad = torch.tensor([[50., 50., 0., 10., 0.], [60., 60., 10., -3., 0.],
                        [float('nan'), 40., 10., 10., 0.], [70., 70., float('inf'), 5., 0.1]])
    out = []
    for inst in good:
        boxes = torch.cat([inst.bboxes.tensor, bad])
        labels = torch.cat([inst.labels, torch.zeros(4, dtype=torch.long)])
        out.append(InstanceData(bboxes=RotatedBoxes(boxes), labels=labels))
    return good, out


def test_drop_invalid_gts_counts_and_warns(monkeypatch):
    from mmrotate_dal.models.utils import gt_sanitizer
    messages = []
    monkeypatch.setattr(gt_sanitizer, 'print_log',
                        lambda msg, logger=None, level=None: messages.append((msg, level)))
    good, broken = broken_gts()
    kept, dropped = drop_invalid_gts(broken[0])
    assert dropped == 4 and len(kept) == len(good[0])
    assert torch.equal(kept.bboxes.tensor, good[0].bboxes.tensor)
    assert len(messages) == 1 and 'dropped 4 of 9 GT boxes' in messages[0][0]
    assert messages[0][1] == logging.WARNING
    same, none = drop_invalid_gts(good[0])
    assert none == 0 and same is good[0]


@pytest.mark.parametrize('kind', ['dal', 'paa'])
def test_heads_drop_degenerate_gts_and_train_as_without_them(kind):
    head = build(head_cfg()) if kind == 'dal' else build_paa_head()
    outs = head(features(8))
    good, broken = broken_gts()
    clean = head.loss_by_feat(*outs, good, METAS)
    dirty = head.loss_by_feat(*outs, broken, METAS)
    for key, value in clean.items():
        a, b = sum(value) if isinstance(value, list) else value, \
            sum(dirty[key]) if isinstance(dirty[key], list) else dirty[key]
        assert torch.isfinite(b) and b.item() == pytest.approx(a.item(), rel=1e-6), key


def test_paa_head_image_without_gt():
    head = build_paa_head()
    empty = InstanceData(bboxes=RotatedBoxes(torch.zeros(0, 5)),
                         labels=torch.zeros(0, dtype=torch.long))
    losses = head.loss_by_feat(*head(features(9)), [empty, empty], METAS)
    assert losses['loss_cls'] > 0 and losses['loss_bbox'] == 0 and losses['loss_iou'] == 0


def test_assigners_reject_invalid_gts_clearly():
    anchors = torch.tensor([[10., 10., 8., 8., 0.]] * 4)
    bad = InstanceData(bboxes=torch.tensor([[10., 10., 0., 4., 0.]]), labels=torch.tensor([0]))
    with pytest.raises(ValueError, match='drop_invalid_gts'):
        DALAssigner().assign(InstanceData(priors=anchors, bboxes=anchors), bad)
    with pytest.raises(ValueError, match='drop_invalid_gts'):
        PAAAssigner().assign(InstanceData(priors=anchors, bboxes=anchors,
                                          scores=torch.zeros(4, 2)), bad)


def test_paa_scores_stay_finite_with_broken_predictions():
    anchors = dota_anchors(img_size=256)
    gt_boxes, labels = dota_gts(20, img_size=256, seed=1)
    preds = anchors.clone()
    preds[::7] = float('nan')
    preds[3::7, 2] = float('inf')
    logits = torch.randn(len(anchors), 15)
    logits[5::11] = float('nan')
    res = PAAAssigner().assign(InstanceData(priors=anchors, bboxes=preds, scores=logits),
                               InstanceData(bboxes=gt_boxes, labels=labels),
                               num_level_priors=level_sizes(img_size=256))
    assert (res.gt_inds > 0).any() and (res.gt_inds >= 0).all()


@pytest.mark.parametrize('assigner', ['dal', 'paa'])
def test_crowded_image_with_more_than_2000_gts(assigner):
    anchors = dota_anchors(img_size=512)
    gt_boxes, labels = dota_gts(2500, img_size=512, seed=2, sizes=(8, 40))
    preds = anchors + 1.0
    data = (InstanceData(priors=anchors, bboxes=preds, scores=torch.zeros(len(anchors), 15)),
            InstanceData(bboxes=gt_boxes, labels=labels))
    if assigner == 'dal':
        res = DALAssigner().assign(*data)
    else:
        res = PAAAssigner().assign(*data, num_level_priors=level_sizes(img_size=512))
    assert res.num_gts == 2500 and (res.gt_inds > 0).sum() > 500


def test_zero_area_anchors_are_never_positive():
    anchors = torch.tensor([[20., 20., 0., 0., 0.], [20., 20., 16., 16., 0.],
                            [40., 40., 0., 12., 0.]])
    gt = InstanceData(bboxes=torch.tensor([[20., 20., 16., 16., 0.]]), labels=torch.tensor([1]))
    res = DALAssigner(alpha_schedule=None).assign(InstanceData(priors=anchors, bboxes=anchors), gt)
    assert res.gt_inds.tolist() == [0, 1, 0]
    assert all(math.isfinite(v) for v in res.max_overlaps.tolist())
