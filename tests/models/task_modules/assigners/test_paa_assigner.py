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


def released_rule_reference(priors, preds, logits, gts, labels, num_level, topk=9):
    """An independent per-GT transcription of kkhoot/PAA's assignment (paa.md 1.3-1.7): the same
    candidate pool (max-IoU 0.1 with low-quality matches), scores sum_c focal + (1 - IoU), top-k
    per level, sklearn GaussianMixture('full') on the sorted scores, Fig. 3(c) with the official
    fallbacks (a lone candidate is positive; no foreground sample keeps every candidate)."""
    import numpy as np
    from mmcv.ops import box_iou_rotated
    from sklearn.mixture import GaussianMixture

    iou = box_iou_rotated(priors, gts)  # dense (N, G)
    max_iou, argmax = iou.max(1)
    cand_gt = torch.where(max_iou >= 0.1, argmax, torch.full_like(argmax, -1))
    for g in range(len(gts)):  # low-quality matches: each GT's best anchors (ties all kept)
        best = iou[:, g].max()
        if best > 0:
            cand_gt[(iou[:, g] == best)] = g
    level = torch.cat([torch.full((n, ), i) for i, n in enumerate(num_level)])
    positives = torch.zeros(len(priors), dtype=torch.long)
    for g in range(len(gts)):
        members = (cand_gt == g).nonzero().squeeze(1)
        if len(members) == 0:
            continue
        target = torch.zeros(len(members), logits.size(1))
        target[:, labels[g]] = 1
        z = logits[members]
        p = z.sigmoid()
        pt = (1 - p) * target + p * (1 - target)  # the focal term, written out (float32)
        weight = (0.25 * target + 0.75 * (1 - target)) * pt.pow(2)
        focal = (torch.nn.functional.binary_cross_entropy_with_logits(
            z, target, reduction='none') * weight).sum(1)
        loc = 1 - box_iou_rotated(preds[members], gts[g:g + 1].expand(len(members), 5),
                                  aligned=True)
        score = (focal + loc).double()
        keep = []
        for lvl in range(len(num_level)):
            in_lvl = (level[members] == lvl).nonzero().squeeze(1)
            keep.append(in_lvl[score[in_lvl].argsort(stable=True)[:topk]])
        keep = torch.cat(keep)
        order = score[keep].argsort(stable=True)
        chosen, x = members[keep][order], score[keep][order].numpy()
        if len(x) == 1:
            positives[chosen] = g + 1
            continue
        gmm = GaussianMixture(2, weights_init=[0.5, 0.5], means_init=[[x.min()], [x.max()]],
                              precisions_init=np.ones((2, 1, 1)))
        gmm.fit(x[:, None])
        fg = gmm.predict(x[:, None]) == 0
        if not fg.any():
            positives[chosen] = g + 1
            continue
        density = gmm.score_samples(x[:, None])
        j = np.flatnonzero(fg)[np.argmax(density[fg])]
        positives[chosen[:j + 1]] = g + 1
    return positives


@pytest.mark.parametrize('seed', range(4))
def test_official_fallback_end_to_end_equals_released_rule(seed):
    priors, preds, logits, gts, labels, num_level = scene(seed, num_gts=8)
    gts[:2, 2:4] = torch.tensor([[5.0, 4.0], [7.0, 5.0]])  # tiny GTs: lone candidates
    result = PAAAssigner(fallback='official').assign(
        InstanceData(priors=priors, bboxes=preds, scores=logits),
        InstanceData(bboxes=gts, labels=labels), num_level_priors=num_level)
    expected = released_rule_reference(priors, preds, logits, gts, labels, num_level)
    assert (expected > 0).sum() > 0
    assert torch.equal(result.gt_inds, expected)


def test_pool_center_in_gt_drops_candidates_centred_outside():
    priors, preds, logits, gts, labels, num_level = scene(2, num_gts=5)
    gts[:, 4] = torch.tensor([0.3, -0.6, 1.0, 0.1, -1.2])  # rotated GTs
    data = (InstanceData(priors=priors, bboxes=preds, scores=logits),
            InstanceData(bboxes=gts, labels=labels))
    full = PAAAssigner().candidate_pool(*data, num_level_priors=num_level)
    inside = PAAAssigner(pool_center_in_gt=True).candidate_pool(*data, num_level_priors=num_level)
    from mmrotate_dal.models.task_modules.rotated_frame import points_inside
    keep = points_inside(priors[full[1], :2], gts[full[2]])
    assert 0 < keep.sum() < len(keep)  # the scene has both kinds
    assert torch.equal(inside[1], full[1][keep]) and torch.equal(inside[2], full[2][keep])
    assert torch.equal(inside[3], full[3][keep])
    result = PAAAssigner(pool_center_in_gt=True).assign(*data, num_level_priors=num_level)
    pos = (result.gt_inds > 0).nonzero().squeeze(1)
    assert len(pos) > 0
    assert points_inside(priors[pos, :2], gts[result.gt_inds[pos] - 1]).all()
