"""DAL's matching-sensitive classification loss."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.losses.focal_loss import py_sigmoid_focal_loss
from torch import Tensor

from mmrotate.registry import MODELS

NORMALIZE_MODES = ('batch', 'image')


def check_normalize(owner: str, normalize: str) -> None:
    if normalize not in NORMALIZE_MODES:
        raise ValueError(f'{owner}: normalize must be one of {NORMALIZE_MODES}, got {normalize!r}')


@MODELS.register_module()
class MatchingSensitiveFocalLoss(nn.Module):
    """Sigmoid focal loss over all non-ignored anchors, plus ``w * focal`` on each positive's class.

    Each (anchor, class) entry is weighted by the anchor's label weight (1 for positives and
    negatives, 0 for ignored anchors); the entry of a positive's GT class gets ``1 + w`` where ``w``
    is DAL's compensation factor (``matching_weight``).

    Normalisation:
        - ``'batch'`` (mmdet): total sum / ``avg_factor`` (the batch's positive count).
        - ``'image'`` (released DAL code): each image's sum / max(its positive count, 1), averaged
          over images; the head passes ``image_norm`` = num_images * max(Np_image, 1) per anchor.

    Args:
        use_sigmoid (bool): must be True (sigmoid classifier, no background channel); written in
            configs like ``mmdet.FocalLoss`` because heads size their classifier from it.
        gamma (float): focusing parameter. Defaults to 2.0.
        alpha (float): weight of positive entries. Defaults to 0.25.
        normalize (str): ``'batch'`` or ``'image'``. Defaults to ``'batch'``.
        loss_weight (float): multiplier of the loss. Defaults to 1.0.
    """

    matching_sensitive = True

    def __init__(self, use_sigmoid: bool = True, gamma: float = 2.0, alpha: float = 0.25,
                 normalize: str = 'batch', loss_weight: float = 1.0) -> None:
        super().__init__()
        if not use_sigmoid:
            raise ValueError('MatchingSensitiveFocalLoss is a sigmoid focal loss: use_sigmoid=True')
        check_normalize(type(self).__name__, normalize)
        self.gamma, self.alpha = gamma, alpha
        self.normalize = normalize
        self.loss_weight = loss_weight
        self.use_sigmoid = True  # read by mmdet heads to size the classifier (no background)

    @staticmethod
    def entry_weights(label_weights: Tensor, target: Tensor, matching_weight: Tensor) -> Tensor:
        """Weight of each (anchor, class) entry: ``label_weight + w`` on a positive's class.

        Args:
            label_weights (Tensor): (N, 1).
            target (Tensor): (N, C) one-hot class targets (all 0 for non-positives).
            matching_weight (Tensor): (N, 1) the assigner's per-positive weight.

        Returns:
            Tensor: (N, C) weights.
        """
        return label_weights + target * matching_weight

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
            labels (Tensor): (N,) long, class index for positives, C (background) otherwise.
            label_weights (Tensor): (N,) 1 for positives/negatives, 0 for ignored anchors.
            matching_weight (Tensor): (N,) w for positives (ignored elsewhere).
            avg_factor (float, optional): normaliser for ``'batch'``.
            image_norm (Tensor, optional): (N,) per-anchor normaliser for ``'image'``.

        Returns:
            Tensor: scalar loss.
        """
        # one-hot targets by arithmetic, not boolean-mask indexing: no host sync on CUDA
        num_classes = pred.size(1)
        valid = (labels >= 0) & (labels < num_classes)
        target = F.one_hot(torch.where(valid, labels, num_classes), num_classes + 1)
        target = target[:, :num_classes].to(pred.dtype)
        weight = self.entry_weights(label_weights[:, None].to(pred.dtype), target,
                                    matching_weight[:, None].to(pred.dtype))
        loss = py_sigmoid_focal_loss(pred, target, None, self.gamma, self.alpha, reduction='none')
        loss = loss * weight
        if self.normalize == 'image':
            if image_norm is None:
                raise ValueError("normalize='image' needs image_norm from the head")
            return self.loss_weight * (loss / image_norm[:, None]).sum()
        return self.loss_weight * loss.sum() / max(float(avg_factor or 1.0), 1e-6)
