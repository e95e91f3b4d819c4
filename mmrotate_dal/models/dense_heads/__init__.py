from .dal_retina_head import DALRetinaHead
from .dal_rotated_atss_head import DALRotatedATSSHead
from .dal_s2a_head import DALS2AHead
from .dal_s2a_refine_head import DALS2ARefineHead
from .dsl_retina_head import DSLRetinaHead
from .hambox_retina_head import HAMBoxRetinaHead
from .level_aware_retina_head import LevelAwareRetinaHead
from .prediction_aware_retina_head import PredictionAwareRetinaHead
from .rotated_paa_head import RotatedPAAHead
from .rotated_score_voting import align_to_angle, rotated_score_voting

__all__ = ['DALRetinaHead', 'DALRotatedATSSHead', 'DALS2AHead', 'DALS2ARefineHead', 'DSLRetinaHead',
           'HAMBoxRetinaHead', 'LevelAwareRetinaHead', 'PredictionAwareRetinaHead',
           'RotatedPAAHead', 'align_to_angle', 'rotated_score_voting']
