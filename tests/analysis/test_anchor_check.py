"""The anchor pre-check: DAL's reachable input IoU by hand, and the tool on tiny data."""
import pytest

from mmrotate_dal.analysis import min_reachable_input_iou
from tests.conftest import CONFIGS
from tests.utils.test_compat import load_tool


def test_min_reachable_input_iou():
    # alpha 0.3, gamma 5, md 0.6: sa = 0.257 is the edge (issue #11; best fa ~0.87)
    assert min_reachable_input_iou(0.3, 5.0, 0.6) == pytest.approx(0.257, abs=1e-3)
    # alpha 1 without the abs: md = sa - |sa - fa|^g, best with fa = sa, so sa must reach 0.6
    assert min_reachable_input_iou(1.0, 5.0, 0.6, use_abs=False) == pytest.approx(0.6, abs=1e-3)
    # with the released outer abs, sa = 0 and fa = 1 give md = |0 - 1| = 1 (dal.md's artifact)
    assert min_reachable_input_iou(1.0, 5.0, 0.6) == 0.0
    # with the outer abs at alpha 0.3, sa = 0 and fa = 1 give md 0.3: a threshold of 0.3 is
    # reachable from sa = 0
    assert min_reachable_input_iou(0.3, 5.0, 0.3) == 0.0
    assert min_reachable_input_iou(0.3, 5.0, 1.01) == float('inf')


def test_tool_on_tiny_data(synthetic_root, tmp_path, capsys):
    tool = load_tool('check_anchors')
    upstream = tool.main([f'{CONFIGS}/baselines/rotated_retinanet_le90_cpu_small.py', '--data',
                          synthetic_root, '--out', str(tmp_path / 'a.json')])
    released = tool.main([f'{CONFIGS}/protocol/retinanet_dal.py', '--data', synthetic_root])
    out = capsys.readouterr().out
    assert '| best_iou_median |' in out and 'small-vehicle' in out
    up, rel = upstream['summary']['all'], released['summary']['all']
    assert up['gts'] == rel['gts'] > 20
    # DAL's released anchors (2x stride) fit the small objects better than upstream's (4x stride)
    assert rel['best_iou_median'] > up['best_iou_median']
    assert rel['share_dal_reachable'] > up['share_dal_reachable']
    assert upstream['anchor_sqrt_area_per_level'][0] == pytest.approx((32.0, 50.8), abs=0.1)
    assert released['anchor_sqrt_area_per_level'][0] == pytest.approx((16.0, 16.0), abs=0.1)
    # one forced positive per GT at most for the 'one forced' max-IoU vs all ties
    for stats in (up, rel):
        assert stats['pos_per_gt/max-IoU 0.5/0.4, all ties'] >= \
            stats['pos_per_gt/max-IoU 0.5/0.4, one forced']
        assert stats['share_no_pos/max-IoU 0.5/0.4, all ties'] <= 0.05
    assert 'pos_per_gt/config: DALAssigner' in rel
    assert (tmp_path / 'a.json').is_file()
