"""HAMBox's regression-aware focal loss."""
from torch import Tensor

from mmrotate.registry import MODELS
from .ms_focal_loss import MatchingSensitiveFocalLoss


@MODELS.register_module()
class RegressionAwareFocalLoss(MatchingSensitiveFocalLoss):
    """Sigmoid focal loss in which a positive's class term is multiplied by the assigner's weight.

    With ``HAMBoxAssigner`` that weight (``matching_weight``) is 1 for anchors matched by IoU and
    the regressed IoU for anchors mined from their predictions, so a mined anchor whose prediction
    fits its face/object poorly contributes less (Liu et al., CVPR 2020). Only the positive class
    entry is scaled, as the public re-implementation does it (focal alpha x IoU); the anchor's
    other class entries and every negative keep their label weight.

    Args:
        As :class:`MatchingSensitiveFocalLoss` (``gamma``, ``alpha``, ``normalize``,
        ``loss_weight``).
    """

    @staticmethod
    def entry_weights(label_weights: Tensor, target: Tensor, matching_weight: Tensor) -> Tensor:
        """``label_weight`` everywhere, times ``w`` on a positive's class entry.

        Args:
            label_weights (Tensor): (N, 1).
            target (Tensor): (N, C) one-hot class targets.
            matching_weight (Tensor): (N, 1).

        Returns:
            Tensor: (N, C) weights.
        """
        return label_weights * (1 + target * (matching_weight - 1))
