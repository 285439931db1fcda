"""Tasks for the worker's tests: each leaves a file behind, something to see."""

import time
from pathlib import Path

from django_tasks import task


@task()
def leave_file(*, path: str, sleep: float = 0) -> str:
    """Wait `sleep` seconds, then write the file (a long task can be killed)."""
    time.sleep(sleep)
    Path(path).write_text("done")
    return path
