"""The in-card file structure as data: the national layout, the tree's rules, JSON and the diff."""

import copy
import json

import pytest
from django.core.exceptions import ValidationError

from issuers import file_structure
from issuers.file_structure import diff, from_json, national_structure, to_json, validate

MF = {"path": "3F00", "level": "MF", "fid": "3F00"}
NOT_A_LIST = "The file structure must be a list of nodes"


def refused(nodes) -> list[str]:
    """The messages validate() refuses nodes with (fails the test if it accepts them)."""
    with pytest.raises(ValidationError) as refusal:
        validate(nodes)
    return refusal.value.messages


def with_node(**node) -> list[dict]:
    return [*national_structure(), node]


def node_at(nodes: list[dict], path: str) -> dict:
    return next(n for n in nodes if n["path"] == path)


# national_structure


def test_national_structure_is_a_valid_tree_with_the_mf_as_its_only_root():
    nodes = national_structure()
    assert validate(nodes) == nodes
    roots = [n for n in nodes if "/" not in n["path"]]
    assert roots == [node_at(nodes, "3F00")]
    assert roots[0]["level"] == "MF"


def test_national_structure_has_the_ssc_application_and_the_four_dfs():
    nodes = national_structure()
    paths = [n["path"] for n in nodes]
    assert len(paths) == len(set(paths))
    assert node_at(nodes, "3F00/DDF1")["level"] == "DDF"
    for number in range(1, 5):
        df = node_at(nodes, f"3F00/DF0{number}")
        assert df["level"] == "DF"
        assert df["aid"] == f"D1560000050{number}"
    ef05 = node_at(nodes, "3F00/DDF1/EF05")
    assert ef05["ef_type"] == "linear_variable"
    assert [r["tag"] for r in ef05["records"]] == ["01", "02", "03", "04", "05", "06", "07"]


def test_national_structure_is_a_fresh_copy_each_time():
    first = national_structure()
    first[0]["name"] = "changed"
    assert national_structure()[0]["name"] == ""


# validate: what it accepts


def test_validate_normalises_defaults_case_and_order():
    nodes = [
        {"path": "3F00/DF05", "level": "DF", "fid": "df05", "aid": "d15600000505"},
        {"path": "3F00/DF05/EF01", "level": "EF", "fid": "EF01", "ef_type": "transparent"},
        MF,
    ]
    result = validate(nodes)
    assert [n["path"] for n in result] == ["3F00", "3F00/DF05", "3F00/DF05/EF01"]
    df = node_at(result, "3F00/DF05")
    assert df["fid"] == "DF05"
    assert df["aid"] == "D15600000505"
    assert df["records"] == []
    assert df["name"] == ""
    assert set(df) == set(file_structure.NODE_KEYS)


def test_validate_accepts_a_new_df_with_an_ef_and_its_records():
    nodes = with_node(path="3F00/DF05", level="DF", fid="DF05", aid="D15600000505") + [
        {
            "path": "3F00/DF05/EF01",
            "level": "EF",
            "fid": "EF01",
            "ef_type": "linear_fixed",
            "records": [{"tag": "0a", "length": 8, "format": "an", "name": "工伤类别"}],
        }
    ]
    result = validate(nodes)
    assert node_at(result, "3F00/DF05/EF01")["records"][0]["tag"] == "0A"


# validate: what it refuses


def test_validate_refuses_a_path_that_appears_twice():
    nodes = with_node(path="3F00/DF01", level="DF", fid="DF01", aid="D15600000599")
    assert "3F00/DF01 appears twice." in refused(nodes)


def test_validate_refuses_an_ef_with_a_child():
    nodes = with_node(path="3F00/DDF1/EF05/0001", level="EF", fid="0001", ef_type="transparent")
    assert "3F00/DDF1/EF05/0001: an EF cannot have children." in refused(nodes)


def test_validate_refuses_a_node_whose_parent_is_missing():
    nodes = with_node(path="3F00/DF09/EF01", level="EF", fid="EF01", ef_type="transparent")
    assert "3F00/DF09/EF01: its parent does not exist." in refused(nodes)


@pytest.mark.parametrize(
    "node",
    [
        {"path": "3F00/DF0G", "level": "DF", "fid": "DF0G"},  # not hex
        {"path": "3F00/DF123", "level": "DF", "fid": "DF123"},  # five digits
        {"path": "3F00/DF05", "level": "DF", "fid": "DF06"},  # does not end the path
        {"path": "3F00/DF05", "level": "DF", "fid": ""},  # missing
    ],
    ids=["not-hex", "too-long", "not-the-path", "missing"],
)
def test_validate_refuses_a_bad_fid(node):
    messages = refused(with_node(**node))
    assert f"{node['path']}: the FID must be 4 hex digits and end the path." in messages


