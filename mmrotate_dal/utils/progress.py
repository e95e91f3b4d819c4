"""Training progress in [0, 1], read from mmengine's ``MessageHub``.

mmengine's ``RuntimeInfoHook`` (a default hook of every ``Runner``) writes ``iter``, ``max_iters``,
``epoch``, ``max_epochs`` and ``loop_stage`` into the current ``MessageHub``. Those values are saved
in checkpoints and restored on ``--resume``, so a schedule derived from them resumes exactly where it
stopped. Outside a training loop there is no progress (``None``).
"""
from typing import Optional

from mmengine.logging import MessageHub

PROGRESS_UNITS = ('iter', 'epoch')


def get_train_progress(by: str = 'iter') -> Optional[float]:
    """Return the progress of the running training loop, or None outside one.

    Args:
        by (str): ``'iter'`` for ``iter / max_iters`` (default) or ``'epoch'`` for
            ``epoch / max_epochs`` (the released DAL code's choice; constant within an epoch).

    Returns:
        float | None: progress clamped to [0, 1], or None when no training loop is running
        (no runner, or the runner is validating / testing).

    Raises:
        ValueError: ``by='epoch'`` in a run with ``max_epochs <= 1`` (every iteration-based loop),
            where epoch progress can never leave 0.
    """
    if by not in PROGRESS_UNITS:
        raise ValueError(f'progress unit must be one of {PROGRESS_UNITS}, got {by!r}')
    hub = MessageHub.get_current_instance()
    if hub.get_info('loop_stage') != 'train':
        return None
    done, total = hub.get_info(by), hub.get_info(f'max_{by}s')
    if done is None or not total:
        return None
    if by == 'epoch' and total <= 1:
        # mmengine's IterBasedTrainLoop reports max_epochs = 1 and epoch = 0 for the whole run
        # (and a 1-epoch EpochBasedTrainLoop never leaves epoch 0): epoch progress would stay 0,
        # silently freezing any schedule at its start.
        raise ValueError(
            "progress_by='epoch' needs an epoch-based training loop with max_epochs > 1; this "
            f"run reports max_epochs={total} (an IterBasedTrainLoop does), so epoch progress "
            "would stay 0 for the whole run. Use progress_by='iter'.")
    return min(max(float(done) / float(total), 0.0), 1.0)


def linear_ramp(progress: Optional[float], start: float, end: float) -> float:
    """0 before ``start``, 1 from ``end`` on, linear in between; 1 when ``progress`` is None.

    The one schedule shape of the package: DAL's alpha schedule and PAA's box-weighting warm-up.

    Args:
        progress (float | None): training progress in [0, 1]; None (not training) means done.
        start (float): progress where the ramp leaves 0.
        end (float): progress where it reaches 1 (``end <= start`` gives a step at ``start``).

    Returns:
        float: the ramp value in [0, 1].
    """
    if progress is None or progress >= end:
        return 1.0
    if progress < start:
        return 0.0
    return (progress - start) / (end - start)
