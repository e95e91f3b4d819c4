"""DALAssigner: dal.md vectors (sections 3.1, 4.4), alpha schedule, and a brute-force dense reference."""
import itertools

import pytest
import torch
from mmengine.structures import InstanceData

from mmrotate.structures.bbox import rbbox_overlaps
from mmrotate_dal.models.task_modules.assigners import (DALAssigner, matching_degree,
                                                         scheduled_alpha)
from tests.helpers import scene

# dal.md section 3.1: (sa, fa, md at alpha 0.3, md at alpha 1), gamma 5
MD_TABLE = [
    (0.0, 1.0, 0.300, 1.000),
    (0.2, 0.95, 0.488, 0.037),
    (0.25, 0.95, 0.572, 0.082),
    (0.3, 0.9, 0.642, 0.222),
    (0.5, 0.9, 0.770, 0.490),
    (0.6, 0.4, 0.460, 0.600),
    (0.7, 0.0, 0.042, 0.532),
    (1.0, 0.3, 0.342, 0.832),
]


def test_matching_degree_table():
    sa = torch.tensor([r[0] for r in MD_TABLE], dtype=torch.float64)
    fa = torch.tensor([r[1] for r in MD_TABLE], dtype=torch.float64)
    for alpha, col in ((0.3, 2), (1.0, 3)):
        expected = torch.tensor([r[col] for r in MD_TABLE], dtype=torch.float64)
        got = matching_degree(sa, fa, alpha, 5.0)
        assert torch.allclose(got, expected, atol=5e-4), (alpha, got)


def test_matching_degree_clamp_instead_of_abs():
    # sa = 0, fa = 1 at alpha = 1: expression is 0 + 0 - 1 = -1; abs -> 1, clamp -> 0
    sa, fa = torch.tensor([0.0]), torch.tensor([1.0])
    assert matching_degree(sa, fa, 1.0, 5.0, use_abs=True).item() == pytest.approx(1.0)
    assert matching_degree(sa, fa, 1.0, 5.0, use_abs=False).item() == 0.0


def test_alpha_schedule_values():
    # dal.md 3.1: 1.0 before 0.1, linear to 0.3 at 0.3; checked values 0.825, 0.65, 0.475
    expected = {0.0: 1.0, 0.05: 1.0, 0.1: 1.0, 0.15: 0.825, 0.2: 0.65, 0.25: 0.475, 0.3: 0.3,
                0.9: 0.3, 1.0: 0.3}
    for p, a in expected.items():
        assert scheduled_alpha(0.3, (0.1, 0.3), p) == pytest.approx(a)
    assert scheduled_alpha(0.3, None, 0.0) == 0.3
    assert scheduled_alpha(0.3, (0.1, 0.3), None) == 0.3  # outside training: final alpha
    assigner = DALAssigner()
    assert assigner.current_alpha(0.2) == pytest.approx(0.65)
    assert assigner.current_alpha() == pytest.approx(0.3)  # no runner here


def _pairs(md_dense):
    rows, cols = torch.meshgrid(torch.arange(md_dense.size(0)), torch.arange(md_dense.size(1)),
                                indexing='ij')
    return rows.reshape(-1), cols.reshape(-1), md_dense.reshape(-1)


MD_4x2 = torch.tensor([[0.80, 0.10], [0.65, 0.55], [0.20, 0.45], [0.05, 0.30]])


def test_weight_example_released():
    # dal.md 4.4: A0, A1 positive for GT0 (A1 forced by GT1 but keeps its own argmax GT0);
    # weights 1.0 and 1.0 (A1's comes from the GT1 column); A2, A3 negative.
    gt_inds, md_max, w = DALAssigner().assign_wrt_matching_degree(*_pairs(MD_4x2), 4, 2)
    assert gt_inds.tolist() == [1, 1, 0, 0]
    assert torch.allclose(md_max, torch.tensor([0.80, 0.65, 0.45, 0.30]))
    assert torch.allclose(w, torch.tensor([1.0, 1.0, 0.0, 0.0]))


def test_weight_example_pr407():
    assigner = DALAssigner(low_quality='forcing_gt', weight_mode='assigned_gt')
    gt_inds, _, w = assigner.assign_wrt_matching_degree(*_pairs(MD_4x2), 4, 2)
    assert gt_inds.tolist() == [1, 2, 0, 0]  # A1 reassigned to GT1
    assert torch.allclose(w, torch.tensor([1.0, 1.0, 0.0, 0.0]))


