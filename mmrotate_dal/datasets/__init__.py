from .synthetic import SYNTHETIC_CLASSES, make_synthetic_dota

__all__ = ['SYNTHETIC_CLASSES', 'make_synthetic_dota']
