import os.path as osp

import pytest
import torch

import mmrotate_dal  # noqa: F401  (registers modules)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO, 'configs')


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory):
    """A tiny synthetic DOTA-format set shared by the tests that train or evaluate."""
    from mmrotate_dal import make_synthetic_dota
    root = str(tmp_path_factory.mktemp('synthetic_dota'))
    make_synthetic_dota(root, num_train=8, num_val=4, img_size=256, seed=0)
    return root + '/'


@pytest.fixture(autouse=True)
def _seed_and_scope():
    """Seeded torch, and the 'mmrotate' default scope that configs set for the Runner."""
    from mmengine.registry import DefaultScope
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmrotate'):
        yield


CUDA_REASON = 'needs a CUDA device (and mmcv built with its CUDA ops): run on a GPU machine'
DEVICES = ['cpu', pytest.param('cuda', marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason=CUDA_REASON))]


@pytest.fixture(params=DEVICES)
def device(request):
    """Runs a test on the CPU and, where one exists, on CUDA (skipped with a reason otherwise)."""
    return torch.device(request.param)
