"""mmrotate-dal: DAL and rotated PAA label assignment for MMRotate 1.x.

``import mmrotate_dal`` (or ``custom_imports = dict(imports=['mmrotate_dal'])`` in a config)
registers MMRotate's and mmdet's own modules (so e.g. ``RBboxOverlaps2D`` resolves even when the
runner was not started by MMRotate's ``tools/train.py``), then this package's assigners, heads and
losses, and applies the compatibility fixes in :mod:`mmrotate_dal.utils.compat`. MMRotate's
``RotatedIoULoss`` then computes its IoU by polygon clipping, exact on coincident and touching boxes,
on every device (:mod:`mmrotate_dal.models.losses.rotated_iou_clip`); its upstream algorithm stays
available (``MMROTATE_DAL_ROTATED_IOU=upstream``) and runs on CPU through the package's vertex sort
(:mod:`mmrotate_dal.models.losses.diff_iou_rotated_cpu`; CUDA tensors keep mmcv's kernel).
"""
from mmdet.utils import register_all_modules as _register_mmdet
from mmrotate.utils import register_all_modules as _register_mmrotate

_register_mmdet(init_default_scope=False)
_register_mmrotate(init_default_scope=False)

from .utils import patch_checkpoint_loading  # noqa: E402

patch_checkpoint_loading()

from . import analysis, datasets, engine, evaluation, models  # noqa: E402,F401

models.losses.enable_cpu_diff_iou_rotated()  # upstream RotatedIoULoss on CPU (CUDA: mmcv's op)
models.losses.enable_robust_rotated_iou_loss()  # RotatedIoULoss: exact on coincident boxes
from .datasets import SYNTHETIC_CLASSES, make_synthetic_dota  # noqa: E402
from .models.task_modules.assigners import gmm_separation  # noqa: E402

__version__ = '0.1.0'
__all__ = ['SYNTHETIC_CLASSES', 'gmm_separation', 'make_synthetic_dota', '__version__']
