"""Inference and drawing for the image demo: load a trained detector, detect, draw rotated boxes.

Built on mmdet's ``init_detector``/``inference_detector`` and MMRotate's ``RotLocalVisualizer``
(rotated boxes with class names and scores), as MMRotate's own demo does.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np

ANNOTATION_STEPS = ('LoadAnnotations', 'ConvertBoxType')


def load_detector(config: str, checkpoint: str, device: str = 'cpu',
                  cfg_options: Optional[dict] = None, classes: Optional[tuple] = None):
    """Build a detector from ``config`` with ``checkpoint``'s weights, ready for images.

    The test pipeline's annotation steps (``LoadAnnotations``, ``ConvertBoxType``: validation
    pipelines load labels) are removed, so any image file works.

    Args:
        config (str): config file.
        checkpoint (str): checkpoint file (``.pth``).
        device (str): ``'cpu'`` or ``'cuda:0'`` etc.
        cfg_options (dict, optional): config overrides.
        classes (tuple, optional): class names replacing the config's (a model trained on a
            user's data set through ``--data``).

    Returns:
        nn.Module: the detector in eval mode, with ``cfg`` and ``dataset_meta`` (class names).
    """
    import mmrotate_dal  # noqa: F401
    from mmdet.apis import init_detector
    from mmengine.registry import DefaultScope

    from .config import _dataset, load_config, set_classes
    for path, what in ((config, 'config'), (checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} file not found: {path}')
    cfg = load_config(config, cfg_options=cfg_options)
    if classes is not None:
        set_classes(cfg, classes)
    dataset = _dataset(cfg.test_dataloader)
    dataset['pipeline'] = [step for step in dataset['pipeline']
                           if str(step['type']).split('.')[-1] not in ANNOTATION_STEPS]
    with DefaultScope.overwrite_default_scope('mmrotate'):
        model = init_detector(cfg, checkpoint, device=device)
    if not model.dataset_meta.get('classes'):
        model.dataset_meta = dict(classes=tuple(dataset.get('metainfo', {}).get('classes', ())))
    return model


def detect(model, image: str):
    """Run ``model`` on one image file.

    Returns:
        DetDataSample: ``pred_instances`` with ``bboxes`` ((N, 5) cx cy w h angle), ``scores`` (N,)
        and ``labels`` (N,).
    """
    from mmdet.apis import inference_detector
    from mmengine.registry import DefaultScope
    if not osp.isfile(image):
        raise FileNotFoundError(f'image not found: {image}')
    with DefaultScope.overwrite_default_scope('mmrotate'):
        return inference_detector(model, image)


def test_scale(model) -> Optional[int]:
    """The longest side the config's test pipeline resizes images to (its ``Resize`` scale)."""
    for step in model.cfg.test_dataloader.dataset.pipeline:
        if str(step['type']).split('.')[-1] == 'Resize' and step.get('scale'):
            scale = step['scale']
            return int(max(scale) if isinstance(scale, (tuple, list)) else scale)
    return None


def detect_by_patches(model, image: str, patch_size: int, patch_step: int,
                      ratios: Sequence[float] = (1.0, ), progress: bool = True,
                      nms_iou: float = 0.1):
    """Detect on a large image patch by patch and merge the patches' detections.

    MMRotate's ``inference_detector_by_patches`` (``mmrotate.utils.patch`` windows, class-wise
    rotated NMS), as its huge-image demo uses it, with a progress bar over the patches.

    Args:
        model: a detector from :func:`load_detector`.
        image (str): image file.
        patch_size (int): window side in pixels (> 0).
        patch_step (int): distance between windows (0 < step < size).
        ratios (Sequence[float]): image scales to run at (multi-scale when several).
        progress (bool): show a progress bar over the patches.
        nms_iou (float): IoU threshold of the merge. Defaults to 0.1 (DOTAMetric's).

    Returns:
        DetDataSample: detections in the full image's coordinates.
    """
    import mmcv
    from mmengine.registry import DefaultScope
    from mmrotate.apis import inference_detector_by_patches
    from mmrotate.utils.patch import get_multiscale_patch, slide_window

    from ..utils.progress_bar import ProgressBar
    if not osp.isfile(image):
        raise FileNotFoundError(f'image not found: {image}')
    if not (patch_size > 0 and 0 < patch_step < patch_size):  # mmrotate's slide_window's rule
        raise ValueError(f'need patch_size > 0 and 0 < patch_step < patch_size, got '
                         f'{patch_size} and {patch_step}')
    if not ratios or any(r <= 0 for r in ratios):
        raise ValueError(f'image ratios must be positive, got {list(ratios)}')
    img = mmcv.imread(image)
    sizes, steps = get_multiscale_patch([patch_size], [patch_step], list(ratios))
    total = len(slide_window(img.shape[1], img.shape[0], sizes, steps))
    bar = ProgressBar(total, f'{osp.basename(image)}: patches') if progress else None
    original = model.test_step

    def counting(data):
        out = original(data)
        if bar is not None:
            bar.advance(len(data['inputs']))
        return out

    model.test_step = counting
    try:
        with DefaultScope.overwrite_default_scope('mmrotate'):
            return inference_detector_by_patches(
                model, img, [patch_size], [patch_step], list(ratios),
                nms_cfg=dict(type='nms_rotated', iou_threshold=nms_iou))
    finally:
        del model.test_step  # the instance attribute: the class's method again
        if bar is not None:
            bar.stop()


