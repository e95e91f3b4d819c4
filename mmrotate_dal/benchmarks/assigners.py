"""Assigner cases for tools/benchmark_assigners.py: inputs, assigners and their outputs."""
from functools import partial
from typing import Dict

import numpy as np
from mmengine.structures import InstanceData

from .scenes import dota_anchors, dota_gts, predictions


def make_inputs(num_gts: int, seed: int = 0) -> Dict:
    anchors = dota_anchors()
    gts, labels = dota_gts(num_gts, seed=seed)
    return dict(anchors=anchors, preds=predictions(anchors, gts, seed), gts=gts, labels=labels)


def _build(case: str):
    import mmrotate_dal  # noqa: F401  (registries)
    from mmengine.registry import DefaultScope
    from mmrotate.registry import TASK_UTILS
    dense, sparse = dict(type='RBboxOverlaps2D'), dict(type='SparseRBboxOverlaps2D')
    cfgs = {
        'maxiou-dense': dict(type='mmdet.MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
                             min_pos_iou=0, ignore_iof_thr=-1, iou_calculator=dense),
        'maxiou-sparse': dict(type='mmdet.MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
                              min_pos_iou=0, ignore_iof_thr=-1, iou_calculator=sparse),
        'dal-dense': dict(type='DALAssigner', iou_calculator=dense),
        'dal-sparse': dict(type='DALAssigner', iou_calculator=sparse),
    }
    with DefaultScope.overwrite_default_scope('mmrotate'):  # as a Runner sets it
        return TASK_UTILS.build(cfgs[case])


def setup_case(case: str, num_gts: int, seed: int = 0):
    return _build(case), make_inputs(num_gts, seed)


def run_case(state):
    assigner, data = state
    result = assigner.assign(
        InstanceData(priors=data['anchors'], bboxes=data['preds']),
        InstanceData(bboxes=data['gts'], labels=data['labels']))
    weight = result.get_extra_property('matching_weight')
    # numpy: torch tensors would travel between processes as shared-memory handles
    return dict(gt_inds=result.gt_inds.numpy().copy(),
                weight=None if weight is None else weight.numpy().copy())


CASES = ('maxiou-dense', 'maxiou-sparse', 'dal-dense', 'dal-sparse')
# each sparse case and the dense computation it must reproduce exactly
SAME_AS = {'maxiou-sparse': 'maxiou-dense', 'dal-sparse': 'dal-dense'}


def case_callables(case: str, num_gts: int, seed: int = 0):
    return partial(setup_case, case, num_gts, seed), run_case


def identical(a: Dict, b: Dict) -> bool:
    if not np.array_equal(a['gt_inds'], b['gt_inds']):
        return False
    if a['weight'] is None or b['weight'] is None:
        return a['weight'] is None and b['weight'] is None
    return np.array_equal(a['weight'], b['weight'])
