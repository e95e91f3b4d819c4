"""Benchmark bookkeeping: stored results, skip-on-rerun, mean +- std and per-seed deltas."""
import json
import statistics

import pytest

from mmrotate_dal.apis import (PROTOCOLS, load_result, method_config, save_result, summarize,
                               summary_table)
from tests.utils.test_compat import load_tool


def fake(method, seed, ap50, ap75, m, iters=10):
    return dict(method=method, seed=seed, iters=iters, AP50=ap50, AP75=ap75, mAP=m,
                train_seconds_per_iter=0.5, assign_ms_per_image=2.0, peak_rss_mb=100.0,
                wall_seconds=5.0, losses=[1.0, 0.5], curve=[dict(iter=iters, AP50=ap50,
                                                                 AP75=ap75, mAP=m)],
                positives_per_gt=[2.0, 2.5])


def test_summarize_mean_std_and_per_seed_deltas():
    results = [fake('base', 0, 0.50, 0.10, 0.20), fake('base', 1, 0.60, 0.20, 0.30),
               fake('base', 2, 0.55, 0.15, 0.25), fake('new', 0, 0.58, 0.16, 0.21),
               fake('new', 2, 0.57, 0.25, 0.31), fake('new', 1, 0.59, 0.21, 0.29)]
    rows = {r['method']: r for r in summarize(results, 'base')}
    assert rows['base']['seeds'] == [0, 1, 2] and rows['base']['deltas'] == {}
    assert rows['new']['AP50_mean'] == pytest.approx(0.58)
    assert rows['new']['AP50_std'] == pytest.approx(statistics.stdev([0.58, 0.59, 0.57]))
    assert rows['base']['AP75_std'] == pytest.approx(0.05)
    # deltas are paired by seed (seed order), not by position in the list
    assert rows['new']['deltas']['AP50'] == pytest.approx([0.08, -0.01, 0.02])
    assert rows['new']['deltas']['AP75'] == pytest.approx([0.06, 0.01, 0.10])
    table = summary_table(list(rows.values()), 'base')
    assert '| new | 0,1,2 | 58.0 ± 1.0 |' in table
    assert '+8.0 / -1.0 / +2.0' in table


def test_single_seed_has_zero_std_and_missing_baseline_seed_gives_no_delta():
    rows = {r['method']: r for r in summarize(
        [fake('base', 0, 0.5, 0.1, 0.2), fake('new', 1, 0.6, 0.2, 0.3)], 'base')}
    assert rows['new']['AP50_std'] == 0.0
    assert rows['new']['deltas']['AP50'] == []


def test_protocols_name_existing_configs_and_include_their_baseline():
    for name, proto in PROTOCOLS.items():
        assert proto['baseline'] in proto['methods'], name
        for method in proto['methods']:
            method_config(method)


def test_rerun_skips_stored_results(tmp_path, monkeypatch):
    bench = load_tool('benchmark')
    calls = []

    def run_method(name, work_dir, data, iters, seed, progress, cfg_options, classes):
        calls.append((name, seed))
        return fake(name, seed, 0.5 + seed / 100, 0.1, 0.2, iters=iters)

    import mmrotate_dal.apis as apis
    monkeypatch.setattr(apis, 'run_method', run_method)
    monkeypatch.setattr(apis, 'plot', lambda results, path: None)
    data = tmp_path / 'data'
    for split in ('train', 'val'):
        (data / split / 'labelTxt').mkdir(parents=True)
    (data / 'train' / 'labelTxt' / 'a.txt').write_text('0 0 4 0 4 4 0 4 ship 0\n')
    argv = ['--methods', 'p-maxiou,p-dal', '--seeds', '0,1', '--iters', '10', '--data', str(data),
            '--results-dir', str(tmp_path / 'res'), '--work-dir', str(tmp_path / 'work')]
    bench.main(argv)
    assert calls == [('p-maxiou', 0), ('p-dal', 0), ('p-maxiou', 1), ('p-dal', 1)]
    assert load_result(str(tmp_path / 'res'), 'p-dal', 1)['AP50'] == pytest.approx(0.51)
    bench.main(argv)  # everything stored: nothing runs
    assert len(calls) == 4
    bench.main(argv[:3] + ['0,1,2'] + argv[4:])  # a new seed runs only that seed
    assert calls[4:] == [('p-maxiou', 2), ('p-dal', 2)]
    bench.main(argv[:5] + ['20'] + argv[6:])  # another schedule is another run
    assert calls[6:] == [('p-maxiou', 0), ('p-dal', 0), ('p-maxiou', 1), ('p-dal', 1)]
    summary = json.load(open(tmp_path / 'res' / 'results.json'))['summary']
    assert [r['method'] for r in summary] == ['p-maxiou', 'p-dal']


