"""Rotated IoU values outside [0, 1] from the kernel are clamped before DAL uses them."""
import torch
from mmengine.structures import InstanceData

from mmrotate_dal.models.task_modules import rotated_iou
from mmrotate_dal.models.task_modules.assigners import DALAssigner, matching_degree


def test_kernel_values_outside_unit_interval_are_clamped(monkeypatch):
    glitch = torch.tensor([-0.2, 1.3, 0.5])
    monkeypatch.setattr(rotated_iou, 'box_iou_rotated', lambda b1, b2, mode, aligned: glitch)
    boxes = torch.tensor([[10., 10., 4., 4., 0.]]).repeat(3, 1)
    assert rotated_iou.rotated_iou_aligned(boxes, boxes).tolist() == [0.0, 1.0, 0.5]


def test_negative_iou_cannot_become_a_positive_matching_degree(monkeypatch):
    # unclamped, sa = -0.5 with a perfect prediction gives md = |0.3*-0.5 + 0.7 - 1.5^5| = 6.9
    assert matching_degree(torch.tensor(-0.5), torch.tensor(1.0), 0.3, 5.0) > 6
    anchors = torch.tensor([[10., 10., 4., 4., 0.], [50., 50., 8., 8., 0.]])
    preds = anchors.clone()
    gts = InstanceData(bboxes=torch.tensor([[10., 10., 4., 4., 0.]]), labels=torch.tensor([2]))

    def glitchy(b1, b2, mode, aligned):  # the kernel returns -0.5 for every pair
        return torch.full((b1.size(0), ), -0.5)

    monkeypatch.setattr(rotated_iou, 'box_iou_rotated', glitchy)
    result = DALAssigner().assign(InstanceData(priors=anchors, bboxes=preds), gts, progress=1.0)
    # clamped to IoU 0 everywhere: md 0, so every anchor is negative and nothing is forced
    assert result.max_overlaps.tolist() == [0.0, 0.0]
    assert result.gt_inds.tolist() == [0, 0]
