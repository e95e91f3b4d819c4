"""DALRetinaHead: plumbing checks and a cross-check against mmdet's RetinaHead."""
import copy

import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.structures import InstanceData

from mmdet.models.losses.focal_loss import py_sigmoid_focal_loss
from mmrotate.registry import MODELS
from mmrotate.structures.bbox import RotatedBoxes
from tests.conftest import CONFIGS
from tests.helpers import random_rboxes

IMG = 256
METAS = [dict(img_shape=(IMG, IMG), pad_shape=(IMG, IMG), scale_factor=(1.0, 1.0))] * 2


def head_cfg(**assigner):
    cfg = Config.fromfile(f'{CONFIGS}/dal/rotated_retinanet_dal_cpu_small.py')
    head = copy.deepcopy(cfg.model.bbox_head)
    head.train_cfg = copy.deepcopy(cfg.model.train_cfg)
    if assigner.pop('_delete_', False):
        head.train_cfg.assigner = ConfigDict(assigner)
    else:
        head.train_cfg.assigner.update(assigner)
    head.test_cfg = cfg.model.test_cfg
    return head


def features(seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(2, 64, IMG // s, IMG // s, generator=g) for s in (8, 16, 32, 64, 128)]


def gts(num=(6, 4), seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for n in num:
        boxes = random_rboxes(n, g, extent=IMG - 40, size=(16, 90), ratio_max=5)
        boxes[:, :2] += 20
        out.append(InstanceData(bboxes=RotatedBoxes(boxes),
                                labels=torch.randint(0, 4, (n, ), generator=g)))
    return out


def build(cfg, state=None):
    head = MODELS.build(cfg)
    head.init_weights()
    if state is not None:
        head.load_state_dict(state)
    return head


def on(device, feats, batch):
    """Features and GT instances moved to ``device``."""
    return [f.to(device) for f in feats], [b.to(device) for b in batch]


def test_equals_mmdet_retinahead_when_md_is_input_iou(device):
    # alpha = 1, no schedule, gamma huge: md = input IoU; with mmdet-style low-quality matching
    # and plain focal / L1 losses, DAL must reproduce RetinaHead + MaxIoUAssigner(0.5, 0.4).
    cfg = head_cfg(_delete_=True, type='DALAssigner', alpha=1.0, gamma=1e4, alpha_schedule=None,
                   pos_iou_thr=0.5, neg_iou_thr=0.4, low_quality='forcing_gt')
    cfg.loss_cls = dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25)
    cfg.loss_bbox = dict(type='mmdet.L1Loss', loss_weight=1.0)
    dal = build(cfg)
    ref_cfg = copy.deepcopy(cfg)
    ref_cfg.type = 'mmdet.RetinaHead'
    ref_cfg.train_cfg.assigner = ConfigDict(
        type='mmdet.MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0,
        gt_max_assign_all=False, iou_calculator=dict(type='RBboxOverlaps2D'))
    ref = build(ref_cfg, dal.state_dict())
    dal, ref = dal.to(device), ref.to(device)
    feats, batch = on(device, features(), gts())
    ours = dal.loss_by_feat(*dal(feats), batch, METAS)
    theirs = ref.loss_by_feat(*ref(feats), batch, METAS)
    for key in ('loss_cls', 'loss_bbox'):
        a, b = sum(ours[key]), sum(theirs[key])
        assert a.item() > 0 and a.item() == pytest.approx(b.item(), rel=1e-5), key


def test_assigner_sees_decoded_predictions(monkeypatch):
    head = build(head_cfg())
    feats = features(1)
    cls_scores, bbox_preds = head(feats)
    seen = []
    original = head.assigner.assign

    def spy(pred_instances, *args, **kwargs):
        seen.append(pred_instances)
        return original(pred_instances, *args, **kwargs)

    monkeypatch.setattr(head.assigner, 'assign', spy)
    head.loss_by_feat(cls_scores, bbox_preds, gts(seed=1), METAS)
    anchors = head.prior_generator.grid_priors([f.shape[-2:] for f in feats], device='cpu')
    for img in range(2):
        # level by level, location by location, anchor by anchor
        deltas = torch.cat([p[img].permute(1, 2, 0).reshape(-1, 5) for p in bbox_preds])
        priors = torch.cat([a.tensor for a in anchors])
        expected = head.bbox_coder.decode(priors, deltas.detach()).tensor
        assert torch.equal(seen[img].bboxes, expected)
        assert not seen[img].bboxes.requires_grad
        assert torch.equal(seen[img].priors.tensor, priors)


def test_matching_sensitive_terms(device):
    plain_cfg = head_cfg()
    plain_cfg.loss_cls = dict(type='mmdet.FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25)
    plain_cfg.loss_bbox = dict(type='mmdet.L1Loss', loss_weight=1.0)
    ms = build(head_cfg()).to(device)
    plain = build(plain_cfg, ms.state_dict()).to(device)
    feats, batch = on(device, features(2), gts(seed=2))
    cls_scores, bbox_preds = ms(feats)
    (anchors, labels, _, bbox_targets, bbox_weights, weights, _,
     avg_factor) = ms.dal_targets(cls_scores, bbox_preds, batch, METAS)
    ms_loss = ms.loss_by_feat(cls_scores, bbox_preds, batch, METAS)
    plain_loss = plain.loss_by_feat(cls_scores, bbox_preds, batch, METAS)

    logits = torch.cat([c.permute(0, 2, 3, 1).reshape(-1, 4) for c in cls_scores])
    labels = torch.cat([lvl.reshape(-1) for lvl in labels])
    weights = torch.cat([lvl.reshape(-1) for lvl in weights])
    pos = labels < 4
    assert pos.sum() > 0 and (weights[pos] > 0).all() and (weights[~pos] == 0).all()
    onehot = torch.zeros_like(logits)
    onehot[pos, labels[pos]] = 1
    fl = py_sigmoid_focal_loss(logits, onehot, reduction='none')
    extra_cls = (fl[pos, labels[pos]] * weights[pos]).sum() / avg_factor
    got = sum(ms_loss['loss_cls']) - sum(plain_loss['loss_cls'])
    assert got.item() == pytest.approx(extra_cls.item(), rel=1e-4)

    deltas = torch.cat([b.permute(0, 2, 3, 1).reshape(-1, 5) for b in bbox_preds])
    targets = torch.cat([t.reshape(-1, 5) for t in bbox_targets])
    expected_bbox = ((deltas - targets).abs()[pos] * weights[pos, None]).sum() / avg_factor
    assert sum(ms_loss['loss_bbox']).item() == pytest.approx(expected_bbox.item(), rel=1e-4)


def test_image_without_gt_trains_negatives():
    head = build(head_cfg())
    feats = [f.requires_grad_(True) for f in features(3)]
    empty = InstanceData(bboxes=RotatedBoxes(torch.zeros(0, 5)),
                         labels=torch.zeros(0, dtype=torch.long))
    losses = head.loss_by_feat(*head(feats), [empty, empty], METAS)
    loss_cls, loss_bbox = sum(losses['loss_cls']), sum(losses['loss_bbox'])
    assert loss_cls.item() > 0 and loss_bbox.item() == 0
    (loss_cls + loss_bbox).backward()
    assert head.retina_cls.weight.grad.abs().sum() > 0
    assert torch.isfinite(head.retina_reg.weight.grad).all()
