"""A real Celery worker, on the local Redis and PostgreSQL, does the background work of a
case; killed in the middle of a task, the work is done exactly once after a restart.

PostgreSQL only: the worker is another process and must see what the test commits.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection

from approvals.flows import IssuanceFlow as Flow
from approvals.models import CaseDocument, Notification
from config.celery import app as celery_app
from tests.helpers import apply, decide, file_with_registry

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

BROKER = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 120) -> None:
    """A deadline for work done elsewhere; generous, it is not a speed test."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def broker(settings) -> Iterator[str]:
    """Queue tasks on Redis (a database of their own) instead of running them in-process."""
    client = redis.Redis.from_url(BROKER)
    client.flushdb()
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}
    use_broker(task_always_eager=False, broker_url=BROKER)
    yield BROKER
    use_broker(**saved)
    client.flushdb()


def use_broker(**conf: object) -> None:
    celery_app.conf.update(conf)
    # The producer pool keeps the broker of its first use (eager tasks take a producer too).
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def worker_env(broker, settings, tmp_path) -> dict:
    database = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "CELERY_BROKER_URL": broker,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DOCUMENT_SIGNING_KEY": str(settings.DOCUMENT_SIGNING_KEY),
        "DOCUMENT_SIGNING_CERT": str(settings.DOCUMENT_SIGNING_CERT),
        "AUDIT_CHECKPOINT_DIR": str(settings.AUDIT_CHECKPOINT_DIR),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "RENDER_STARTED": str(tmp_path / "render-started"),
        # A lost worker's task is delivered again after 2 s; others look every second.
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "CELERY_RESTORE_INTERVAL": "1",
    }


@pytest.fixture
def start_worker(worker_env) -> Iterator[Callable[..., subprocess.Popen]]:
    workers: list[subprocess.Popen] = []

    def start(app: str = "config", name: str = "worker") -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            [
                str(CELERY),
                "-A",
                app,
                "worker",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-n",
                f"{name}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=worker_env,
            start_new_session=True,  # its own process group, so it can be killed whole
            stdout=subprocess.DEVNULL,
            stderr=open(Path(worker_env["EMAIL_FILE_PATH"]).parent / f"{name}.log", "ab"),  # noqa: SIM115
        )
        workers.append(process)
        return process

    yield start
    for process in workers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def mails(worker_env: dict) -> list[bytes]:
    """The messages the worker wrote. Django's file backend names a file by the second and the
    id of its connection object and appends to it, so two messages sent in the same second by
    connections that reused an id share a file: count the messages, not the files."""
    folder = Path(worker_env["EMAIL_FILE_PATH"])
    files = sorted(folder.glob("*.log")) if folder.exists() else []
    separator = b"\n" + b"-" * 79 + b"\n"
    return [m for f in files for m in f.read_bytes().split(separator) if m.strip()]


def notified(application) -> int:
    return Notification.objects.filter(event__case=application, sent_at__isnull=False).count()


def test_a_worker_issues_the_documents_and_sends_the_mail_of_a_case(
    client_for, start_worker, worker_env
):
    start_worker()
    hangzhou, zhejiang, ministry = (
        client_for(name) for name in ("hangzhou", "zhejiang", "ministry")
    )

    application = apply(hangzhou)
    decide(zhejiang, application, Flow.provincial_examination, "pass")
    decide(ministry, application, Flow.ministry_review, "pass")
    file_with_registry(ministry, application, reference="ICRC-2026-42")

    wait_until(lambda: application.documents.count() == 3, "the issued documents")
    wait_until(lambda: notified(application) == 4, "the notifications")
    kinds = set(application.documents.values_list("kind", flat=True))
    assert kinds == {
        CaseDocument.Kind.ACCEPTANCE_NOTICE,
        CaseDocument.Kind.DECISION_LETTER,
        CaseDocument.Kind.FILING_FORM,
    }
    for document in application.documents.all():
        assert document.file.read(5) == b"%PDF-"
    # The four events' e-mails and the acceptance notice's (a notice of the bell, mailed too).
    wait_until(lambda: len(mails(worker_env)) == 5, "the e-mails")
    # Submission told the province, its examination the Ministry, approval and filing the bureau
    # (each department: its official and its supervisor).
    recipients = [n.recipients for n in Notification.objects.order_by("event__sequence")]
    assert recipients == [
        "zhejiang-head@ssc-demo.example, zhejiang@ssc-demo.example",
        "ministry-head@ssc-demo.example, ministry@ssc-demo.example",
        "hangzhou-head@ssc-demo.example, hangzhou@ssc-demo.example",
        "hangzhou-head@ssc-demo.example, hangzhou@ssc-demo.example",
    ]


def test_a_task_cut_off_by_a_killed_worker_is_done_once_after_a_restart(
    client_for, start_worker, worker_env
):
    stalling = start_worker("tests.workers.slow_worker", name="stalling")
    application = apply(client_for("beijing"))  # straight to the Ministry
    decide(client_for("ministry"), application, Flow.ministry_review, "pass")

    started = Path(worker_env["RENDER_STARTED"])
    wait_until(started.exists, "the stalling worker to start rendering")
    os.killpg(stalling.pid, signal.SIGKILL)  # the machine is lost mid-task
    stalling.wait(timeout=30)
    assert not application.documents.exists()

    start_worker(name="restarted")

    # The acceptance notice (the task cut off) and the decision.
    wait_until(lambda: application.documents.count() == 2, "the documents after the restart")
    wait_until(lambda: notified(application) == 2, "the notifications")
    time.sleep(3)  # longer than the redelivery delay: anything delivered twice would show now
    kinds = sorted(application.documents.values_list("kind", flat=True))
    assert kinds == sorted([CaseDocument.Kind.ACCEPTANCE_NOTICE, CaseDocument.Kind.DECISION_LETTER])
    documents = Path(worker_env["MEDIA_ROOT"]) / "documents"
    assert len([p for p in documents.rglob("*") if p.is_file()]) == 2
    # Submission, acceptance (on the Ministry's decision) and approval, each once.
    assert len(mails(worker_env)) == 3
