#!/usr/bin/env python
"""Cost of RotatedIoULoss on CPU against GDLoss (KLD): with its robust IoU (the package's default)
and with upstream's algorithm (through the package's CPU vertex sort); and the degenerate-pair sweep
(coincident, angle + pi, shared edge, ...) of both against shapely.

Prints two markdown tables: forward + backward milliseconds of each loss on N random box pairs,
and the median training-step time of the CPU-small rotated ATSS detector with each box loss.

    python tools/benchmark_box_losses.py --pairs 256,1024,4096 --iters 30 --out losses.json
"""
import _quiet  # noqa: F401  (first: hides known-harmless third-party warnings; tools only)

import argparse
import json
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--pairs', default='256,1024,4096', help='comma-separated pair counts')
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--iters', type=int, default=30,
                        help='training iterations per loss (0: skip the training-step table)')
    parser.add_argument('--threads', type=int, default=None, help='torch threads')
    parser.add_argument('--sweep', type=int, default=400,
                        help='boxes per case of the degenerate-pair IoU sweep against shapely '
                        '(0: skip it)')
    parser.add_argument('--out', help='write the results as JSON here')
    args = parser.parse_args(argv)
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    from mmrotate_dal.benchmarks.box_losses import loss_times, train_step_times
    pairs = [int(p) for p in args.pairs.split(',')]
    losses = loss_times(pairs, args.repeat)
    print('| pairs | loss | forward + backward ms |\n|---|---|---|')
    for r in losses:
        print(f"| {r['pairs']} | {r['loss']} | {r['ms']:.1f} |")
    sweep_rows = []
    if args.sweep > 0:
        from mmrotate_dal.benchmarks.iou_sweep import sweep
        sweep_rows = sweep(args.sweep)
        print('\n| RotatedIoULoss IoU, case | upstream: wrong | robust: wrong | robust: max error |'
              '\n|---|---:|---:|---:|')
        for r in sweep_rows:
            print(f"| {r['case']} ({r['pairs']} pairs) | {r['wrong/upstream']} | "
                  f"{r['wrong/robust']} | {r['max_error/robust']:.1e} |")
    steps = train_step_times(args.iters) if args.iters > 0 else []
    if steps:
        print('\n| CPU-small rotated ATSS, box loss | median step s |\n|---|---|')
        for r in steps:
            print(f"| {r['loss']} | {r['step_s']:.3f} |")
    if args.out:
        meta = dict(command='python tools/benchmark_box_losses.py ' + ' '.join(argv or sys.argv[1:]),
                    machine=platform.platform(), threads=torch.get_num_threads())
        with open(args.out, 'w') as f:
            json.dump(dict(meta=meta, losses=losses, train_steps=steps, sweep=sweep_rows), f,
                      indent=1)
    return dict(losses=losses, train_steps=steps, sweep=sweep_rows)


if __name__ == '__main__':
    main()
