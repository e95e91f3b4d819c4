"""The heads that put ATSS, HAMBox and PAA on the protocol's RetinaNet."""
import copy

import pytest
import torch
from mmcv.ops import box_iou_rotated
from mmengine.config import Config, ConfigDict

from mmdet.models.losses.focal_loss import py_sigmoid_focal_loss
from mmrotate.registry import MODELS
from tests.conftest import CONFIGS
from tests.models.dense_heads.test_dal_retina_head import METAS, build, features, gts
from tests.models.dense_heads.test_rotated_paa_head import spy_on_box_loss


def protocol_head(name, **assigner):
    cfg = Config.fromfile(f'{CONFIGS}/protocol/{name}')
    head = copy.deepcopy(cfg.model.bbox_head)
    head.train_cfg = copy.deepcopy(cfg.model.train_cfg)
    head.train_cfg.assigner.update(assigner)
    head.test_cfg = copy.deepcopy(cfg.model.test_cfg)
    return head


def test_level_aware_head_equals_retinahead_and_feeds_atss_its_level_counts(monkeypatch):
    # with max-IoU, the head is RetinaHead to the last digit
    ours_cfg = protocol_head('retinanet_maxiou.py')
    ours_cfg.type = 'LevelAwareRetinaHead'
    ours = build(ours_cfg)
    ref = build(protocol_head('retinanet_maxiou.py'), ours.state_dict())
    feats, batch = features(0), gts(seed=0)
    a = ours.loss_by_feat(*ours(feats), batch, METAS)
    b = ref.loss_by_feat(*ref(feats), batch, METAS)
    for key in ('loss_cls', 'loss_bbox'):
        assert sum(a[key]).item() > 0
        assert sum(a[key]).item() == pytest.approx(sum(b[key]).item(), rel=1e-6), key

    # with ATSS, the assigner gets every level's anchor count (mmdet's RetinaHead cannot call it)
    atss = build(protocol_head('retinanet_atss.py'))
    seen = []
    original = atss.assigner.assign

    def spy(pred_instances, num_level_priors, *args, **kwargs):
        seen.append(list(num_level_priors))
        return original(pred_instances, num_level_priors, *args, **kwargs)

    monkeypatch.setattr(atss.assigner, 'assign', spy)
    losses = atss.loss_by_feat(*atss(feats), batch, METAS)
    expected = [f.shape[-2] * f.shape[-1] * 3 for f in feats]
    assert seen == [expected, expected]
    assert all(torch.isfinite(sum(v)) and sum(v) > 0 for v in losses.values())
    plain_cfg = protocol_head('retinanet_atss.py')
    plain_cfg.type = 'mmdet.RetinaHead'
    plain = build(plain_cfg)
    with pytest.raises(Exception):
        plain.loss_by_feat(*plain(feats), batch, METAS)


def test_hambox_head_weights_mined_positives_by_their_regressed_iou():
    # thresholds that mine on an untrained head (its predictions sit near the anchors)
    assigner = dict(pos_iou_thr=0.5, neg_iou_thr=0.5, comp_iou_thr=0.3, num_comp=8)
    ham = build(protocol_head('retinanet_hambox.py', **assigner))
    plain_cfg = protocol_head('retinanet_hambox.py', **assigner)
    plain_cfg.loss_cls = dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25)
    plain = build(plain_cfg, ham.state_dict())
    feats, batch = features(2), gts(seed=2)
    cls_scores, bbox_preds = ham(feats)
    (_, labels, _, _, _, weights, _, avg_factor) = ham.dal_targets(cls_scores, bbox_preds, batch,
                                                                   METAS)
    labels = torch.cat([lvl.reshape(-1) for lvl in labels])
    weights = torch.cat([lvl.reshape(-1) for lvl in weights])
    pos = labels < 4
    mined = pos & (weights < 1)
    assert mined.sum() > 0 and (weights[mined] >= 0.3).all()
    assert (weights[pos & ~mined] == 1).all() and (weights[~pos] == 0).all()
    logits = torch.cat([c.permute(0, 2, 3, 1).reshape(-1, 4) for c in cls_scores])
    onehot = torch.zeros_like(logits)
    onehot[pos, labels[pos]] = 1
    focal = py_sigmoid_focal_loss(logits, onehot, reduction='none')[pos, labels[pos]]
    expected = ((weights[pos] - 1) * focal).sum() / avg_factor  # only the mined terms change
    a = ham.loss_by_feat(cls_scores, bbox_preds, batch, METAS)
    b = plain.loss_by_feat(cls_scores, bbox_preds, batch, METAS)
    assert (sum(a['loss_cls']) - sum(b['loss_cls'])).item() == pytest.approx(
        expected.item(), rel=1e-4)
    assert sum(a['loss_bbox']).item() == pytest.approx(sum(b['loss_bbox']).item(), rel=1e-6)


