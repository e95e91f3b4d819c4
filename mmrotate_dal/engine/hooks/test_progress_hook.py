"""A progress bar over the test (or validation) loop's batches."""
from mmengine.hooks import Hook

from mmrotate.registry import HOOKS
from ...utils.progress_bar import ProgressBar


@HOOKS.register_module()
class TestProgressHook(Hook):
    """Shows how many test batches are done, with elapsed time and ETA (``tools/test.py``).

    Args:
        description (str): label in front of the bar. Defaults to ``'test'``.
        stream: where the bar goes (default stdout; a log gets a line every 5%).
    """

    priority = 'VERY_LOW'

    def __init__(self, description: str = 'test', stream=None) -> None:
        self.description = description
        self.stream = stream
        self._bar = None

    def before_test_epoch(self, runner) -> None:
        self._bar = ProgressBar(len(runner.test_dataloader), self.description, self.stream)

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if self._bar is not None:
            self._bar.update(batch_idx + 1)

    def after_test_epoch(self, runner, metrics=None) -> None:
        if self._bar is not None:
            self._bar.stop()
        self._bar = None
