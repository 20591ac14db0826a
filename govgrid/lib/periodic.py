"""Work the worker (`manage.py run_worker`) does on each sweep besides the case loop's own, which
apps register from their AppConfig.ready, so the worker needs to import none of them."""

_JOBS = []


def on_each_sweep(job):
    """Register `job()` (returns a count, or None) to run on each of the worker's sweeps."""
    if job not in _JOBS:
        _JOBS.append(job)
    return job


def run_all():
    """Run every registered job; {its name: what it returned}."""
    return {f"{job.__module__}.{job.__name__}": job() for job in _JOBS}
