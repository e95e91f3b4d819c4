from .config import load_config, set_max_iters

__all__ = ['load_config', 'set_max_iters']
