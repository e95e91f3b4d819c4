from .dense_heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .task_modules import *  # noqa: F401,F403
from .utils import drop_invalid_gts  # noqa: F401
from .mmdet_registry import register_in_mmdet  # noqa: E402

register_in_mmdet()
