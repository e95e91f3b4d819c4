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
    """
    if by not in PROGRESS_UNITS:
        raise ValueError(f'progress unit must be one of {PROGRESS_UNITS}, got {by!r}')
    hub = MessageHub.get_current_instance()
    if hub.get_info('loop_stage') != 'train':
        return None
    done, total = hub.get_info(by), hub.get_info(f'max_{by}s')
    if done is None or not total:
        return None
    return min(max(float(done) / float(total), 0.0), 1.0)
