"""The benchmark's timing wrapper keeps the assigner's call convention and counts positives."""
import inspect
import types

import torch
from mmengine.structures import InstanceData

from mmrotate.registry import TASK_UTILS
from mmrotate.structures.bbox import RotatedBoxes
from mmrotate_dal.engine import TrainingRecorderHook
from mmrotate_dal.models.task_modules.assign_call import assign_with_levels


def atss_scene():
    levels = []
    for stride in (8, 16):
        n = 64 // stride
        c = (torch.arange(n) + 0.5) * stride
        cy, cx = torch.meshgrid(c, c, indexing='ij')
        levels.append(torch.stack([cx.flatten(), cy.flatten(), torch.full((n * n, ), 4. * stride),
                                   torch.full((n * n, ), 4. * stride), torch.zeros(n * n)], 1))
    gts = InstanceData(bboxes=RotatedBoxes(torch.tensor([[20., 20., 24., 12., 0.3],
                                                     [44., 40., 30., 10., -0.5]])),
                       labels=torch.tensor([0, 1]))
    return RotatedBoxes(torch.cat(levels)), gts, [len(lvl) for lvl in levels]


def test_wrapped_atss_assigner_still_gets_level_counts_positionally():
    priors, gts, num_level = atss_scene()
    assigner = TASK_UTILS.build(dict(type='RotatedATSSAssigner', topk=9,
                                       iou_calculator=dict(type='SparseRBboxOverlaps2D')))
    pred = InstanceData(priors=priors, bboxes=priors.clone(), scores=torch.zeros(len(priors), 2))
    expected = assign_with_levels(assigner, pred, gts, None, num_level)
    assert (expected.gt_inds > 0).sum() > 0

    recorder = TrainingRecorderHook(progress=False)
    model = torch.nn.Module()
    model.assigner = assigner
    recorder.before_train(types.SimpleNamespace(model=model))
    assert 'num_level_priors' in inspect.signature(assigner.assign).parameters
    got = assign_with_levels(assigner, pred, gts, None, num_level)
    assert torch.equal(got.gt_inds, expected.gt_inds)
    assert recorder.assign_calls == 1 and recorder.assign_seconds > 0
    assert recorder.iter_positives == int((expected.gt_inds > 0).sum())
    assert recorder.iter_gts == 2


def test_progress_prints_rich_columns_with_eta_to_a_log(tmp_path):
    """Not a terminal: the bar's columns (count, loss, elapsed, ETA) as a line every 5%."""
    import io
    stream = io.StringIO()
    recorder = TrainingRecorderHook(progress=True, stream=stream, description='p-dal seed 0')
    runner = types.SimpleNamespace(model=torch.nn.Module(), max_iters=40, iter=0)
    recorder.before_train(runner)
    for i in range(40):
        runner.iter = i
        recorder.before_train_iter(runner, i)
        recorder.after_train_iter(runner, i, outputs=dict(loss=torch.tensor(1.0 / (i + 1))))
    recorder.after_run(runner)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 20  # every 2 of 40 iterations
    assert 'p-dal seed 0' in lines[0] and ' 2/40' in lines[0] and 'loss 0.500' in lines[0]
    assert '40/40' in lines[-1] and 'loss 0.025' in lines[-1]
    import re
    assert all(re.search(r'loss \d\.\d{3} \d+:\d\d:\d\d eta (\d+:\d\d:\d\d|-:--:--)$', line)
               for line in lines)  # elapsed, then ETA
    assert not any('[#' in line for line in lines)  # no hand-drawn bar
