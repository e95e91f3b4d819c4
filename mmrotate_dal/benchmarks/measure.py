"""Run a callable in a fresh process and report its wall time and peak extra resident memory."""
import multiprocessing as mp
import os
import statistics
import time
from typing import Any, Callable, Dict, Optional


def status_kb(field: str) -> int:
    """A memory field of /proc/self/status (``VmRSS``, ``VmHWM``) in kB, 0 where unavailable."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_peak_rss() -> bool:
    """Reset the process's peak resident memory (VmHWM) to its current value; False if the
    kernel does not allow it."""
    try:  # give freed heap back first, so that the peak measures this call's allocations
        import ctypes
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')  # resets VmHWM (peak RSS) to the current RSS
        return True
    except OSError:
        return False


def _child(setup, run, repeat, conn):
    try:
        import torch
        torch.set_num_threads(int(os.environ.get('BENCH_THREADS', torch.get_num_threads())))
        state = setup()
        run(state)  # warm-up (imports, allocator)
        times, peaks = [], []
        for _ in range(repeat):
            exact = reset_peak_rss()
            before = status_kb('VmRSS')
            start = time.perf_counter()
            out = run(state)
            times.append(time.perf_counter() - start)
            peaks.append((status_kb('VmHWM') - before) / 1024 if exact else float('nan'))
        conn.send(dict(seconds=statistics.median(times), peak_mb=max(peaks), output=out))
    except BaseException as e:  # report, do not hang the parent
        conn.send(dict(error=f'{type(e).__name__}: {e}'))
    finally:
        conn.close()


def measure(setup: Callable[[], Any], run: Callable[[Any], Any], repeat: int = 3,
            timeout: Optional[float] = None) -> Dict[str, Any]:
    """Median time of ``run(setup())`` over ``repeat`` calls after a warm-up, in a new process.

    ``setup`` and ``run`` must be picklable (module-level functions or ``functools.partial``).

    Returns:
        dict: ``seconds`` (median), ``peak_mb`` (largest rise of the process's peak resident memory
        above its resident memory at the call's start; NaN where /proc/self/clear_refs is not
        writable) and ``output`` (the last call's return value), or ``error``.
    """
    ctx = mp.get_context('spawn')
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(setup, run, repeat, child))
    proc.start()
    child.close()
    if not parent.poll(timeout):
        proc.kill()
        return dict(error=f'timed out after {timeout} s')
    result = parent.recv()
    proc.join()
    return result
