"""A Python data pipeline that rebuilds Cube pre-aggregations through cube-jobs, two ways.

``NightlyPipeline`` runs cube-jobs' ``buildPreAggregations`` workflow as a child, by name, on the
cube-jobs worker's task queue: the caller lives in the same namespace. ``NightlyPipelineOverNexus``
calls the ``cube-jobs`` Nexus service instead, through an endpoint: the caller may live in any
namespace (another team's). Both read the typed result, turn a failed build into the pipeline's own
failure naming every failed partition, and let other failures through with their type.

The names and shapes used here are cube-jobs' contract (``packages/temporal-workflows/contract/``):
the input and result are plain JSON (durations as strings such as ``"2 hours"``), and a build fails with
an ``ApplicationError`` whose ``type`` says why and whose ``details[0]`` carries the jobs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import nexusrpc
from temporalio import workflow
from temporalio.exceptions import ApplicationError, ChildWorkflowError, NexusOperationError

BUILD_WORKFLOW = "buildPreAggregations"
"""The build workflow's type name (contract: ``workflowType``)."""
NEXUS_SERVICE = "cube-jobs"
"""The Nexus service's name (contract: ``nexusService``)."""
BUILD_FAILED = "PreAggregationBuildFailedError"
"""The failure type of a build whose jobs failed; ``details[0].failedJobs`` lists them."""


@dataclass
class PipelineInput:
    """What the pipeline loads and rebuilds."""

    day: str
    """The day whose data was loaded, ``YYYY-MM-DD``; its month's partition is rebuilt."""
    tenants: list[str]
    """One security context per tenant."""
    pre_aggregations: list[str] = field(default_factory=lambda: ["orders.by_month"])
    cube_jobs_task_queue: str = "cube-jobs"
    """The cube-jobs worker's task queue (child workflow)."""
    nexus_endpoint: str = "cube-jobs"
    """The Nexus endpoint that targets the cube-jobs worker (Nexus)."""
    deadline: str | None = "2 hours"
    """How long the build may take, trigger included (a refused trigger is retried until then); None: no
    deadline, and a trigger Cube keeps refusing fails after about a minute of retries."""


@dataclass
class PipelineResult:
    """What the pipeline built."""

    jobs_built: int
    tables: list[str]


def build_input(pipeline: PipelineInput) -> dict[str, Any]:
    """The build's input, as the contract's ``build-input.schema.json`` describes it."""
    month = pipeline.day[:7]
    return {
        "selector": {
            "contexts": [{"securityContext": {"tenant": tenant}} for tenant in pipeline.tenants],
            "timezones": ["UTC"],
            "preAggregations": pipeline.pre_aggregations,
            "dateRange": [f"{month}-01", pipeline.day],
        },
        "wait": {"deadline": pipeline.deadline} if pipeline.deadline else {},
    }


def result_of(build: dict[str, Any]) -> PipelineResult:
    """The pipeline's result from the build's (contract: ``build-result.schema.json``)."""
    return PipelineResult(jobs_built=len(build["jobs"]), tables=[job["table"] for job in build["jobs"]])


def pipeline_failure(cause: BaseException | None) -> ApplicationError:
    """The pipeline's failure for the build's: a failed build names every failed partition."""
    if isinstance(cause, ApplicationError) and cause.type == BUILD_FAILED:
        failed_jobs = cause.details[0]["failedJobs"] if cause.details else []
        tables = [job.get("table") or job["target"]["preAggregation"] for job in failed_jobs]
        statuses = [f"{table} ({job.get('status', job['state'])})" for table, job in zip(tables, failed_jobs)]
        return ApplicationError(
            f"Pre-aggregations not rebuilt: {'; '.join(statuses)}",
            {"failedTables": tables},
            type="PipelineBuildFailed",
            non_retryable=True,
        )
    if isinstance(cause, ApplicationError):
        # Invalid input (CubeJobsValidationError), Cube unreachable (CubeJobsConnectionError), a deadline
        # (PreAggregationWaitTimeoutError), ...: kept with their type and details.
        return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)
    if isinstance(cause, nexusrpc.HandlerError):
        # The Nexus handler refused the request: BAD_REQUEST for an invalid input, naming each field.
        return ApplicationError(str(cause), type=f"NexusHandlerError.{cause.type.name}", non_retryable=True)
    return ApplicationError(str(cause), type="PipelineError", non_retryable=True)


@workflow.defn
class NightlyPipeline:
    """Rebuilds the day's partitions with cube-jobs' build workflow as a child (same namespace)."""

    @workflow.run
    async def run(self, pipeline: PipelineInput) -> PipelineResult:
        # ... load the day's data ...
        try:
            build = await workflow.execute_child_workflow(
                BUILD_WORKFLOW,
                build_input(pipeline),
                id=f"{workflow.info().workflow_id}-build",
                task_queue=pipeline.cube_jobs_task_queue,
                result_type=dict,
            )
        except ChildWorkflowError as error:
            raise pipeline_failure(error.cause) from error
        return result_of(build)


@workflow.defn
class NightlyPipelineOverNexus:
    """Rebuilds the day's partitions through the cube-jobs Nexus service (any namespace)."""

    @workflow.run
    async def run(self, pipeline: PipelineInput) -> PipelineResult:
        cube_jobs = workflow.create_nexus_client(service=NEXUS_SERVICE, endpoint=pipeline.nexus_endpoint)
        try:
            build = await cube_jobs.execute_operation(
                "buildPreAggregations",
                build_input(pipeline),
                output_type=dict,
                schedule_to_close_timeout=timedelta(hours=3),
            )
        except NexusOperationError as error:
            raise pipeline_failure(error.cause) from error
        return result_of(build)