def draw_detections(model, image: str, result, score_thr: float = 0.3,
                    scale: int = 1) -> np.ndarray:
    """Draw ``result``'s rotated boxes above ``score_thr`` with class names and scores.

    Args:
        scale (int): draw on the image enlarged this many times (boxes scaled with it), so that
            labels stay readable on small images.

    Returns:
        np.ndarray: (H * scale, W * scale, 3) uint8 RGB picture.
    """
    import mmcv
    from mmdet.structures.bbox import get_box_tensor
    from mmengine.registry import DefaultScope
    from mmrotate.visualization import RotLocalVisualizer
    if not 0 <= score_thr <= 1:
        raise ValueError(f'score_thr must be in [0, 1], got {score_thr}')
    img = mmcv.imread(image, channel_order='rgb')
    if scale != 1:
        img = mmcv.imrescale(img, scale, interpolation='nearest')
        result = result.clone()
        boxes = get_box_tensor(result.pred_instances.bboxes).clone()
        boxes[:, :4] *= scale
        result.pred_instances.bboxes = boxes
    with DefaultScope.overwrite_default_scope('mmrotate'):
        visualizer = RotLocalVisualizer(name=f'image_demo_{id(model)}_{id(result)}')
        visualizer.dataset_meta = model.dataset_meta
        visualizer.add_datasample('detections', img, result, draw_gt=False, show=False,
                                  pred_score_thr=score_thr)
        return visualizer.get_image()


def side_by_side(panels: Sequence[Tuple[str, np.ndarray]], out_file: str) -> str:
    """Write RGB pictures next to each other, each under its title, as one PNG.

    Args:
        panels: ``(title, (H, W, 3) uint8 RGB)`` pairs, all the same height.
        out_file (str): output PNG path (folders are created).

    Returns:
        str: ``out_file``.
    """
    import cv2
    if not panels:
        raise ValueError('no pictures to put side by side')
    tiles: List[np.ndarray] = []
    for title, img in panels:
        img = np.ascontiguousarray(img)
        bar = np.full((28, img.shape[1], 3), 255, np.uint8)
        cv2.putText(bar, title, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1,
                    cv2.LINE_AA)
        tiles.append(np.concatenate([bar, img], 0))
    gap = np.full((tiles[0].shape[0], 8, 3), 255, np.uint8)
    canvas = np.concatenate([t for tile in tiles for t in (tile, gap)][:-1], 1)
    return write_rgb(canvas, out_file)


def write_rgb(picture: np.ndarray, out_file: str) -> str:
    """Write an (H, W, 3) uint8 RGB picture (PNG/JPG by extension), creating its folder."""
    import mmcv
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    mmcv.imwrite(picture[..., ::-1], out_file)
    return out_file


def last_checkpoint(run_dir: str) -> Optional[str]:
    """The checkpoint mmengine recorded in ``run_dir/last_checkpoint``, if it still exists."""
    marker = osp.join(run_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    path = open(marker).read().strip()
    return path if osp.isfile(path) else None


def compare_detections(runs: Sequence[Tuple[str, str, str]], image: str, out_file: str,
                       score_thr: float = 0.3, classes: Optional[tuple] = None,
                       scale: int = 2) -> str:
    """Each run's detections on the same image, side by side in one PNG.

    Args:
        runs: ``(title, config, checkpoint)`` per panel.
        image (str): the image file.
        out_file (str): output PNG.
        score_thr (float): draw scores above this.
        classes (tuple, optional): class names replacing the configs' (see :func:`load_detector`).
        scale (int): enlargement of the drawing (see :func:`draw_detections`).

    Returns:
        str: ``out_file``.
    """
    panels = []
    for title, config, checkpoint in runs:
        model = load_detector(config, checkpoint, classes=classes)
        result = detect(model, image)
        shown = int((result.pred_instances.scores >= score_thr).sum())
        panels.append((f'{title}: {shown} boxes >= {score_thr}',
                       draw_detections(model, image, result, score_thr, scale)))
    return side_by_side(panels, out_file)
