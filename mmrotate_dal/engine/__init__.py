from .hooks import TrainingRecorderHook

__all__ = ['TrainingRecorderHook']
