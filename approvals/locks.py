"""The case lock: one request at a time acts on a case's process."""

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, transaction
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.lock import SelectForUpdateLock
from viewflow.workflow.models import Process


class CaseLock(SelectForUpdateLock):
    """Row locks on both rows of a process: viewflow's `viewflow_process` and the flow's own.

    viewflow's lock selects only the flow's process table. Anything that holds the
    `viewflow_process` row (viewflow itself updates it) would then make a request wait for
    as long as that takes instead of failing fast with FlowLockFailed (the 409 page). The
    parent row is locked first, always, so two lockers never wait on each other crosswise.
    """

    @contextmanager
    def __call__(self, flow_class, process_pk) -> Iterator[None]:
        for attempt in range(self.attempts):
            acquired = False
            try:
                with transaction.atomic():
                    for model in (Process, flow_class.process_class):
                        rows = model._default_manager.filter(pk=process_pk)
                        rows.select_for_update(nowait=self.nowait).exists()
                    acquired = True
                    yield
                return
            except DatabaseError as error:
                if acquired:  # the work done under the lock failed: not ours to retry
                    raise
                if attempt == self.attempts - 1:
                    raise FlowLockFailed(f"Lock failed for {flow_class}") from error
            # The same back-off as viewflow's lock; not a security use of random.
            time.sleep(((attempt + 1) * random.random() + 2**attempt) / 2.5)  # noqa: S311  # nosec B311


case_lock = CaseLock()
