"""The benchmark, assigner-benchmark and analysis tools run end to end on tiny data."""
import json
import os.path as osp

import pytest

from tests.utils.test_compat import load_tool

PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def is_png(path):
    with open(path, 'rb') as f:
        return f.read(8) == PNG_MAGIC and osp.getsize(path) > 1000


@pytest.fixture(scope='module')
def benchmark_run(synthetic_root, tmp_path_factory):
    work = str(tmp_path_factory.mktemp('bench'))
    bench = load_tool('benchmark')
    results = bench.main(['--methods', 'maxiou,dal', '--data', synthetic_root, '--iters', '3',
                          '--work-dir', work, '--no-progress', '--pictures', '--cfg-options',
                          'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
                          'train_dataloader.persistent_workers=False',
                          'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False'])
    return work, results


def test_benchmark_writes_table_json_and_png(benchmark_run):
    work, results = benchmark_run
    data = json.load(open(osp.join(work, 'results.json')))
    assert [r['method'] for r in data['results']] == ['maxiou', 'dal']
    for r in data['results']:
        assert r['iters'] == 3 and len(r['losses']) == 3
        for key in ('AP50', 'AP75', 'mAP'):
            assert 0.0 <= r[key] <= 1.0
        assert r['train_seconds_per_iter'] > 0 and r['assign_ms_per_image'] > 0
        assert r['seed'] == 0 and len(r['positives_per_gt']) == 3
        assert all(p > 0 for p in r['positives_per_gt'])  # positives per GT of every iteration
        assert [c['iter'] for c in r['curve']] == [3]  # validated at the end
        assert set(r['per_class_AP50']) <= {'small-vehicle', 'large-vehicle', 'ship', 'bridge'}
    assert [s['method'] for s in data['summary']] == ['maxiou', 'dal']
    assert data['summary'][1]['deltas']['AP50'] == [pytest.approx(
        data['results'][1]['AP50'] - data['results'][0]['AP50'])]
    assert data['meta']['command'].startswith('python')
    assert is_png(osp.join(work, 'results.png'))
    import mmcv
    picture = mmcv.imread(osp.join(work, 'detections_seed0.png'))
    assert picture.shape == (28 + 512, 2 * 512 + 8, 3)  # two methods, 256 px drawn at 2x


def test_image_demo_draws_detections(benchmark_run, synthetic_root, tmp_path):
    import glob

    import mmcv
    import numpy as np
    import torch
    from mmengine.structures import InstanceData
    from mmdet.structures import DetDataSample
    from tests.conftest import CONFIGS
    from mmrotate_dal.apis.inference import draw_detections, load_detector
    work, _ = benchmark_run
    config = f'{CONFIGS}/baselines/rotated_retinanet_le90_cpu_small.py'
    ckpt = osp.join(work, 'maxiou_seed0', 'iter_3.pth')
    image = sorted(glob.glob(osp.join(synthetic_root, 'val', 'images', '*.png')))[0]
    tool = load_tool('image_demo')
    out = tmp_path / 'det.png'
    res = tool.main([config, ckpt, image, '--out', str(out), '--score-thr', '0'])
    assert is_png(out) and mmcv.imread(str(out)).shape == (256, 256, 3)
    assert res['detections'] == len(res['result'].pred_instances)

    # a known box is drawn where it is, and nothing far from it changes
    model = load_detector(config, ckpt)
    sample = DetDataSample()
    sample.pred_instances = InstanceData(bboxes=torch.tensor([[128., 128., 80., 30., 0.]]),
                                         scores=torch.tensor([0.9]), labels=torch.tensor([1]))
    drawn = draw_detections(model, image, sample, score_thr=0.5)
    original = mmcv.imread(image, channel_order='rgb')
    assert drawn.shape == original.shape
    assert np.abs(drawn[128, 86:90].astype(int) - original[128, 86:90]).max() > 30  # left edge
    assert np.array_equal(drawn[:60, :60], original[:60, :60])
    hidden = draw_detections(model, image, sample, score_thr=0.95)  # below the threshold
    assert np.array_equal(hidden, original)
    assert draw_detections(model, image, sample, 0.5, scale=2).shape == (512, 512, 3)

    with pytest.raises(FileNotFoundError, match='checkpoint'):
        load_detector(config, str(tmp_path / 'missing.pth'))
    with pytest.raises(FileNotFoundError, match='image'):
        tool.main([config, ckpt, str(tmp_path / 'missing.png')])
    with pytest.raises(SystemExit):
        tool.main([config, ckpt, image, '--score-thr', '2'])


