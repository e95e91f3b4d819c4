#!/usr/bin/env python
"""A/B benchmark of label assignment: same data, schedule and seeds for every method.

Trains each method's config once per seed, evaluates it with DOTAMetric (AP50, AP75 and the
COCO-style mAP over IoU 0.50:0.05:0.95) and prints a markdown table: mean +- std over seeds, and
each seed's difference to the baseline (the protocol's, or --baseline). Each (method, seed) result
is stored in --results-dir as soon as it finishes; a rerun skips stored runs (--rerun forces them),
so a long protocol can be run in pieces. Writes results.json and results.png (AP bars with error
bars, AP50 during training, training loss) to --results-dir.

    python tools/benchmark.py                                   # the demo: p-maxiou vs p-dal
    python tools/benchmark.py --protocol dal --seeds 0,1,2      # the DAL protocol (3 arms x 3 seeds)
    python tools/benchmark.py --protocol paa --seeds 0,1,2      # ATSS vs PAA (both pools)
    python tools/benchmark.py --methods maxiou,atss,dal --iters 300 --seeds 0
    python tools/benchmark.py --protocol assign --seeds 0,1,2 --iters 2400 --jobs 2  # 2 at a time
    python tools/benchmark.py --data data/my_dota_split --work-dir work_dirs/bench_mine

Without --data, the 'p-' (protocol) methods use data/synthetic_dota_protocol (200 train and 200
val images; generated if absent) and the others data/synthetic_dota (200 train, 40 val). --data
takes a DOTA-format root with train/{images,labelTxt} and val/{images,labelTxt}; its class names
are read from the training labels (every method's heads are resized to them).
"""
import _quiet  # noqa: F401  (first: hides known-harmless third-party warnings; tools only)

import argparse
import os
import os.path as osp
import platform
import sys
import time

from mmengine.config import DictAction

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_DATA = osp.join(REPO, 'data', 'synthetic_dota')
PROTOCOL_DATA = osp.join(REPO, 'data', 'synthetic_dota_protocol')
# `make demo`: the DAL protocol's two end arms on its 1200-iteration schedule, one seed, validated
# once at the end, both trained at once (one process and one torch thread per core)
DEMO = dict(methods='p-maxiou,p-dal', iters=1200, jobs=2)


def parse_args(argv=None):
    from mmrotate_dal.apis import METHODS, PROTOCOLS
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--methods', help=f'comma-separated, from {",".join(METHODS)} '
                       f'(default, the demo: {DEMO["methods"]} for {DEMO["iters"]} iterations)')
    group.add_argument('--protocol', choices=sorted(PROTOCOLS),
                       help='a named comparison: its arms and baseline (see docs/results.md)')
    parser.add_argument('--baseline', help='method the per-seed deltas are taken against '
                        '(default: the protocol\'s baseline, or the first method)')
    parser.add_argument('--data', help='DOTA-format data root (default: synthetic set)')
    parser.add_argument('--iters', type=int, help='training iterations (default: the config\'s)')
    parser.add_argument('--seeds', default=None,
                        help='comma-separated seeds, one run per method and seed (default: 0)')
    parser.add_argument('--seed', type=int, help='a single seed (same as --seeds S)')
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'benchmark'),
                        help='checkpoints and logs of each run')
    parser.add_argument('--results-dir', help='where each (method, seed) result is stored and '
                        'looked up (default: the work dir)')
    parser.add_argument('--rerun', action='store_true', help='run stored (method, seed) pairs again')
    parser.add_argument('--jobs', type=int, default=None,
                        help='runs trained at once, each in its own process with one torch thread '
                        '(CUDA_VISIBLE_DEVICES is left to the caller); a finished run is stored '
                        'at once, its output is shown prefixed and kept in <work-dir>/logs/'
                        '<method>_seed<seed>.log (default 1: in this process; the demo: 2, or '
                        'the CPU count if smaller)')
    parser.add_argument('--no-progress', action='store_true')
    parser.add_argument('--no-summary', action='store_true',
                        help='store the run(s) only; no results.json/results.png (what --jobs '
                        'children do: the parent writes them over all runs)')
    parser.add_argument('--pictures', action=argparse.BooleanOptionalAction, default=None,
                        help='draw each method\'s detections on the first validation image, side '
                        'by side, one PNG per seed in the results dir (default: on for the demo)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides applied to every method')
    args = parser.parse_args(argv)
    if args.seed is not None and args.seeds is not None:
        parser.error('give --seed or --seeds, not both')
    try:
        seeds = [int(s) for s in (args.seeds or str(args.seed or 0)).split(',') if s.strip()]
    except ValueError:
        parser.error(f'--seeds takes comma-separated integers, got {args.seeds!r}')
    if not seeds or len(set(seeds)) != len(seeds):
        parser.error(f'--seeds needs distinct integers, got {args.seeds!r}')
    args.seed_list = seeds
    if args.jobs is not None and args.jobs < 1:
        parser.error(f'--jobs must be >= 1, got {args.jobs}')
    if args.protocol:
        args.method_list = list(PROTOCOLS[args.protocol]['methods'])
        args.baseline = args.baseline or PROTOCOLS[args.protocol]['baseline']
    else:
        if args.methods is None:
            args.methods = DEMO['methods']
            args.iters = DEMO['iters'] if args.iters is None else args.iters
            if args.jobs is None:
                args.jobs = max(1, min(DEMO['jobs'], os.cpu_count() or 1))
            args.cfg_options = dict({'train_cfg.val_interval': args.iters},
                                    **(args.cfg_options or {}))
        args.method_list = [m.strip() for m in args.methods.split(',') if m.strip()]
        args.baseline = args.baseline or args.method_list[0]
    args.jobs = args.jobs or 1
    if args.baseline not in args.method_list:
        parser.error(f'baseline {args.baseline!r} is not among the methods {args.method_list}')
    return args