@pytest.mark.parametrize(
    "aid",
    ["D156", "XYZ0000000", "D1560000050100000000000000000000FF"],
    ids=["too-short", "not-hex", "too-long"],
)
def test_validate_refuses_a_bad_aid(aid):
    messages = refused(with_node(path="3F00/DF05", level="DF", fid="DF05", aid=aid))
    assert "3F00/DF05: the AID must be 5 to 16 bytes of hex." in messages


# Regression test (bug fixed in e1a0113). Before the fix: the AID check accepts an odd number of hex
# digits (AID regex is {10,32} hex digits, not whole bytes)
def test_validate_refuses_an_aid_that_is_not_whole_bytes():
    messages = refused(with_node(path="3F00/DF05", level="DF", fid="DF05", aid="D1560000050"))
    assert "3F00/DF05: the AID must be 5 to 16 bytes of hex." in messages


@pytest.mark.parametrize(
    "aid",
    ["D15600000A01", "D27600012401", "E828BD080F", "F000000001", "B000000333"],
    ids=["letter-in-the-rid", "another-countrys-rid", "oid-category", "proprietary", "no-category"],
)
def test_validate_refuses_an_aid_that_does_not_start_with_a_registered_rid(aid):
    messages = refused(with_node(path="3F00/DF05", level="DF", fid="DF05", aid=aid))
    assert any(
        m.startswith(f"3F00/DF05: the AID {aid} must start with a registered RID") for m in messages
    ), messages


@pytest.mark.parametrize("aid", ["D15600000505", "D156000005", "A000000333010101"])
def test_validate_accepts_aids_under_the_national_or_an_international_rid(aid):
    validate(with_node(path="3F00/DF05", level="DF", fid="DF05", aid=aid))


def test_validate_refuses_a_tree_without_the_mf():
    nodes = [n for n in national_structure() if n["path"] != "3F00"]
    messages = refused(nodes)
    assert "There must be exactly one root, the MF with FID 3F00." in messages
    assert "3F00/DDF1: its parent does not exist." in messages


@pytest.mark.parametrize(
    "roots",
    [
        [{"path": "3F00", "level": "DF", "fid": "3F00"}],  # the root is not an MF
        [{"path": "3F01", "level": "MF", "fid": "3F01"}],  # the MF has the wrong FID
        [MF, {"path": "3F01", "level": "MF", "fid": "3F01"}],  # two roots
        [],  # nothing at all
    ],
    ids=["root-not-mf", "wrong-fid", "two-roots", "empty"],
)
def test_validate_refuses_anything_but_one_mf_3f00_at_the_root(roots):
    assert "There must be exactly one root, the MF with FID 3F00." in refused(roots)


def test_validate_refuses_an_mf_below_the_root():
    messages = refused(with_node(path="3F00/3F01", level="MF", fid="3F01"))
    assert "3F00/3F01: only the root can be the MF." in messages


def test_validate_refuses_an_unknown_level():
    messages = refused(with_node(path="3F00/DF05", level="XF", fid="DF05"))
    assert "3F00/DF05: level must be one of MF, DDF, DF, EF." in messages


def test_validate_refuses_an_ef_without_a_type_and_bad_records():
    node = {
        "path": "3F00/DF01/EF01",
        "level": "EF",
        "fid": "EF01",
        "records": [
            {"tag": "1", "length": 4, "format": "an"},
            {"tag": "02", "length": 0, "format": "zz"},
        ],
    }
    messages = refused(with_node(**node))
    assert "3F00/DF01/EF01: choose the EF type." in messages
    assert "3F00/DF01/EF01: record 1 needs a 2-hex-digit tag and a format." in messages
    assert "3F00/DF01/EF01: record 02 needs a 2-hex-digit tag and a format." in messages
    assert "3F00/DF01/EF01: record 02 needs a positive length." in messages


def test_validate_refuses_records_or_a_type_on_a_df():
    node = {"path": "3F00/DF05", "level": "DF", "fid": "DF05", "ef_type": "transparent"}
    assert "3F00/DF05: only an EF has a type and records." in refused(with_node(**node))


def test_validate_refuses_something_that_is_not_a_list():
    for not_a_list in [{"3F00": MF}, None, "3F00"]:
        [message] = refused(not_a_list)
        assert message.startswith(NOT_A_LIST)


# Regression test (bug fixed in e1a0113). Before the fix: validate() crashes
# (AttributeError/TypeError) instead of raising ValidationError when a node or record is not a
# JSON object or a path is not a string
@pytest.mark.parametrize(
    "nodes",
    [
        [MF, 7],
        [{"path": 3, "level": "MF", "fid": "3F00"}],
        [
            MF,
            {
                "path": "3F00/EF01",
                "level": "EF",
                "fid": "EF01",
                "ef_type": "cyclic",
                "records": "x",
            },
        ],
    ],
    ids=["node-not-object", "path-not-string", "records-not-list"],
)
def test_validate_refuses_malformed_nodes_with_a_message(nodes):
    assert refused(nodes)


