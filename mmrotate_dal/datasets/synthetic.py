"""Synthetic oriented-object scenes written in DOTA format.

``make_synthetic_dota(out_dir)`` writes ``<out_dir>/{train,val}/images/*.png`` and
``<out_dir>/{train,val}/labelTxt/*.txt`` (one object per line: ``x1 y1 x2 y2 x3 y3 x4 y4 class
difficulty``), which MMRotate's ``DOTADataset`` reads unchanged (``ann_file='train/labelTxt/'``,
``data_prefix=dict(img_path='train/images/')``, ``metainfo=dict(classes=SYNTHETIC_CLASSES)``).

Scenes are deterministic for a seed: a textured background (low-frequency noise, field patches,
roads), unlabelled distractors (round tanks, crosses, blobs, thin lines), and labelled objects of
four classes with distinct shapes and aspect ratios up to ~1:8, at arbitrary angles. Vehicles come in
parking rows where neighbours almost touch; ships moor side by side; scenes hold tens of objects.
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Tuple

import cv2
import numpy as np

SYNTHETIC_CLASSES = ('small-vehicle', 'large-vehicle', 'ship', 'bridge')


@dataclass(frozen=True)
class _ClassSpec:
    length: Tuple[float, float]  # long side in pixels, at image size 256
    ratio: Tuple[float, float]   # long side / short side
    color: Tuple[int, int, int]  # BGR base colour


_SPECS: Dict[str, _ClassSpec] = {
    'small-vehicle': _ClassSpec((14, 22), (1.7, 2.3), (60, 60, 200)),
    'large-vehicle': _ClassSpec((28, 44), (2.6, 3.6), (200, 200, 210)),
    'ship': _ClassSpec((30, 60), (3.0, 4.5), (90, 180, 235)),
    'bridge': _ClassSpec((70, 130), (6.0, 8.0), (150, 150, 150)),
}
CLASS_SIZES = _SPECS  # per class: long-side range (px at 256 px, object_scale 1), aspect ratios


def _corners(cx, cy, w, h, t) -> np.ndarray:
    """4 x 2 corners of a (cx, cy, w, h, t) box, t in radians, clockwise in image coordinates."""
    c, s = np.cos(t), np.sin(t)
    dx = np.array([-w, w, w, -w]) / 2
    dy = np.array([-h, -h, h, h]) / 2
    return np.stack([cx + dx * c - dy * s, cy + dx * s + dy * c], axis=1)


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    img = np.zeros((size, size, 3), np.float32)
    base = rng.uniform(70, 130, 3)
    for scale in (4, 16, 64):
        noise = rng.normal(0, 1, (max(2, size // scale), max(2, size // scale), 3)).astype(np.float32)
        img += cv2.resize(noise, (size, size), interpolation=cv2.INTER_CUBIC) * (6 + scale / 4)
    img += base
    for _ in range(rng.integers(2, 5)):  # field patches
        poly = _corners(*rng.uniform(0, size, 2), *rng.uniform(size / 6, size / 2, 2),
                        rng.uniform(0, np.pi))
        cv2.fillPoly(img, [poly.astype(np.int32)], tuple(float(v) for v in base + rng.normal(0, 18, 3)))
    for _ in range(rng.integers(0, 3)):  # roads
        p0, p1 = rng.uniform(0, size, 2), rng.uniform(0, size, 2)
        cv2.line(img, tuple(int(v) for v in p0), tuple(int(v) for v in p1),
                 (float(rng.uniform(40, 70)), ) * 3, int(rng.integers(4, 9)), cv2.LINE_AA)
    return img


def _distractors(rng: np.random.Generator, img: np.ndarray, count: int) -> None:
    size = img.shape[0]
    for _ in range(count):
        kind = rng.integers(0, 4)
        x, y = (int(v) for v in rng.uniform(0, size, 2))
        color = tuple(float(v) for v in rng.uniform(30, 230, 3))
        if kind == 0:  # storage-tank-like disc
            r = int(rng.integers(4, 12))
            cv2.circle(img, (x, y), r, color, -1, cv2.LINE_AA)
            cv2.circle(img, (x, y), max(1, r // 2), tuple(c * 0.7 for c in color), 1, cv2.LINE_AA)
        elif kind == 1:  # cross
            r = int(rng.integers(4, 10))
            cv2.line(img, (x - r, y), (x + r, y), color, 2, cv2.LINE_AA)
            cv2.line(img, (x, y - r), (x, y + r), color, 2, cv2.LINE_AA)
        elif kind == 2:  # blob
            axes = tuple(int(v) for v in rng.integers(3, 12, 2))
            cv2.ellipse(img, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, color, -1, cv2.LINE_AA)
        else:  # thin line (not long enough, nor wide enough, to be a bridge)
            p1 = (x + int(rng.integers(-30, 30)), y + int(rng.integers(-30, 30)))
            cv2.line(img, (x, y), p1, color, 1, cv2.LINE_AA)


def _draw_object(rng, img, name: str, box) -> None:
    cx, cy, w, h, t = box
    spec = _SPECS[name]
    color = np.clip(np.array(spec.color) + rng.normal(0, 15, 3), 0, 255)
    dark = tuple(float(v) for v in color * 0.55)
    color = tuple(float(v) for v in color)
    if name == 'ship':  # pointed bow, blunt stern, superstructure
        c, s = np.cos(t), np.sin(t)
        pts = np.array([[-w / 2, -h / 2], [w / 4, -h / 2], [w / 2, 0], [w / 4, h / 2],
                        [-w / 2, h / 2]])
        poly = np.stack([cx + pts[:, 0] * c - pts[:, 1] * s, cy + pts[:, 0] * s + pts[:, 1] * c], 1)
        cv2.fillPoly(img, [np.round(poly * 16).astype(np.int32)], color, cv2.LINE_AA, shift=4)
        cabin = _corners(cx - w * 0.18 * c, cy - w * 0.18 * s, w * 0.2, h * 0.5, t)
        cv2.fillPoly(img, [np.round(cabin * 16).astype(np.int32)], dark, cv2.LINE_AA, shift=4)
        return
    poly = _corners(cx, cy, w, h, t)
    cv2.fillPoly(img, [np.round(poly * 16).astype(np.int32)], color, cv2.LINE_AA, shift=4)
    c, s = np.cos(t), np.sin(t)
    if name == 'bridge':  # railings along the long sides
        for side in (-1, 1):
            off = np.array([-s, c]) * side * h * 0.38
            p0 = np.array([cx - c * w / 2, cy - s * w / 2]) + off
            p1 = np.array([cx + c * w / 2, cy + s * w / 2]) + off
            cv2.line(img, tuple(int(v) for v in p0), tuple(int(v) for v in p1), dark, 1, cv2.LINE_AA)
    else:  # windshield / cab at the front
        front = 0.3 if name == 'small-vehicle' else 0.36
        cab = _corners(cx + c * w * front, cy + s * w * front, w * 0.18, h * 0.85, t)
        cv2.fillPoly(img, [np.round(cab * 16).astype(np.int32)], dark, cv2.LINE_AA, shift=4)


def _sample_box(rng, name: str, size: int, scale: float, center=None, angle=None):
    spec = _SPECS[name]
    length = rng.uniform(*spec.length) * scale
    w, h = length, length / rng.uniform(*spec.ratio)
    t = rng.uniform(-np.pi / 2, np.pi / 2) if angle is None else angle
    if center is None:
        center = rng.uniform(length / 3, size - length / 3, 2)
    return (float(center[0]), float(center[1]), float(w), float(h), float(t))


def _fits(box, size: int, occupancy: np.ndarray, max_overlap: float) -> bool:
    poly = _corners(*box)
    if (poly < 0).any() or (poly > size - 1).any():
        return False
    pts = np.round(poly).astype(np.int32)
    x0, y0 = pts.min(0)
    x1, y1 = pts.max(0) + 1
    window = occupancy[y0:y1, x0:x1]  # the polygon's bounding window: same counts, less work
    mask = np.zeros_like(window)
    cv2.fillPoly(mask, [pts - np.array([x0, y0], np.int32)], 1)
    area = mask.sum()
    return area > 0 and (mask & window).sum() <= max_overlap * area


def _scene(rng: np.random.Generator, size: int, min_objects: int, max_objects: int,
           object_scale: float = 1.0,
           max_attempts: int = 40) -> Tuple[np.ndarray, List[Tuple[str, np.ndarray]]]:
    img = _background(rng, size)
    _distractors(rng, img, int(rng.integers(3, 10) * (size / 256)**2))
    scale = size / 256 * object_scale
    occupancy = np.zeros((size, size), np.uint8)
    objects: List[Tuple[str, tuple]] = []
    target = int(rng.integers(min_objects, max_objects + 1))

    def place(name, box, max_overlap=0.02):
        if len(objects) >= target or not _fits(box, size, occupancy, max_overlap):
            return False
        cv2.fillPoly(occupancy, [np.round(_corners(*box)).astype(np.int32)], 1)
        objects.append((name, box))
        return True

    for _ in range(int(rng.integers(0, 2))):  # a bridge or none
        place('bridge', _sample_box(rng, 'bridge', size, scale))
    attempts = 0
    while len(objects) < target and attempts < max_attempts:
        attempts += 1
        name = SYNTHETIC_CLASSES[int(rng.choice(3, p=[0.5, 0.25, 0.25]))]
        first = _sample_box(rng, name, size, scale)
        if not place(name, first):
            continue
        if rng.uniform() < 0.6:  # a row of parked vehicles / moored ships, side by side
            cx, cy, w, h, t = first
            normal = np.array([-np.sin(t), np.cos(t)])
            gap = rng.uniform(1.0, 1.5)
            for k in range(1, int(rng.integers(2, 7))):
                nb = _sample_box(rng, name, size, scale, angle=t + rng.normal(0, 0.05))
                center = np.array([cx, cy]) + normal * k * h * gap
                if not place(name, (float(center[0]), float(center[1]), nb[2], h, nb[4]), 0.05):
                    break
    for name, box in objects:
        _draw_object(rng, img, name, box)
    img += rng.normal(0, 3, img.shape).astype(np.float32)
    img = cv2.GaussianBlur(np.clip(img, 0, 255), (3, 3), 0.6).astype(np.uint8)
    return img, [(name, _corners(*box)) for name, box in objects]


def make_synthetic_dota(out_dir: str,
                        num_train: int = 64,
                        num_val: int = 16,
                        img_size: int = 256,
                        min_objects: int = 8,
                        max_objects: int = 30,
                        seed: int = 0,
                        object_scale: float = 1.0) -> Dict[str, int]:
    """Write a synthetic DOTA-format dataset.

    Object sizes: each object's long side is drawn uniformly from its class's range, times
    ``img_size / 256 * object_scale``; its short side is the long side over an aspect ratio drawn
    uniformly from the class's range. At 256 px and ``object_scale=1`` (:data:`CLASS_SIZES`):

    ============= ============= ============ ===========================
    class         long side px  aspect ratio median sqrt(area) px (approx.)
    ============= ============= ============ ===========================
    small-vehicle 14-22         1.7-2.3      12.8
    large-vehicle 28-44         2.6-3.6      20
    ship          30-60         3.0-4.5      23
    bridge        70-130        6.0-8.0      37
    ============= ============= ============ ===========================

    so the median object over all classes is ~16 px (sqrt(area)): check anchors against that
    (``tools/check_anchors.py``) before comparing assigners.

    Args:
        out_dir (str): output folder; ``train/`` and ``val/`` are created inside.
        num_train (int): number of training images.
        num_val (int): number of validation images.
        img_size (int): square image size in pixels (object sizes scale with it).
        min_objects (int): minimum labelled objects per image (fewer when the scene is full).
        max_objects (int): maximum labelled objects per image.
        seed (int): random seed; the same arguments give byte-identical files.
        object_scale (float): multiplies every object size (> 0); the scenes' layout rules are
            unchanged, so large scales fit fewer objects per image. Defaults to 1.0.

    Returns:
        dict[str, int]: number of labelled objects written per split.
    """
    if img_size < 64:
        raise ValueError(f'img_size must be >= 64, got {img_size}')
    if not 0 <= min_objects <= max_objects:
        raise ValueError(f'need 0 <= min_objects <= max_objects, got {min_objects}, {max_objects}')
    if num_train < 0 or num_val < 0:
        raise ValueError('image counts must be >= 0')
    if not (isinstance(object_scale, (int, float)) and 0 < object_scale < float('inf')):
        raise ValueError(f'object_scale must be a positive number, got {object_scale!r}')
    counts = {}
    for split, num, offset in (('train', num_train, 0), ('val', num_val, 1_000_003)):
        img_dir, ann_dir = osp.join(out_dir, split, 'images'), osp.join(out_dir, split, 'labelTxt')
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(ann_dir, exist_ok=True)
        counts[split] = 0
        for idx in range(num):
            rng = np.random.default_rng([seed, offset + idx])
            img, objects = _scene(rng, img_size, min_objects, max_objects, object_scale)
            stem = f'{split}_{idx:05d}'
            cv2.imwrite(osp.join(img_dir, stem + '.png'), img)
            with open(osp.join(ann_dir, stem + '.txt'), 'w') as f:
                for name, poly in objects:
                    coords = ' '.join(f'{v:.1f}' for v in poly.reshape(-1))
                    f.write(f'{coords} {name} 0\n')
            counts[split] += len(objects)
    return counts


DOTA_HEADER = 'imagesource:synthetic\ngsd:0.5\n'


def make_synthetic_dota_fullsize(out_dir: str,
                                 num_images: Dict[str, int] = None,
                                 size_range: Tuple[int, int] = (1500, 3000),
                                 objects_per_256px: Tuple[int, int] = (8, 30),
                                 seed: int = 0) -> Dict[str, int]:
    """Write full-size DOTA-format scenes: what a DOTA download looks like before splitting.

    Each image is a square scene of a size drawn from ``size_range`` with the objects of the
    256 px set at the same pixel sizes (small vehicles stay ~13 px), as many per area as there
    (``objects_per_256px`` per 256 x 256 px), placed anywhere, so patch borders cut some of them.
    Label files start with DOTA's ``imagesource:`` and ``gsd:`` header lines. The ``test`` split
    has images only, as DOTA's test set.

    Args:
        out_dir (str): output folder; one ``<split>/images`` (and ``<split>/labelTxt``) per split.
        num_images (dict[str, int]): images per split. Defaults to
            ``{'train': 4, 'val': 2, 'test': 2}``.
        size_range (tuple[int, int]): smallest and largest image side in pixels (>= 256).
        objects_per_256px (tuple[int, int]): objects per 256 x 256 px area, min and max.
        seed (int): random seed; the same arguments give byte-identical files.

    Returns:
        dict[str, int]: labelled objects written per split (0 for ``test``).
    """
    num_images = dict(train=4, val=2, test=2) if num_images is None else num_images
    low, high = size_range
    if not 256 <= low <= high:
        raise ValueError(f'size_range must satisfy 256 <= min <= max, got {size_range}')
    counts = {}
    for k, (split, num) in enumerate(sorted(num_images.items())):
        img_dir = osp.join(out_dir, split, 'images')
        ann_dir = None if split == 'test' else osp.join(out_dir, split, 'labelTxt')
        os.makedirs(img_dir, exist_ok=True)
        if ann_dir:
            os.makedirs(ann_dir, exist_ok=True)
        counts[split] = 0
        for idx in range(num):
            rng = np.random.default_rng([seed, 7_000_003 + 1_000 * k + idx])
            size = int(rng.integers(low, high + 1))
            area = (size / 256)**2
            img, objects = _scene(rng, size, int(objects_per_256px[0] * area),
                                  int(objects_per_256px[1] * area), 256 / size,
                                  max_attempts=int(40 * area))
            stem = f'P{k}{idx:04d}'
            cv2.imwrite(osp.join(img_dir, stem + '.png'), img)
            if ann_dir is None:
                continue
            with open(osp.join(ann_dir, stem + '.txt'), 'w') as f:
                f.write(DOTA_HEADER)
                for name, poly in objects:
                    coords = ' '.join(f'{v:.1f}' for v in poly.reshape(-1))
                    f.write(f'{coords} {name} 0\n')
            counts[split] += len(objects)
    return counts