def ensure_data(args) -> str:
    """The data root to use, generating the synthetic set when the default is absent."""
    from mmrotate_dal.datasets import make_synthetic_dota
    data = args.data
    if data is None:
        protocol = all(m.startswith('p-') for m in args.method_list)
        data, num_val = (PROTOCOL_DATA, 200) if protocol else (DEMO_DATA, 40)
        if not osp.isdir(osp.join(data, 'train', 'labelTxt')):
            print(f'generating the synthetic DOTA-format set in {data} ...', flush=True)
            make_synthetic_dota(data, num_train=200, num_val=num_val, img_size=256, seed=0)
    for split in ('train', 'val'):
        if not osp.isdir(osp.join(data, split, 'labelTxt')):
            raise FileNotFoundError(f'{data} has no {split}/labelTxt/ folder (DOTA format needed)')
    return data


def argv_is_demo(argv) -> bool:
    """True when no method selection was given (``make demo``)."""
    argv = sys.argv[1:] if argv is None else argv
    return not any(a.split('=')[0] in ('--methods', '--protocol') for a in argv)


def main(argv=None):
    import mmrotate_dal  # noqa: F401
    from mmrotate_dal.apis import (dota_class_names, load_result, method_config, plot,
                                   run_method, save_result, summarize, summary_table, write_json)
    args = parse_args(argv)
    for m in args.method_list:
        method_config(m)  # fails early on an unknown name
    if args.methods == DEMO['methods'] and argv_is_demo(argv):
        print(f'demo: {DEMO["methods"]} (max-IoU vs DAL + matching-sensitive losses, the DAL '
              f'protocol\'s end arms) for {args.iters} iterations, the protocol\'s schedule, seed '
              f'{args.seed_list[0]}, {args.jobs} run(s) at a time; about 15 min on 2 cores. The '
              '3-seed protocol (`--protocol dal --seeds 0,1,2`, docs/results.md) measured DAL '
              'ahead on every seed at this length (+15.8 AP50 on average)', flush=True)
    data = ensure_data(args)
    classes = None if args.data is None else dota_class_names(data)
    results_dir = args.results_dir or args.work_dir
    meta = dict(date=time.strftime('%Y-%m-%d'),
                machine=f'{platform.machine()}, {os.cpu_count()} CPUs, '
                f'torch threads {__import__("torch").get_num_threads()}',
                command=' '.join(['python'] + sys.argv), data=osp.relpath(data, os.getcwd()),
                iters=args.iters, cfg_options=args.cfg_options)

    start = time.time()
    if args.jobs > 1:
        run_in_parallel(args, results_dir)
    results = []
    runs = [(m, s) for s in args.seed_list for m in args.method_list]  # seed-major: pairs first
    for i, (m, seed) in enumerate(runs, 1):
        stored = None if args.rerun and args.jobs == 1 else load_result(results_dir, m, seed)
        if not _stored(stored, args.iters):
            stored = None  # not run yet, or a different schedule: not the same run
        if stored is not None:
            print(f'== [{i}/{len(runs)}] {m} seed {seed}: stored result, skipped', flush=True)
            results.append(stored)
            continue
        print(f'== [{i}/{len(runs)}] {m} seed {seed}: training '
              f'{osp.relpath(method_config(m), REPO)}', flush=True)
        res = run_method(m, args.work_dir, data, args.iters, seed, not args.no_progress,
                         args.cfg_options, classes)
        path = save_result(results_dir, res, meta)
        print(f'   AP50 {100 * (res["AP50"] or 0):.1f}  AP75 {100 * (res["AP75"] or 0):.1f}  '
              f'mAP {100 * (res["mAP"] or 0):.1f}  ({res["wall_seconds"]:.0f} s; stored in '
              f'{path})', flush=True)
        results.append(res)
    if args.no_summary:
        return results
    summary = summarize(results, args.baseline)
    table = summary_table(summary, args.baseline)
    print()
    print(table)
    meta.update(seeds=args.seed_list, baseline=args.baseline,
                total_seconds=round(time.time() - start, 1))
    json_path = osp.join(results_dir, 'results.json')
    png_path = osp.join(results_dir, 'results.png')
    write_json(results, meta, json_path, summary)
    plot(results, png_path)
    print(f'\nwrote {json_path} and {png_path} ({meta["total_seconds"]:.0f} s in total)')
    if args.pictures or (args.pictures is None and argv_is_demo(argv)):
        write_pictures(args, data, results_dir, classes)
    return results


