#!/usr/bin/env python
"""Training-step time of benchmark methods, side by side in one run: what each assigner adds.

    python tools/benchmark_steps.py --protocol assign --iters 40 --out steps.json
    python tools/benchmark_steps.py --methods p-maxiou,p-dal --iters 40

Each method's config trains --iters iterations on the protocol data (no validation, no
checkpoint), one after the other in this process under the same conditions; the table gives the
median step time after a warm-up, the label-assignment time per image, and each method's step
time relative to the baseline's (the protocol's, or the first method).
"""
import _quiet  # noqa: F401  (first: hides known-harmless third-party warnings; tools only)

import argparse
import json
import os
import os.path as osp
import platform
import sys
import tempfile


def main(argv=None):
    from mmrotate_dal.apis import METHODS, PROTOCOLS
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument('--methods', help=f'comma-separated, from {",".join(METHODS)}')
    group.add_argument('--protocol', choices=sorted(PROTOCOLS))
    parser.add_argument('--iters', type=int, default=40)
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--data', help='data root (default: the protocol data, generated if absent)')
    parser.add_argument('--threads', type=int, default=None, help='torch threads')
    parser.add_argument('--profile', type=int, default=0, metavar='N',
                        help='also profile each method (cProfile) and print its N most costly '
                        'functions by own time: where a step\'s time goes')
    parser.add_argument('--out', help='write the results as JSON here')
    args = parser.parse_args(argv)
    if args.iters < 2 or not 0 <= args.warmup < args.iters:
        parser.error('need --iters >= 2 and 0 <= --warmup < --iters')
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    from mmrotate_dal.apis import method_config
    from mmrotate_dal.benchmarks.steps import step_times
    if args.protocol:
        methods = list(PROTOCOLS[args.protocol]['methods'])
        baseline = PROTOCOLS[args.protocol]['baseline']
    else:
        methods = [m.strip() for m in args.methods.split(',') if m.strip()]
        baseline = methods[0]
    for m in methods:
        method_config(m)  # unknown names fail before anything runs
    data = args.data
    if data is None:
        sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
        import benchmark
        data = benchmark.ensure_data(argparse.Namespace(data=None, method_list=methods))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for m in methods:
            profiler = None
            if args.profile:
                import cProfile
                profiler = cProfile.Profile()
                profiler.enable()
            res = step_times(method_config(m), osp.join(tmp, m), data, args.iters, args.warmup)
            rows.append(dict(method=m, **res))
            print(f'  {m}: {res["step_s"]:.3f} s/step', flush=True)
            if profiler is not None:
                profiler.disable()
                rows[-1]['profile'] = top_functions(profiler, args.profile)
                for entry in rows[-1]['profile']:
                    print(f"    {entry['own_s']:7.2f} s own {entry['total_s']:7.2f} s total  "
                          f"{entry['calls']:7d}x  {entry['function']}")
    base = next(r['step_s'] for r in rows if r['method'] == baseline)
    print(f'\n| method | median step s | vs {baseline} | assign ms/img |\n|---|---:|---:|---:|')
    for r in rows:
        assign = '-' if r['assign_ms_per_image'] is None else f"{r['assign_ms_per_image']:.1f}"
        print(f"| {r['method']} | {r['step_s']:.3f} | {100 * (r['step_s'] / base - 1):+.1f}% | "
              f'{assign} |')
    if args.out:
        meta = dict(command='python tools/benchmark_steps.py ' + ' '.join(argv or sys.argv[1:]),
                    machine=f'{platform.machine()}, {os.cpu_count()} CPUs',
                    threads=torch.get_num_threads(), baseline=baseline)
        with open(args.out, 'w') as f:
            json.dump(dict(meta=meta, rows=rows), f, indent=1)
    return rows


def top_functions(profiler, num: int) -> list:
    """The ``num`` functions with the most own time in a cProfile run."""
    import pstats
    stats = pstats.Stats(profiler)
    rows = []
    for (path, line, name), (_, calls, own, total, _) in stats.stats.items():
        rows.append(dict(function=f'{osp.basename(path)}:{line}({name})', calls=calls,
                         own_s=round(own, 3), total_s=round(total, 3)))
    return sorted(rows, key=lambda r: -r['own_s'])[:num]


if __name__ == '__main__':
    main()
