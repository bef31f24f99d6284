"""The in-card file structure pages, the same for every kind of case that has one (an
application, a change request): the tree, one node at a time, and JSON in and out.

The kind's URLs put them under the case: <case>/structure/, <case>/structure/node/ and
<case>/structure.json.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from issuers import file_structure

from . import actions
from .documents import attachment_response
from .forms import FileStructureForm, NodeForm
from .models import Case


def show_refusal(request: HttpRequest, error: Exception) -> None:
    """A refused action's reason (or a failed upload check's messages) as error messages."""
    lines = error.messages if isinstance(error, ValidationError) else [str(error)]
    for line in lines:
        messages.error(request, line)


def structure_page(request: HttpRequest, case: Case) -> HttpResponse:
    initial = {"structure": file_structure.to_json(case.file_structure)}
    form = FileStructureForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.replace_file_structure(case, form.cleaned_data["nodes"], by=request.user)
        except (ValidationError, actions.ActionRefused) as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("File structure saved."))
            return redirect(case)
    return render(
        request,
        "approvals/structure.html",
        {"case": case, "form": form, "node_form": NodeForm(prefix="node")},
    )


def structure_node(request: HttpRequest, case: Case) -> HttpResponse:
    """Add or replace one node (or remove it, with its children)."""
    back = redirect(f"{case.get_absolute_url()}structure/")
    node_form = NodeForm(request.POST, prefix="node")
    if not node_form.is_valid():
        messages.error(request, " ".join(e for errors in node_form.errors.values() for e in errors))
        return back
    node = node_form.node()
    nodes = [n for n in case.file_structure if n["path"] != node["path"]]
    if "remove" in request.POST:
        nodes = [n for n in nodes if not n["path"].startswith(node["path"] + "/")]
    else:
        nodes.append(node)
    try:
        actions.replace_file_structure(case, nodes, by=request.user)
    except (ValidationError, actions.ActionRefused) as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("File structure saved."))
    return back


def structure_export(case: Case) -> HttpResponse:
    data = file_structure.to_json(case.file_structure).encode()
    return attachment_response(data, f"{case.reference}-file-structure.json", "application/json")
