"""Quality focal loss on the assigner's per-positive soft label (RTMDet's classification loss)."""
from typing import Optional

import torch.nn as nn
from torch import Tensor

from mmrotate.registry import MODELS


@MODELS.register_module()
class SoftLabelQualityFocalLoss(nn.Module):
    """mmdet's ``QualityFocalLoss`` whose soft label is the assigner's ``matching_weight``.

    RTMDet trains its classifier with QFL on soft labels: a positive's GT-class entry is pulled to
    the IoU of its detached prediction with the GT (``DynamicSoftLabelAssigner``'s
    ``max_overlaps``), every other entry to 0, each modulated by ``|t - sigmoid(z)|^beta``. Here the
    soft label comes from the assigner through the prediction-aware head's ``matching_weight``
    (``AnchorDSLAssigner`` sets it to that IoU), so it works on any anchor head of the package.

    Normalisation: ``avg_factor`` from the head (the batch's positive count, as RetinaNet), not
    RTMDet's sum of soft labels; that sum is the positive count times the mean IoU, so RTMDet's
    classification loss is larger by 1 / mean IoU.

    Args:
        use_sigmoid (bool): must be True (read by heads to size the classifier).
        beta (float): QFL's modulating exponent. Defaults to 2.0.
        loss_weight (float): multiplier. Defaults to 1.0.
    """

    matching_sensitive = True

    def __init__(self, use_sigmoid: bool = True, beta: float = 2.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not use_sigmoid:
            raise ValueError('SoftLabelQualityFocalLoss is sigmoid-based: use_sigmoid=True')
        self.use_sigmoid = True
        self.qfl = MODELS.build(dict(type='mmdet.QualityFocalLoss', use_sigmoid=True, beta=beta,
                                     loss_weight=loss_weight))

    def forward(self,
                pred: Tensor,
                labels: Tensor,
                label_weights: Tensor,
                matching_weight: Tensor,
                avg_factor: Optional[float] = None,
                image_norm: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): (N, C) logits.
            labels (Tensor): (N,) class of positives, C (background) elsewhere.
            label_weights (Tensor): (N,) 0 for ignored anchors.
            matching_weight (Tensor): (N,) soft label of positives (their IoU), 0 elsewhere.
            avg_factor (float, optional): normaliser (the batch's positive count).
            image_norm: unused (accepted for the head's matching-sensitive call).

        Returns:
            Tensor: scalar loss.
        """
        return self.qfl(pred, (labels, matching_weight.to(pred.dtype)), weight=label_weights,
                        avg_factor=avg_factor)