def test_image_demo_detects_large_images_patch_by_patch(benchmark_run, synthetic_root,
                                                       tmp_path, capsys):
    import glob

    import mmcv
    import numpy as np
    import torch
    from mmdet.structures.bbox import get_box_tensor
    from tests.conftest import CONFIGS
    from mmrotate_dal.apis.inference import detect, detect_by_patches, load_detector
    work, _ = benchmark_run
    config = f'{CONFIGS}/baselines/rotated_retinanet_le90_cpu_small.py'
    ckpt = osp.join(work, 'maxiou_seed0', 'iter_3.pth')
    image = sorted(glob.glob(osp.join(synthetic_root, 'val', 'images', '*.png')))[0]
    options = {'model.test_cfg.score_thr': 0.0}
    model = load_detector(config, ckpt, cfg_options=options)
    # one window covering the whole (test-scale) image: the same detections as without patches
    whole = detect(model, image).pred_instances
    one = detect_by_patches(model, image, 256, 200, progress=False).pred_instances
    order_w, order_o = whole.scores.argsort(descending=True), one.scores.argsort(descending=True)
    k = min(20, len(whole))
    assert k > 0 and len(one) == len(whole)
    assert torch.allclose(get_box_tensor(one.bboxes)[order_o[:k]],
                          get_box_tensor(whole.bboxes)[order_w[:k]], atol=1e-3)
    # a 512 px image (the 256 px one tiled 2 x 2) goes by patches automatically, and boxes come
    # back in the full image's coordinates: every quadrant has detections
    big = str(tmp_path / 'big.png')
    tile = mmcv.imread(image)
    mmcv.imwrite(np.vstack([np.hstack([tile, tile]), np.hstack([tile, tile])]), big)
    tool = load_tool('image_demo')
    res = tool.main([config, ckpt, big, '--out', str(tmp_path / 'big_det.png'), '--score-thr',
                     '0', '--cfg-options', 'model.test_cfg.score_thr=0.0'])
    out = capsys.readouterr().out
    assert 'larger than the test scale 256' in out and 'patches' in out
    centres = get_box_tensor(res['result'].pred_instances.bboxes)[:, :2]
    quadrant = (centres[:, 0] >= 256).long() + 2 * (centres[:, 1] >= 256).long()
    assert set(quadrant.tolist()) == {0, 1, 2, 3}
    assert mmcv.imread(str(tmp_path / 'big_det.png')).shape == (512, 512, 3)
    res = tool.main([config, ckpt, big, '--no-patches', '--out', str(tmp_path / 'w.png')])
    assert 'larger than the test scale' not in capsys.readouterr().out
    for bad in (['--patch-size', '0'], ['--patch-step', '10']):
        with pytest.raises(SystemExit):
            tool.main([config, ckpt, big] + bad)
    with pytest.raises(ValueError, match='patch_step'):
        detect_by_patches(model, big, 256, 256)


def test_analyze_matching_side_by_side(benchmark_run, synthetic_root, tmp_path):
    work, _ = benchmark_run
    tool = load_tool('analyze_matching')
    from tests.conftest import CONFIGS
    stats = tool.main([f'{CONFIGS}/baselines/rotated_retinanet_le90_cpu_small.py',
                       osp.join(work, 'maxiou_seed0', 'iter_3.pth'), '--compare',
                       f'{CONFIGS}/dal/rotated_retinanet_dal_cpu_small.py',
                       osp.join(work, 'dal_seed0', 'iter_3.pth'), '--data', synthetic_root,
                       '--max-images', '2', '--out', str(tmp_path)])
    data = json.load(open(tmp_path / 'matching.json'))
    assert set(data['statistics']) == {'rotated_retinanet_le90_cpu_small',
                                       'rotated_retinanet_dal_cpu_small'}
    for s in stats.values():
        assert s['positives'] > 0 and s['anchors'] > s['overlapping_anchors'] > 0
        assert 0 <= s['pos_hq_share@0.5'] <= 1
    assert is_png(tmp_path / 'matching.png')


