"""RotatedPAAHead: IoU target, loss weighting, fused scores and angle-aware score voting."""
import copy
import math

import pytest
import torch
from mmcv.ops import box_iou_rotated
from mmengine.config import Config
from mmengine.structures import InstanceData

from mmrotate.registry import MODELS
from mmrotate.structures.bbox import RotatedBoxes
from mmrotate_dal.models.dense_heads import align_to_angle, rotated_score_voting
from mmrotate_dal.models.dense_heads.rotated_paa_head import RotatedPAAHead
from tests.conftest import CONFIGS
from tests.helpers import random_rboxes
from tests.models.dense_heads.test_dal_retina_head import IMG, METAS, features, gts


def build_head(**test_cfg):
    cfg = Config.fromfile(f'{CONFIGS}/paa/rotated_retinanet_paa_cpu_small.py')
    head = copy.deepcopy(cfg.model.bbox_head)
    head.train_cfg = cfg.model.train_cfg
    head.test_cfg = copy.deepcopy(cfg.model.test_cfg)
    head.test_cfg.update(test_cfg)
    module = MODELS.build(head)
    module.init_weights()
    return module


def spy_on_box_loss(monkeypatch, head):
    """Records what the head passes to its box loss (pred, target, weight, avg_factor)."""
    seen = {}
    original = head.loss_bbox.forward

    def spy(pred, target, weight=None, avg_factor=None, **kw):
        seen.update(pred=pred, target=target, weight=weight, avg_factor=avg_factor)
        return original(pred, target, weight=weight, avg_factor=avg_factor, **kw)

    monkeypatch.setattr(head.loss_bbox, 'forward', spy)
    return seen


def test_iou_target_equals_box_iou_rotated():
    g = torch.Generator().manual_seed(0)
    a = random_rboxes(200, g)
    b = a + torch.randn(200, 5, generator=g) * torch.tensor([3., 3., 3., 3., 0.2])
    b[:, 2:4] = b[:, 2:4].abs() + 1
    got = RotatedPAAHead.iou_target(a.requires_grad_(True), b)
    assert not got.requires_grad
    assert torch.equal(got, box_iou_rotated(a.detach(), b, aligned=True))


def test_losses_are_finite_and_regression_is_iou_weighted(monkeypatch, device):
    head = build_head().to(device)
    feats = [f.to(device) for f in features(4)]
    cls_scores, bbox_preds, iou_preds = head(feats)
    batch = [b.to(device) for b in gts(seed=4)]
    seen = spy_on_box_loss(monkeypatch, head)
    losses = head.loss_by_feat(cls_scores, bbox_preds, iou_preds, batch, METAS)
    assert set(losses) == {'loss_cls', 'loss_bbox', 'loss_iou'}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    iou = box_iou_rotated(seen['pred'].detach().float(), seen['target'].float(), aligned=True)
    assert torch.allclose(seen['weight'], iou.clamp(min=1e-12))
    assert seen['avg_factor'] == pytest.approx(iou.sum().item(), rel=1e-5)


def test_scores_are_geometric_mean_of_cls_and_iou():
    head = build_head(score_thr=0.0, nms_pre=100000)
    feats = features(5)
    cls_scores, bbox_preds, iou_preds = head(feats)
    cls_scores = [torch.full_like(c, -1.0) for c in cls_scores]
    iou_preds = [torch.full_like(i, 0.5) for i in iou_preds]
    res = head.predict_by_feat(cls_scores, bbox_preds, iou_preds, batch_img_metas=METAS,
                               rescale=False, with_nms=False)[0]
    assert len(res.scores) == sum(c[0].numel() for c in cls_scores)  # every (anchor, class)
    expected = math.sqrt(torch.sigmoid(torch.tensor(-1.0)) * torch.sigmoid(torch.tensor(0.5)))
    assert len(res.scores) > 0
    assert torch.allclose(res.scores, torch.full_like(res.scores, expected), atol=1e-6)


def test_align_to_angle_gives_the_same_rectangle_near_the_reference():
    g = torch.Generator().manual_seed(1)
    boxes = random_rboxes(500, g)
    boxes[:, 4] = (torch.rand(500, generator=g) - 0.5) * 4 * math.pi
    ref = (torch.rand(500, generator=g) - 0.5) * math.pi
    aligned = align_to_angle(boxes, ref)
    assert ((aligned[:, 4] - ref).abs() <= math.pi / 4 + 1e-6).all()
    corners = RotatedBoxes(boxes).convert_to('qbox').tensor.reshape(-1, 4, 2)
    corners2 = RotatedBoxes(aligned).convert_to('qbox').tensor.reshape(-1, 4, 2)
    # same corner set, whatever the order
    d = (corners[:, :, None, :] - corners2[:, None, :, :]).norm(dim=-1)
    assert (d.min(dim=2).values < 1e-3).all()


