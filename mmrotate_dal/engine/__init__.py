from .hooks import TestProgressHook, TrainingRecorderHook

__all__ = ['TestProgressHook', 'TrainingRecorderHook']
