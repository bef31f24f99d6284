"""What a change request changes, as the applicant and the reviewers see it: the diff on the
change page, the kinds of change it yields, the route they decide, and the file structure
edited node by node or as JSON (exported, imported, and refused when invalid)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals.flows import ChangeFlow as Flow
from approvals.models import CaseEvent, ChangeKind
from approvals.procedure import sample_pdf
from issuers.file_structure import national_structure, to_json
from tests.helpers import (
    NEW_DF,
    add_node,
    decide,
    edit_change,
    filed_issuer,
    page,
    pdf_upload,
    post_node,
    request_change,
    save_structure,
    shown_details,
    start_change,
    submit_change,
    task_url,
    upload_surface,
)

Route = ChangeKind.Route


@pytest.fixture
def hangzhou(client_for):
    return client_for("hangzhou")


@pytest.fixture
def change(personas, hangzhou):
    """A Hangzhou draft change request, nothing changed yet."""
    change = request_change(hangzhou, filed_issuer(personas, "hangzhou"), description="变更")
    assert change.change_kinds == []
    return change


def detail(client, change) -> str:
    return page(client, f"/changes/{change.pk}/")


def node(nodes: list[dict], path: str) -> dict:
    return next(n for n in nodes if n["path"] == path)


def with_changed_records() -> list[dict]:
    """The national structure with EF06 given one more record and EF05's first one longer."""
    nodes = national_structure()
    node(nodes, "3F00/DDF1/EF06")["records"].append(
        {"tag": "0F", "length": 20, "format": "an", "name": "国籍"}
    )
    node(nodes, "3F00/DDF1/EF05")["records"][0]["length"] = 32
    return nodes


def structure_events(change) -> int:
    return shown_details(change, CaseEvent.Action.EDITED).count("File structure")


# Each kind of difference: on the page, in change_kinds, and deciding the route.


def test_no_difference_yet_is_said_on_the_page(hangzhou, change):
    assert "Nothing differs from the registered version yet." in detail(hangzhou, change)


def test_a_replaced_surface_is_shown_before_and_after(hangzhou, change):
    upload_surface(hangzhou, change)
    assert change.change_kinds == ["surface"]
    assert change.route == Route.REAPPROVAL

    html = detail(hangzhou, change)
    assert "Card surface design" in html
    assert f"/changes/{change.pk}/surface/before/" in html
    assert f'src="/changes/{change.pk}/surface/after/?inline=1"' in html
    assert "Nothing differs" not in html

    after = hangzhou.get(f"/changes/{change.pk}/surface/after/?inline=1")
    assert after["Content-Type"] == "image/png"
    assert after["Content-Disposition"].startswith("inline;")
    assert b"".join(after).startswith(b"\x89PNG")
    before = hangzhou.get(f"/changes/{change.pk}/surface/before/")
    assert before["Content-Type"] == "application/pdf"  # the surface of version 1
    assert b"".join(before).startswith(b"%PDF")


def test_both_surfaces_are_shown_as_images_side_by_side_pdf_ones_from_a_preview(hangzhou, change):
    """The registered surface came as a PDF with the application; the requested one is first
    a PNG, then a PDF: each PDF is shown from the image rendered when it was uploaded."""
    upload_surface(hangzhou, change)
    html = detail(hangzhou, change)
    before_preview = f"/changes/{change.pk}/surface/before/?preview=1&amp;inline=1"
    assert f'src="{before_preview}"' in html
    assert f'src="/changes/{change.pk}/surface/after/?inline=1"' in html

    preview = hangzhou.get(f"/changes/{change.pk}/surface/before/?preview=1&inline=1")
    assert preview["Content-Type"] == "image/png"
    assert preview["Content-Disposition"].startswith("inline;")
    assert b"".join(preview).startswith(b"\x89PNG")

    pdf = SimpleUploadedFile("new-surface.pdf", sample_pdf("new surface"), "application/pdf")
    hangzhou.post(f"/changes/{change.pk}/surface/", {"surface": pdf})
    html = detail(hangzhou, change)
    assert f'src="/changes/{change.pk}/surface/after/?preview=1&amp;inline=1"' in html
    after = hangzhou.get(f"/changes/{change.pk}/surface/after/?preview=1&inline=1")
    assert b"".join(after).startswith(b"\x89PNG")