def test_score_voting_is_angle_aware_and_matches_a_loop():
    g = torch.Generator().manual_seed(2)
    dets = torch.tensor([[50., 50., 40., 10., 0.78], [120., 60., 30., 12., -0.2]])
    det_labels = torch.tensor([0, 1])
    cands = torch.cat([dets, dets + torch.randn(2, 5, generator=g) * torch.tensor(
        [1., 1., 1., 0.5, 0.03]), dets + torch.randn(2, 5, generator=g) * 0.5])
    labels = torch.tensor([0, 1, 0, 1, 0, 1])
    scores = torch.rand(6, generator=g)
    voted = rotated_score_voting(dets, det_labels, cands, labels, scores)
    # a twin written as (h, w, t + pi/2) votes exactly like the original
    twins = cands.clone()
    twins[2] = torch.stack([cands[2, 0], cands[2, 1], cands[2, 3], cands[2, 2],
                            cands[2, 4] + math.pi / 2])
    assert torch.allclose(rotated_score_voting(dets, det_labels, twins, labels, scores), voted,
                          atol=1e-5)
    # naive loop
    iou = box_iou_rotated(dets, cands)
    for i in range(2):
        num, den = torch.zeros(5), 0.0
        for j in range(6):
            if labels[j] != det_labels[i] or iou[i, j] <= 0.01:
                continue
            w = math.exp(-(1 - iou[i, j])**2 / 0.025) * scores[j]
            num += w * align_to_angle(cands[j:j + 1], dets[i:i + 1, 4])[0]
            den += w
        assert torch.allclose(voted[i], num / den, atol=1e-5)
    # voting on: the head returns voted boxes
    head = build_head(score_voting=True)
    res = head.predict_by_feat(*head(features(6)), batch_img_metas=METAS, rescale=False)[0]
    assert torch.isfinite(res.bboxes.tensor).all()


@pytest.mark.parametrize('mode', ['uniform', 'centerness'])
def test_box_weighting_options(monkeypatch, mode):
    head = build_head()
    head.box_weighting = mode
    feats = features(4)
    cls_scores, bbox_preds, iou_preds = head(feats)
    seen = spy_on_box_loss(monkeypatch, head)
    losses = head.loss_by_feat(cls_scores, bbox_preds, iou_preds, gts(seed=4), METAS)
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    n = len(seen['weight'])
    if mode == 'uniform':  # every positive weighted 1, normalised by the positive count
        assert torch.equal(seen['weight'], torch.ones(n))
        assert seen['avg_factor'] == pytest.approx(float(n))
    else:  # centerness of anchor centres: in [0, 1], normalised by their sum
        assert (seen['weight'] >= 1e-12).all() and (seen['weight'] <= 1).all()
        assert seen['avg_factor'] == pytest.approx(seen['weight'].sum().item(), rel=1e-5)


def test_box_loss_weights_by_hand_and_warmup(monkeypatch):
    head = build_head()
    anchors = torch.tensor([[100., 50., 32., 32., 0.], [104., 50., 32., 32., 0.]])
    gts_ = torch.tensor([[100., 50., 40., 10., math.pi / 2]]).repeat(2, 1)
    iou = torch.tensor([0.2, 0.8])
    assert head.box_loss_weights(anchors, gts_, iou).tolist() == pytest.approx([0.2, 0.8])
    head.box_weighting = 'centerness'
    assert head.box_loss_weights(anchors, gts_, iou).tolist() == pytest.approx([1.0, 1 / 3])
    head.box_weighting = 'uniform'
    assert head.box_loss_weights(anchors, gts_, iou).tolist() == [1.0, 1.0]
    # a warm-up over the first half of training: at progress 0.25 halfway from uniform to IoU
    head.box_weighting, head.box_weighting_warmup = 'iou', 0.5
    from mmrotate_dal.models.dense_heads import rotated_paa_head
    monkeypatch.setattr(rotated_paa_head, 'get_train_progress', lambda by: 0.25)
    assert head.box_loss_weights(anchors, gts_, iou).tolist() == pytest.approx([0.6, 0.9])
    monkeypatch.setattr(rotated_paa_head, 'get_train_progress', lambda by: None)  # not training
    assert head.box_loss_weights(anchors, gts_, iou).tolist() == pytest.approx([0.2, 0.8])


@pytest.mark.parametrize('kwargs', [dict(box_weighting='giou'), dict(box_weighting_warmup=1.5)])
def test_bad_box_weighting_settings_fail_at_build(kwargs):
    cfg = Config.fromfile(f'{CONFIGS}/paa/rotated_retinanet_paa_cpu_small.py')
    head = copy.deepcopy(cfg.model.bbox_head)
    head.update(kwargs)
    with pytest.raises(ValueError, match='box_weighting'):
        MODELS.build(head)
