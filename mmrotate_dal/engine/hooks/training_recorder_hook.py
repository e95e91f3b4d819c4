"""Records what the benchmark reports (losses, iteration and assignment times, metrics) and shows
a progress bar (rich) with the loss, elapsed time and ETA while training."""
import functools
import sys
import time
from typing import Dict, List, Optional

from mmengine.hooks import Hook

from mmrotate.registry import HOOKS


class _TimedAssigner:
    """Wraps an assigner's ``assign`` to accumulate wall time and calls (one call per image).

    The wrapper keeps the wrapped method's name, docstring and signature (``__wrapped__``): heads
    call assigners through :func:`assign_with_levels`, which inspects ``assign``'s parameters to
    pass ``num_level_priors`` the way the assigner expects (positionally for ATSS-style assigners).
    """

    def __init__(self, assigner, recorder: 'TrainingRecorderHook'):
        self._assign = assigner.assign
        self._recorder = recorder
        functools.update_wrapper(self, assigner.assign)

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            result = self._assign(*args, **kwargs)
        finally:
            self._recorder.assign_seconds += time.perf_counter() - start
            self._recorder.assign_calls += 1
        gt_inds = getattr(result, 'gt_inds', None)
        if gt_inds is not None:
            self._recorder.iter_positives += int((gt_inds > 0).sum())
            self._recorder.iter_gts += int(result.num_gts)
        return result


@HOOKS.register_module()
class TrainingRecorderHook(Hook):
    """Collects per-iteration losses and times, assignment time and validation metrics.

    After training, :attr:`record` holds ``losses`` (one dict per iteration), ``iter_seconds``,
    ``assign_ms_per_image`` (label assignment only, all heads of the model, averaged over the
    images seen), ``positives_per_gt`` (per iteration: positives over GTs of all assignments, NaN
    without GTs), ``metrics`` (the last validation), ``curve`` (``(iteration, metrics)`` of every
    validation) and ``train_seconds``.

    Args:
        progress (bool): show progress (iterations, loss, elapsed time, ETA) with rich: a live
            bar on a terminal, otherwise (a log file, CI) the same columns printed as a line about
            every 5% of training.
        stream: where the progress goes. Defaults to ``sys.stdout``.
        description (str): label in front of the bar (e.g. the method and seed).
    """

    priority = 'VERY_LOW'

    def __init__(self, progress: bool = True, stream=None, description: str = 'train') -> None:
        self.progress = progress
        self.stream = stream or sys.stdout
        self.description = description
        self._bar = None
        self.losses: List[Dict[str, float]] = []
        self.iter_seconds: List[float] = []
        self.assign_seconds = 0.0
        self.assign_calls = 0
        self.metrics: Optional[Dict[str, float]] = None
        self.curve: List[tuple] = []
        self.positives_per_gt: List[float] = []
        self.iter_positives = self.iter_gts = 0
        self._iter_start = 0.0
        self._wrapped = False

    def before_train(self, runner) -> None:
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        if not self._wrapped:
            for module in model.modules():
                assigner = getattr(module, 'assigner', None)
                if assigner is not None and hasattr(assigner, 'assign'):
                    assigner.assign = _TimedAssigner(assigner, self)
            self._wrapped = True
        if self.progress:
            self._start_progress(runner.max_iters)

    def _start_progress(self, total: int) -> None:
        from ...utils.progress_bar import ProgressBar
        self._bar = ProgressBar(total, self.description, self.stream, show_loss=True)

    def _update_progress(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(done, loss=self.losses[-1].get('loss', float('nan')))

    def _stop_progress(self) -> None:
        if self._bar is not None:
            self._bar.stop()
        self._bar = None

    def after_run(self, runner) -> None:
        self._stop_progress()

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self._iter_start = time.perf_counter()
        self.iter_positives = self.iter_gts = 0

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.iter_seconds.append(time.perf_counter() - self._iter_start)
        self.losses.append({k: float(v.detach()) if hasattr(v, 'detach') else float(v)
                            for k, v in (outputs or {}).items()})
        self.positives_per_gt.append(
            round(self.iter_positives / self.iter_gts, 4) if self.iter_gts else float('nan'))
        if self._bar is not None:
            self._update_progress(runner.iter + 1, runner.max_iters)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.metrics = dict(metrics or {})
        self.curve.append((runner.iter, self.metrics))

    @property
    def record(self) -> dict:
        images = max(self.assign_calls, 1)
        return dict(
            losses=self.losses,
            iter_seconds=self.iter_seconds,
            train_seconds=sum(self.iter_seconds),
            assign_ms_per_image=1000 * self.assign_seconds / images if self.assign_calls else None,
            positives_per_gt=self.positives_per_gt,
            metrics=self.metrics,
            curve=self.curve)