def test_an_image_surface_has_no_preview_of_its_own(hangzhou, change):
    upload_surface(hangzhou, change)
    assert hangzhou.get(f"/changes/{change.pk}/surface/after/?preview=1").status_code == 404


def test_uploading_the_registered_surface_again_is_no_change(hangzhou, change):
    registered = b"".join(hangzhou.get(f"/changes/{change.pk}/surface/before/"))
    same = SimpleUploadedFile("surface-again.pdf", registered, "application/pdf")

    response = hangzhou.post(f"/changes/{change.pk}/surface/", {"surface": same}, follow=True)

    change.refresh_from_db()
    assert change.change_kinds == []
    assert change.route == ""
    assert "This is the registered card surface, unchanged" in response.content.decode()
    assert "Nothing differs from the registered version yet." in detail(hangzhou, change)
    # A surface that does differ still counts.
    upload_surface(hangzhou, change)
    assert change.change_kinds == ["surface"]


def test_a_surface_that_is_not_a_pdf_or_image_is_refused(hangzhou, change):
    upload = SimpleUploadedFile("surface.png", b"just text", "image/png")
    response = hangzhou.post(f"/changes/{change.pk}/surface/", {"surface": upload}, follow=True)
    assert "Only PDF documents and PNG or JPEG images are accepted." in response.content.decode()
    change.refresh_from_db()
    assert not change.surface
    assert change.change_kinds == []


def test_a_df_added_with_the_node_form_is_shown_as_a_file_added(hangzhou, change):
    add_node(hangzhou, change)
    assert change.change_kinds == ["file_structure"]
    assert change.route == Route.REAPPROVAL
    assert node(change.file_structure, "3F00/DF05")["aid"] == "D15600000505"

    html = detail(hangzhou, change)
    assert "File added" in html
    assert "<strong>3F00/DF05</strong> DF 工伤保险 D15600000505" in html
    assert "File removed" not in html
    assert "File changed" not in html


def test_names_in_the_diff_are_escaped(hangzhou, change):
    add_node(hangzhou, change, name="<script>alert(1)</script>")
    edit_change(hangzhou, change, card_product="<b>EW</b>")
    html = detail(hangzhou, change)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;EW&lt;/b&gt;" in html


def test_an_ef_added_with_records_through_the_node_form(hangzhou, change):
    add_node(hangzhou, change)
    add_node(
        hangzhou,
        change,
        path="3f00/df05/ef01",
        level="EF",
        name="",
        aid="",
        ef_type="linear_fixed",
        records="01,2,cn,工伤类别\n02,8,cn,认定日期",
    )
    ef = node(change.file_structure, "3F00/DF05/EF01")
    assert ef["fid"] == "EF01"
    assert [r["name"] for r in ef["records"]] == ["工伤类别", "认定日期"]
    html = detail(hangzhou, change)
    assert "3F00/DF05/EF01" in html
    assert "02 8 cn 认定日期" in html


def test_a_node_that_breaks_the_tree_is_refused_and_changes_nothing(hangzhou, change):
    response = post_node(
        hangzhou, change, path="3F00/DDF1/EF05/0001", level="EF", ef_type="transparent", aid=""
    )
    assert response.status_code == 302
    html = page(hangzhou, response.url)
    assert "3F00/DDF1/EF05/0001: an EF cannot have children." in html
    change.refresh_from_db()
    assert change.file_structure == national_structure()
    assert change.change_kinds == []
    assert structure_events(change) == 0


def test_malformed_records_in_the_node_form_are_refused(hangzhou, change):
    response = post_node(
        hangzhou, change, path="3F00/DF01/EF01", level="EF", ef_type="cyclic", records="01,x,an"
    )
    html = page(hangzhou, response.url)
    assert "Write each record as tag,length,format,name." in html
    change.refresh_from_db()
    assert change.file_structure == national_structure()


