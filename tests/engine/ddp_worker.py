"""One rank of the 2-process CPU DDP test (started by torch.distributed.run)."""
import os
import sys

import torch


def main(config, data_root, out_dir):
    import mmrotate_dal  # noqa: F401
    from mmengine.runner import Runner
    from mmrotate_dal.apis import load_config, setup_cpu_distributed
    from mmrotate_dal.engine import TrainingRecorderHook

    cfg = load_config(config, work_dir=out_dir, data_root=data_root, iters=2, seed=0)
    cfg.launcher = 'pytorch'
    setup_cpu_distributed(cfg)
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.train_dataloader.batch_size = 2
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = None
    recorder = TrainingRecorderHook(progress=False)
    runner = Runner.from_cfg(cfg)
    runner.register_hook(recorder)
    runner.train()
    rank = int(os.environ['RANK'])
    model = runner.model.module if hasattr(runner.model, 'module') else runner.model
    # parameters only: BatchNorm buffers are rank-local between DDP's broadcasts
    torch.save(dict(state={k: v.detach().clone() for k, v in model.named_parameters()},
                    losses=recorder.losses), os.path.join(out_dir, f'rank{rank}.pt'))


if __name__ == '__main__':
    main(*sys.argv[1:4])
