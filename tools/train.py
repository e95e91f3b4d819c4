#!/usr/bin/env python
"""Train a detector from an MMRotate config (mmrotate-dal's configs or MMRotate's own).

    python tools/train.py configs/dal/rotated_retinanet_dal_cpu_small.py
    python tools/train.py CONFIG --resume            # continue from work_dir's last checkpoint
    python tools/train.py CONFIG --data data/my_dota --iters 200 --work-dir work_dirs/x
"""
import _quiet  # noqa: F401  (first: hides known-harmless third-party warnings; tools only)

import argparse
import sys


def parse_args(argv=None):
    from mmrotate_dal.apis.cli import add_runner_args, parse_runner_args
    parser = argparse.ArgumentParser(description='Train a rotated detector (mmrotate-dal)')
    parser.add_argument('config', help='config file')
    add_runner_args(parser)
    parser.add_argument('--iters', type=int, help='override the length of an iteration schedule')
    parser.add_argument('--seed', type=int, help='random seed')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument('--no-pretrained', action='store_true',
                        help='do not load ImageNet weights (init_cfg Pretrained): random init')
    parser.add_argument('--resume', nargs='?', const='auto', default=None,
                        help='resume from the latest checkpoint in work_dir, or from the given one')
    return parse_runner_args(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    import mmrotate_dal  # noqa: F401  (registers modules, checkpoint compatibility)
    from mmengine.runner import Runner
    from mmrotate_dal.apis import drop_pretrained, load_config, setup_cpu_distributed

    cfg = load_config(args.config, args.work_dir, args.cfg_options, args.data, args.iters,
                      args.seed)
    if args.no_pretrained:
        drop_pretrained(cfg)
    cfg.launcher = args.launcher
    setup_cpu_distributed(cfg)  # --launcher pytorch on a machine without CUDA: gloo DDP
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


if __name__ == '__main__':
    sys.exit(main() and 0)
