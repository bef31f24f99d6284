"""The in-card file structure (卡内文件结构) as data: a flat list of nodes keyed by path.

A node is {"path", "level", "fid", "name", "aid", "ef_type", "records"}; its path is the
FIDs from the MF down ("3F00/DDF1/EF05"), which is what identifies it across versions.
Levels and file types follow ISO/IEC 7816-4 (domain.md §(d)8).
"""

import json
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LEVELS = ["MF", "DDF", "DF", "EF"]
EF_TYPES = ["transparent", "linear_fixed", "linear_variable", "cyclic"]
RECORD_FORMATS = ["an", "cn", "b", "n"]
FID = re.compile(r"^[0-9A-F]{4}$")
AID = re.compile(r"^(?:[0-9A-F]{2}){5,16}$")
# An AID starts with its registered RID (ISO/IEC 7816-5, domain.md (d)6): an international
# one, A + 9 digits, or China's national ones, D + 156 + 6 digits (D156000005 for the SSC).
REGISTERED_RID = re.compile(r"^(?:A\d{9}|D156\d{6})")
TAG = re.compile(r"^[0-9A-F]{2}$")
NODE_KEYS = ("path", "level", "fid", "name", "aid", "ef_type", "records")
TEXT_KEYS = ("path", "level", "fid", "name", "aid", "ef_type")
RECORD_TEXT_KEYS = ("tag", "format", "name")

# Bounds far above any real card (the national layout has 12 nodes) and low enough that a
# hostile document costs nothing to refuse.
MAX_JSON_BYTES = 256 * 1024
MAX_NODES = 500
MAX_RECORDS = 255  # a record number is one byte
MAX_TEXT = 100  # characters in a path, name or any other text of a node or record


def _records(*specs: tuple[str, int, str, str]) -> list[dict]:
    return [{"tag": t, "length": n, "format": f, "name": name} for t, n, f, name in specs]


def national_structure() -> list[dict]:
    """The basic SSC layout of the national specification (LD/T 32.3, summarised in §(d)8)."""
    nodes = [
        {"path": "3F00", "level": "MF", "fid": "3F00"},
        {"path": "3F00/DDF1", "level": "DDF", "fid": "DDF1", "name": "sx1.sh.社会保障"},
        {
            "path": "3F00/DDF1/EF05",
            "level": "EF",
            "fid": "EF05",
            "ef_type": "linear_variable",
            "records": _records(
                ("01", 16, "b", "卡识别码"),
                ("02", 1, "an", "卡的类别"),
                ("03", 4, "an", "规范版本"),
                ("04", 12, "b", "初始化机构编号"),
                ("05", 4, "cn", "发卡日期"),
                ("06", 4, "cn", "卡有效期"),
                ("07", 9, "an", "卡号"),
            ),
        },
        {
            "path": "3F00/DDF1/EF06",
            "level": "EF",
            "fid": "EF06",
            "ef_type": "linear_variable",
            "records": _records(
                ("08", 18, "an", "社会保障号码"),
                ("09", 30, "an", "姓名"),
                ("0B", 1, "cn", "性别"),
                ("0C", 1, "cn", "民族"),
                ("0E", 4, "cn", "出生日期"),
            ),
        },
        {"path": "3F00/DF01", "level": "DF", "fid": "DF01", "aid": "D15600000501"},
        {"path": "3F00/DF02", "level": "DF", "fid": "DF02", "aid": "D15600000502"},
        {"path": "3F00/DF03", "level": "DF", "fid": "DF03", "aid": "D15600000503"},
        {"path": "3F00/DF04", "level": "DF", "fid": "DF04", "aid": "D15600000504"},
        {
            "path": "3F00/DF04/EF05",
            "level": "EF",
            "fid": "EF05",
            "ef_type": "linear_variable",
            "records": _records(("01", 2, "cn", "医疗人员类别")),
        },
    ]
    return normalise(nodes)


def normalise(nodes: list[dict]) -> list[dict]:
    """Fill defaults and sort by path, so equal structures compare equal."""
    result = []
    for node in nodes:
        clean = {key: node.get(key) or ("" if key != "records" else []) for key in NODE_KEYS}
        clean["path"] = str(clean["path"]).upper()
        clean["fid"] = str(clean["fid"]).upper()
        clean["aid"] = str(clean["aid"]).upper()
        clean["records"] = [
            {
                "tag": str(r.get("tag", "")).upper(),
                "length": r.get("length"),
                "format": r.get("format", ""),
                "name": r.get("name", ""),
            }
            for r in clean["records"]
        ]
        result.append(clean)
    return sorted(result, key=lambda n: n["path"])


