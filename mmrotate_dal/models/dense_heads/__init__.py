from .dal_retina_head import DALRetinaHead

__all__ = ['DALRetinaHead']
