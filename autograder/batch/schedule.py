"""Running jobs in parallel: local processes by default, a Dask cluster on request.

Both schedulers yield an :class:`~autograder.batch.job.JobOutcome` per job as soon as
it finishes. A pool process that dies (killed, out of memory) turns the jobs it
took down with it into error outcomes; a re-run grades them again.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from autograder.batch.job import Job, JobOutcome, grade_job


def run_local(jobs: Sequence[Job], workers: int, retries: int = 1) -> Iterator[JobOutcome]:
    """Grade ``jobs`` on ``workers`` local processes.

    When a pool process dies, every job still queued fails with it; those jobs get
    ``retries`` more rounds in a fresh pool before they are reported as errors.
    """
    pending = list(jobs)
    for round_ in range(retries + 1):
        if not pending:
            return
        broken = []
        with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
            futures: dict[Future, Job] = {pool.submit(grade_job, job): job for job in pending}
            for future in as_completed(futures):
                if isinstance(future.exception(), BrokenProcessPool) and round_ < retries:
                    broken.append(futures[future])
                else:
                    yield _outcome(future, futures[future])
        pending = broken


def run_dask(jobs: Sequence[Job], address: str) -> Iterator[JobOutcome]:
    """Grade ``jobs`` on the Dask distributed cluster whose scheduler listens at ``address``."""
    if not jobs:
        return
    from distributed import Client, as_completed as dask_completed

    with Client(address) as client:
        futures = client.map(grade_job, list(jobs), key=[f"grade-{job.assignment}-{job.student}-{job.source_sha256[:12]}" for job in jobs],
                             retries=0, pure=False)
        owners = {future.key: job for future, job in zip(futures, jobs)}
        for future in dask_completed(futures):
            yield _outcome(future, owners[future.key])


def _outcome(future, job: Job) -> JobOutcome:
    """The job's outcome, or an error outcome when the process running it failed."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a dead worker is one failed submission, not a failed batch
        return JobOutcome(job.student, error=f"the worker process failed ({type(exc).__name__}: {exc})")
