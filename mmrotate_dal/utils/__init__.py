from .compat import patch_checkpoint_loading
from .progress import get_train_progress

__all__ = ['get_train_progress', 'patch_checkpoint_loading']
