"""Dropping GT boxes that no assigner can use."""
from typing import Tuple

import torch
from mmdet.structures.bbox import get_box_tensor
from mmengine.logging import print_log
from mmengine.structures import InstanceData


def drop_invalid_gts(gt_instances: InstanceData, warn: bool = True) -> Tuple[InstanceData, int]:
    """Remove GTs with non-finite coordinates or a width or height that is not positive.

    Such boxes come from broken or degenerate annotations (e.g. DOTA polygons collapsing to a
    line). They have no defined IoU with anything and, with max-IoU-style low-quality matching,
    would turn arbitrary anchors into their positives. One warning per call counts them.

    Args:
        gt_instances (InstanceData): ``bboxes`` (G, 5) and ``labels``.
        warn (bool): log a warning when something is dropped.

    Returns:
        tuple[InstanceData, int]: the kept GTs (the same object when nothing is dropped) and the
        number dropped.
    """
    boxes = get_box_tensor(gt_instances.bboxes)
    if boxes.numel() == 0:
        return gt_instances, 0
    keep = torch.isfinite(boxes).all(dim=-1) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)
    dropped = int((~keep).sum())
    if dropped == 0:
        return gt_instances, 0
    if warn:
        print_log(f'dropped {dropped} of {len(keep)} GT boxes with non-finite coordinates or '
                  'non-positive width/height', logger='current', level=30)
    return gt_instances[keep], dropped


def check_gts(boxes, owner: str) -> None:
    """Raise a clear error for GT boxes :func:`drop_invalid_gts` would drop.

    Args:
        boxes (Tensor): (G, 5) GT boxes.
        owner (str): name used in the message.
    """
    if boxes.numel() and not (torch.isfinite(boxes).all() and (boxes[:, 2:4] > 0).all()):
        raise ValueError(f'{owner} got GT boxes with non-finite coordinates or non-positive '
                         'width/height; drop them first with '
                         'mmrotate_dal.models.drop_invalid_gts (the DAL and PAA heads do)')