# JSON


def test_json_export_and_import_round_trip():
    nodes = validate(with_node(path="3F00/DF05", level="DF", fid="DF05", name="工伤保险"))
    text = to_json(nodes)
    assert json.loads(text)["nodes"] == nodes
    assert "工伤保险" in text  # readable, not \u-escaped
    assert from_json(text) == nodes
    assert from_json(text.encode()) == nodes


def test_json_import_accepts_a_bare_list_of_nodes():
    assert from_json(json.dumps(national_structure())) == national_structure()


def test_json_import_refuses_text_that_is_not_json():
    with pytest.raises(ValidationError) as refusal:
        from_json("{not json")
    assert refusal.value.messages[0].startswith("This is not valid JSON:")


def test_json_import_refuses_bytes_that_are_not_utf8():
    with pytest.raises(ValidationError) as refusal:
        from_json(b"\xff\xfe\x00garbage")
    assert refusal.value.messages[0].startswith("This is not valid JSON:")


def test_json_import_refuses_an_object_without_nodes():
    with pytest.raises(ValidationError) as refusal:
        from_json(json.dumps({"tree": national_structure()}))
    [message] = refusal.value.messages
    assert message.startswith(NOT_A_LIST)


def test_json_import_applies_the_tree_rules():
    nodes = with_node(path="3F00/DDF1/EF05/0001", level="EF", fid="0001", ef_type="transparent")
    with pytest.raises(ValidationError) as refusal:
        from_json(to_json(nodes))
    assert "3F00/DDF1/EF05/0001: an EF cannot have children." in refusal.value.messages


# diff


def test_diff_of_equal_structures_is_empty():
    assert diff(national_structure(), national_structure()) == {
        "added": [],
        "removed": [],
        "changed": [],
    }


def test_diff_ignores_order_case_and_missing_defaults():
    before = national_structure()
    after = [
        {key: value for key, value in node.items() if value not in ("", [])}
        for node in reversed(national_structure())
    ]
    node_at(after, "3F00/DF01")["aid"] = "d15600000501"
    assert not any(diff(before, after).values())


# Regression test (bug fixed in e1a0113). Before the fix: normalise() upper-cases FIDs and AIDs but
# not paths, so a structure written with lower-case paths validates yet differs from the identical
# upper-case one in every node
def test_lower_case_paths_are_either_refused_or_the_same_structure():
    lower = [dict(n, path=n["path"].lower()) for n in national_structure()]
    try:
        nodes = validate(lower)
    except ValidationError:
        return  # refusing them with a message is correct too
    assert not any(diff(national_structure(), nodes).values())


def test_diff_reports_added_removed_and_changed_nodes():
    before = national_structure()
    after = copy.deepcopy(before)
    after = [n for n in after if n["path"] != "3F00/DF03"]
    after.append({"path": "3F00/DF05", "level": "DF", "fid": "DF05", "aid": "D15600000505"})
    ef06 = node_at(after, "3F00/DDF1/EF06")
    ef06["records"].append({"tag": "0F", "length": 20, "format": "an", "name": "国籍"})

    result = diff(before, validate(after))

    assert [n["path"] for n in result["added"]] == ["3F00/DF05"]
    assert result["added"][0]["aid"] == "D15600000505"
    assert [n["path"] for n in result["removed"]] == ["3F00/DF03"]
    assert [c["path"] for c in result["changed"]] == ["3F00/DDF1/EF06"]
    changed = result["changed"][0]
    assert len(changed["after"]["records"]) == len(changed["before"]["records"]) + 1
    assert changed["after"]["records"][-1]["name"] == "国籍"


def test_diff_reports_a_renamed_df_and_a_changed_record_length_as_changed():
    after = national_structure()
    node_at(after, "3F00/DDF1")["name"] = "sx1.sh.社会保障卡"
    node_at(after, "3F00/DDF1/EF05")["records"][0]["length"] = 32
    result = diff(national_structure(), after)
    assert [c["path"] for c in result["changed"]] == ["3F00/DDF1", "3F00/DDF1/EF05"]
    assert result["added"] == result["removed"] == []


def test_diff_of_removing_a_df_lists_its_children_too():
    after = [n for n in national_structure() if not n["path"].startswith("3F00/DF04")]
    removed = diff(national_structure(), after)["removed"]
    assert [n["path"] for n in removed] == ["3F00/DF04", "3F00/DF04/EF05"]
