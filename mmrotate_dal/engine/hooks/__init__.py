from .test_progress_hook import TestProgressHook
from .training_recorder_hook import TrainingRecorderHook

__all__ = ['TestProgressHook', 'TrainingRecorderHook']
