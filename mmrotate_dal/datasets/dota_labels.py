"""Reading DOTA ``labelTxt`` files, full-size ones included.

A DOTA label file holds one object per line, ``x1 y1 x2 y2 x3 y3 x4 y4 class difficulty``. The
full-size DOTA releases start each file with two header lines, ``imagesource:GoogleEarth`` and
``gsd:0.146343590398``; split tiles (MMRotate's ``img_split.py``) and the synthetic sets have none.
Some tools write the object lines without the difficulty field. :func:`read_dota_labels` accepts
all of these and is the one parser the package uses (class-name discovery for ``--data``,
:class:`~mmrotate_dal.datasets.DOTALabelDataset`, the anchor pre-check through that dataset).
"""
import math
from typing import List, NamedTuple

import numpy as np

HEADER_KEYS = ('imagesource', 'gsd')


class DOTALabels(NamedTuple):
    """The objects of one label file.

    Attributes:
        polys (np.ndarray): (N, 8) float64 corner coordinates ``x1 y1 ... x4 y4``.
        names (list[str]): N class names.
        difficulties (np.ndarray): (N,) int64; 0 where a line has no difficulty field.
        header (dict[str, str]): the ``key:value`` header lines (``imagesource``, ``gsd``).
    """
    polys: np.ndarray
    names: List[str]
    difficulties: np.ndarray
    header: dict


def _is_header(parts: List[str]) -> bool:
    # 'imagesource:GoogleEarth', 'gsd:0.146', 'gsd: 0.146' or 'gsd:null'
    return len(parts) <= 2 and ':' in parts[0] and parts[0].split(':', 1)[0].lower() in HEADER_KEYS


def read_dota_labels(path: str) -> DOTALabels:
    """Parse one DOTA label file.

    Blank lines and the ``imagesource:``/``gsd:`` headers are skipped. Any other line must have
    8 finite coordinates, a class name and optionally an integer difficulty.

    Args:
        path (str): a ``labelTxt/*.txt`` file.

    Returns:
        DOTALabels: polygons (N, 8), names, difficulties (N,) and the header values.

    Raises:
        ValueError: on a malformed object line, naming the file and line number.
    """
    polys, names, diffs, header = [], [], [], {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if _is_header(parts):
                key, value = ' '.join(parts).split(':', 1)
                header[key.strip().lower()] = value.strip()
                continue
            where = f'{path}:{lineno}'
            if len(parts) not in (9, 10):
                raise ValueError(f'{where}: expected "x1 y1 x2 y2 x3 y3 x4 y4 class [difficulty]" '
                                 f'(9 or 10 fields), got {len(parts)}: {line.strip()!r}')
            try:
                coords = [float(v) for v in parts[:8]]
            except ValueError:
                raise ValueError(f'{where}: the first 8 fields must be numbers: '
                                 f'{line.strip()!r}') from None
            if not all(math.isfinite(v) for v in coords):
                raise ValueError(f'{where}: non-finite coordinate in {line.strip()!r}')
            try:
                difficulty = int(parts[9]) if len(parts) == 10 else 0
            except ValueError:
                raise ValueError(f'{where}: difficulty must be an integer, got {parts[9]!r}') from None
            polys.append(coords)
            names.append(parts[8])
            diffs.append(difficulty)
    return DOTALabels(
        np.asarray(polys, dtype=np.float64).reshape(-1, 8), names,
        np.asarray(diffs, dtype=np.int64), header)
