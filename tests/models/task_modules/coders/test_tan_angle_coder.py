import math

import torch

from mmrotate.structures.bbox import RotatedBoxes
from mmrotate_dal.models.task_modules.coders import DeltaXYWHTanRBBoxCoder, min_angle_form


def gaussian(boxes):
    """Centre and covariance R diag(w^2, h^2) R^T / 4: equal for every (w, h, t) representation of
    the same rectangle (mmcv's box_iou_rotated is unreliable for near-identical boxes)."""
    cx, cy, w, h, t = boxes.double().unbind(-1)
    c, s = t.cos(), t.sin()
    a = (w * c)**2 + (h * s)**2
    b = (w**2 - h**2) * c * s
    d = (w * s)**2 + (h * c)**2
    return torch.stack([cx, cy, a / 4, b / 4, d / 4], -1)


def test_hand_computed_deltas():
    coder = DeltaXYWHTanRBBoxCoder()
    anchor = torch.tensor([[0., 0., 10., 20., 0.]])
    gt = torch.tensor([[1., 2., 10., 10., math.radians(30)]])
    expected = torch.tensor([[1.0, 1.0, 0.0, 5 * math.log(0.5), 15 * math.tan(math.radians(30))]])
    assert torch.allclose(coder.encode(anchor, gt), expected, atol=1e-5)


def test_min_angle_form_is_the_same_box():
    g = torch.Generator().manual_seed(0)
    boxes = torch.rand(200, 5, generator=g) * torch.tensor([100, 100, 40, 40, 2 * math.pi])
    boxes[:, 2:4] += 2
    boxes[:, 4] -= math.pi
    regular = min_angle_form(boxes)
    assert (regular[:, 4] >= -math.pi / 4 - 1e-6).all() and (regular[:, 4] < math.pi / 4).all()
    assert torch.allclose(gaussian(boxes), gaussian(regular), rtol=1e-4, atol=1e-3)


def test_roundtrip_gives_the_same_boxes():
    g = torch.Generator().manual_seed(1)
    anchors = torch.rand(100, 5, generator=g) * torch.tensor([100, 100, 30, 30, 0]) + torch.tensor(
        [0, 0, 8, 8, 0])
    gts = anchors + torch.randn(100, 5, generator=g) * torch.tensor([3, 3, 3, 3, 0.6])
    gts[:, 2:4] = gts[:, 2:4].abs() + 2
    coder = DeltaXYWHTanRBBoxCoder()
    decoded = coder.decode(RotatedBoxes(anchors), coder.encode(anchors, gts))
    assert isinstance(decoded, RotatedBoxes)
    assert torch.allclose(gaussian(decoded.tensor), gaussian(gts), rtol=1e-4, atol=1e-2)