def test_save_result_is_atomic_and_keyed_by_method_and_seed(tmp_path):
    path = save_result(str(tmp_path), fake('m', 3, 0.1, 0.2, 0.3), dict(command='x'))
    assert path.endswith('m_seed3.json')
    assert not list(tmp_path.glob('*.tmp'))
    assert load_result(str(tmp_path), 'm', 3)['mAP'] == 0.3
    assert load_result(str(tmp_path), 'm', 4) is None


@pytest.mark.parametrize('argv,match', [(['--seeds', '0,x'], 'integers'),
                                        (['--seeds', '1,1'], 'distinct'),
                                        (['--seed', '1', '--seeds', '2'], 'not both'),
                                        (['--methods', 'p-dal', '--baseline', 'maxiou'],
                                         'baseline')])
def test_bad_arguments(argv, match, capsys):
    bench = load_tool('benchmark')
    with pytest.raises(SystemExit):
        bench.parse_args(argv)
    assert match in capsys.readouterr().err


def test_protocol_report_tables(tmp_path):
    for method, seed, ap in (('base', 0, 0.5), ('base', 1, 0.6), ('new', 0, 0.7), ('new', 1, 0.9)):
        r = fake(method, seed, ap, ap / 2, ap / 3)
        r['per_class_AP50'] = {'ship': ap, 'bridge': ap / 4}
        r['metrics'] = {'dota/AP75_ship': ap / 2, 'dota/AP75_bridge': 0.0}
        r['positives_per_gt'] = [1.0] * 10 + [2.0] * 20 + [4.0] * 70
        save_result(str(tmp_path), r)
    text = load_tool('protocol_report').main([str(tmp_path), '--baseline', 'base'])
    assert '| new | 0,1 | 80.0 ± 14.1 |' in text
    assert '+20.0 / +30.0' in text  # per-seed AP50 deltas
    assert '| new | 80.0 / 40.0 | 20.0 / 0.0 |' in text  # per-class AP50 / AP75
    assert '| base | 1.00 | 2.00 | 4.00 |' in text  # positives per GT by schedule window
    assert '| iter 10 |' in text


def _fake_data(tmp_path):
    data = tmp_path / 'data'
    for split in ('train', 'val'):
        (data / split / 'labelTxt').mkdir(parents=True)
    (data / 'train' / 'labelTxt' / 'a.txt').write_text('0 0 4 0 4 4 0 4 ship 0\n')
    return data


