"""Demo data: the personas of the README, and cases in every state, driven through the
procedure as the officials would (approvals.procedure)."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from issuers.divisions import division_for, load_divisions
from issuers.membership import add_member, is_supervisor, make_supervisor
from issuers.models import Department, Issuer
from worktime.days import WorkCalendar

from . import actions, changes, clocks, procedure
from .flows import ChangeFlow, IssuanceFlow
from .models import Application, Case, Outcome
from .models.clock import day_start

# The published password of the demo users (README); never used outside demo data.
DEMO_PASSWORD = "demo-password"  # nosec B105

# username: (department name, English name, kind, division code)
PERSONAS = {
    "ministry": ("人力资源社会保障部信息化领导小组办公室", "MOHRSS IT Office", "ministry", None),
    "infocenter": ("人力资源社会保障部信息中心", "MOHRSS Information Center", "infocenter", None),
    "zhejiang": ("浙江省人力资源和社会保障厅", "Zhejiang HRSS Department", "provincial", "330000"),
    "guangdong": (
        "广东省人力资源和社会保障厅",
        "Guangdong HRSS Department",
        "provincial",
        "440000",
    ),
    "hangzhou": ("杭州市人力资源和社会保障局", "Hangzhou HRSS Bureau", "municipal", "330100"),
    "ningbo": ("宁波市人力资源和社会保障局", "Ningbo HRSS Bureau", "municipal", "330200"),
    "shenzhen": ("深圳市人力资源和社会保障局", "Shenzhen HRSS Bureau", "municipal", "440300"),
    "beijing": ("北京市人力资源和社会保障局", "Beijing HRSS Bureau", "provincial", "110000"),
    "xihu": ("杭州市西湖区人力资源和社会保障局", "Xihu District HRSS Bureau", "district", "330106"),
}


# username: the persona whose department the supervisor heads (extends, suspends, reassigns).
SUPERVISORS = {
    "ministry-head": "ministry",
    "infocenter-head": "infocenter",
    "zhejiang-head": "zhejiang",
    "hangzhou-head": "hangzhou",
}


# A reserved domain (RFC 2606): demo e-mails can never reach anyone.
DEMO_MAIL_DOMAIN = "ssc-demo.example"


def _demo_user(username: str):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@{DEMO_MAIL_DOMAIN}"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


# The numbers (文号) of the documents the examining and deciding offices issue.
DOCUMENT_NUMBER_PATTERNS = {
    "ministry": "人社信息办函〔{year}〕{number}号",
    "infocenter": "人社信息中心函〔{year}〕{number}号",
    "zhejiang": "浙人社函〔{year}〕{number}号",
    "guangdong": "粤人社函〔{year}〕{number}号",
}


# Issuers of the demo in each state between filing and issuing cards (issue #15); only the
# demo has them, the tests' personas do not.
READINESS_PERSONAS = {
    "tianjin": ("天津市人力资源和社会保障局", "Tianjin HRSS Bureau", "provincial", "120000"),
    "shanghai": ("上海市人力资源和社会保障局", "Shanghai HRSS Bureau", "provincial", "310000"),
    "chongqing": ("重庆市人力资源和社会保障局", "Chongqing HRSS Bureau", "provincial", "500000"),
    "jiangsu": ("江苏省人力资源和社会保障厅", "Jiangsu HRSS Department", "provincial", "320000"),
}


def ensure_personas(personas: dict = PERSONAS) -> dict:
    User = get_user_model()
    users = {}
    departments = {}
    for username, (name, name_en, kind, code) in personas.items():
        division = division_for(code) if code else None
        department, _ = Department.objects.get_or_create(
            name=name,
            defaults={
                "name_en": name_en,
                "kind": kind,
                "division": division,
                "document_number_pattern": DOCUMENT_NUMBER_PATTERNS.get(username, ""),
            },
        )
        user = _demo_user(username)
        if getattr(user, "membership", None) is None or user.membership.department != department:
            add_member(user, department)
        users[username] = user
        departments[username] = department
    if personas is not PERSONAS:
        return users
    for username, persona in SUPERVISORS.items():
        user = _demo_user(username)
        department = departments[persona]
        if getattr(user, "membership", None) is None:
            add_member(user, department)
        if not is_supervisor(user, department):
            make_supervisor(user, department)
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    return users


@contextmanager
def days_ago(days: int) -> Iterator[None]:
    """Let what happens inside look done `days` days ago, at ten in the morning: the demo's
    history, so that the dashboards have months to show. Everything the procedure records
    reads the time from django.utils.timezone.now (cases, timeline, clocks, issuers)."""
    moment = timezone.now().replace(hour=2, minute=0, second=0, microsecond=0)
    with mock.patch("django.utils.timezone.now", return_value=moment - timedelta(days=days)):
        yield


@transaction.atomic
def seed_cases(users: dict) -> None:
    flow = IssuanceFlow
    ministry = users["ministry"]

    # The year behind: a rejection for Zhejiang and for Ningbo, Beijing approved and filed,
    # a first application of Shenzhen's rejected, and Beijing's changes.
    with days_ago(300):
        first = procedure.apply(users["zhejiang"], spec_version="2.00")
    with days_ago(297):
        accepted(first, by=ministry)
    with days_ago(281):
        procedure.decide(first, flow.ministry_review, ministry, Outcome.REJECT, OLD_SPEC)
    with days_ago(250):
        first = procedure.apply(users["ningbo"], spec_version="2.00")
    with days_ago(248):
        accepted(first, by=users["zhejiang"])
    with days_ago(236):
        procedure.decide(first, flow.provincial_examination, users["zhejiang"], Outcome.PASS)
    with days_ago(222):
        procedure.decide(first, flow.ministry_review, ministry, Outcome.REJECT, OLD_SPEC)
    with days_ago(210):
        beijing = procedure.apply(
            users["beijing"], contact_person="王芳", contact_phone="010-8888 2222"
        )
    with days_ago(207):
        accepted(beijing, by=ministry)
    with days_ago(196):
        procedure.decide(beijing, flow.ministry_review, ministry, Outcome.PASS)
    with days_ago(189):
        procedure.file(beijing, ministry, "ICRC-2026-0001")
    with days_ago(120):
        rejected = procedure.apply(
            users["shenzhen"], card_product="SZ-2 接触式卡", spec_version="2.00"
        )
    with days_ago(117):
        accepted(rejected, by=users["guangdong"])
    with days_ago(113):
        procedure.decide(rejected, flow.provincial_examination, users["guangdong"], Outcome.PASS)
    with days_ago(97):
        procedure.decide(rejected, flow.ministry_review, ministry, Outcome.REJECT, OLD_SPEC)
    beijing.refresh_from_db()
    seed_change_history(users, beijing.issuer)

    # Today's cases. Hangzhou has none: the README's walk-through starts there.
    # Ningbo: accepted by Zhejiang, its examination suspended for an expert review.
    ningbo = procedure.apply(users["ningbo"])
    clocks.accept(ningbo, by=users["zhejiang"])
    backdate(ningbo, 6)
    clocks.suspend(
        ningbo,
        by=users["zhejiang-head"],
        reason="卡面防伪设计送专家评审。The card surface's anti-counterfeiting design is with an "
        "expert review.",
    )

    # Shenzhen: its second application, passed by Guangdong and awaiting the Ministry, whose
    # review (accepted once, by Guangdong) is overdue by more than the escalation margin.
    shenzhen = procedure.apply(users["shenzhen"])
    procedure.decide(shenzhen, flow.provincial_examination, users["guangdong"], Outcome.PASS)
    backdate(shenzhen, 23)

    # Zhejiang itself: returned by the Ministry for correction.
    zhejiang = procedure.apply(users["zhejiang"], planned_quantity=800_000)
    procedure.decide(
        zhejiang,
        flow.ministry_review,
        ministry,
        Outcome.RETURN,
        "卡面样式不符合全国统一样式，请修改后重新提交。"
        "The card surface does not follow the unified style.",
    )

    # Guangdong itself: approved, awaiting filing.
    guangdong = procedure.apply(
        users["guangdong"], contact_person="李华", contact_phone="020-8888 1111"
    )
    procedure.decide(guangdong, flow.ministry_review, ministry, Outcome.PASS)
    backdate(guangdong, 8)  # its decision to be served within 10 working days: due soon

    seed_readiness(users)

    # Beijing: a new card surface awaiting the Ministry's re-approval, its limit extended.
    surface = procedure.request_change(
        beijing.issuer, users["beijing"], description="新版卡面 / new card surface"
    )
    changes.replace_surface(surface, procedure.pdf_upload("surface v2"), by=users["beijing"])
    procedure.submit_change(surface, users["beijing"])
    clocks.accept(surface, by=ministry)
    backdate(surface, 15)
    clocks.extend(
        surface,
        by=users["ministry-head"],
        reason="新卡面须征求发卡银行意见。The issuing banks are consulted on the new surface.",
    )


def seed_readiness(users: dict) -> None:
    """One filed issuer in each state between filing and issuing cards. Beijing stays filed
    only: the README's walk-through takes it to "authorised to issue"."""
    issuers = {}
    ministry, center = users["ministry"], users["infocenter"]
    for username in READINESS_PERSONAS:
        with days_ago(150):
            application = procedure.apply(users[username])
            procedure.decide(application, IssuanceFlow.ministry_review, ministry, Outcome.PASS)
        with days_ago(140):
            procedure.file(application, ministry, f"ICRC-2026-{application.pk:04d}")
        application.refresh_from_db()
        issuers[username] = application.issuer
    # Tianjin: keys issued, its PSAM cards still with the Information Center.
    with days_ago(20):
        tianjin = procedure.apply_for_authorisation(issuers["tianjin"], users["tianjin"])
    with days_ago(12):
        procedure.issue_gate(tianjin, "keys", center, "KC-2026-0120")
    # Shanghai, Chongqing and Jiangsu: both issued and tested; Shanghai failed once.
    for username in ("shanghai", "chongqing", "jiangsu"):
        with days_ago(100):
            case = procedure.apply_for_authorisation(issuers[username], users[username])
        with days_ago(90):
            procedure.issue_gate(case, "keys", center, f"KC-2026-{case.pk:04d}")
            procedure.issue_gate(case, "psam", center, f"PSAM {case.pk:04d}0001-{case.pk:04d}0200")
        with days_ago(80):
            failing = ("external_auth",) if username == "shanghai" else ()
            procedure.take_general_test(case, users[username], center, failing=failing)
    # Jiangsu changed its card supplier since: the general test is due again for version 2.
    with days_ago(30):
        change = procedure.request_change(
            issuers["jiangsu"],
            users["jiangsu"],
            description="更换供卡厂商 / new card supplier",
            card_supplier="Watchdata",
        )
        procedure.submit_change(change, users["jiangsu"])
    with days_ago(25):
        procedure.decide(change, ChangeFlow.acknowledgement, ministry, Outcome.PASS)