def test_weight_example_assigned_gt_column():
    # released assignment, weight gathered at the assigned GT: A1 -> 0.65 + 1 - 0.80 = 0.85
    assigner = DALAssigner(weight_mode='assigned_gt')
    _, _, w = assigner.assign_wrt_matching_degree(*_pairs(MD_4x2), 4, 2)
    assert torch.allclose(w, torch.tensor([1.0, 0.85, 0.0, 0.0]))


def test_ignore_band_and_no_minimum_for_forced():
    # anchor 0: md 0.55 (ignored band), anchor 1: md 0.2 (negative, but best of GT1 -> forced)
    md = torch.tensor([[0.55, 0.0], [0.0, 0.2], [0.1, 0.0]])
    gt_inds, _, w = DALAssigner().assign_wrt_matching_degree(*_pairs(md), 3, 2)
    # GT0's best anchor (0, md 0.55 < 0.6) is forced positive too
    assert gt_inds.tolist() == [1, 2, 0]
    assert torch.allclose(w, torch.tensor([1.0, 1.0, 0.0]))
    gt_inds, _, _ = DALAssigner(low_quality='none').assign_wrt_matching_degree(*_pairs(md), 3, 2)
    assert gt_inds.tolist() == [-1, 0, 0]


def dense_reference(priors, preds, gts, alpha, gamma, pos_thr, neg_thr, use_abs, low_quality,
                    weight_mode):
    """Brute force on dense matrices, written independently of the assigner."""
    # the spec: IoU in [0, 1]; computed on the inputs' device, the loops below on the CPU
    sa = rbbox_overlaps(priors, gts).clamp(0, 1).cpu()
    fa = rbbox_overlaps(preds, gts).clamp(0, 1).cpu()
    md = alpha * sa + (1 - alpha) * fa - (sa - fa).abs()**gamma
    md = md.abs() if use_abs else md.clamp(min=0)
    n, g = md.shape
    md_max = md.max(dim=1).values
    argmax = md.argmax(dim=1)
    gt_inds = torch.full((n, ), -1, dtype=torch.long)
    gt_inds[md_max < neg_thr] = 0
    for i in range(n):
        if md_max[i] >= pos_thr:
            gt_inds[i] = argmax[i] + 1
    for j in range(g):
        col = md[:, j]
        if col.max() <= 0:
            continue
        a = int(col.argmax())
        if low_quality == 'anchor_argmax' and col.max() < pos_thr:
            gt_inds[a] = argmax[a] + 1
        elif low_quality == 'forcing_gt':
            gt_inds[a] = j + 1
    pos = gt_inds > 0
    max_pos = torch.zeros(g)
    best_pos = [-1] * g
    for j in range(g):
        if pos.any():
            vals = torch.where(pos, md[:, j], torch.zeros(()))
            if vals.max() > 0:
                max_pos[j] = vals.max()
                best_pos[j] = int(vals.argmax())
    w = torch.zeros(n)
    for i in pos.nonzero().flatten().tolist():
        if weight_mode == 'max_over_gts':
            cands = []
            for j in range(g):
                if md[i, j] >= pos_thr or best_pos[j] == i:
                    cands.append(md[i, j] + 1 - max_pos[j])
                else:
                    cands.append(2 * md[i, j])
            w[i] = max(cands)
        else:
            j = int(gt_inds[i]) - 1
            w[i] = md[i, j] + 1 - max_pos[j]
    return gt_inds, md_max, w


@pytest.mark.parametrize('low_quality,weight_mode,use_abs',
                         list(itertools.product(('anchor_argmax', 'forcing_gt', 'none'),
                                                ('max_over_gts', 'assigned_gt'), (True, False))))
