import math

import torch

from mmrotate_dal.models.dense_heads import DALRotatedATSSHead


def test_centerness_target_is_zero_outside_and_atss_inside():
    gts = torch.tensor([[50., 50., 40., 20., 0.], [50., 50., 40., 20., 0.],
                        [50., 50., 40., 20., math.pi / 2]])
    anchors = torch.tensor([[60., 55., 8., 8., 0.], [200., 50., 8., 8., 0.], [50., 50., 8., 8., 0.]])
    got = DALRotatedATSSHead.centerness_target(None, anchors, gts)
    # inside: l=30, r=10, t=15, b=5 -> sqrt(10/30 * 5/15); outside -> 0; centre -> 1
    assert torch.allclose(got, torch.tensor([math.sqrt(1 / 9), 0.0, 1.0]), atol=1e-6)
