"""The package's heads, assigners and losses in mmdet's registries as well.

They are registered in MMRotate's registries (children of mmdet's). A config in mmdet's own scope
(``default_scope = 'mmdet'``, e.g. mmdet's VOC RetinaNet) looks names up in mmdet's registries,
which do not search their children, so the modules that work with horizontal boxes too are
registered there under the same names (the same classes) by :func:`register_in_mmdet`, which
``import mmrotate_dal`` calls.
"""
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.registry import TASK_UTILS as MMDET_TASK_UTILS

from mmrotate.registry import MODELS, TASK_UTILS

EXPORTS = {
    'MODELS': ('DALRetinaHead', 'HAMBoxRetinaHead', 'DSLRetinaHead', 'PredictionAwareRetinaHead',
               'LevelAwareRetinaHead', 'MatchingSensitiveFocalLoss', 'MatchingSensitiveBBoxLoss',
               'RegressionAwareFocalLoss', 'SoftLabelQualityFocalLoss'),
    'TASK_UTILS': ('DALAssigner', 'S3FDAssigner', 'HAMBoxAssigner', 'SparseMaxIoUAssigner',
                   'SparseRBboxOverlaps2D', 'AnchorDSLAssigner'),
}


def register_in_mmdet() -> None:
    """Register :data:`EXPORTS` in mmdet's registries (idempotent)."""
    for source, target, names in ((MODELS, MMDET_MODELS, EXPORTS['MODELS']),
                                  (TASK_UTILS, MMDET_TASK_UTILS, EXPORTS['TASK_UTILS'])):
        for name in names:
            if name not in target.module_dict:
                target.register_module(name=name, module=source.module_dict[name])
