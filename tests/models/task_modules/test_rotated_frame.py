"""Points in rotated-box frames: hand-computed inside tests and centerness values."""
import math

import pytest
import torch

from mmrotate_dal.models.task_modules.rotated_frame import (point_box_offsets, points_inside,
                                                            rotated_centerness)


def test_offsets_inside_and_centerness_by_hand():
    # a 40 x 10 box at (100, 50) rotated by 90 degrees: its w axis points along +y
    box = torch.tensor([[100., 50., 40., 10., math.pi / 2]])
    boxes = box.expand(5, 5)
    points = torch.tensor([[100., 50.], [100., 65.], [104., 50.], [106., 50.], [100., 71.]])
    along_w, along_h = point_box_offsets(points, boxes)
    assert along_w.tolist() == pytest.approx([0, 15, 0, 0, 21], abs=1e-5)
    assert along_h.tolist() == pytest.approx([0, 0, -4, -6, 0], abs=1e-5)
    assert points_inside(points, boxes).tolist() == [True, True, True, False, False]
    # (100, 65): l = 35, r = 5 -> 5/35; t = b = 5 -> 1; centerness sqrt(1/7)
    # (104, 50): l = r = 20 -> 1; t = 1, b = 9 -> 1/9; centerness 1/3
    expected = [1.0, math.sqrt(1 / 7), 1 / 3, 0.0, 0.0]
    assert rotated_centerness(points, boxes).tolist() == pytest.approx(expected, abs=1e-5)


def test_centerness_is_invariant_to_the_box_representation():
    # the same rectangle as (w, h, t) and (h, w, t + pi/2)
    g = torch.Generator().manual_seed(0)
    boxes = torch.cat([torch.rand(50, 2, generator=g) * 100, 5 + torch.rand(50, 2, generator=g) * 40,
                       (torch.rand(50, 1, generator=g) - 0.5) * math.pi], 1)
    swapped = boxes[:, [0, 1, 3, 2, 4]].clone()
    swapped[:, 4] += math.pi / 2
    points = boxes[:, :2] + (torch.rand(50, 2, generator=g) - 0.5) * 30
    assert torch.allclose(rotated_centerness(points, boxes), rotated_centerness(points, swapped),
                          atol=1e-5)
    assert torch.equal(points_inside(points, boxes), points_inside(points, swapped))
