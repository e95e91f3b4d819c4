#!/usr/bin/env python
"""Evaluate a checkpoint with the config's test dataloader and evaluator (DOTAMetric).

    python tools/test.py CONFIG CHECKPOINT [--data DIR] [--work-dir DIR] [--out results.pkl]
"""
import _quiet  # noqa: F401  (first: hides known-harmless third-party warnings; tools only)

import argparse
import os.path as osp
import sys


def parse_args(argv=None):
    from mmrotate_dal.apis.cli import add_runner_args, parse_runner_args
    parser = argparse.ArgumentParser(description='Test a rotated detector (mmrotate-dal)')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    add_runner_args(parser)
    parser.add_argument('--out', help='dump raw predictions to this .pkl file')
    return parse_runner_args(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    import mmrotate_dal  # noqa: F401
    from mmengine.runner import Runner
    from mmrotate_dal.apis import load_config

    cfg = load_config(args.config, args.work_dir, args.cfg_options, args.data)
    cfg.launcher = args.launcher
    cfg.load_from = args.checkpoint
    if args.out:
        cfg.test_evaluator = [cfg.test_evaluator,
                              dict(type='mmdet.DumpDetResults', out_file_path=args.out)]
    runner = Runner.from_cfg(cfg)
    return runner.test()


if __name__ == '__main__':
    print(main())
    sys.exit(0)
