#!/usr/bin/env python
"""Draw a trained detector's rotated detections on an image (class names and scores).

    python tools/image_demo.py CONFIG CHECKPOINT IMAGE [--out FILE] [--score-thr 0.3]
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
    args = parser.parse_args(argv)
    if not 0 <= args.score_thr <= 1:
        parser.error(f'--score-thr must be in [0, 1], got {args.score_thr}')
    return args


def main(argv=None):
    args = parse_args(argv)
    from mmdet.structures.bbox import get_box_tensor
    from mmrotate_dal.apis.inference import detect, draw_detections, load_detector, write_rgb
    model = load_detector(args.config, args.checkpoint, args.device, args.cfg_options)
    result = detect(model, args.image)
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