def test_removing_a_df_removes_its_files_and_shows_them_removed(hangzhou, change):
    response = hangzhou.post(
        f"/changes/{change.pk}/structure/node/",
        {"node-path": "3F00/DF04", "node-level": "DF", "remove": "1"},
    )
    assert response.status_code == 302
    change.refresh_from_db()
    paths = [n["path"] for n in change.file_structure]
    assert "3F00/DF04" not in paths
    assert "3F00/DF04/EF05" not in paths
    assert change.change_kinds == ["file_structure"]
    html = detail(hangzhou, change)
    assert "<s>3F00/DF04</s>" in html
    assert "<s>3F00/DF04/EF05</s>" in html


def test_changed_ef_records_edited_as_json_are_shown_as_files_changed(hangzhou, change):
    response = save_structure(hangzhou, change, with_changed_records())
    assert response.status_code == 302
    assert change.change_kinds == ["file_structure"]
    assert change.route == Route.REAPPROVAL
    assert structure_events(change) == 1

    html = detail(hangzhou, change)
    assert "File changed: 3F00/DDF1/EF05" in html
    assert "File changed: 3F00/DDF1/EF06" in html
    assert "0F 20 an 国籍" in html
    assert "01 32 b 卡识别码" in html  # after
    assert "01 16 b 卡识别码" in html  # before
    assert "File added" not in html


def test_a_supplier_change_is_shown_before_and_after(hangzhou, change):
    edit_change(hangzhou, change, card_supplier="金邦达有限公司")
    assert change.change_kinds == ["supplier"]
    assert change.route == Route.FILING
    assert change.test_cards_required

    html = detail(hangzhou, change)
    assert (
        "<td>card supplier</td><td>Eastcompeace</td><td><strong>金邦达有限公司</strong></td>"
        in (html)
    )


def test_undoing_a_change_removes_its_kind(hangzhou, change):
    add_node(hangzhou, change)
    edit_change(hangzhou, change, card_product="EW-SSC3 v2")
    assert change.change_kinds == ["file_structure", "product"]
    assert change.route == Route.REAPPROVAL

    hangzhou.post(
        f"/changes/{change.pk}/structure/node/",
        {"node-path": "3F00/DF05", "node-level": "DF", "remove": "1"},
    )
    change.refresh_from_db()
    assert change.change_kinds == ["product"]
    assert change.route == Route.FILING

    edit_change(hangzhou, change, card_product="EW-SSC3")
    assert change.change_kinds == []
    assert change.route == ""
    assert not change.test_cards_required


def test_every_difference_is_on_the_page_and_before_each_reviewer(client_for, hangzhou, change):
    upload_surface(hangzhou, change)
    add_node(hangzhou, change)
    nodes = [n for n in change.file_structure if n["path"] != "3F00/DDF1/EF06"]
    nodes.append(node(with_changed_records(), "3F00/DDF1/EF06"))
    assert save_structure(hangzhou, change, nodes).status_code == 302
    edit_change(hangzhou, change, card_supplier="金邦达有限公司")
    assert change.change_kinds == ["file_structure", "supplier", "surface"]
    assert change.route == Route.REAPPROVAL
    submit_change(hangzhou, change)

    zhejiang, ministry = client_for("zhejiang"), client_for("ministry")
    expected = [
        "Card surface design",
        "File added",
        "3F00/DF05",
        "File changed: 3F00/DDF1/EF06",
        "金邦达有限公司",
        "card file structure, card supplier, card surface",
    ]
    for viewer in [hangzhou, zhejiang]:
        html = detail(viewer, change)
        assert [text for text in expected if text not in html] == []
    zhejiang.post(task_url(change, Flow.provincial_examination, "assign"))
    task_page = page(zhejiang, task_url(change, Flow.provincial_examination, "execute"))
    assert [text for text in expected if text not in task_page] == []
    assert "test cards required" in task_page

    decide(zhejiang, change, Flow.provincial_examination, "pass")
    ministry.post(task_url(change, Flow.ministry_review, "assign"))
    task_page = page(ministry, task_url(change, Flow.ministry_review, "execute"))
    assert [text for text in expected if text not in task_page] == []


