"""Silence known-harmless third-party warnings, for this repository's tools only.

Each tool imports this module first thing (``import _quiet``: a script's own folder is on
``sys.path``), which calls :func:`install` before mmengine is imported, so a first run shows the
setup line and the progress, not deprecation noise from the stack. Library users who
``import mmrotate_dal`` get nothing of this: it is never imported by the package. Only the exact
messages below are hidden; any other warning still shows. Standard library only, so that it can
run before the stack is imported.

Silenced, and why each is harmless here:
- setuptools: "pkg_resources is deprecated as an API" (mmengine imports pkg_resources).
- MMRotate: "The `clip` function does nothing in `RotatedBoxes`" (mmdet's Resize clips boxes).
- torch: "`torch.cuda.amp.autocast(args...)` is deprecated" (MMRotate's RotatedIoULoss).
- mmdet: "`num_anchors` is deprecated" (mmdet's own ATSSHead builds its layers with it).
- MMRotate: "Invalid alpha parameter because cls_scores or bbox_preds are None" (its
  RotatedATSSAssigner warns whenever predictions come with the anchors, as the anchor pre-check
  hands them to every assigner; plain ATSS, alpha None, does not use them).
- mmengine logger: the "optim_wrapper" registry scope fallback (the optimizer wrapper lives in
  mmengine; the fallback is the intended registry), "FileClient"/"HardDiskBackend" deprecations
  (mmengine's own checkpoint hook), and "Reach the end of the dataloader, it will be restarted"
  (iteration-based loops over a finite sampler, as every MMRotate iteration config does).
"""
import logging
import re
import warnings

PYTHON_WARNINGS = [
    (UserWarning, r'pkg_resources is deprecated as an API'),
    (UserWarning, r'The `clip` function does nothing in `RotatedBoxes`'),
    (FutureWarning, r'`torch\.cuda\.amp\.autocast\(args\.\.\.\)` is deprecated'),
    (UserWarning, r'DeprecationWarning: `num_anchors` is deprecated'),
    (UserWarning, r'Invalid alpha parameter because cls_scores or bbox_preds are None'),
]
MMENGINE_LOG_MESSAGES = [
    r'Failed to search registry with scope "mmrotate" in the "optim_wrapper" registry tree',
    r'"FileClient" will be deprecated in future',
    r'"HardDiskBackend" is the alias of "LocalBackend"',
    r'Reach the end of the dataloader, it will be restarted',
]


class KnownNoise(logging.Filter):
    """Drops the mmengine log records listed in :data:`MMENGINE_LOG_MESSAGES`."""

    patterns = [re.compile(p) for p in MMENGINE_LOG_MESSAGES]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(p.search(message) for p in self.patterns)


_FILTER = KnownNoise()


def install() -> None:
    """Install the filters in this process (idempotent)."""
    for category, message in PYTHON_WARNINGS:
        warnings.filterwarnings('ignore', message=message, category=category)
    from mmengine.logging import MMLogger
    for logger in list(MMLogger._instance_dict.values()):
        logger.addFilter(_FILTER)
    if getattr(MMLogger.__init__, '_quiet', False):
        return
    init = MMLogger.__init__

    def quiet_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.addFilter(_FILTER)

    quiet_init._quiet = True
    MMLogger.__init__ = quiet_init


install()
