from .benchmark import (METHODS, PROTOCOLS, load_result, markdown_table, method_config, plot,
                        result_path, run_method, save_result, summarize, summary_table, write_json)
from .config import (dota_class_names, drop_pretrained, load_config, set_classes,
                     set_max_iters)
from .dist import setup_cpu_distributed

__all__ = [
    'dota_class_names', 'drop_pretrained', 'load_config', 'set_classes', 'set_max_iters', 'setup_cpu_distributed',
    'METHODS', 'PROTOCOLS', 'method_config', 'run_method', 'result_path', 'save_result',
    'load_result', 'summarize', 'summary_table', 'markdown_table', 'plot', 'write_json'
]