def test_paa_on_retinanet_regresses_deltas_weighted_by_the_iou_target(monkeypatch):
    head = build(protocol_head('retinanet_paa.py'))
    assert head.reg_decoded_bbox is False and head.norm_cfg is None
    feats, batch = features(4), gts(seed=4)
    cls_scores, bbox_preds, iou_preds = head(feats)
    seen = spy_on_box_loss(monkeypatch, head)
    losses = head.loss_by_feat(cls_scores, bbox_preds, iou_preds, batch, METAS)
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    pred, target, weight = seen['pred'], seen['target'], seen['weight']
    assert pred.shape == target.shape == weight.shape and pred.size(-1) == 5
    # the weight is the IoU of the decoded prediction with the GT the delta target encodes
    anchors = torch.cat([a.tensor for a in head.prior_generator.grid_priors(
        [f.shape[-2:] for f in feats], device='cpu')])
    flat = torch.cat([torch.cat([p[i].permute(1, 2, 0).reshape(-1, 5) for i in range(2)])
                      for p in bbox_preds])
    pos_rows = [(flat == row).all(-1).nonzero()[0, 0] for row in pred.detach()]
    level_image_anchors = torch.cat([a for lvl in anchors.split(
        [f.shape[-2] * f.shape[-1] * 3 for f in feats]) for a in (lvl, lvl)])
    pos_anchors = level_image_anchors[torch.stack(pos_rows)]
    decoded = head.bbox_coder.decode(pos_anchors, pred.detach()).tensor
    gt_boxes = head.bbox_coder.decode(pos_anchors, target).tensor
    iou = box_iou_rotated(decoded, gt_boxes, aligned=True)
    assert torch.allclose(weight[:, 0], iou.clamp(min=1e-12), atol=1e-5)
    assert (weight == weight[:, :1]).all()
    assert seen['avg_factor'] == pytest.approx(iou.sum().item(), rel=1e-4)


def test_prediction_aware_head_feeds_dsl_decoded_predictions_and_logits(monkeypatch):
    head = build(protocol_head('retinanet_dsl.py'))
    feats, batch = features(5), gts(seed=5)
    cls_scores, bbox_preds = head(feats)
    seen = []
    original = head.assigner.assign

    def spy(pred_instances, gt_instances, gt_instances_ignore=None, **kwargs):
        seen.append((pred_instances, kwargs))
        return original(pred_instances, gt_instances, gt_instances_ignore, **kwargs)

    monkeypatch.setattr(head.assigner, 'assign', spy)
    losses = head.loss_by_feat(cls_scores, bbox_preds, batch, METAS)
    assert all(torch.isfinite(sum(v)) and sum(v) > 0 for v in losses.values())
    anchors = torch.cat([a.tensor for a in head.prior_generator.grid_priors(
        [f.shape[-2:] for f in feats], device='cpu')])
    for img, (pred, kwargs) in enumerate(seen):
        deltas = torch.cat([p[img].permute(1, 2, 0).reshape(-1, 5) for p in bbox_preds])
        logits = torch.cat([c[img].permute(1, 2, 0).reshape(-1, 4) for c in cls_scores])
        assert torch.equal(pred.bboxes, head.bbox_coder.decode(anchors, deltas.detach()).tensor)
        assert torch.equal(pred.scores, logits.detach()) and not pred.scores.requires_grad
        assert kwargs['num_level_priors'] == [f.shape[-2] * f.shape[-1] * 3 for f in feats]
    assert head._predictions is None  # nothing kept after the step
    # with max-IoU it is RetinaHead to the last digit
    cfg = protocol_head('retinanet_maxiou.py')
    cfg.type = 'PredictionAwareRetinaHead'
    ours = build(cfg)
    ref = build(protocol_head('retinanet_maxiou.py'), ours.state_dict())
    a = ours.loss_by_feat(*ours(feats), batch, METAS)
    b = ref.loss_by_feat(*ref(feats), batch, METAS)
    for key in ('loss_cls', 'loss_bbox'):
        assert sum(a[key]).item() == pytest.approx(sum(b[key]).item(), rel=1e-6), key


def test_dsl_qfl_head_trains_the_classifier_towards_the_prediction_iou():
    from mmdet.models.losses.gfocal_loss import quality_focal_loss
    head = build(protocol_head('retinanet_dsl_qfl.py'))
    feats, batch = features(6), gts(seed=6)
    cls_scores, bbox_preds = head(feats)
    (anchors, labels, label_weights, bbox_targets, _, soft, _, avg_factor) = head.dal_targets(
        cls_scores, bbox_preds, batch, METAS)

    def flat(levels, dim=None):  # per level (B, N_l[, D]) -> level-major, then image
        return torch.cat([lvl.reshape(-1) if dim is None else lvl.reshape(-1, dim)
                          for lvl in levels])

    anchors, labels, soft = flat(anchors, 5), flat(labels), flat(soft)
    pos = labels < 4
    assert pos.sum() > 0 and (soft[~pos] == 0).all() and (soft[pos] > 0).all()
    # the soft label is the IoU of the positive's decoded (detached) prediction with its GT
    deltas = flat([b.permute(0, 2, 3, 1) for b in bbox_preds], 5).detach()
    decoded = head.bbox_coder.decode(anchors[pos], deltas[pos]).tensor
    gt_boxes = head.bbox_coder.decode(anchors[pos], flat(bbox_targets, 5)[pos]).tensor
    iou = box_iou_rotated(decoded, gt_boxes, aligned=True)
    assert torch.allclose(soft[pos], iou, atol=1e-3)
    # and the classification loss is mmdet's QFL on it, over the positive count
    logits = flat([c.permute(0, 2, 3, 1) for c in cls_scores], 4)
    losses = head.loss_by_feat(cls_scores, bbox_preds, batch, METAS)
    expected = quality_focal_loss(logits, (labels, soft), flat(label_weights),
                                  reduction='sum') / avg_factor
    assert sum(losses['loss_cls']).item() == pytest.approx(expected.item(), rel=1e-4)
