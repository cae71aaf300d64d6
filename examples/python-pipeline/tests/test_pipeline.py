"""The Python pipeline against cube-jobs: a build that succeeds (with its progress queried while it
runs), a build that fails, an invalid input and a Cube outage, each reaching the Python caller as a
distinct error type, through a child workflow and through Nexus from another namespace."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError

from pipeline.workflows import NightlyPipeline, NightlyPipelineOverNexus, PipelineInput, PipelineResult

from .conftest import PIPELINE_TASK_QUEUE, Setup

WAYS = ["child", "nexus"]

# One event loop for the session: the workers and clients of `setup` live in it.
pytestmark = pytest.mark.asyncio(loop_scope="session")


async def run_pipeline(setup: Setup, way: str, pipeline: PipelineInput) -> PipelineResult:
    """Runs the pipeline one way: a child workflow in cube-jobs' namespace, or Nexus from the caller's."""
    workflow_id = f"python-pipeline-{way}-{uuid.uuid4().hex[:8]}"
    if way == "child":
        return await setup.cube_jobs.execute_workflow(
            NightlyPipeline.run, pipeline, id=workflow_id, task_queue=PIPELINE_TASK_QUEUE
        )
    return await setup.caller.execute_workflow(
        NightlyPipelineOverNexus.run, pipeline, id=workflow_id, task_queue=PIPELINE_TASK_QUEUE
    )


async def failure_of(setup: Setup, way: str, pipeline: PipelineInput) -> ApplicationError:
    """The pipeline's failure: the `ApplicationError` it ended with."""
    with pytest.raises(WorkflowFailureError) as raised:
        await run_pipeline(setup, way, pipeline)
    cause = raised.value.cause
    assert isinstance(cause, ApplicationError), repr(cause)
    return cause


async def progress_while_running(client: Client, query: str) -> dict[str, Any]:
    """The `getBuildProgress` answer of the first running build the visibility query finds."""
    for _ in range(200):
        async for execution in client.list_workflows(query):
            progress = await client.get_workflow_handle(execution.id).query("getBuildProgress")
            if progress["phase"] == "waiting":
                return progress
        await asyncio.sleep(0.05)
    raise AssertionError(f"no running build matched {query}")


@pytest.mark.parametrize("way", WAYS)
async def test_a_build_succeeds_with_its_tables_and_answers_progress_queries(setup: Setup, way: str) -> None:
    tenant = f"acme-{way}-{uuid.uuid4().hex[:6]}"
    pipeline = PipelineInput(
        day="2024-02-15", tenants=[tenant], cube_jobs_task_queue=setup.task_queue, nexus_endpoint=setup.endpoint
    )
    running = asyncio.create_task(run_pipeline(setup, way, pipeline))
    progress = await progress_while_running(
        setup.cube_jobs, "WorkflowType = 'buildPreAggregations' AND ExecutionStatus = 'Running'"
    )
    assert progress["phase"] == "waiting"
    assert progress["triggers"] == 1
    assert sum(progress["counts"].values()) == len(progress["jobs"]) > 0

    result = await running
    assert result.jobs_built == 1
    assert result.tables[0].startswith("prod_pre_aggregations.orders_by_month20240201_")


@pytest.mark.parametrize("way", WAYS)
async def test_a_failed_build_reaches_the_caller_with_every_failed_partition(setup: Setup, way: str) -> None:
    pipeline = PipelineInput(
        day="2024-02-10",
        tenants=["acme", "globex"],
        pre_aggregations=["broken.broken_rollup"],
        cube_jobs_task_queue=setup.task_queue,
        nexus_endpoint=setup.endpoint,
    )
    failure = await failure_of(setup, way, pipeline)
    assert failure.type == "PipelineBuildFailed"
    tables = failure.details[0]["failedTables"]
    assert len(tables) == 2  # February, for each tenant
    assert all("broken_broken_rollup20240201" in table for table in tables)
    assert "(failure: " in failure.message


@pytest.mark.parametrize(
    "way, expected_type",
    [("child", "CubeJobsValidationError"), ("nexus", "NexusHandlerError.BAD_REQUEST")],
)
async def test_an_invalid_input_is_refused_naming_the_field(setup: Setup, way: str, expected_type: str) -> None:
    pipeline = PipelineInput(
        day="2024-02-31", tenants=[], cube_jobs_task_queue=setup.task_queue, nexus_endpoint=setup.endpoint
    )
    failure = await failure_of(setup, way, pipeline)
    assert failure.type == expected_type
    assert "input.selector.contexts" in failure.message


async def test_a_cube_outage_reaches_the_caller_as_a_connection_error(setup: Setup) -> None:
    """Both ways at once: the trigger is retried for about a minute before the build gives up."""

    async def outage(way: str) -> ApplicationError:
        pipeline = PipelineInput(
            day="2024-03-05",
            tenants=[f"initech-{way}"],
            cube_jobs_task_queue=setup.down_task_queue,
            nexus_endpoint=setup.down_endpoint,
            deadline=None,
        )
        return await failure_of(setup, way, pipeline)

    for failure in await asyncio.gather(*(outage(way) for way in WAYS)):
        assert failure.type == "CubeJobsConnectionError"
        assert "Could not reach Cube" in failure.message
