"""The protocol's arms differ from their baseline only in what each arm compares."""
import pytest
from mmengine.config import Config

from tests.conftest import CONFIGS


def flat(cfg, prefix=''):
    out = {}
    for key, value in cfg.items():
        name = f'{prefix}{key}'
        if isinstance(value, dict):
            out.update(flat(value, name + '.'))
        else:
            out[name] = value
    return out


def differing_keys(a, b):
    fa, fb = flat(Config.fromfile(f'{CONFIGS}/protocol/{a}').to_dict()), flat(
        Config.fromfile(f'{CONFIGS}/protocol/{b}').to_dict())
    return {k for k in set(fa) | set(fb) if fa.get(k) != fb.get(k)} - {'filename'}


def only_under(keys, *prefixes):
    return all(any(k == p or k.startswith(p + '.') for p in prefixes) for k in keys)


@pytest.mark.parametrize('arm,base,allowed', [
    ('retinanet_dal_assign.py', 'retinanet_maxiou.py',
     ('model.bbox_head.type', 'model.train_cfg.assigner')),
    ('retinanet_dal.py', 'retinanet_dal_assign.py',
     ('model.bbox_head.loss_cls', 'model.bbox_head.loss_bbox')),
    ('paa_maxiou.py', 'atss.py', ('model.bbox_head.type', 'model.bbox_head.box_weighting',
                                  'model.bbox_head.loss_centerness', 'model.train_cfg.assigner',
                                  'model.test_cfg.score_voting')),
    ('paa_atss.py', 'paa_maxiou.py', ('model.train_cfg.assigner.initial_assigner', )),
    ('paa_maxiou_uniform.py', 'paa_maxiou.py', ('model.bbox_head.box_weighting', )),
    ('paa_maxiou_centerness.py', 'paa_maxiou.py', ('model.bbox_head.box_weighting', )),
    ('paa_maxiou_ingt.py', 'paa_maxiou.py', ('model.train_cfg.assigner.pool_center_in_gt', )),
    ('paa_atss_centerness.py', 'paa_atss.py', ('model.bbox_head.box_weighting', )),
    # the assignment table: every arm on the baseline's RetinaNet
    ('retinanet_s3fd.py', 'retinanet_maxiou.py', ('model.train_cfg.assigner', )),
    ('retinanet_hambox.py', 'retinanet_maxiou.py',
     ('model.bbox_head.type', 'model.bbox_head.loss_cls', 'model.train_cfg.assigner')),
    ('retinanet_atss.py', 'retinanet_maxiou.py',
     ('model.bbox_head.type', 'model.train_cfg.assigner')),
    ('retinanet_dsl.py', 'retinanet_maxiou.py',
     ('model.bbox_head.type', 'model.train_cfg.assigner')),
    ('retinanet_dsl_qfl.py', 'retinanet_dsl.py',
     ('model.bbox_head.type', 'model.bbox_head.loss_cls')),
    ('retinanet_paa.py', 'retinanet_maxiou.py',
     ('model.bbox_head.type', 'model.bbox_head.norm_cfg', 'model.bbox_head.reg_decoded_bbox',
      'model.bbox_head.box_weighting', 'model.bbox_head.loss_centerness',
      'model.train_cfg.assigner', 'model.test_cfg.score_voting')),
])
def test_arm_changes_only_what_it_compares(arm, base, allowed):
    keys = differing_keys(arm, base)
    assert keys, 'the arm must change something'
    assert only_under(keys, *allowed), sorted(keys)


def test_retinanet_family_uses_dal_released_anchors_coder_and_loss_on_every_arm():
    for name in ('retinanet_maxiou.py', 'retinanet_dal_assign.py', 'retinanet_dal.py',
                 'retinanet_s3fd.py', 'retinanet_hambox.py', 'retinanet_atss.py',
                 'retinanet_paa.py', 'retinanet_dsl.py', 'retinanet_dsl_qfl.py'):
        cfg = Config.fromfile(f'{CONFIGS}/protocol/{name}')
        head = cfg.model.bbox_head
        anchors = head.anchor_generator
        assert (anchors.octave_base_scale, anchors.scales_per_octave) == (2, 1)
        assert sorted(anchors.ratios) == [0.5, 1.0, 2.0] and anchors.center_offset == 0.5
        assert head.bbox_coder.type == 'DeltaXYWHTanRBBoxCoder'
        box_loss = head.loss_bbox.get('loss_bbox', head.loss_bbox)
        assert (box_loss.type, box_loss.beta, box_loss.loss_weight) == (
            'mmdet.SmoothL1Loss', 1.0 / 9.0, 0.2)
        assert cfg.val_evaluator.eval_mode == 'area'
        assert cfg.train_cfg.val_interval * 4 == cfg.train_cfg.max_iters
    maxiou = Config.fromfile(f'{CONFIGS}/protocol/retinanet_maxiou.py').model.train_cfg.assigner
    assert maxiou.gt_max_assign_all is False
    dal = Config.fromfile(f'{CONFIGS}/protocol/retinanet_dal_assign.py').model.train_cfg.assigner
    assert tuple(dal.alpha_schedule) == (0.1, 0.3)  # fractions of max_iters


def test_both_families_share_data_metric_and_schedule():
    keys = ('train_cfg', 'param_scheduler', 'val_evaluator', 'data_root', 'optim_wrapper',
            'randomness')
    a = Config.fromfile(f'{CONFIGS}/protocol/retinanet_maxiou.py')
    b = Config.fromfile(f'{CONFIGS}/protocol/atss.py')
    for key in keys:
        assert a[key] == b[key], key
    assert a.val_dataloader.dataset.data_root == b.val_dataloader.dataset.data_root


def test_assign_protocol_arms_keep_the_focal_loss_and_the_box_loss():
    """The assignment table changes the classification loss only where the method defines its
    own (HAMBox's regression-aware weighting, DAL's matching-sensitive losses, RTMDet's QFL for
    DSL's second arm), and the box loss only for DAL's matching-sensitive weighting."""
    from mmrotate_dal.apis.benchmark import METHODS, PROTOCOLS
    base = Config.fromfile(f'{CONFIGS}/protocol/retinanet_maxiou.py').model.bbox_head
    for method in PROTOCOLS['assign']['methods']:
        head = Config.fromfile(f'{CONFIGS}/{METHODS[method]}').model.bbox_head
        assert head.loss_bbox == base.loss_bbox or method == 'p-dal', method
        assert head.stacked_convs == base.stacked_convs and head.feat_channels == 64, method
        if method in ('p-dsl-retina-qfl', ):  # RTMDet's QFL: no focal alpha/gamma
            assert head.loss_cls.type == 'SoftLabelQualityFocalLoss'
            continue
        assert (head.loss_cls.gamma, head.loss_cls.alpha) == (2.0, 0.25), method
        if method not in ('p-hambox', 'p-dal'):
            assert head.loss_cls == base.loss_cls, method
    assert PROTOCOLS['assign']['baseline'] == 'p-maxiou'