def test_assigner_benchmark(tmp_path):
    tool = load_tool('benchmark_assigners')
    rows = tool.main(['--gts', '8', '--repeat', '1', '--cases',
                      'maxiou-dense,maxiou-vectorised,dal-sparse,paa-sklearn,paa-batched,'
                      'gmm-sklearn,gmm-batched',
                      '--out', str(tmp_path / 'bench.json')])
    by_case = {r['case']: r for r in rows}
    assert 'error' not in str(rows)
    assert by_case['paa-batched']['identical_to'] == 'paa-sklearn'
    assert by_case['maxiou-vectorised']['identical_to'] == 'maxiou-dense'
    assert by_case['gmm-batched']['identical_to'] == 'gmm-sklearn'
    data = json.load(open(tmp_path / 'bench.json'))
    assert len(data['rows']) == 7 and all(r['seconds'] > 0 for r in data['rows'])


def test_gpu_check_logic_on_the_cpu(tmp_path):
    """tools/gpu_check.py's every section, at its --quick sizes on the CPU (on a GPU machine the
    same command without --device cpu --quick produces the report in docs/results.md)."""
    tool = load_tool('gpu_check')
    out = tmp_path / 'report.md'
    failures = tool.main(['--device', 'cpu', '--quick', '--out', str(out)])
    assert failures == 0
    text = out.read_text()
    for section in ('mmcv rotated ops', 'CPU vs device assignments', 'training steps',
                    '2-rank DDP, rank 1 without GT', 'dense vs sparse'):
        assert section in text
    timing = [line for line in text.splitlines() if line.startswith('| DAL |')]
    assert len(timing) == 4 and all('| True | True |' in line for line in timing)
    assert '0 failed checks' in text


def test_box_loss_benchmark_runs_every_loss(tmp_path):
    tool = load_tool('benchmark_box_losses')
    out = tmp_path / 'losses.json'
    res = tool.main(['--pairs', '32', '--repeat', '1', '--iters', '2', '--sweep', '20', '--out',
                     str(out)])
    assert [r['case'] for r in res['sweep']][:2] == ['identical', 'perturbed 1e-6']
    assert all(r['wrong/robust'] == 0 for r in res['sweep'])
    names = ['RotatedIoULoss', 'RotatedIoULoss-upstream', 'GDLoss-KLD']
    assert [(r['pairs'], r['loss']) for r in res['losses']] == [(32, n) for n in names]
    assert [r['loss'] for r in res['train_steps']] == names
    assert all(r['ms'] > 0 for r in res['losses'])
    assert all(r['step_s'] > 0 and r['iters'] == 1 for r in res['train_steps'])
    assert json.load(open(out))['meta']['command'].startswith('python tools/benchmark_box_losses')


def test_step_benchmark_times_methods_side_by_side(synthetic_root, tmp_path, capsys):
    tool = load_tool('benchmark_steps')
    out = tmp_path / 'steps.json'
    rows = tool.main(['--methods', 'p-maxiou,p-s3fd', '--iters', '3', '--warmup', '1',
                      '--profile', '5', '--data', synthetic_root, '--out', str(out)])
    assert [r['method'] for r in rows] == ['p-maxiou', 'p-s3fd']
    assert all(r['iters'] == 2 and r['step_s'] > 0 and r['assign_ms_per_image'] > 0 for r in rows)
    assert all(len(r['profile']) == 5 and r['profile'][0]['own_s'] > 0 for r in rows)
    assert '| p-maxiou |' in capsys.readouterr().out
    assert json.load(open(out))['meta']['baseline'] == 'p-maxiou'
    with pytest.raises(SystemExit):
        tool.main(['--methods', 'p-maxiou', '--iters', '1'])