# JSON export and import


def test_the_exported_json_imports_back_unchanged(hangzhou, change):
    add_node(hangzhou, change)
    export = hangzhou.get(f"/changes/{change.pk}/structure.json")
    assert export.status_code == 200
    assert export["Content-Type"] == "application/json"
    assert f"{change.reference}-file-structure.json" in export["Content-Disposition"]
    exported = export.content
    assert json.loads(exported)["nodes"] == change.file_structure

    # Back to the registered structure, then import the exported file.
    save_structure(hangzhou, change, national_structure())
    assert change.change_kinds == []
    upload = SimpleUploadedFile("structure.json", exported, "application/json")
    response = hangzhou.post(
        f"/changes/{change.pk}/structure/",
        {"structure": to_json(change.file_structure), "json_file": upload},
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.file_structure == json.loads(exported)["nodes"]
    assert change.change_kinds == ["file_structure"]
    assert hangzhou.get(f"/changes/{change.pk}/structure.json").content == exported


def test_the_registered_versions_json_imports_as_no_change(hangzhou, change):
    registered = hangzhou.get(f"/register/{change.issuer_id}/v1/structure.json")
    assert registered.status_code == 200
    add_node(hangzhou, change)
    upload = SimpleUploadedFile("v1.json", b"".join(registered), "application/json")
    response = hangzhou.post(
        f"/changes/{change.pk}/structure/", {"structure": "", "json_file": upload}
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.file_structure == national_structure()
    assert change.change_kinds == []


def test_the_json_form_shows_the_current_structure(hangzhou, change):
    add_node(hangzhou, change)
    html = page(hangzhou, f"/changes/{change.pk}/structure/")
    assert "3F00/DF05" in html
    assert "D15600000505" in html


INVALID = [
    ("{not json", "This is not valid JSON"),
    (
        to_json(
            national_structure()
            + [{"path": "3F00/DDF1/EF05/0001", "level": "EF", "fid": "0001", "ef_type": "cyclic"}]
        ),
        "3F00/DDF1/EF05/0001: an EF cannot have children.",
    ),
    (
        to_json([n for n in national_structure() if n["path"] != "3F00"]),
        "There must be exactly one root, the MF with FID 3F00.",
    ),
    (json.dumps({"tree": []}), "The file structure must be a list of nodes"),
    # Hostile documents: each gave a 500 before it was bounded.
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (
        to_json(national_structure() + [{**NEW_DF, "name": "工伤\x00保险"}]),
        "contains a NUL character",
    ),
    (
        to_json(national_structure() + [{**NEW_DF, "name": "x" * 200_000}]),
        "3F00/DF05: a path, name or other text has at most 100 characters.",
    ),
    (to_json(national_structure() + [{**NEW_DF, "name": 7}]), "Each node must be an object"),
    (
        to_json(national_structure() + [{**NEW_DF, "name": [[["deep"]]]}]),
        "Each node must be an object",
    ),
    (
        to_json(
            national_structure()
            + [{**NEW_DF, "path": "3F00/DF05/EF01", "level": "EF", "records": [{"tag": {"x": 1}}]}]
        ),
        "Each node must be an object",
    ),
    (
        to_json(
            national_structure()
            + [{**NEW_DF, "path": f"3F00/{n:04X}", "fid": f"{n:04X}"} for n in range(600)]
        ),
        f"A file structure has at most 500 nodes; this one has {len(national_structure()) + 600}.",
    ),
    (json.dumps({"nodes": [], "padding": "x" * 300_000}), "at most 256 kB is accepted"),
]


@pytest.mark.parametrize(
    ("text", "message"),
    INVALID,
    ids=[
        "not-json",
        "ef-with-a-child",
        "missing-mf",
        "no-nodes",
        "nested-100000-deep",
        "nul-character",
        "name-of-200kB",
        "name-a-number",
        "name-a-nested-list",
        "record-tag-an-object",
        "600-nodes-more",
        "300kB",
    ],
)
@pytest.mark.parametrize("how", ["typed", "imported"])
def test_an_invalid_structure_is_refused_with_a_message_and_changes_nothing(
    hangzhou, change, text, message, how
):
    edit_change(hangzhou, change, card_supplier="金邦达有限公司")
    before = (change.file_structure, change.change_kinds, change.route, change.events.count())
    if how == "typed":
        data = {"structure": text}
    else:
        upload = SimpleUploadedFile("structure.json", text.encode(), "application/json")
        data = {"structure": to_json(change.file_structure), "json_file": upload}

    response = hangzhou.post(f"/changes/{change.pk}/structure/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    change.refresh_from_db()
    after = (change.file_structure, change.change_kinds, change.route, change.events.count())
    assert after == before
    assert after[1:3] == (["supplier"], Route.FILING)


def test_an_empty_structure_or_file_is_refused(hangzhou, change):
    response = hangzhou.post(f"/changes/{change.pk}/structure/", {"structure": ""})
    assert response.status_code == 200
    assert "This is not valid JSON" in response.content.decode()
    upload = SimpleUploadedFile("structure.json", b"", "application/json")
    response = hangzhou.post(
        f"/changes/{change.pk}/structure/", {"structure": "", "json_file": upload}
    )
    assert response.status_code == 200
    assert "The submitted file is empty." in response.content.decode()
    change.refresh_from_db()
    assert change.file_structure == national_structure()
    assert structure_events(change) == 0


def test_a_json_file_that_is_not_text_is_refused(hangzhou, change):
    upload = pdf_upload("structure.json")
    response = hangzhou.post(
        f"/changes/{change.pk}/structure/", {"structure": "", "json_file": upload}
    )
    assert response.status_code == 200
    assert "This is not valid JSON" in response.content.decode()
    change.refresh_from_db()
    assert change.file_structure == national_structure()


# Regression test (bug fixed in e1a0113). Before the fix: a JSON structure whose nodes are not
# objects (or whose path is not a string) makes file_structure.validate() raise
# AttributeError/TypeError: HTTP 500 instead of a message
@pytest.mark.parametrize(
    "nodes",
    [[{"path": "3F00", "level": "MF", "fid": "3F00"}, "3F00/DF05"], [{"path": 3}]],
    ids=["node-is-a-string", "path-is-a-number"],
)
def test_a_structure_with_malformed_nodes_is_refused_with_a_message(hangzhou, change, nodes):
    hangzhou.raise_request_exception = False
    response = hangzhou.post(f"/changes/{change.pk}/structure/", {"structure": json.dumps(nodes)})
    assert response.status_code == 200
    assert 'class="errorlist nonfield"' in response.content.decode()  # the form says why
    change.refresh_from_db()
    assert change.file_structure == national_structure()


def test_the_structure_of_someone_elses_change_cannot_be_edited_or_exported(client_for, change):
    for persona in ["ningbo", "guangdong"]:
        other = client_for(persona)
        assert other.get(f"/changes/{change.pk}/structure/").status_code == 404
        assert other.get(f"/changes/{change.pk}/structure.json").status_code == 404
        response = other.post(
            f"/changes/{change.pk}/structure/", {"structure": to_json(national_structure()[:1])}
        )
        assert response.status_code == 404
    change.refresh_from_db()
    assert change.file_structure == national_structure()


def test_a_change_request_starts_as_a_copy_of_the_registered_version(personas, hangzhou):
    issuer = filed_issuer(personas, "hangzhou")
    change = start_change(hangzhou, issuer)
    registered = issuer.current_specification()
    assert change.base_version == registered
    assert change.file_structure == registered.file_structure == national_structure()
    assert change.card_supplier == registered.card_supplier == "Eastcompeace"
    assert change.planned_quantity == registered.planned_quantity
    assert not change.surface
    assert "Nothing differs from the registered version yet." in detail(hangzhou, change)
