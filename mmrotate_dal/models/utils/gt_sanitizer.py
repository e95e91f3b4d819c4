"""Dropping GT boxes that no assigner can use."""
from typing import Tuple

import torch
from mmdet.structures.bbox import get_box_tensor
from mmengine.logging import print_log
from mmengine.structures import InstanceData


def box_sizes(boxes) -> Tuple[torch.Tensor, torch.Tensor]:
    """Widths and heights of rotated (G, 5) boxes, or of horizontal (G, 4) x1y1x2y2 boxes."""
    if boxes.size(-1) == 4:
        return boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return boxes[:, 2], boxes[:, 3]


def drop_invalid_gts(gt_instances: InstanceData, warn: bool = True) -> Tuple[InstanceData, int]:
    """Remove GTs with non-finite coordinates or a width or height that is not positive.

    Such boxes come from broken or degenerate annotations (e.g. DOTA polygons collapsing to a
    line). They have no defined IoU with anything and, with max-IoU-style low-quality matching,
    would turn arbitrary anchors into their positives. One warning per call counts them.

    Args:
        gt_instances (InstanceData): ``bboxes`` (G, 5) rotated or (G, 4) horizontal, and
            ``labels``.
        warn (bool): log a warning when something is dropped.

    Returns:
        tuple[InstanceData, int]: the kept GTs (the same object when nothing is dropped) and the
        number dropped.
    """
    boxes = get_box_tensor(gt_instances.bboxes)
    if boxes.numel() == 0:
        return gt_instances, 0
    width, height = box_sizes(boxes)
    keep = torch.isfinite(boxes).all(dim=-1) & (width > 0) & (height > 0)
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
        boxes (Tensor): (G, 5) rotated or (G, 4) horizontal GT boxes.
        owner (str): name used in the message.
    """
    if boxes.numel() == 0:
        return
    width, height = box_sizes(boxes)
    if not (torch.isfinite(boxes).all() and (width > 0).all() and (height > 0).all()):
        raise ValueError(f'{owner} got GT boxes with non-finite coordinates or non-positive '
                         'width/height; drop them first with '
                         'mmrotate_dal.models.drop_invalid_gts (the DAL and PAA heads do)')
