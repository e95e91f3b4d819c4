"""Training progress from the MessageHub, the shared linear ramp, and the epoch-progress guard."""
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.structures import InstanceData

from mmrotate_dal.models.task_modules.assigners import DALAssigner, scheduled_alpha
from mmrotate_dal.utils import get_train_progress, linear_ramp


@pytest.fixture
def hub():
    hub = MessageHub.get_instance('test_progress_hub')
    MessageHub._instance_dict.move_to_end('test_progress_hub')  # make it the current instance
    yield hub
    for key in ('loop_stage', 'iter', 'max_iters', 'epoch', 'max_epochs'):
        hub.runtime_info.pop(key, None)


def test_linear_ramp_values():
    assert [linear_ramp(p, 0.1, 0.3) for p in (0.0, 0.0999, 0.1, 0.2, 0.25, 0.3, 0.9)] == \
        pytest.approx([0, 0, 0, 0.5, 0.75, 1, 1])
    assert linear_ramp(None, 0.1, 0.3) == 1.0
    # dal.md's checked alpha values: p = 0.15 -> 0.825, 0.2 -> 0.65, 0.25 -> 0.475
    assert [scheduled_alpha(0.3, (0.1, 0.3), p) for p in (0.15, 0.2, 0.25)] == \
        pytest.approx([0.825, 0.65, 0.475])


def test_iter_progress_and_epoch_progress(hub):
    hub.update_info('loop_stage', 'train')
    hub.update_info('iter', 30)
    hub.update_info('max_iters', 120)
    hub.update_info('epoch', 3)
    hub.update_info('max_epochs', 12)
    assert get_train_progress('iter') == pytest.approx(0.25)
    assert get_train_progress('epoch') == pytest.approx(0.25)
    hub.update_info('loop_stage', 'val')
    assert get_train_progress('iter') is None


def test_epoch_progress_under_an_iteration_loop_raises(hub):
    # what mmengine's RuntimeInfoHook writes for an IterBasedTrainLoop: max_epochs 1, epoch 0
    hub.update_info('loop_stage', 'train')
    hub.update_info('iter', 500)
    hub.update_info('max_iters', 1000)
    hub.update_info('epoch', 0)
    hub.update_info('max_epochs', 1)
    with pytest.raises(ValueError, match="progress_by='iter'"):
        get_train_progress('epoch')
    assigner = DALAssigner(progress_by='epoch')
    box = torch.tensor([[50., 50., 20., 10., 0.]])
    with pytest.raises(ValueError, match='IterBasedTrainLoop'):
        assigner.assign(InstanceData(priors=box, bboxes=box),
                        InstanceData(bboxes=box, labels=torch.tensor([0])))
    # the iteration default is unaffected: alpha at progress 0.5 is the final 0.3
    assert DALAssigner().current_alpha() == pytest.approx(0.3)
