"""Distributed training on machines without CUDA."""
import torch
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config) -> None:
    """Make ``launcher='pytorch'`` work without CUDA (e.g. 2-process gloo DDP on CPU).

    mmengine 0.10's pytorch launcher calls ``torch.cuda.set_device`` unconditionally and wraps the
    model with ``device_ids=[LOCAL_RANK]``. Without CUDA we start the gloo process group ourselves
    (mmengine then skips its own initialisation) and wrap the model in DDP without device ids, with
    mmengine's default ``broadcast_buffers=False``. Does nothing when CUDA is available or the
    launcher is not ``'pytorch'``.

    Args:
        cfg (Config): the runner config (modified in place).
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return
    import torch.distributed as dist
    if not dist.is_initialized():
        dist.init_process_group('gloo')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel',
                                                   broadcast_buffers=False)
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
