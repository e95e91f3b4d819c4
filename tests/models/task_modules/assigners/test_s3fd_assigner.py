"""S3FDAssigner: against a per-GT loop reference, and each rule on hand-built scenes."""
import pytest
import torch
from mmengine.structures import InstanceData

from mmrotate.registry import TASK_UTILS
from tests.helpers import scene
from .reference import s3fd_reference, stage_one, to_horizontal


def build(**kwargs):
    return TASK_UTILS.build(dict(type='S3FDAssigner', **kwargs))


def boxes(*rows):
    """Axis-aligned rotated boxes (cx, cy, w, h) at angle 0."""
    return torch.tensor([[*r, 0.0] for r in rows], dtype=torch.float32)


def assign(assigner, anchors, gts, ignore=None):
    labels = torch.arange(gts.size(0)) % 3
    gt = InstanceData(bboxes=gts, labels=labels)
    ign = None if ignore is None else InstanceData(bboxes=ignore)
    return assigner.assign(InstanceData(priors=anchors), gt, ign)


@pytest.mark.parametrize('horizontal', [False, True])
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_equals_per_gt_reference(seed, horizontal, device):
    anchors, _, gts, labels = scene(800, 30, seed)
    if horizontal:
        anchors, gts = to_horizontal(anchors), to_horizontal(gts)
    expected = s3fd_reference(anchors, gts, labels)
    got = build().assign(InstanceData(priors=anchors.to(device)),
                         InstanceData(bboxes=gts.to(device), labels=labels.to(device)))
    assert torch.equal(got.gt_inds.cpu(), expected)
    stage1 = stage_one(anchors, gts, labels)
    compensated = (expected > 0) & (stage1 <= 0)
    assert compensated.sum() >= 5  # stage 2 really ran on this scene
    pos = got.gt_inds > 0
    assert torch.equal(got.labels[pos].cpu(), labels[got.gt_inds[pos].cpu() - 1])


def test_stage_two_tops_up_to_the_floor_average_with_lowest_index_ties():
    gts = boxes((10, 10, 10, 10), (50, 50, 10, 10))
    anchors = boxes(
        (10, 10, 10, 10),  # 0: GT0, IoU 1
        (11, 10, 10, 10),  # 1: GT0, 90/110 = 0.818
        (12, 10, 10, 10),  # 2: GT0, 80/120 = 0.667
        (13, 10, 10, 10),  # 3: GT0, 70/130 = 0.538
        (50, 50, 10, 10),  # 4: GT1, IoU 1
        (56, 50, 10, 10),  # 5: GT1, 40/160 = 0.25 (stage 1: negative)
        (44, 50, 10, 10),  # 6: GT1, 0.25, tied with 5
        (57, 50, 10, 10),  # 7: GT1, 30/170 = 0.176
        (59, 50, 10, 10))  # 8: GT1, 10/190 = 0.053 < min_comp_iou
    # 5 stage-1 positives / 2 GTs -> N = 2: GT1 (1 positive) takes one: anchor 5 (tie, lower index)
    got = assign(build(), anchors, gts)
    assert got.gt_inds.tolist() == [1, 1, 1, 1, 2, 2, 0, 0, 0]
    # one more GT0 positive: 6 / 2 -> N = 3, GT1 takes both tied anchors, not anchor 7
    more = torch.cat([anchors, boxes((10, 11, 10, 10))])
    got = assign(build(), more, gts)
    assert got.gt_inds.tolist() == [1, 1, 1, 1, 2, 2, 2, 0, 0, 1]
    # with min_comp_iou 0.05 and N = 5 GT1 would reach anchor 8 too
    five = torch.cat([more, boxes((10, 9, 10, 10), (9, 10, 10, 10), (10, 12, 10, 10))])
    got = assign(build(min_comp_iou=0.05), five, gts)  # 9 positives / 2 -> N = 4: 3 taken
    assert got.gt_inds[[5, 6, 7, 8]].tolist() == [2, 2, 2, 0]
    got = assign(build(min_comp_iou=0.05, pos_iou_thr=0.35), torch.cat(
        [five, boxes((11, 11, 10, 10), (12, 9, 10, 10))]), gts)  # 11 / 2 -> N = 5: 4 taken
    assert got.gt_inds[[5, 6, 7, 8]].tolist() == [2, 2, 2, 2]


