"""HAMBoxAssigner: against a per-GT loop reference, and each rule on hand-built scenes."""
import pytest
import torch
from mmengine.structures import InstanceData

from mmrotate.registry import TASK_UTILS
from tests.helpers import scene
from .reference import hambox_reference, stage_one, to_horizontal


def build(**kwargs):
    return TASK_UTILS.build(dict(type='HAMBoxAssigner', **kwargs))


def boxes(*rows):
    """Axis-aligned rotated boxes (cx, cy, w, h) at angle 0."""
    return torch.tensor([[*r, 0.0] for r in rows], dtype=torch.float32)


def assign(assigner, anchors, preds, gts, ignore=None):
    gt = InstanceData(bboxes=gts, labels=torch.zeros(gts.size(0), dtype=torch.long))
    ign = None if ignore is None else InstanceData(bboxes=ignore)
    return assigner.assign(InstanceData(priors=anchors, bboxes=preds), gt, ign)


FAR = (150, 150, 10, 10)  # an anchor that overlaps no GT


@pytest.mark.parametrize('options', [
    dict(), dict(num_comp=3), dict(num_comp=8, comp_iou_thr=0.4),
    dict(ignore_unmatched_high_iou=False, comp_weight='none')])
@pytest.mark.parametrize('horizontal', [False, True])
@pytest.mark.parametrize('seed', [0, 1])
def test_equals_per_gt_reference(seed, horizontal, options, device):
    anchors, preds, gts, labels = scene(800, 30, seed)
    if horizontal:
        anchors, preds, gts = map(to_horizontal, (anchors, preds, gts))
    ref_kwargs = dict(thr=options.get('comp_iou_thr', 0.5), k=options.get('num_comp', 5),
                      ignore=options.get('ignore_unmatched_high_iou', True),
                      weight_iou=options.get('comp_weight', 'iou') == 'iou')
    expected, weight = hambox_reference(anchors, preds, gts, labels, **ref_kwargs)
    got = build(**options).assign(
        InstanceData(priors=anchors.to(device), bboxes=preds.to(device)),
        InstanceData(bboxes=gts.to(device), labels=labels.to(device)))
    assert torch.equal(got.gt_inds.cpu(), expected)
    assert torch.allclose(got.get_extra_property('matching_weight').cpu(), weight, atol=1e-6)
    mined = (expected > 0) & (stage_one(anchors, gts, labels) <= 0)
    assert mined.sum() >= 2  # step 2 really ran on this scene
    if ref_kwargs['ignore']:
        assert (expected == -1).any()


def test_mining_tops_up_to_k_by_regressed_iou():
    gts = boxes((10, 10, 10, 10), (50, 50, 10, 10))
    anchors = boxes((10, 10, 10, 10), FAR, FAR, FAR, (50, 50, 10, 10), FAR, FAR)
    preds = boxes(
        (10, 10, 10, 10),  # 0: step-1 positive of GT0
        (11, 10, 10, 10),  # 1: GT0 fa 90/110 = 0.818
        (12, 10, 10, 10),  # 2: GT0 fa 0.667
        (13, 10, 10, 10),  # 3: GT0 fa 0.538
        (50, 50, 10, 10),  # 4: step-1 positive of GT1
        (52, 50, 10, 10),  # 5: GT1 fa 0.667
        (56, 50, 10, 10))  # 6: GT1 fa 0.25 < T
    got = assign(build(num_comp=2), anchors, preds, gts)
    # each GT had 1 positive, K = 2: GT0 takes anchor 1 (best fa), GT1 anchor 5; anchors 2 and 3
    # qualified but were not taken: ignored; anchor 6 is below T: negative
    assert got.gt_inds.tolist() == [1, 1, -1, -1, 2, 2, 0]
    assert torch.allclose(got.get_extra_property('matching_weight'),
                          torch.tensor([1, 90 / 110, 0, 0, 1, 80 / 120, 0]), atol=1e-5)
    assert got.max_overlaps[[1, 5]].tolist() == [0, 0]  # their anchors overlap nothing
    # K = 3: GT0 takes anchors 1 and 2; without the ignore rule anchor 3 is a negative
    got = assign(build(num_comp=3, ignore_unmatched_high_iou=False), anchors, preds, gts)
    assert got.gt_inds.tolist() == [1, 1, 1, 0, 2, 2, 0]
    # K = 1: nobody is short, nothing is mined; every high-fa negative is ignored
    got = assign(build(num_comp=1), anchors, preds, gts)
    assert got.gt_inds.tolist() == [1, -1, -1, -1, 2, -1, 0]
    assert got.get_extra_property('matching_weight').tolist() == [1, 0, 0, 0, 1, 0, 0]


