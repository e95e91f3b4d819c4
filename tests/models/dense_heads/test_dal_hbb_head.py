"""DAL in mmdet's own horizontal RetinaNet (an mmdet-scope config), against mmdet's RetinaHead."""
import copy

import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

from mmdet.registry import MODELS as MMDET_MODELS
from tests.conftest import CONFIGS

IMG = 256
METAS = [dict(img_shape=(IMG, IMG), pad_shape=(IMG, IMG), scale_factor=(1.0, 1.0))] * 2


def voc_head():
    cfg = Config.fromfile(f'{CONFIGS}/dal_hbb/retinanet_dal_r50_fpn_voc0712.py')
    head = copy.deepcopy(cfg.model.bbox_head)
    head.train_cfg = copy.deepcopy(cfg.model.train_cfg)
    head.test_cfg = cfg.model.test_cfg
    head.in_channels = head.feat_channels = 32
    head.stacked_convs = 1
    return head


def hbox_gts(seed):
    g = torch.Generator().manual_seed(seed)
    out = []
    for n in (5, 3):
        xy = torch.rand(n, 2, generator=g) * 180 + 10
        wh = torch.rand(n, 2, generator=g) * 60 + 16
        out.append(InstanceData(bboxes=torch.cat([xy, (xy + wh).clamp(max=IMG - 1)], 1),
                                labels=torch.randint(0, 20, (n, ), generator=g)))
    return out


def features(seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(2, 32, IMG // s, IMG // s, generator=g) for s in (8, 16, 32, 64, 128)]


def test_mmdet_scope_config_finds_the_package_modules_and_dal_reduces_to_max_iou():
    """alpha = 1, no schedule, gamma huge: md = input IoU; with mmdet-style forcing and plain
    losses, DAL on horizontal boxes must reproduce mmdet's RetinaHead + MaxIoUAssigner(0.5, 0.4)
    (the IoU comes from mmdet's bbox_overlaps through the package's candidate pairs)."""
    with DefaultScope.overwrite_default_scope('mmdet'):
        cfg = voc_head()
        cfg.train_cfg.assigner = ConfigDict(
            type='DALAssigner', alpha=1.0, gamma=1e4, alpha_schedule=None, pos_iou_thr=0.5,
            neg_iou_thr=0.4, low_quality='forcing_gt')
        cfg.loss_cls = dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25)
        cfg.loss_bbox = dict(type='L1Loss', loss_weight=1.0)
        dal = MMDET_MODELS.build(cfg)  # mmdet's registry: the names resolve there
        dal.init_weights()
        ref_cfg = copy.deepcopy(cfg)
        ref_cfg.type = 'RetinaHead'
        ref_cfg.train_cfg.assigner = ConfigDict(type='MaxIoUAssigner', pos_iou_thr=0.5,
                                                neg_iou_thr=0.4, min_pos_iou=0,
                                                gt_max_assign_all=False)
        ref = MMDET_MODELS.build(ref_cfg)
        ref.load_state_dict(dal.state_dict())
        feats, batch = features(0), hbox_gts(0)
        ours = dal.loss_by_feat(*dal(feats), batch, METAS)
        theirs = ref.loss_by_feat(*ref(feats), batch, METAS)
        for key in ('loss_cls', 'loss_bbox'):
            a, b = sum(ours[key]), sum(theirs[key])
            assert a.item() > 0 and a.item() == pytest.approx(b.item(), rel=1e-5), key
        # the released setting with the matching-sensitive losses trains as well
        full = MMDET_MODELS.build(voc_head())
        full.init_weights()
        losses = full.loss_by_feat(*full(feats), batch, METAS)
        assert all(torch.isfinite(sum(v)) and sum(v) > 0 for v in losses.values())


def test_mmdet_registry_has_the_package_modules_once():
    from mmrotate_dal.models.mmdet_registry import EXPORTS, register_in_mmdet
    from mmdet.registry import TASK_UTILS
    register_in_mmdet()  # idempotent
    for name in EXPORTS['MODELS']:
        assert name in MMDET_MODELS.module_dict
    for name in EXPORTS['TASK_UTILS']:
        assert name in TASK_UTILS.module_dict