def validate(nodes: list[dict]) -> list[dict]:
    """Check the tree's rules; returns the normalised nodes or raises ValidationError."""
    if not isinstance(nodes, list):
        raise ValidationError(_("The file structure must be a list of nodes."))
    if len(nodes) > MAX_NODES:
        raise ValidationError(
            _("A file structure has at most %(max)s nodes; this one has %(count)s.")
            % {"max": MAX_NODES, "count": len(nodes)}
        )
    if not all(_is_node(n) for n in nodes):
        raise ValidationError(
            _(
                "Each node must be an object whose path, level, FID, name, AID and EF type are "
                "texts, and whose records are a list of objects with a text tag, format and "
                "name and a whole-number length."
            )
        )
    too_long = [n["path"][:MAX_TEXT] for n in nodes if _longest_text(n) > MAX_TEXT]
    if too_long:
        raise ValidationError(
            _("%(path)s: a path, name or other text has at most %(max)s characters.")
            % {"path": too_long[0], "max": MAX_TEXT}
        )
    if any(len(n.get("records") or []) > MAX_RECORDS for n in nodes):
        raise ValidationError(_("An EF has at most %(max)s records.") % {"max": MAX_RECORDS})
    if any("\x00" in text for n in nodes for text in _texts(n)):
        raise ValidationError(_("The file structure contains a NUL character."))
    nodes = normalise(nodes)
    errors = []
    by_path = {}
    for node in nodes:
        path = node["path"]
        if path in by_path:
            errors.append(_("%(path)s appears twice.") % {"path": path})
        by_path[path] = node
    roots = [n for n in nodes if "/" not in n["path"]]
    if len(roots) != 1 or roots[0]["level"] != "MF" or roots[0]["fid"] != "3F00":
        errors.append(_("There must be exactly one root, the MF with FID 3F00."))
    for node in nodes:
        errors += _node_errors(node, by_path)
    if errors:
        raise ValidationError(errors)
    return nodes


def _is_node(node: object) -> bool:
    if not isinstance(node, dict) or not isinstance(node.get("path"), str):
        return False
    if not all(isinstance(node.get(key) or "", str) for key in TEXT_KEYS):
        return False
    records = node.get("records") or []
    return isinstance(records, list) and all(_is_record(r) for r in records)


def _is_record(record: object) -> bool:
    if not isinstance(record, dict):
        return False
    length = record.get("length")
    return all(isinstance(record.get(key) or "", str) for key in RECORD_TEXT_KEYS) and (
        length is None or (isinstance(length, int) and not isinstance(length, bool))
    )


def _texts(node: dict) -> list[str]:
    """Every text of a node checked by _is_node, its records' included."""
    texts = [node.get(key) or "" for key in TEXT_KEYS]
    for record in node.get("records") or []:
        texts += [record.get(key) or "" for key in RECORD_TEXT_KEYS]
    return texts


def _longest_text(node: dict) -> int:
    return max(len(text) for text in _texts(node))


def _node_errors(node: dict, by_path: dict) -> list[str]:
    path, level = node["path"], node["level"]
    errors = []
    if level not in LEVELS:
        errors.append(_("%(path)s: level must be one of MF, DDF, DF, EF.") % {"path": path})
    if not FID.match(node["fid"]) or path.rsplit("/", 1)[-1].upper() != node["fid"]:
        errors.append(
            _("%(path)s: the FID must be 4 hex digits and end the path.") % {"path": path}
        )
    if "/" in path:
        parent = by_path.get(path.rsplit("/", 1)[0])
        if parent is None:
            errors.append(_("%(path)s: its parent does not exist.") % {"path": path})
        elif parent["level"] == "EF":
            errors.append(_("%(path)s: an EF cannot have children.") % {"path": path})
    if level == "MF" and "/" in path:
        errors.append(_("%(path)s: only the root can be the MF.") % {"path": path})
    if node["aid"] and not AID.match(node["aid"]):
        errors.append(_("%(path)s: the AID must be 5 to 16 bytes of hex.") % {"path": path})
    elif node["aid"] and not REGISTERED_RID.match(node["aid"]):
        errors.append(
            _(
                "%(path)s: the AID %(aid)s must start with a registered RID: A and 9 digits "
                "(international) or D156 and 6 digits (China, D156000005 for the SSC)."
            )
            % {"path": path, "aid": node["aid"]}
        )
    if level == "EF":
        if node["ef_type"] not in EF_TYPES:
            errors.append(_("%(path)s: choose the EF type.") % {"path": path})
        for record in node["records"]:
            if not TAG.match(record["tag"]) or record["format"] not in RECORD_FORMATS:
                errors.append(
                    _("%(path)s: record %(tag)s needs a 2-hex-digit tag and a format.")
                    % {"path": path, "tag": record["tag"]}
                )
            if not isinstance(record["length"], int) or record["length"] <= 0:
                errors.append(
                    _("%(path)s: record %(tag)s needs a positive length.")
                    % {"path": path, "tag": record["tag"]}
                )
    elif node["records"] or node["ef_type"]:
        errors.append(_("%(path)s: only an EF has a type and records.") % {"path": path})
    return errors


def from_json(text: str | bytes) -> list[dict]:
    size = len(text.encode() if isinstance(text, str) else text)
    if size > MAX_JSON_BYTES:
        raise ValidationError(
            _("The file structure is %(size)s kB; at most %(max)s kB is accepted.")
            % {"size": size // 1024, "max": MAX_JSON_BYTES // 1024}
        )
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValidationError(_("This JSON is nested too deeply to be a file structure.")) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationError(_("This is not valid JSON: %(error)s") % {"error": error}) from None
    if isinstance(data, dict):
        data = data.get("nodes")
    return validate(data)


def to_json(nodes: list[dict]) -> str:
    return json.dumps({"nodes": nodes}, ensure_ascii=False, indent=2)


def diff(before: list[dict], after: list[dict]) -> dict:
    """Nodes added, removed and changed between two structures."""
    old = {n["path"]: n for n in normalise(before)}
    new = {n["path"]: n for n in normalise(after)}
    return {
        "added": [new[p] for p in sorted(new.keys() - old.keys())],
        "removed": [old[p] for p in sorted(old.keys() - new.keys())],
        "changed": [
            {"path": p, "before": old[p], "after": new[p]}
            for p in sorted(old.keys() & new.keys())
            if old[p] != new[p]
        ],
    }
