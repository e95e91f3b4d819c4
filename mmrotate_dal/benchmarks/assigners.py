"""Assigner cases for tools/benchmark_assigners.py: inputs, assigners and their outputs.

S3FD and HAMBox are timed without a reference case (their per-GT loop references live in the tests).

Each case is a (setup, run) pair run in a fresh process by :func:`measure.measure`. ``run`` returns
numpy arrays (torch tensors would travel between processes as shared-memory handles) so that a
fast case can be checked against the reference it replaces (``SAME_AS``).
"""
import types
import warnings
from functools import partial
from typing import Dict

import numpy as np
import torch
from mmengine.structures import InstanceData

from .scenes import dota_anchors, dota_gts, level_sizes, predictions

DENSE = dict(type='RBboxOverlaps2D')
SPARSE = dict(type='SparseRBboxOverlaps2D')


def make_inputs(num_gts: int, seed: int = 0) -> Dict:
    anchors = dota_anchors()
    gts, labels = dota_gts(num_gts, seed=seed)
    g = torch.Generator().manual_seed(seed + 2)
    logits = torch.randn(len(anchors), 15, generator=g) - 3
    return dict(anchors=anchors, preds=predictions(anchors, gts, seed), gts=gts, labels=labels,
                logits=logits, num_level_priors=level_sizes())


def _build(cfg):
    import mmrotate_dal  # noqa: F401  (registries)
    from mmengine.registry import DefaultScope
    from mmrotate.registry import TASK_UTILS
    with DefaultScope.overwrite_default_scope('mmrotate'):  # as a Runner sets it
        return TASK_UTILS.build(cfg)


def _maxiou(calc):
    return dict(type='mmdet.MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4, min_pos_iou=0,
                ignore_iof_thr=-1, iou_calculator=calc)


ASSIGNERS = {
    'maxiou-dense': _maxiou(DENSE),
    'maxiou-sparse': _maxiou(SPARSE),
    # the same rules on sparse pairs, vectorised over GTs (PAA's default pool)
    'maxiou-vectorised': dict(_maxiou(SPARSE), type='SparseMaxIoUAssigner'),
    'dal-dense': dict(type='DALAssigner', iou_calculator=DENSE),
    'dal-sparse': dict(type='DALAssigner', iou_calculator=SPARSE),
    # PAA with mmdet's fallbacks, so that mmdet's sklearn loop is the reference
    'paa-sklearn': dict(type='PAAAssigner', fallback='mmdet'),
    'paa-batched': dict(type='PAAAssigner', fallback='mmdet'),
    # the other assigners of the DAL paper's table (sparse pairs, vectorised; no dense reference)
    's3fd': dict(type='S3FDAssigner'),
    'hambox': dict(type='HAMBoxAssigner'),
}


def setup_case(case: str, num_gts: int, seed: int = 0):
    if case.startswith('gmm-'):  # the separation step alone, on PAA's own candidate table
        return case, None, _candidate_table(num_gts, seed)
    return case, _build(ASSIGNERS[case]), make_inputs(num_gts, seed)


def _candidate_pool(assigner, data):
    return assigner.candidate_pool(
        InstanceData(priors=data['anchors'], bboxes=data['preds'], scores=data['logits']),
        InstanceData(bboxes=data['gts'], labels=data['labels']),
        num_level_priors=data['num_level_priors'])


def _candidate_table(num_gts: int, seed: int):
    """PAAAssigner's (G, L*topk) candidate-score table for the benchmark scene."""
    assigner, data = _build(ASSIGNERS['paa-batched']), make_inputs(num_gts, seed)
    _, _, cand_gt, scores, level = _candidate_pool(assigner, data)
    table, valid, _ = assigner.select_topk(scores, cand_gt, level, num_gts,
                                           len(data['num_level_priors']))
    return dict(table=table, valid=valid)


