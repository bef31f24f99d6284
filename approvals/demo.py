"""Demo data: the personas of the README, and cases driven through the real HTTP views."""

import datetime

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from issuers.divisions import division_for, load_divisions
from issuers.membership import add_member
from issuers.models import Department, Issuer

from .flows import ChangeFlow, IssuanceFlow
from .models import Application, ChangeRequest, Material

# The published password of the demo users (README); never used outside demo data.
DEMO_PASSWORD = "demo-password"  # nosec B105

# username: (department name, English name, kind, division code)
PERSONAS = {
    "ministry": ("人力资源社会保障部信息化领导小组办公室", "MOHRSS IT Office", "ministry", None),
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


def sample_pdf(title: str) -> bytes:
    """A small valid one-page PDF, enough to stand in for a scanned material."""
    text = title.encode("latin-1", "replace")
    stream = b"BT /F1 14 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


# A reserved domain (RFC 2606): demo e-mails can never reach anyone.
DEMO_MAIL_DOMAIN = "ssc-demo.example"


def ensure_personas() -> dict:
    User = get_user_model()
    users = {}
    for username, (name, name_en, kind, code) in PERSONAS.items():
        division = division_for(code) if code else None
        department, _ = Department.objects.get_or_create(
            name=name, defaults={"name_en": name_en, "kind": kind, "division": division}
        )
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@{DEMO_MAIL_DOMAIN}"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if getattr(user, "membership", None) is None or user.membership.department != department:
            add_member(user, department)
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    return users


class Officer:
    """Drives the real views as one persona, like a person in the browser."""

    def __init__(self, user) -> None:  # noqa: ANN001
        self.client = Client()
        self.client.force_login(user)

    def post(self, url: str, data: dict | None = None) -> None:
        response = self.client.post(url, data or {})
        if response.status_code != 302:
            raise RuntimeError(f"POST {url} answered {response.status_code}")

    def apply(self, **overrides) -> Application:  # noqa: ANN003
        data = {
            "contact_person": "张明",
            "contact_phone": "0571-8888 0000",
            "cardholder_population": "参保职工及城乡居民 / insured employees and residents",
            "planned_quantity": 1_200_000,
            "card_supplier": "东信和平科技股份有限公司",
            "card_product": "EW-SSC3 双界面卡",
            "spec_version": "3.00",
            "planned_start": datetime.date(2027, 3, 1).isoformat(),
            **overrides,
        }
        self.post("/cases/new/", data)
        application = Application.objects.latest("pk")
        for kind in Material.Kind.values:
            upload = SimpleUploadedFile(f"{kind}.pdf", sample_pdf(kind), "application/pdf")
            self.post(f"/cases/{application.pk}/materials/", {"kind": kind, "file": upload})
        self.post(f"/cases/{application.pk}/submit/")
        return application

    def act(self, application: Application, node, data: dict) -> None:  # noqa: ANN001
        process = application.process
        task = process.task_set.get(flow_task=node, status__in=["NEW", "ASSIGNED"])
        if task.owner_id is None:
            self.post(node.reverse("assign", args=[process.pk, task.pk]))
        self.post(node.reverse("execute", args=[process.pk, task.pk]), data)

    def file(self, application: Application, reference: str) -> None:
        receipt = SimpleUploadedFile("receipt.pdf", sample_pdf("receipt"), "application/pdf")
        data = {"reference": reference, "filing_date": "2026-11-20", "receipt": receipt}
        self.act(application, IssuanceFlow.registry_filing, data)
        application.refresh_from_db()

    def request_change(self, issuer: Issuer, **changes) -> ChangeRequest:  # noqa: ANN003
        self.post(f"/changes/new/{issuer.pk}/")
        change = ChangeRequest.objects.latest("pk")
        data = {field: getattr(change, field) for field in ChangeRequest.EDITABLE_FIELDS}
        self.post(f"/changes/{change.pk}/edit/", {**data, **changes})
        return change

    def decide(self, application: Application, node, outcome: str, reasons: str = "") -> None:  # noqa: ANN001
        self.act(application, node, {"outcome": outcome, "reasons": reasons})


@transaction.atomic
def seed_cases(users: dict) -> None:
    flow = IssuanceFlow
    officer = {name: Officer(user) for name, user in users.items()}

    # Hangzhou has no case: the README's walk-through starts there.
    # Ningbo: awaiting the Zhejiang examination.
    officer["ningbo"].apply()

    # Shenzhen: a first application rejected by the Ministry, a second one passed by
    # Guangdong and awaiting the Ministry.
    rejected = officer["shenzhen"].apply(card_product="SZ-2 接触式卡", spec_version="2.00")
    officer["guangdong"].decide(rejected, flow.provincial_examination, "pass")
    officer["ministry"].decide(
        rejected,
        flow.ministry_review,
        "reject",
        "2.00 规范卡片已不再受理新的发行申请。New issuance on 2.00 cards is no longer accepted.",
    )
    shenzhen = officer["shenzhen"].apply()
    officer["guangdong"].decide(shenzhen, flow.provincial_examination, "pass")

    # Zhejiang itself: returned by the Ministry for correction.
    zhejiang = officer["zhejiang"].apply(planned_quantity=800_000)
    officer["ministry"].decide(
        zhejiang,
        flow.ministry_review,
        "return",
        "卡面样式不符合全国统一样式，请修改后重新提交。"
        "The card surface does not follow the unified style.",
    )

    # Guangdong itself: approved, awaiting filing.
    guangdong = officer["guangdong"].apply(contact_person="李华", contact_phone="020-8888 1111")
    officer["ministry"].decide(guangdong, flow.ministry_review, "pass")

    # Beijing: approved and filed, then changes.
    beijing = officer["beijing"].apply(contact_person="王芳", contact_phone="010-8888 2222")
    officer["ministry"].decide(beijing, flow.ministry_review, "pass")
    officer["ministry"].file(beijing, "ICRC-2026-0001")
    seed_change_requests(officer, beijing.issuer)


def seed_change_requests(officer: dict, beijing: Issuer) -> None:
    flow = ChangeFlow
    # More cards: filed for the record and acknowledged (version 2).
    more_cards = officer["beijing"].request_change(
        beijing, description="增加拟发卡数量 / more planned cards", planned_quantity=2_000_000
    )
    officer["beijing"].post(f"/changes/{more_cards.pk}/submit/")
    officer["ministry"].decide(more_cards, flow.acknowledgement, "pass")
    # A local extension DF in the file structure: re-approval, rejected.
    extension = officer["beijing"].request_change(
        beijing, description="本地扩充应用 DF05 / local extension DF05"
    )
    officer["beijing"].post(
        f"/changes/{extension.pk}/structure/node/",
        {"node-path": "3F00/DF05", "node-level": "DF", "node-aid": "D15600000505"},
    )
    officer["beijing"].post(f"/changes/{extension.pk}/submit/")
    officer["ministry"].decide(
        extension,
        flow.ministry_review,
        "reject",
        "本地扩充文件须先通过标准符合性审核。The extension must pass the conformance review first.",
    )
    # A new card surface: awaiting the Ministry's re-approval.
    surface = officer["beijing"].request_change(beijing, description="新版卡面 / new card surface")
    officer["beijing"].post(
        f"/changes/{surface.pk}/surface/",
        {"surface": SimpleUploadedFile("surface.pdf", sample_pdf("surface v2"), "application/pdf")},
    )
    officer["beijing"].post(f"/changes/{surface.pk}/submit/")


def seed_demo() -> bool:
    """Create what is missing; returns whether demo cases were created."""
    load_divisions()
    users = ensure_personas()
    if Application.objects.filter(department__members__user__username="ningbo").exists():
        return False
    seed_cases(users)
    return True