def test_an_anchor_is_only_compensation_for_its_own_best_gt():
    gts = boxes((10, 10, 10, 10), (22, 10, 10, 10))
    anchors = boxes(
        (10, 10, 10, 10),  # 0: GT0
        (11, 10, 10, 10),  # 1: GT0
        (9, 10, 10, 10),  # 2: GT0
        (22, 10, 10, 10),  # 3: GT1
        (15, 10, 10, 10),  # 4: GT0 50/150 = 0.333, GT1 30/170 = 0.176: best GT is GT0
        (28, 10, 10, 10))  # 5: GT1, 40/160 = 0.25
    got = assign(build(), anchors, gts)  # N = 4 // 2 = 2: GT1 short by one
    assert got.gt_inds.tolist() == [1, 1, 1, 2, 0, 2]
    # without anchor 5 GT1 stays short: anchor 4 is GT0's, never GT1's
    got = assign(build(), anchors[:5], gts)
    assert got.gt_inds.tolist() == [1, 1, 1, 2, 0]


def test_forced_best_anchor_goes_to_the_later_gt_and_counts_in_stage_one():
    gts = boxes((10, 10, 10, 10), (10, 10, 10, 10))  # duplicate GTs share every best anchor
    anchors = boxes((10, 10, 10, 10), (30, 30, 10, 10))
    got = assign(build(), anchors, gts)
    assert got.gt_inds.tolist() == [2, 0]


def test_no_gts_no_candidates_and_ignore_boxes():
    anchors = boxes((10, 10, 10, 10), (13, 10, 10, 10), (40, 40, 10, 10))
    empty = torch.zeros(0, 5)
    got = assign(build(), anchors, empty)
    assert got.gt_inds.tolist() == [0, 0, 0] and got.num_gts == 0
    # a lone GT: N = 1 -> nothing to top up; no candidate changes anything
    got = assign(build(), anchors, boxes((10, 10, 10, 10)))
    assert got.gt_inds.tolist() == [1, 1, 0]
    # GT1 has no anchor above min_comp_iou: it keeps its forced anchor only
    gts = boxes((10, 10, 10, 10), (40, 40, 10, 10))
    anchors = boxes((10, 10, 10, 10), (11, 10, 10, 10), (12, 10, 10, 10), (40, 40, 10, 10),
                    (49, 40, 10, 10))  # 4: GT1 10/190 = 0.053
    got = assign(build(), anchors, gts)  # N = 4 // 2 = 2
    assert got.gt_inds.tolist() == [1, 1, 1, 2, 0]
    # an anchor inside an ignore box is never compensation
    anchors = boxes((10, 10, 10, 10), (11, 10, 10, 10), (12, 10, 10, 10), (40, 40, 10, 10),
                    (46, 40, 10, 10))  # 4: GT1 40/160 = 0.25, a candidate
    assert assign(build(), anchors, gts).gt_inds.tolist() == [1, 1, 1, 2, 2]
    got = assign(build(ignore_iof_thr=0.5), anchors, gts, ignore=boxes((47, 40, 12, 12)))
    assert got.gt_inds.tolist() == [1, 1, 1, 2, -1]


@pytest.mark.parametrize('kwargs,message', [
    (dict(pos_iou_thr=0.3, neg_iou_thr=0.4), r'neg_iou_thr \(0.4\) must not exceed pos_iou_thr'),
    (dict(min_comp_iou=0.5), r'min_comp_iou \(0.5\) must not exceed neg_iou_thr'),
    (dict(pos_iou_thr=1.5), r'pos_iou_thr must be in \[0, 1\]'),
    (dict(min_comp_iou='0.1'), 'min_comp_iou must be a number'),
])
def test_bad_settings_fail_at_build(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build(**kwargs)
