"""`mim train mmrotate CONFIG` / `mim test mmrotate CONFIG --checkpoint ...` through the alias."""
import hashlib
import base64
import os
import os.path as osp
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import CONFIGS, REPO
from tests.utils.test_compat import load_tool

MIM = osp.join(osp.dirname(sys.executable), 'mim')


def test_alias_wheel_holds_only_metadata(tmp_path):
    alias = load_tool('mim_alias')
    provider = alias.Provider('onedl-mmrotate', '1.2.1', '/x/site-packages/mmrotate')
    path = alias.build_alias_wheel(provider, str(tmp_path))
    assert osp.basename(path) == 'mmrotate-1.2.1-py3-none-any.whl'
    with zipfile.ZipFile(path) as whl:
        names = sorted(whl.namelist())
        assert names == ['mmrotate-1.2.1.dist-info/METADATA', 'mmrotate-1.2.1.dist-info/RECORD',
                         'mmrotate-1.2.1.dist-info/WHEEL']
        meta = whl.read(names[0]).decode()
        record = whl.read(names[1]).decode().splitlines()
        for line in record[:-1]:  # every file's hash and size are right
            name, digest, size = line.split(',')
            data = whl.read(name)
            want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
            assert digest == f'sha256={want}' and int(size) == len(data)
        assert record[-1] == 'mmrotate-1.2.1.dist-info/RECORD,,'
    assert 'Name: mmrotate\n' in meta and 'Version: 1.2.1\n' in meta
    assert 'Requires-Dist: onedl-mmrotate==1.2.1\n' in meta
    assert f'Keywords: {alias.MARKER}' in meta


def test_setup_installed_a_current_alias_and_pip_check_is_clean():
    alias = load_tool('mim_alias')
    provider = alias.find_provider()
    assert provider.name in ('mmrotate-dev', 'onedl-mmrotate')
    assert alias.alias_is_current(provider), 'run tools/bootstrap.sh (or tools/mim_alias.py)'
    assert alias.main(['--check']) == 0
    assert osp.isfile(osp.join(provider.module_dir, '.mim', 'tools', 'train.py'))
    done = subprocess.run([sys.executable, '-m', 'pip', 'check'], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


@pytest.mark.slow
def test_mim_train_and_test_mmrotate(synthetic_root, tmp_path):
    assert osp.isfile(MIM), f'{MIM} missing: tools/bootstrap.sh installs openmim'
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader')
    options = [f'{k}.dataset.data_root={synthetic_root}' for k in loaders]
    options += [f'{k}.{o}' for k in loaders
                for o in ('num_workers=0', 'persistent_workers=False')]
    options += ['train_dataloader.batch_size=2', 'train_cfg.max_iters=2',
                'train_cfg.val_interval=2']
    config = osp.join(CONFIGS, 'dal', 'rotated_retinanet_dal_cpu_small.py')
    work = str(tmp_path / 'work')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    train = subprocess.run([MIM, 'train', 'mmrotate', config, '--work-dir', work,
                            '--cfg-options', *options], capture_output=True, text=True,
                           cwd=REPO, env=env)
    assert train.returncode == 0, train.stdout[-3000:] + train.stderr[-3000:]
    assert 'mmrotate/.mim/tools/train.py' in train.stdout  # MMRotate 1.x's own script
    assert 'Training finished successfully' in train.stdout
    ckpt = osp.join(work, 'iter_2.pth')
    test_options = [o for o in options if o.startswith('test_dataloader.')]
    assert osp.isfile(ckpt)
    test = subprocess.run([MIM, 'test', 'mmrotate', config, '--checkpoint', ckpt, '--work-dir',
                           work, '--cfg-options', *test_options], capture_output=True,
                          text=True, cwd=REPO, env=env)
    assert test.returncode == 0, test.stdout[-3000:] + test.stderr[-3000:]
    assert 'dota/mAP' in test.stdout + test.stderr and 'Testing finished' in test.stdout


def test_alias_refuses_what_it_cannot_fix(monkeypatch):
    alias = load_tool('mim_alias')
    monkeypatch.setattr(alias.metadata, 'packages_distributions', lambda: {})
    with pytest.raises(RuntimeError, match='no installed distribution provides'):
        alias.find_provider()
    monkeypatch.setattr(alias.metadata, 'packages_distributions',
                        lambda: {'mmrotate': ['mmrotate-dev', 'onedl-mmrotate']})
    with pytest.raises(RuntimeError, match='several distributions'):
        alias.find_provider()

    class Old:
        version = '0.3.4'
    monkeypatch.setattr(alias.metadata, 'packages_distributions',
                        lambda: {'mmrotate': ['mmrotate']})
    monkeypatch.setattr(alias.metadata, 'distribution', lambda name: Old())
    with pytest.raises(RuntimeError, match='MMRotate 0.x'):
        alias.find_provider()
    # a provider outside this interpreter's site-packages (an editable checkout)
    monkeypatch.setattr(alias, 'find_provider',
                        lambda: alias.Provider('mmrotate-dev', '1.0.1', '/src/mmrotate'))
    with pytest.raises(RuntimeError, match='editable'):
        alias.ensure_alias()
    assert alias.main(['--check']) == 1
