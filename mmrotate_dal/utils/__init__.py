from .compat import patch_checkpoint_loading
from .progress import get_train_progress, linear_ramp

__all__ = ['get_train_progress', 'linear_ramp', 'patch_checkpoint_loading']
