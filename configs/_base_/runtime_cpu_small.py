# MMRotate's default runtime with iteration-based logging and checkpoints for short CPU runs.
_base_ = 'mmrotate::_base_/default_runtime.py'
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=600, max_keep_ckpts=1))
log_processor = dict(type='LogProcessor', window_size=20, by_epoch=False)