def _sklearn_separation(table: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """mmdet's per-GT loop: sklearn GaussianMixture('full') on each row's sorted scores, then
    gmm_separation_scheme (mmdet fallbacks). The scores go to sklearn in float64, the precision
    gmm_separation is specified against (mmdet passes float32, where sklearn's own answer moves on
    near-ties)."""
    from sklearn.mixture import GaussianMixture
    pos = torch.zeros_like(valid)
    for g in range(len(table)):
        cols = valid[g].nonzero().squeeze(1)
        if len(cols) < 2:
            continue
        vals, order = table[g, cols].sort()
        x = vals.double().view(-1, 1).numpy()
        gmm = GaussianMixture(2, weights_init=np.array([0.5, 0.5]),
                              means_init=np.array([x.min(), x.max()]).reshape(2, 1),
                              precisions_init=np.ones((2, 1, 1)), covariance_type='full')
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            gmm.fit(x)
        comp = torch.from_numpy(gmm.predict(x))
        density = torch.from_numpy(gmm.score_samples(x))
        fg = comp == 0
        if fg.any():
            j = int(fg.nonzero()[density[fg].argmax()])
            pos[g, cols[order[:j + 1][fg[:j + 1]]]] = True
    return pos


def _sklearn_paa(assigner, data):
    """mmdet's PAAHead.paa_reassign (per-GT sklearn GaussianMixture('full')) on PAAAssigner's own
    candidate pool and scores (in float64, as for :func:`_sklearn_separation`): the reference the
    batched EM replaces."""
    from mmdet.models.dense_heads import PAAHead
    pool, pos_inds, pos_gt, losses, _ = _candidate_pool(assigner, data)
    label = torch.full((len(data['anchors']), ), 15, dtype=torch.long)
    label[pos_inds] = data['labels'][pos_gt]
    fake = types.SimpleNamespace(topk=assigner.topk, covariance_type='full', num_classes=15)
    fake.gmm_separation_scheme = types.MethodType(PAAHead.gmm_separation_scheme, fake)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        new_label, *_ = PAAHead.paa_reassign(
            fake, losses.double(), label, torch.ones(len(label)), torch.ones(len(label), 4), pos_inds,
            pos_gt, list(data['anchors'].split(data['num_level_priors'])))
    gt_inds = torch.zeros(len(label), dtype=torch.long)
    pos = new_label != 15
    gt_inds[pos] = pool.gt_inds[pos]
    return gt_inds, None


def run_case(state):
    case, assigner, data = state
    if case.startswith('gmm-'):
        from ..models.task_modules.assigners import gmm_separation
        pos = (_sklearn_separation(data['table'], data['valid']) if case == 'gmm-sklearn' else
               gmm_separation(data['table'], data['valid'], fallback='mmdet'))
        return dict(gt_inds=pos.numpy().copy(), weight=None)
    if case == 'paa-sklearn':
        gt_inds, weight = _sklearn_paa(assigner, data)
    else:
        result = assigner.assign(
            InstanceData(priors=data['anchors'], bboxes=data['preds'], scores=data['logits']),
            InstanceData(bboxes=data['gts'], labels=data['labels']),
            num_level_priors=data['num_level_priors'])
        gt_inds, weight = result.gt_inds, result.get_extra_property('matching_weight')
    return dict(gt_inds=gt_inds.numpy().copy(),
                weight=None if weight is None else weight.numpy().copy())


CASES = tuple(ASSIGNERS) + ('gmm-sklearn', 'gmm-batched')
# each fast case and the reference computation it must reproduce exactly (references come first
# in CASES, so that they are measured before the case checked against them)
SAME_AS = {'maxiou-sparse': 'maxiou-dense', 'maxiou-vectorised': 'maxiou-dense',
           'dal-sparse': 'dal-dense',
           'paa-batched': 'paa-sklearn', 'gmm-batched': 'gmm-sklearn'}


def case_callables(case: str, num_gts: int, seed: int = 0):
    return partial(setup_case, case, num_gts, seed), run_case


def identical(a: Dict, b: Dict) -> bool:
    if not np.array_equal(a['gt_inds'], b['gt_inds']):
        return False
    if a['weight'] is None or b['weight'] is None:
        return a['weight'] is None and b['weight'] is None
    return np.array_equal(a['weight'], b['weight'])
