#!/usr/bin/env python
"""Draw a trained detector's rotated detections on an image (class names and scores).

    python tools/image_demo.py CONFIG CHECKPOINT IMAGE [--out FILE] [--score-thr 0.3]
    python tools/image_demo.py CONFIG CHECKPOINT P0006.png --patch-size 1024 --patch-step 824
    python tools/image_demo.py configs/protocol/retinanet_dal.py \\
        work_dirs/benchmark/p-dal_seed0/iter_600.pth \\
        data/synthetic_dota_protocol/val/images/val_00000.png --out dal.png

Uses mmdet's init_detector/inference_detector and MMRotate's RotLocalVisualizer. Without --out
the picture goes to <image name>_det.png in the current folder. Prints the detections above the
threshold (class, score, cx cy w h angle).
"""
import _quiet  # noqa: F401  (first: hides known-harmless third-party warnings; tools only)

import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('image', help='image file')
    parser.add_argument('--out', help='output picture (PNG/JPG); default <image>_det.png')
    parser.add_argument('--score-thr', type=float, default=0.3, help='draw scores above this')
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda:0'")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='config overrides')
    patches = parser.add_argument_group(
        'large images', 'detect window by window and merge (MMRotate\'s '
        'inference_detector_by_patches); automatic, with windows of the test scale and a step of '
        '80%% of it, when the image is larger than the config\'s test scale')
    patches.add_argument('--patch-size', type=int, help='window side in pixels (e.g. 1024)')
    patches.add_argument('--patch-step', type=int, help='window step (default 80%% of the size)')
    patches.add_argument('--img-ratios', type=float, nargs='+', default=[1.0],
                         help='image scales for multi-scale detection (default 1.0)')
    patches.add_argument('--no-patches', action='store_true',
                         help='always run on the whole image, resized to the test scale')
    args = parser.parse_args(argv)
    if not 0 <= args.score_thr <= 1:
        parser.error(f'--score-thr must be in [0, 1], got {args.score_thr}')
    if args.patch_size is not None and args.patch_size <= 0:
        parser.error(f'--patch-size must be > 0, got {args.patch_size}')
    if args.patch_step is not None and args.patch_size is None:
        parser.error('--patch-step needs --patch-size')
    if args.patch_step is not None and not 0 < args.patch_step < args.patch_size:
        parser.error(f'--patch-step must be in (0, --patch-size), got {args.patch_step}')
    return args


def patch_plan(args, model, image):
    """(size, step) of the windows to use on ``image``, or None for whole-image inference."""
    import mmcv
    from mmrotate_dal.apis.inference import test_scale
    if args.no_patches:
        return None
    size = args.patch_size
    if size is None:
        scale = test_scale(model)
        height, width = mmcv.imread(image).shape[:2]
        if scale is None or max(height, width) <= scale:
            return None
        size = scale
        print(f'{width}x{height} image, larger than the test scale {scale}: detecting on '
              f'{size} px windows (--no-patches to resize the whole image instead)')
    return size, args.patch_step or max(1, int(round(size * 0.8)))


def main(argv=None):
    args = parse_args(argv)
    from mmdet.structures.bbox import get_box_tensor
    from mmrotate_dal.apis.inference import (detect, detect_by_patches, draw_detections,
                                             load_detector, write_rgb)
    model = load_detector(args.config, args.checkpoint, args.device, args.cfg_options)
    if not osp.isfile(args.image):
        raise FileNotFoundError(f'image not found: {args.image}')
    plan = patch_plan(args, model, args.image)
    if plan is None:
        result = detect(model, args.image)
    else:
        result = detect_by_patches(model, args.image, *plan, ratios=args.img_ratios)
    picture = draw_detections(model, args.image, result, args.score_thr)
    out = write_rgb(picture, args.out or osp.splitext(osp.basename(args.image))[0] + '_det.png')
    pred = result.pred_instances
    keep = pred.scores >= args.score_thr
    classes = model.dataset_meta['classes']
    print(f'{int(keep.sum())} detections with score >= {args.score_thr} (of {len(pred)}):')
    for box, score, label in zip(get_box_tensor(pred.bboxes)[keep].tolist(), pred.scores[keep].tolist(),
                                 pred.labels[keep].tolist()):
        print(f'  {classes[label]:<16} {score:.2f}  ' + ' '.join(f'{v:.1f}' for v in box))
    print(f'wrote {out}')
    return dict(out=out, detections=int(keep.sum()), result=result)


if __name__ == '__main__':
    main()