def child_command(args, method: str, seed: int, results_dir: str) -> list:
    """The ``tools/benchmark.py`` command that trains and stores one (method, seed) run."""
    cmd = [sys.executable, osp.abspath(__file__), '--methods', method, '--seeds', str(seed),
           '--work-dir', args.work_dir, '--results-dir', results_dir, '--no-pictures',
           '--no-summary']
    if args.no_progress:  # otherwise the child's log gets a progress line every 5%
        cmd.append('--no-progress')
    if args.iters is not None:
        cmd += ['--iters', str(args.iters)]
    if args.data is not None:
        cmd += ['--data', args.data]
    if args.rerun:
        cmd.append('--rerun')
    if args.cfg_options:
        cmd += ['--cfg-options'] + [f'{k}={_option_value(v)}' for k, v in args.cfg_options.items()]
    return cmd


def _option_value(value) -> str:
    """A ``--cfg-options`` value written back the way mmengine's DictAction reads it."""
    if isinstance(value, (list, tuple)):
        inner = ','.join(_option_value(v) for v in value)
        return f'[{inner}]' if isinstance(value, list) else f'({inner})'
    return str(value)


def run_in_parallel(args, results_dir: str) -> None:
    """Train the runs that are not stored yet, ``args.jobs`` at a time, one process each.

    Each child is this script for one (method, seed) with one torch thread; it stores its result
    as it finishes, so the caller then finds every run stored. A failed run is reported with the
    tail of its log and makes the whole command fail after the others have finished.
    """
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    from mmrotate_dal.apis import load_result
    pending = [(m, s) for s in args.seed_list for m in args.method_list
               if args.rerun or not _stored(load_result(results_dir, m, s), args.iters)]
    if not pending:
        return
    log_dir = osp.join(args.work_dir, 'logs')
    os.makedirs(log_dir, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    print(f'training {len(pending)} run(s), {args.jobs} at a time (one process and one torch '
          f'thread each; logs in {log_dir})', flush=True)

    def one(job):
        method, seed = job
        log = osp.join(log_dir, f'{method}_seed{seed}.log')
        begin = time.time()
        with open(log, 'w') as f:
            proc = subprocess.Popen(child_command(args, method, seed, results_dir), env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for line in proc.stdout:  # the child's progress and result lines, kept and shown
                f.write(line)
                f.flush()
                if line.strip():
                    print(f'   [{method} seed {seed}] {line.rstrip()}', flush=True)
            code = proc.wait()
        print(f'   {method} seed {seed}: {"done" if code == 0 else f"FAILED (exit {code})"} '
              f'in {time.time() - begin:.0f} s (log: {log})', flush=True)
        return job, code, log

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        outcomes = list(pool.map(one, pending))
    failed = [(job, log) for job, code, log in outcomes if code != 0]
    for (method, seed), log in failed:
        with open(log) as f:
            tail = f.read()[-2000:]
        print(f'--- {method} seed {seed} failed; the end of {log}:\n{tail}', file=sys.stderr)
    if failed:
        raise SystemExit(f'{len(failed)} of {len(pending)} run(s) failed')


def _stored(result, iters) -> bool:
    return result is not None and (iters is None or result['iters'] == iters)


def write_pictures(args, data, results_dir, classes) -> list:
    """Side-by-side detections of every method on the first validation image, one PNG per seed."""
    import glob

    from mmrotate_dal.apis import method_config
    from mmrotate_dal.apis.inference import compare_detections, last_checkpoint
    images = sorted(glob.glob(osp.join(data, 'val', 'images', '*')))
    if not images:
        print(f'no validation image in {data}/val/images: no pictures')
        return []
    written = []
    for seed in args.seed_list:
        runs = []
        for m in args.method_list:
            ckpt = last_checkpoint(osp.join(args.work_dir, f'{m}_seed{seed}'))
            if ckpt is None:
                print(f'   {m} seed {seed}: no checkpoint in {args.work_dir} (stored result '
                      'only), left out of the picture')
                continue
            runs.append((f'{m} seed {seed}', method_config(m), ckpt))
        if runs:
            out = osp.join(results_dir, f'detections_seed{seed}.png')
            written.append(compare_detections(runs, images[0], out, classes=classes))
    for path in written:
        print(f'wrote {path} (detections on {osp.relpath(images[0], os.getcwd())}, '
              'side by side)')
    return written


if __name__ == '__main__':
    main()
