"""S2A-Net's feature alignment module (first stage) trained with Dynamic Anchor Learning."""
from mmrotate.models.dense_heads import S2AHead
from mmrotate.registry import MODELS
from .dal_head_mixin import DALHeadMixin


@MODELS.register_module()
class DALS2AHead(DALHeadMixin, S2AHead):
    """Drop-in for ``S2AHead`` (``bbox_head_init``), to use DAL in both S2A-Net stages.

    The released DAL + S2A-Net result used DAL in the refine stage only
    (:class:`DALS2ARefineHead`); this head is the option for the first stage as well.
    """
