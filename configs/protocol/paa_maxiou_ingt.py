# Protocol ablation: ./paa_maxiou.py with the max-IoU 0.1 pool restricted to anchors centred inside
# their GT (35-43% of the official pool's positives are centred outside thin rotated objects).
_base_ = './paa_maxiou.py'
model = dict(train_cfg=dict(assigner=dict(pool_center_in_gt=True)))
