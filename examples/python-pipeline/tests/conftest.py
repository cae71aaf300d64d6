"""Workers of the Python pipeline, against the Temporal server and cube-jobs worker the harness started.

`npm run example:python` (scripts/run-python-example.mjs) starts a Temporal dev server, the fake Cube,
the cube-jobs worker (with its Nexus service) and the Nexus endpoints, and passes them in the
environment below. The pipeline's workers run here: one in cube-jobs' namespace (child workflows by
name only reach a task queue of the same namespace), one in another namespace (Nexus).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.worker import Worker

from pipeline.workflows import NightlyPipeline, NightlyPipelineOverNexus

PIPELINE_TASK_QUEUE = "python-pipeline"


@dataclass
class Setup:
    """What the harness started, and clients of both namespaces."""

    cube_jobs: Client
    """A client of cube-jobs' namespace."""
    caller: Client
    """A client of the caller's namespace (Nexus)."""
    task_queue: str
    """The cube-jobs worker's task queue (Cube up)."""
    down_task_queue: str
    """A cube-jobs worker whose Cube is unreachable."""
    endpoint: str
    """The Nexus endpoint that targets the cube-jobs worker."""
    down_endpoint: str
    """The Nexus endpoint that targets the worker whose Cube is unreachable."""


@pytest_asyncio.fixture(scope="session")
async def setup() -> AsyncIterator[Setup]:
    address = os.environ["TEMPORAL_ADDRESS"]
    cube_jobs = await Client.connect(address, namespace=os.environ.get("CUBE_JOBS_NAMESPACE", "default"))
    caller = await Client.connect(address, namespace=os.environ["CALLER_NAMESPACE"])
    workers = [
        Worker(cube_jobs, task_queue=PIPELINE_TASK_QUEUE, workflows=[NightlyPipeline]),
        Worker(caller, task_queue=PIPELINE_TASK_QUEUE, workflows=[NightlyPipelineOverNexus]),
    ]
    running = [asyncio.create_task(worker.run()) for worker in workers]
    try:
        yield Setup(
            cube_jobs=cube_jobs,
            caller=caller,
            task_queue=os.environ["CUBE_JOBS_TASK_QUEUE"],
            down_task_queue=os.environ["CUBE_JOBS_DOWN_TASK_QUEUE"],
            endpoint=os.environ["NEXUS_ENDPOINT"],
            down_endpoint=os.environ["NEXUS_ENDPOINT_DOWN"],
        )
    finally:
        for worker in workers:
            await worker.shutdown()
        await asyncio.gather(*running, return_exceptions=True)


_exit_status = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Leaves without finalizing the interpreter, once pytest has reported.

    temporalio's native runtime threads can still call into Python while the interpreter finalizes,
    which aborts it ("Fatal Python error: PyGILState_Release ... finalizing") after every test passed,
    and turns a green run red. The results are reported by now: exit with pytest's status directly.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status)
