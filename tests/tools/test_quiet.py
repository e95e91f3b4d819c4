"""The tools' first screen shows no known third-party noise; the library itself silences nothing."""
import os
import os.path as osp
import subprocess
import sys

import pytest

from tests.conftest import CONFIGS, REPO
from tests.utils.test_compat import load_tool

NOISE = ['pkg_resources is deprecated', 'The `clip` function does nothing', 'torch.cuda.amp',
         '"optim_wrapper" registry tree', '"FileClient" will be deprecated', 'HardDiskBackend',
         'Reach the end of the dataloader', '`num_anchors` is deprecated']


@pytest.mark.slow
def test_train_tool_output_has_no_known_noise(synthetic_root, tmp_path):
    # rotated ATSS: RotatedIoULoss (autocast warning), Resize on RotatedBoxes (clip warning)
    cmd = [sys.executable, 'tools/train.py', f'{CONFIGS}/baselines/rotated_atss_le90_cpu_small.py',
           '--data', synthetic_root, '--iters', '2', '--work-dir', str(tmp_path), '--cfg-options',
           'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
           'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
           'train_dataloader.batch_size=2']
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ, OMP_NUM_THREADS='1'))
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert osp.isfile(tmp_path / 'iter_2.pth')
    assert 'dota/mAP' in out  # it did train and validate
    assert [n for n in NOISE if n in out] == []


def test_filters_match_the_real_messages_and_only_them():
    quiet = load_tool('_quiet')
    import logging
    import warnings
    quiet.install()
    quiet.install()  # idempotent
    from mmengine.logging import MMLogger
    logger = MMLogger.get_instance('quiet_test', logger_name='quiet_test')
    # one filter, even when an earlier load of the tool module patched MMLogger already
    assert sum(type(f).__name__ == 'KnownNoise' for f in logger.filters) == 1
    rec = lambda msg: logging.LogRecord('x', logging.WARNING, __file__, 1, msg, None, None)  # noqa
    assert not quiet.KnownNoise().filter(rec(
        '"FileClient" will be deprecated in future. Please use io functions in https://...'))
    assert quiet.KnownNoise().filter(rec('"FileClient" failed to read a file'))
    with warnings.catch_warnings(record=True) as caught:
        quiet.install()
        warnings.warn('The `clip` function does nothing in `RotatedBoxes`.', UserWarning)
        warnings.warn('Invalid alpha parameter because cls_scores or bbox_preds are None. If you '
                      'want to use the cost-based ATSSAssigner, ...', UserWarning)
        warnings.warn('some other warning', UserWarning)
    assert [str(w.message) for w in caught] == ['some other warning']


def test_importing_the_package_silences_nothing():
    code = ('import warnings; import mmrotate_dal, logging; '
            'from mmengine.logging import MMLogger; '
            'assert not any("clip" in str(f[1] and f[1].pattern) for f in warnings.filters), '
            'warnings.filters; '
            'assert not MMLogger.get_current_instance().filters; print("clean")')
    done = subprocess.run([sys.executable, '-c', code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0 and 'clean' in done.stdout, done.stderr[-2000:]