def test_contested_anchor_goes_to_its_best_short_gt_and_never_passes_on():
    gts = boxes((10, 10, 10, 10), (16, 10, 10, 10))  # GT0 and GT1 overlap (IoU 0.25)
    anchors = boxes((10, 10, 10, 10), (16, 10, 10, 10), FAR, FAR, FAR, FAR)
    preds = boxes(
        (10, 10, 10, 10),  # 0: step-1 positive of GT0
        (16, 10, 10, 10),  # 1: step-1 positive of GT1
        (14, 10, 10, 10),  # 2: GT0 0.429, GT1 0.667 -> GT1's
        (12, 10, 10, 10),  # 3: GT0 0.667, GT1 0.429 -> GT0's
        (13, 10, 10, 10),  # 4: GT0 0.538 = GT1 0.538, a tie -> GT0's (lowest GT index)
        (11, 10, 10, 10))  # 5: GT0 0.818, GT1 50/150 -> GT0's
    got = assign(build(num_comp=3), anchors, preds, gts)
    # GT0 needs 2: anchors 5 and 3; anchor 4 was GT0's candidate only, so GT1 (which got
    # anchor 2 and is still short) does not receive it: it is ignored
    assert got.gt_inds.tolist() == [1, 2, 2, 1, -1, 1]
    # a GT that is not short holds no candidate: with three step-1 positives GT0 is full at
    # K = 3, so the tied anchor 4 is GT1's, which takes it after anchor 2; anchor 3 (GT0's only)
    # is ignored
    anchors2 = torch.cat([anchors[:5], boxes((11, 10, 10, 10), (9, 10, 10, 10))])
    preds2 = torch.cat([preds[:5], boxes(FAR, FAR)])
    got = assign(build(num_comp=3), anchors2, preds2, gts)
    assert got.gt_inds.tolist() == [1, 2, 2, -1, 2, 1, 1]


def test_anchor_ious_rule_step_one_and_ignore_boxes_block_mining():
    gts = boxes((10, 10, 10, 10), (50, 50, 10, 10))
    anchors = boxes((10, 10, 10, 10), (13, 10, 10, 10), FAR, (50, 50, 10, 10))
    preds = boxes(FAR, FAR, (11, 10, 10, 10), FAR)  # step-1 positives keep weight 1 whatever
    got = assign(build(), anchors, preds, gts)
    assert got.gt_inds.tolist() == [1, 1, 1, 2]
    assert torch.allclose(got.get_extra_property('matching_weight'), torch.tensor([1, 1, 90 / 110, 1]), atol=1e-5)
    got = assign(build(ignore_iof_thr=0.5), anchors, preds, gts, ignore=boxes((150, 150, 12, 12)))
    assert got.gt_inds.tolist() == [1, 1, -1, 2]
    assert got.get_extra_property('matching_weight').tolist()[2] == 0


def test_no_gts_and_missing_predictions():
    anchors = boxes((10, 10, 10, 10), FAR)
    got = assign(build(), anchors, anchors.clone(), torch.zeros(0, 5))
    assert got.gt_inds.tolist() == [0, 0] and got.get_extra_property('matching_weight').tolist() == [0, 0]
    with pytest.raises(KeyError, match='decoded predictions'):
        build().assign(InstanceData(priors=anchors),
                       InstanceData(bboxes=anchors, labels=torch.zeros(2, dtype=torch.long)))
    with pytest.raises(ValueError, match='non-finite'):
        assign(build(), anchors, anchors, boxes((10, 10, 0, 10)))


@pytest.mark.parametrize('kwargs,message', [
    (dict(num_comp=0), r'num_comp \(K\) must be an integer >= 1'),
    (dict(num_comp=2.5), r'num_comp \(K\) must be an integer >= 1'),
    (dict(pos_iou_thr=0.3, neg_iou_thr=0.4), 'neg_iou_thr .* must not exceed pos_iou_thr'),
    (dict(comp_iou_thr=0), 'comp_iou_thr must be > 0'),
    (dict(comp_iou_thr=1.2), r'comp_iou_thr must be in \[0, 1\]'),
    (dict(comp_weight='focal'), 'comp_weight must be one of'),
])
def test_bad_settings_fail_at_build(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build(**kwargs)
