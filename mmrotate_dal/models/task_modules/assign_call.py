"""Calling an assigner with per-level prior counts when it takes them."""
import inspect
from typing import List, Optional

from mmengine.structures import InstanceData


def assign_with_levels(assigner,
                       pred_instances: InstanceData,
                       gt_instances: InstanceData,
                       gt_instances_ignore: Optional[InstanceData] = None,
                       num_level_priors: Optional[List[int]] = None):
    """``assigner.assign`` with ``num_level_priors`` passed the way the assigner expects.

    This package's assigners that use levels set ``uses_num_level_priors`` and take it as a keyword;
    mmdet/mmrotate ATSS-style assigners take it as their second positional argument; all others
    do not take it.

    Returns:
        AssignResult: the assigner's result.
    """
    if num_level_priors is not None:
        if getattr(assigner, 'uses_num_level_priors', False):
            return assigner.assign(pred_instances, gt_instances, gt_instances_ignore,
                                   num_level_priors=list(num_level_priors))
        if 'num_level_priors' in inspect.signature(assigner.assign).parameters:
            return assigner.assign(pred_instances, list(num_level_priors), gt_instances,
                                   gt_instances_ignore)
    return assigner.assign(pred_instances, gt_instances, gt_instances_ignore)