def accepted(case: Case, *, by) -> None:
    """The examining office accepts the case, when it is awaiting acceptance (a change filed
    for the record is not)."""
    clock = clocks.running_clock(case)
    if clock is not None and clock.step == clock.Step.ACCEPTANCE:
        clocks.accept(case, by=by)


OLD_SPEC = "2.00 规范卡片已不再受理新的发行申请。New issuance on 2.00 cards is no longer accepted."


def seed_change_history(users: dict, beijing: Issuer) -> None:
    flow = ChangeFlow
    bureau, ministry = users["beijing"], users["ministry"]
    # More cards: filed for the record and acknowledged (version 2).
    with days_ago(90):
        more_cards = procedure.request_change(
            beijing,
            bureau,
            description="增加拟发卡数量 / more planned cards",
            planned_quantity=2_000_000,
        )
        procedure.submit_change(more_cards, bureau)
    with days_ago(88):
        accepted(more_cards, by=ministry)
    with days_ago(83):
        procedure.decide(more_cards, flow.acknowledgement, ministry, Outcome.PASS)
    # A local extension DF in the file structure: re-approval, rejected.
    with days_ago(40):
        extension = procedure.request_change(
            beijing, bureau, description="本地扩充应用 DF05 / local extension DF05"
        )
        local_df = {"path": "3F00/DF05", "level": "DF", "fid": "DF05", "aid": "D15600000505"}
        actions.replace_file_structure(extension, [*extension.file_structure, local_df], by=bureau)
        procedure.submit_change(extension, bureau)
    with days_ago(37):
        accepted(extension, by=ministry)
    with days_ago(26):
        procedure.decide(
            extension,
            flow.ministry_review,
            ministry,
            Outcome.REJECT,
            "本地扩充文件须先通过标准符合性审核。"
            "The extension must pass the conformance review first.",
        )


def backdate(case: Case, working_days: int) -> None:
    """Make the running step of a demo case look started `working_days` ago (the demo's
    history is made up; a real clock only ever starts now)."""
    clock = clocks.running_clock(case)
    calendar = WorkCalendar.load()
    clock.counts_from = calendar.subtract_working_days(timezone.localdate(), working_days)
    clock.started_at = day_start(clock.counts_from) + datetime.timedelta(hours=10)
    clock.compute(calendar, timezone.now())
    clock.save()


def seed_demo() -> bool:
    """Create what is missing; returns whether demo cases were created."""
    load_divisions()
    users = ensure_personas()
    if Application.objects.filter(department__members__user__username="ningbo").exists():
        return False
    users.update(ensure_personas(READINESS_PERSONAS))
    seed_cases(users)
    # The overdue case's overdue notice and escalation, as the beat would send them.
    clocks.sweep()
    return True
