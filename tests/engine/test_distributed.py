"""2-process CPU DDP (gloo): finite losses and identical parameters on both ranks."""
import math
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

from tests.conftest import CONFIGS, REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize('config', ['dal/rotated_retinanet_dal_cpu_small.py',
                                    'paa/rotated_retinanet_paa_cpu_small.py'])
def test_two_process_ddp(config, synthetic_root, tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
           '--master_port', str(free_port()),
           osp.join(REPO, 'tests', 'engine', 'ddp_worker.py'), osp.join(CONFIGS, config),
           synthetic_root, str(tmp_path)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    # a failing rank's own error comes first; the launcher's summary last
    assert proc.returncode == 0, proc.stderr[:3000] + '\n...\n' + proc.stderr[-2000:]
    ranks = [torch.load(tmp_path / f'rank{r}.pt', weights_only=False) for r in (0, 1)]
    for rank in ranks:
        assert len(rank['losses']) == 2
        assert all(math.isfinite(v) for step in rank['losses'] for v in step.values())
    state0, state1 = ranks[0]['state'], ranks[1]['state']
    assert state0.keys() == state1.keys()
    for key in state0:
        assert torch.equal(state0[key], state1[key]), key
    # the ranks trained on different images: their losses differ, their parameters do not
    assert ranks[0]['losses'][0] != ranks[1]['losses'][0]
