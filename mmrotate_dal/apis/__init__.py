from .benchmark import METHODS, markdown_table, method_config, plot, run_method, write_json
from .config import dota_class_names, load_config, set_classes, set_max_iters
from .dist import setup_cpu_distributed

__all__ = ['dota_class_names', 'load_config', 'set_classes', 'set_max_iters', 'setup_cpu_distributed', 'METHODS', 'method_config', 'run_method',
           'markdown_table', 'plot', 'write_json']
