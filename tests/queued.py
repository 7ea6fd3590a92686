"""Runs what the background worker would run, inside the test's transaction (the real
`db_worker` closes its database connection after each task, which a test transaction cannot
survive; tests/admission/concurrent_approval.py runs the real worker in a process of its own)."""

from __future__ import annotations


def work_off_queue() -> int:
    from django_tasks_db.models import DBTaskResult

    done = 0
    for result in DBTaskResult.objects.ready().order_by("enqueued_at"):
        result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        result.delete()
        done += 1
    return done
