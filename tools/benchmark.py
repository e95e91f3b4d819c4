#!/usr/bin/env python
"""A/B benchmark of label assignment: same data, schedule and seed for every method.

Trains each method's CPU-small config, evaluates it with DOTAMetric (AP50, AP75 and the COCO-style
mAP over IoU 0.50:0.05:0.95) and prints a markdown table with training seconds per iteration,
label-assignment milliseconds per image and peak resident memory. Writes results.json and
results.png (AP bars, training-loss curves) to the work dir.

    python tools/benchmark.py                                  # maxiou vs dal on synthetic data
    python tools/benchmark.py --methods maxiou,atss,dal --iters 300
    python tools/benchmark.py --data data/my_dota_split --work-dir work_dirs/bench_mine

--data takes a DOTA-format root with train/{images,labelTxt} and val/{images,labelTxt}; its class
names are read from the training labels (every method's heads are resized to them). Without --data
the synthetic set is generated in data/synthetic_dota if absent.
"""
import argparse
import os
import os.path as osp
import platform
import sys
import time

from mmengine.config import DictAction

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_DATA = osp.join(REPO, 'data', 'synthetic_dota')


def parse_args(argv=None):
    from mmrotate_dal.apis import METHODS
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--methods', default='maxiou,dal',
                        help=f'comma-separated, from {",".join(METHODS)}')
    parser.add_argument('--data', help='DOTA-format data root (default: synthetic set)')
    parser.add_argument('--iters', type=int, help='training iterations (default: config, 600)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'benchmark'))
    parser.add_argument('--no-progress', action='store_true')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides applied to every method')
    return parser.parse_args(argv)


def main(argv=None):
    import mmrotate_dal  # noqa: F401
    from mmrotate_dal.apis import (dota_class_names, markdown_table, method_config, plot,
                                   run_method, write_json)
    from mmrotate_dal.datasets import make_synthetic_dota
    args = parse_args(argv)
    methods = [m.strip() for m in args.methods.split(',') if m.strip()]
    for m in methods:
        method_config(m)  # fails early on an unknown name
    data = args.data
    if data is None:
        data = DEFAULT_DATA
        if not osp.isdir(osp.join(data, 'train', 'labelTxt')):
            print(f'generating the synthetic DOTA-format set in {data} ...', flush=True)
            make_synthetic_dota(data, num_train=200, num_val=40, img_size=256, seed=0)
    for split in ('train', 'val'):
        if not osp.isdir(osp.join(data, split, 'labelTxt')):
            raise FileNotFoundError(f'{data} has no {split}/labelTxt/ folder (DOTA format needed)')
    classes = None if args.data is None else dota_class_names(data)

    start = time.time()
    results = []
    for m in methods:
        print(f'== {m}: training {osp.relpath(method_config(m), REPO)}', flush=True)
        res = run_method(m, args.work_dir, data, args.iters, args.seed, not args.no_progress,
                         args.cfg_options, classes)
        print(f'   AP50 {100 * (res["AP50"] or 0):.1f}  AP75 {100 * (res["AP75"] or 0):.1f}  '
              f'mAP {100 * (res["mAP"] or 0):.1f}', flush=True)
        results.append(res)
    table = markdown_table(results)
    print()
    print(table)
    meta = dict(date=time.strftime('%Y-%m-%d'), machine=f'{platform.machine()}, '
                f'{os.cpu_count()} CPUs', command=' '.join(['python'] + sys.argv),
                data=osp.relpath(data, os.getcwd()), seed=args.seed,
                total_seconds=round(time.time() - start, 1))
    json_path = osp.join(args.work_dir, 'results.json')
    png_path = osp.join(args.work_dir, 'results.png')
    write_json(results, meta, json_path)
    plot(results, png_path)
    print(f'\nwrote {json_path} and {png_path} ({meta["total_seconds"]:.0f} s in total)')
    return results


if __name__ == '__main__':
    main()