def test_jobs_train_missing_runs_in_child_processes(tmp_path, monkeypatch, capsys):
    """--jobs N: one child `benchmark.py` per missing (method, seed), one torch thread each; the
    parent then reads the stored results. A failed child fails the command with its log."""
    import subprocess

    from mmengine.config import DictAction
    bench = load_tool('benchmark')
    import mmrotate_dal.apis as apis
    monkeypatch.setattr(apis, 'plot', lambda results, path: None)
    monkeypatch.setattr(apis, 'run_method', lambda *a, **k: pytest.fail('ran in the parent'))
    res = tmp_path / 'res'
    save_result(str(res), fake('p-maxiou', 0, 0.5, 0.1, 0.2, iters=10))  # stored: not rerun
    calls = []

    class Child:  # stands in for subprocess.Popen: one child run, its output, its exit code
        def __init__(self, cmd, env, stdout, stderr, text):
            child = bench.parse_args(cmd[2:])
            assert child.no_summary and not child.pictures and text
            calls.append((child.method_list, child.seed_list, env['OMP_NUM_THREADS'],
                          child.cfg_options, child.iters))
            self.stdout = iter(['child log line\n'])
            self.code = 0
            if child.method_list == ['p-s3fd'] and child.seed_list == [1]:
                self.code = 3
            else:
                save_result(child.results_dir, fake(child.method_list[0], child.seed_list[0],
                                                    0.6, 0.2, 0.3, iters=child.iters))

        def wait(self):
            return self.code

    monkeypatch.setattr(subprocess, 'Popen', Child)
    argv = ['--methods', 'p-maxiou,p-s3fd', '--seeds', '0,1', '--iters', '10', '--jobs', '2',
            '--data', str(_fake_data(tmp_path)), '--results-dir', str(res),
            '--work-dir', str(tmp_path / 'work'), '--cfg-options', 'a.b=3', 'c=[1,2]']
    with pytest.raises(SystemExit, match='1 of 3 run'):
        bench.main(argv)
    expected_opts = {'a.b': 3, 'c': [1, 2]}
    assert sorted(c[:2] for c in calls) == [(['p-maxiou'], [1]), (['p-s3fd'], [0]),
                                            (['p-s3fd'], [1])]
    assert all(c[2] == '1' and c[3] == expected_opts and c[4] == 10 for c in calls)
    assert (tmp_path / 'work' / 'logs' / 'p-s3fd_seed1.log').read_text() == 'child log line\n'
    assert '[p-s3fd seed 1] child log line' in capsys.readouterr().out
    assert load_result(str(res), 'p-s3fd', 0)['AP50'] == 0.6
    calls.clear()
    save_result(str(res), fake('p-s3fd', 1, 0.7, 0.2, 0.3, iters=10))  # the run, done later
    results = bench.main(argv)  # everything stored now: no child, just the table
    assert calls == []
    assert sorted((r['method'], r['seed']) for r in results) == [
        ('p-maxiou', 0), ('p-maxiou', 1), ('p-s3fd', 0), ('p-s3fd', 1)]
    assert DictAction  # the child parses --cfg-options with mmengine's own action
    with pytest.raises(SystemExit):
        bench.parse_args(['--jobs', '0'])


def test_protocol_report_adds_the_second_baseline_of_the_assign_protocol(tmp_path):
    for method, ap in (('p-maxiou', 0.5), ('p-atss-retina', 0.7), ('p-dal', 0.8)):
        for seed in (0, 1):
            save_result(str(tmp_path), fake(method, seed, ap + seed / 100, ap / 2, ap / 3))
    text = load_tool('protocol_report').main([str(tmp_path)])
    assert 'ΔAP50 per seed vs p-maxiou' in text and 'Per-seed deltas against p-atss-retina' in text
    assert 'ΔAP50 per seed vs p-atss-retina' in text
    assert '+10.0 / +10.0' in text  # p-dal vs p-atss-retina, AP50 per seed


def test_demo_defaults_to_the_protocol_schedule_and_two_jobs(monkeypatch):
    bench = load_tool('benchmark')
    monkeypatch.setattr(bench.os, 'cpu_count', lambda: 2)
    args = bench.parse_args([])
    assert (args.method_list, args.iters, args.jobs) == (['p-maxiou', 'p-dal'], 1200, 2)
    assert args.cfg_options == {'train_cfg.val_interval': 1200}  # validated once, at the end
    monkeypatch.setattr(bench.os, 'cpu_count', lambda: 1)
    assert bench.parse_args([]).jobs == 1
    assert bench.parse_args(['--jobs', '1']).jobs == 1
    assert bench.parse_args(['--methods', 'p-dal']).jobs == 1
