#!/usr/bin/env python
"""Evaluate a checkpoint with the config's test dataloader and evaluator (DOTAMetric).

    python tools/test.py CONFIG CHECKPOINT [--data DIR] [--work-dir DIR] [--out results.pkl]
    python tools/test.py CONFIG CHECKPOINT --submission DIR        # DOTA Task1 files + zip
    python tools/test.py CONFIG CHECKPOINT --merged-eval data/DOTA/val/labelTxt

--submission DIR runs the split test set (<data_root>/test/images/, no labels needed; another
folder with --submission-images) and writes the patches' detections merged onto every full image
(rotated NMS) as DOTA's Task1 files, DIR/Task1/Task1_<class>.txt (one line per detection: image
name, score, 8 polygon coordinates), and DIR/Task1/Task1.zip for the evaluation server.
--merged-eval FULL_LABELS evaluates the config's (split) test set twice: per patch, as usual, and
with the detections merged onto each full image and scored against the full-size label files
(DOTA's own validation protocol): keys merged_AP50 / merged_AP75 / merged_mAP.
"""
import _quiet  # noqa: F401  (first: hides known-harmless third-party warnings; tools only)

import argparse
import os.path as osp
import sys

def parse_args(argv=None):
    from mmrotate_dal.apis.cli import add_runner_args, parse_runner_args
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    add_runner_args(parser)
    parser.add_argument('--out', help='dump raw predictions to this .pkl file')
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--submission', metavar='DIR',
                       help='write DOTA Task1 submission files (merged patches) to DIR/Task1/')
    group.add_argument('--merged-eval', metavar='FULL_LABELS',
                       help='also score detections merged onto full images against this '
                       'full-size labelTxt folder')
    parser.add_argument('--submission-images', default='test/images/',
                        help='patch folder under the data root for --submission '
                        '(default test/images/)')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    return parse_runner_args(parser, argv)


def submission_config(cfg, out_dir: str, images: str) -> str:
    """Switch ``cfg``'s test set to unlabelled patches and its evaluator to Task1 files.

    Returns:
        str: the Task1 folder the evaluator will create.
    """
    prefix = osp.join(out_dir, 'Task1')
    if osp.exists(prefix):
        raise FileExistsError(f'{prefix} exists already: remove it or choose another folder')
    dataset = cfg.test_dataloader.dataset
    dataset.ann_file = ''
    dataset.data_prefix = dict(img_path=images)
    dataset.test_mode = True
    from mmrotate_dal.apis.inference import ANNOTATION_STEPS  # the steps that need labels
    pipeline = cfg.get('test_pipeline') or dataset.pipeline
    dataset.pipeline = [t for t in pipeline
                        if str(t['type']).split('.')[-1] not in ANNOTATION_STEPS]
    cfg.test_evaluator = dict(type='DOTAMetric', metric='mAP', format_only=True,
                              merge_patches=True, outfile_prefix=prefix)
    return prefix


def merged_eval_config(cfg, full_labels: str) -> None:
    """Make ``cfg``'s test evaluator also score merged detections on the full images."""
    if not osp.isdir(full_labels):
        raise FileNotFoundError(f'full-size label folder not found: {full_labels}')
    evaluator = dict(cfg.test_evaluator)
    evaluator.pop('_scope_', None)
    evaluator.update(type='MergedDOTAMetric', full_ann_dir=full_labels)
    cfg.test_evaluator = evaluator


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    import mmrotate_dal  # noqa: F401
    from mmengine.runner import Runner
    from mmrotate_dal.apis import load_config
    from mmrotate_dal.engine import TestProgressHook

    cfg = load_config(args.config, args.work_dir, args.cfg_options, args.data)
    cfg.launcher = args.launcher
    cfg.load_from = args.checkpoint
    prefix = None
    if args.submission:
        images = osp.join(cfg.test_dataloader.dataset.get('data_root', ''), args.submission_images)
        if not osp.isdir(images):
            raise FileNotFoundError(f'no test patches at {images} (split the test set first: '
                                    'tools/split_dota.py)')
        prefix = submission_config(cfg, args.submission, args.submission_images)
    elif args.merged_eval:
        merged_eval_config(cfg, args.merged_eval)
    if args.out:
        cfg.test_evaluator = [cfg.test_evaluator,
                              dict(type='mmdet.DumpDetResults', out_file_path=args.out)]
    runner = Runner.from_cfg(cfg)
    if not args.no_progress:
        runner.register_hook(TestProgressHook())
    metrics = runner.test()
    if prefix is not None:
        report_submission(prefix)
    return metrics


def report_submission(prefix: str) -> None:
    import glob
    files = sorted(glob.glob(osp.join(prefix, 'Task1_*.txt')))
    lines = 0
    for path in files:
        with open(path) as f:
            lines += sum(1 for _ in f)
    print(f'wrote {len(files)} Task1 files ({lines} detections) and '
          f'{osp.join(prefix, osp.basename(prefix) + ".zip")}')


if __name__ == '__main__':
    print(main())
    sys.exit(0)
