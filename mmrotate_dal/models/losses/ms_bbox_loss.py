"""DAL's matching-sensitive regression loss: any box loss, weighted by the compensation factor."""
from typing import Optional

import torch.nn as nn
from torch import Tensor

from mmrotate.registry import MODELS
from .ms_focal_loss import check_normalize


@MODELS.register_module()
class MatchingSensitiveBBoxLoss(nn.Module):
    """Wraps a box loss so that each positive's regression is weighted by its ``w``.

    Normalisation:
        - ``'batch'`` (mmdet): the wrapped loss with ``avg_factor`` = the batch's positive count.
          It sums the box coordinates, so it is ``encode_size`` (5) times the released code's
          per-element mean: use ``loss_weight=0.2`` inside ``loss_bbox`` to match its scale.
        - ``'image'`` (released DAL code): per image, the mean over its positives' box elements,
          then the mean over images (the head passes ``image_norm`` = num_images * max(Np_image, 1)).

    Args:
        loss_bbox (dict): the wrapped loss, e.g. ``dict(type='mmdet.SmoothL1Loss', beta=1/9)``. It
            must accept per-element ``weight`` and ``avg_factor`` like mmdet's losses.
        normalize (str): ``'batch'`` or ``'image'``. Defaults to ``'batch'``.
    """

    matching_sensitive = True

    def __init__(self, loss_bbox: dict = dict(type='mmdet.SmoothL1Loss', beta=1.0 / 9.0,
                                              loss_weight=1.0),
                 normalize: str = 'batch') -> None:
        super().__init__()
        check_normalize(type(self).__name__, normalize)
        self.loss_bbox = MODELS.build(loss_bbox)
        self.normalize = normalize

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Tensor,
                matching_weight: Tensor,
                avg_factor: Optional[float] = None,
                image_norm: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): (N, D) predictions (deltas, or decoded boxes).
            target (Tensor): (N, D) targets.
            weight (Tensor): (N, D) 1 for positives, 0 elsewhere.
            matching_weight (Tensor): (N,) compensation factor w of each anchor.
            avg_factor (float, optional): normaliser for ``'batch'``.
            image_norm (Tensor, optional): (N,) per-anchor normaliser for ``'image'``.

        Returns:
            Tensor: scalar loss.
        """
        weight = weight * matching_weight[:, None].to(weight.dtype)
        if self.normalize == 'image':
            if image_norm is None:
                raise ValueError("normalize='image' needs image_norm from the head")
            weight = weight / (image_norm[:, None] * pred.size(-1))
            return self.loss_bbox(pred, target, weight, avg_factor=1.0)
        return self.loss_bbox(pred, target, weight, avg_factor=avg_factor)
