from .training_recorder_hook import TrainingRecorderHook

__all__ = ['TrainingRecorderHook']
