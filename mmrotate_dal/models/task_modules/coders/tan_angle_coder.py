"""The released DAL code's box coder, with a tangent angle target."""
import math
from typing import Optional, Sequence

import torch
from mmdet.models.task_modules.coders.base_bbox_coder import BaseBBoxCoder
from mmdet.structures.bbox import get_box_tensor
from torch import Tensor

from mmrotate.registry import TASK_UTILS
from mmrotate.structures.bbox import RotatedBoxes



def min_angle_form(boxes: Tensor) -> Tensor:
    """Equivalent (cx, cy, w, h, t) with t in [-pi/4, pi/4) (w and h swapped where needed).

    The released DAL code keeps angles in [-45, 45] degrees with unordered w/h, which keeps
    ``tan t`` finite and small.
    """
    cx, cy, w, h, t = boxes.unbind(-1)
    k = torch.floor((t + math.pi / 4) / (math.pi / 2))
    t = t - k * (math.pi / 2)
    odd = torch.remainder(k, 2) == 1
    return torch.stack([cx, cy, torch.where(odd, h, w), torch.where(odd, w, h), t], dim=-1)


@TASK_UTILS.register_module()
class DeltaXYWHTanRBBoxCoder(BaseBBoxCoder):
    """DAL's coder: centre/size deltas in image axes and ``dt = tan(t_g) - tan(t_a)``.

    With the default stds, ``(dx, dy, dw, dh, dt) = (10 (x_g-x_a)/w_a, 10 (y_g-y_a)/h_a,
    10 log(w_g/w_a), 5 log(h_g/h_a), 15 (tan t_g - tan t_a))``. Anchors and GTs are first brought to
    their form with t in [-pi/4, pi/4); widths and heights are clamped to >= 1 as in the released
    code. Decoding gives ``t = atan(tan t_a + dt)``.

    Args:
        target_means (Sequence[float]): means of the deltas. Defaults to zeros.
        target_stds (Sequence[float]): stds of the deltas. Defaults to (0.1, 0.1, 0.1, 0.2, 1/15).
        use_box_type (bool): decode to ``RotatedBoxes``. Defaults to True.
    """

    encode_size = 5

    def __init__(self,
                 target_means: Sequence[float] = (0., 0., 0., 0., 0.),
                 target_stds: Sequence[float] = (0.1, 0.1, 0.1, 0.2, 1 / 15),
                 use_box_type: bool = True) -> None:
        super().__init__(use_box_type=use_box_type)
        if len(target_means) != 5 or len(target_stds) != 5 or min(target_stds) <= 0:
            raise ValueError('DeltaXYWHTanRBBoxCoder needs 5 means and 5 positive stds')
        self.means = tuple(float(m) for m in target_means)
        self.stds = tuple(float(s) for s in target_stds)

    def encode(self, bboxes, gt_bboxes) -> Tensor:
        """Encode GTs against anchors.

        Args:
            bboxes (Tensor | RotatedBoxes): (N, 5) anchors.
            gt_bboxes (Tensor | RotatedBoxes): (N, 5) GT boxes.

        Returns:
            Tensor: (N, 5) deltas.
        """
        anchors = min_angle_form(get_box_tensor(bboxes).float())
        gts = min_angle_form(get_box_tensor(gt_bboxes).float())
        wa, ha = anchors[:, 2].clamp(min=1), anchors[:, 3].clamp(min=1)
        wg, hg = gts[:, 2].clamp(min=1), gts[:, 3].clamp(min=1)
        deltas = torch.stack([(gts[:, 0] - anchors[:, 0]) / wa, (gts[:, 1] - anchors[:, 1]) / ha,
                              torch.log(wg / wa), torch.log(hg / ha),
                              torch.tan(gts[:, 4]) - torch.tan(anchors[:, 4])], dim=-1)
        return (deltas - deltas.new_tensor(self.means)) / deltas.new_tensor(self.stds)

    def decode(self, bboxes, pred_bboxes: Tensor, max_shape: Optional[Sequence[int]] = None,
               wh_ratio_clip: float = 16 / 1000):
        """Apply deltas to anchors.

        Args:
            bboxes (Tensor | RotatedBoxes): (N, 5) anchors, or (B, N, 5).
            pred_bboxes (Tensor): deltas of the same shape.
            max_shape: unused (rotated boxes are not clipped), kept for the coder interface.
            wh_ratio_clip (float): bound on the size deltas, as in mmdet's coders.

        Returns:
            Tensor | RotatedBoxes: decoded boxes, same shape.
        """
        anchors = min_angle_form(get_box_tensor(bboxes))
        deltas = pred_bboxes * pred_bboxes.new_tensor(self.stds) + pred_bboxes.new_tensor(
            self.means)
        clip = abs(math.log(wh_ratio_clip))
        wa, ha = anchors[..., 2].clamp(min=1), anchors[..., 3].clamp(min=1)
        w = wa * deltas[..., 2].clamp(-clip, clip).exp()
        h = ha * deltas[..., 3].clamp(-clip, clip).exp()
        boxes = torch.stack([anchors[..., 0] + deltas[..., 0] * wa,
                             anchors[..., 1] + deltas[..., 1] * ha, w.clamp(min=1), h.clamp(min=1),
                             torch.atan(torch.tan(anchors[..., 4]) + deltas[..., 4])], dim=-1)
        return RotatedBoxes(boxes) if self.use_box_type else boxes
