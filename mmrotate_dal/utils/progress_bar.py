"""The one progress bar of the tools: live on a terminal, a line every 5% in a log."""
import sys
from typing import Optional


class ProgressBar:
    """A rich progress bar (description, bar, M/N, elapsed, ETA, optional loss).

    On a terminal it redraws live; on any other stream (a log file, a pipe) it prints the bar as
    one line of text every 5% of the total and at the end.

    Args:
        total (int): number of steps.
        description (str): label in front of the bar.
        stream: where it writes (default stdout).
        show_loss (bool): add a ``loss`` column, set through :meth:`update`.
    """

    def __init__(self, total: int, description: str, stream=None, show_loss: bool = False):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)
        console = Console(file=stream or sys.stdout)
        if not console.is_terminal:  # a log: wide enough for one line per report
            console.width = 100
        columns = [TextColumn('  {task.description}'), BarColumn(bar_width=24),
                   MofNCompleteColumn()]
        if show_loss:
            columns.append(TextColumn('loss {task.fields[loss]:.3f}'))
        columns += [TimeElapsedColumn(), TextColumn('eta'), TimeRemainingColumn()]
        self.total = max(int(total), 1)
        self.bar = Progress(*columns, console=console, auto_refresh=console.is_terminal)
        self.task = self.bar.add_task(description, total=self.total, loss=float('nan'))
        self.done = 0
        self.live = console.is_terminal
        if self.live:
            self.bar.start()

    def update(self, done: int, loss: Optional[float] = None) -> None:
        """Set the number of finished steps (and the loss column)."""
        if self.bar is None:
            return
        self.done = done
        fields = {} if loss is None else dict(loss=loss)
        self.bar.update(self.task, completed=done, **fields)
        if not self.live and (done % max(1, self.total // 20) == 0 or done >= self.total):
            self.bar.console.print(self.bar.make_tasks_table(self.bar.tasks))
        if done >= self.total:
            self.stop()

    def advance(self, steps: int = 1) -> None:
        self.update(self.done + steps)

    def stop(self) -> None:
        if self.bar is not None and self.live:
            self.bar.stop()
        self.bar = None