def test_equals_dense_reference(low_quality, weight_mode, use_abs, device):
    for seed, progress in ((0, 0.0), (1, 0.2), (2, 1.0)):
        anchors, preds, gts, labels = (t.to(device) for t in scene(400, 25, seed))
        assigner = DALAssigner(low_quality=low_quality, weight_mode=weight_mode, use_abs=use_abs)
        alpha = assigner.current_alpha(progress)
        result = assigner.assign(
            InstanceData(priors=anchors, bboxes=preds), InstanceData(bboxes=gts, labels=labels),
            progress=progress)
        gt_inds, md_max, w = dense_reference(anchors, preds, gts, alpha, 5.0, 0.6, 0.5, use_abs,
                                             low_quality, weight_mode)
        assert (gt_inds > 0).sum() >= (1 if low_quality == 'none' else 5) and (gt_inds == -1).sum() > 0  # all branches exercised
        result.gt_inds, result.max_overlaps, result.labels = (
            result.gt_inds.cpu(), result.max_overlaps.cpu(), result.labels.cpu())
        labels = labels.cpu()
        assert torch.equal(result.gt_inds, gt_inds)
        assert torch.allclose(result.max_overlaps, md_max, atol=1e-6)
        assert torch.allclose(result.get_extra_property('matching_weight').cpu(), w, atol=1e-6)
        assert torch.equal(result.get_extra_property('matching_degree'), result.max_overlaps)
        pos = gt_inds > 0
        assert torch.equal(result.labels[pos], labels[gt_inds[pos] - 1])
        assert (result.labels[~pos] == -1).all()


def test_dense_calculator_path_matches_sparse():
    anchors, preds, gts, labels = scene(300, 20, 5)
    data = (InstanceData(priors=anchors, bboxes=preds), InstanceData(bboxes=gts, labels=labels))
    sparse = DALAssigner().assign(*data)
    dense = DALAssigner(iou_calculator=dict(type='RBboxOverlaps2D')).assign(*data)
    assert torch.equal(sparse.gt_inds, dense.gt_inds)
    assert torch.equal(sparse.get_extra_property('matching_weight'),
                       dense.get_extra_property('matching_weight'))


def test_no_gt_all_negative():
    anchors, preds, _, _ = scene(50, 3, 0)
    result = DALAssigner().assign(
        InstanceData(priors=anchors, bboxes=preds),
        InstanceData(bboxes=torch.zeros(0, 5), labels=torch.zeros(0, dtype=torch.long)))
    assert result.num_gts == 0
    assert (result.gt_inds == 0).all() and (result.labels == -1).all()
    assert (result.get_extra_property('matching_weight') == 0).all()


def test_no_gradient_through_iou_or_md():
    anchors, preds, gts, labels = scene(100, 5, 3)
    preds = preds.clone().requires_grad_(True)
    result = DALAssigner().assign(InstanceData(priors=anchors, bboxes=preds),
                                  InstanceData(bboxes=gts, labels=labels))
    for t in (result.max_overlaps, result.get_extra_property('matching_weight')):
        assert not t.requires_grad and t.grad_fn is None


def test_non_finite_predictions_have_zero_output_iou():
    anchors, preds, gts, labels = scene(100, 5, 4)
    bad = preds.clone()
    bad[::3] = float('nan')
    bad[1::3, 2] = float('inf')
    result = DALAssigner(alpha_schedule=None, alpha=0.0, gamma=1.0).assign(
        InstanceData(priors=anchors, bboxes=bad), InstanceData(bboxes=gts, labels=labels))
    # alpha 0, gamma 1: md = |fa - |sa - fa||, for fa = 0 it is sa
    sa = rbbox_overlaps(anchors, gts).max(dim=1).values
    broken = torch.zeros(100, dtype=torch.bool)
    broken[::3] = True
    broken[1::3] = True
    assert torch.allclose(result.max_overlaps[broken], sa[broken], atol=1e-6)
    assert torch.isfinite(result.get_extra_property('matching_weight')).all()


def test_missing_predictions_is_a_clear_error():
    anchors, _, gts, labels = scene(40, 2, 0)
    with pytest.raises(KeyError, match='pred_instances.bboxes'):
        DALAssigner().assign(InstanceData(priors=anchors), InstanceData(bboxes=gts, labels=labels))


@pytest.mark.parametrize('kwargs,match', [
    (dict(alpha=1.5), 'alpha'),
    (dict(alpha=-0.1), 'alpha'),
    (dict(gamma=0), 'gamma'),
    (dict(gamma=-1), 'gamma'),
    (dict(pos_iou_thr=0.4, neg_iou_thr=0.5), 'neg_iou_thr'),
    (dict(pos_iou_thr=0.0), 'pos_iou_thr'),
    (dict(alpha_schedule=(0.3, 0.1)), 'start < end'),
    (dict(alpha_schedule=(0.1, )), 'alpha_schedule'),
    (dict(low_quality='mmdet'), 'low_quality'),
    (dict(weight_mode='max'), 'weight_mode'),
    (dict(progress_by='step'), 'progress_by'),
    (dict(alpha='0.3'), 'alpha'),
])
def test_bad_settings_fail_at_build(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        DALAssigner(**kwargs)
