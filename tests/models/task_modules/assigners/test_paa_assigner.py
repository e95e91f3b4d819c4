"""PAAAssigner: top-k against a naive loop, and mmdet's PAAHead.paa_reassign on angle-0 boxes."""
import types
import warnings

import pytest
import torch
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

from mmdet.models.dense_heads import PAAHead
from mmrotate.registry import TASK_UTILS
from mmrotate_dal.models.task_modules.assigners import PAAAssigner

pytest.importorskip('sklearn')


def test_topk_per_gt_and_level_equals_naive_loop():
    g = torch.Generator().manual_seed(0)
    k = 500
    scores = torch.rand(k, generator=g).round(decimals=2)  # many ties
    gt = torch.randint(0, 7, (k, ), generator=g)
    level = torch.randint(0, 5, (k, ), generator=g)
    assigner = PAAAssigner(topk=9)
    table, valid, index = assigner.select_topk(scores, gt, level, 7, 5)
    for j in range(7):
        for lvl in range(5):
            members = ((gt == j) & (level == lvl)).nonzero().squeeze(1)
            order = scores[members].argsort(stable=True)[:9]  # stable: ties by position
            expected = members[order]
            slots = slice(lvl * 9, lvl * 9 + 9)
            got = index[j, slots][valid[j, slots]]
            assert torch.equal(got, expected)
            assert torch.equal(table[j, slots][valid[j, slots]], scores[expected])


def scene(seed, num_gts=6):
    """Angle-0 GTs and anchors on a 3-level grid, logits and decoded predictions."""
    g = torch.Generator().manual_seed(seed)
    levels = []
    for stride in (8, 16, 32):
        n = 128 // stride
        c = (torch.arange(n) + 0.5) * stride
        cy, cx = torch.meshgrid(c, c, indexing='ij')
        size = 4 * stride
        levels.append(torch.stack([cx.flatten(), cy.flatten(), torch.full((n * n, ), size),
                                   torch.full((n * n, ), size), torch.zeros(n * n)], 1))
    priors = torch.cat(levels)
    wh = 10 + torch.rand(num_gts, 2, generator=g) * 60
    gts = torch.cat([torch.rand(num_gts, 2, generator=g) * 100 + 14, wh, torch.zeros(num_gts, 1)], 1)
    preds = priors + torch.randn(priors.shape, generator=g) * torch.tensor([4., 4., 6., 6., 0.])
    preds[:, 2:4] = preds[:, 2:4].abs() + 2
    preds[:, 4] = 0
    logits = torch.randn(len(priors), 3, generator=g) * 2
    labels = torch.randint(0, 3, (num_gts, ), generator=g)
    return priors, preds, logits, gts, labels, [len(lvl) for lvl in levels]


@pytest.mark.parametrize('seed', range(6))
def test_equals_mmdet_paa_reassign_on_angle_zero_boxes(seed):
    priors, preds, logits, gts, labels, num_level = scene(seed)
    with DefaultScope.overwrite_default_scope('mmrotate'):
        assigner = TASK_UTILS.build(dict(type='PAAAssigner', fallback='mmdet'))
    pred_instances = InstanceData(priors=priors, bboxes=preds, scores=logits)
    gt_instances = InstanceData(bboxes=gts, labels=labels)
    ours = assigner.assign(pred_instances, gt_instances, num_level_priors=num_level)

    # mmdet: the same candidate pool and the same per-candidate losses, then paa_reassign
    initial = ours.get_extra_property('initial_gt_inds')
    _, pos_inds, pos_gt_inds, losses, _ = assigner.candidate_pool(
        pred_instances, gt_instances, num_level_priors=num_level)
    assert torch.equal(pos_inds, (initial > 0).nonzero().squeeze(1))
    num_classes = 3
    label = torch.full((len(priors), ), num_classes, dtype=torch.long)
    label[pos_inds] = labels[pos_gt_inds]
    fake = types.SimpleNamespace(topk=9, covariance_type='full', num_classes=num_classes)
    fake.gmm_separation_scheme = types.MethodType(PAAHead.gmm_separation_scheme, fake)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        new_label, _, _, num_pos = PAAHead.paa_reassign(
            fake, losses, label, torch.ones(len(priors)), torch.ones(len(priors), 4), pos_inds,
            pos_gt_inds, list(priors.split(num_level)))
    theirs = new_label != num_classes
    assert num_pos > 0
    assert torch.equal(ours.gt_inds > 0, theirs)
    assert torch.equal(ours.labels[theirs], new_label[theirs])
    # positives keep the GT of the candidate pool, everything else is negative (no ignore)
    assert torch.equal(ours.gt_inds[theirs], initial[theirs])
    assert (ours.gt_inds >= 0).all()


def test_official_fallback_keeps_lone_candidates():
    priors, preds, logits, gts, labels, num_level = scene(0, num_gts=1)
    gts[0, 2:4] = torch.tensor([6.0, 6.0])  # tiny GT: few candidates
    data = (InstanceData(priors=priors, bboxes=preds, scores=logits),
            InstanceData(bboxes=gts, labels=labels))
    official = PAAAssigner(topk=1).assign(*data, num_level_priors=num_level)
    mmdet = PAAAssigner(topk=1, fallback='mmdet').assign(*data, num_level_priors=num_level)
    cand = (official.get_extra_property('initial_gt_inds') > 0).sum()
    assert cand >= 1
    assert (official.gt_inds > 0).sum() >= 1
    assert (mmdet.gt_inds > 0).sum() <= (official.gt_inds > 0).sum()


def test_no_gt_and_missing_inputs():
    priors, preds, logits, _, _, num_level = scene(1)
    empty = InstanceData(bboxes=torch.zeros(0, 5), labels=torch.zeros(0, dtype=torch.long))
    res = PAAAssigner().assign(InstanceData(priors=priors, bboxes=preds, scores=logits), empty,
                               num_level_priors=num_level)
    assert (res.gt_inds == 0).all() and (res.labels == -1).all()
    with pytest.raises(KeyError, match='scores'):
        PAAAssigner().assign(InstanceData(priors=priors, bboxes=preds), empty)
    with pytest.raises(ValueError, match='num_level_priors'):
        PAAAssigner().assign(InstanceData(priors=priors, bboxes=preds, scores=logits), empty,
                             num_level_priors=[1, 2])


@pytest.mark.parametrize('kwargs,match', [(dict(topk=0), 'topk'), (dict(topk=-3), 'topk'),
                                          (dict(topk=2.5), 'topk'),
                                          (dict(score_lambda=-1), 'score_lambda'),
                                          (dict(fallback='sklearn'), 'fallback'),
                                          (dict(gmm_cfg=dict(n_init=3)), 'gmm_cfg')])
def test_bad_settings_fail_at_build(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PAAAssigner(**kwargs)
