"""The procedures of seed 000 and the Measures, ch. 2: registration approval (注册审批, steps
1-3) and changes (变更审批 / 变更备案, step 4)."""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from issuers.models import Department

from . import actions, changes, task_views
from .access import department_of, visible_processes
from .locks import case_lock
from .models import Application, ChangeKind, ChangeProcess, ChangeRequest, IssuanceProcess

Status = Application.Status
ChangeStatus = ChangeRequest.Status


def _case(process) -> Application | ChangeRequest:  # noqa: ANN001 - base or subclass
    return process.coerced.case


def _examining_department(process) -> Department:  # noqa: ANN001
    return _case(process).department.examining_department()


def _applicant_department(process) -> Department:  # noqa: ANN001
    return _case(process).department


def _ministry(process=None) -> Department:  # noqa: ANN001
    return Department.objects.ministry()


def _status_is(status: str):  # noqa: ANN202
    return lambda activation: activation.process.case.status == status


def _needs_provincial_examination(activation) -> bool:  # noqa: ANN001
    return activation.process.case.needs_provincial_examination


def _has_view_permission(flow_instance, user, obj=None) -> bool:  # noqa: ANN001
    """Flow pages need a department (or superuser); a case page needs jurisdiction."""
    if not (user.is_authenticated and user.is_active):
        return False
    if not user.is_superuser and department_of(user) is None:
        return False
    if obj is None:
        return True
    return visible_processes(user, flow_instance.process_class).filter(pk=obj.pk).exists()


def _has_manage_permission(flow_instance, user, obj=None) -> bool:  # noqa: ANN001
    """Nobody, the superuser included, may cancel, undo or revive steps of a case: each
    decision is a legal act and changes only through the procedure, with its timeline entry."""
    return False


class OfficialTask(flow.View):
    """A task done by a department's officials.

    Unlike a plain View, the department permission and the four-eyes rule are checked
    again on every request, not only when the task is taken: a revoked membership
    ends access at once, and nobody from the applying side decides on its own case.
    """

    def __init__(self, view, *, applicant_side: bool = False) -> None:  # noqa: ANN001
        super().__init__(view)
        self.applicant_side = applicant_side

    def _may_act(self, user, task) -> bool:  # noqa: ANN001
        """Checked once per request (viewflow asks several times while it dispatches)."""
        checked = user.__dict__.setdefault("_may_act", {})
        if task.pk not in checked:
            checked[task.pk] = self._check_official(user, task)
        return checked[task.pk]

    def _check_official(self, user, task) -> bool:  # noqa: ANN001
        if department_of(user) is None:
            return False
        if not self.applicant_side and _case(task.process).is_applicant(user):
            return False
        # The department the task was created for (viewflow stored it with the task), not
        # one looked up again: only its officials, by the object permission, may act.
        if task.owner_permission_obj_pk is None:
            return False
        scope = ContentType.objects.get_for_id(task.owner_permission_content_type_id)
        department = scope.model_class()(pk=task.owner_permission_obj_pk)
        return user.has_perm(task.owner_permission, department)

    def can_assign(self, user, task) -> bool:  # noqa: ANN001
        # viewflow's own check also accepts a model-wide permission, which nobody is granted
        # here (permissions are per department), so it is left out.
        if task.owner_id is not None or not user.is_authenticated:
            return False
        return self._may_act(user, task)

    def can_execute(self, user, task) -> bool:  # noqa: ANN001
        # viewflow compares the owner object, which loads it; its id is enough.
        if task.owner_id is None or task.owner_id != user.pk:
            return False
        return self._may_act(user, task)


class IssuanceFlow(flow.Flow):
    """Issuance approval

    Application to issue social security cards, from submission to a filed issuer ID.
    """

    process_class = IssuanceProcess
    lock_impl = case_lock

    # applicant
    submit = (
        flow.StartHandle(this.start_case)
        .Annotation(
            title=_("Submit application"),
            description=_(
                "Only a provincial department or a municipal bureau may apply (seed 000)."
            ),
        )
        .Next(this.route_by_applicant_level)
    )

    route_by_applicant_level = (
        flow.If(_needs_provincial_examination)
        .Annotation(
            title=_("Municipal bureau?"),
            description=_("A municipal bureau applies through its province; a province directly."),
        )
        .Then(this.provincial_examination)
        .Else(this.ministry_review)
    )

    # provincial department
    provincial_examination = (
        OfficialTask(task_views.examination_view)
        .Annotation(
            title=_("Preliminary examination"),
            description=_("Procedure step 2: the province examines a municipal application first."),
        )
        .Permission("issuers.examine_application", obj=_examining_department)
        .Next(this.after_examination)
    )

    after_examination = (
        flow.Switch()
        .Annotation(title=_("Examination outcome"))
        .Case(this.ministry_review, _status_is(Status.MINISTRY_REVIEW))
        .Case(this.correction, _status_is(Status.RETURNED))
        .Default(this.rejected)
    )

    # Ministry IT Office
    ministry_review = (
        OfficialTask(task_views.review_view)
        .Annotation(
            title=_("Ministry review"),
            description=_("Procedure steps 1-3: the Ministry IT Office reviews every application."),
        )
        .Permission("issuers.review_application", obj=_ministry)
        .Next(this.after_review)
    )

    after_review = (
        flow.Switch()
        .Annotation(title=_("Review outcome"))
        .Case(this.allocate_issuer_id, _status_is(Status.APPROVED))
        .Case(this.correction, _status_is(Status.RETURNED))
        .Default(this.rejected)
    )

    allocate_issuer_id = (
        flow.Function(this.allocate)
        .Annotation(
            title=_("Allocate issuer ID"),
            description=_("Procedure step 3: one national issuer ID per approved area."),
        )
        .Next(this.registry_filing)
    )

    registry_filing = (
        OfficialTask(task_views.filing_view)
        .Annotation(
            title=_("File with the National IC Card Registration Center"),
            description=_("Procedure step 3: the issuer ID is filed with the registration centre."),
        )
        .Permission("issuers.file_issuer", obj=_ministry)
        .Next(this.filed)
    )

    # applicant, after a return
    correction = (
        OfficialTask(task_views.correction_view, applicant_side=True)
        .Annotation(
            title=_("Correct and resubmit"),
            description=_("A returned application is corrected and examined again from the start."),
        )
        .Permission("issuers.submit_application", obj=_applicant_department)
        .Next(this.route_by_applicant_level)
    )

    filed = flow.End().Annotation(title=_("Filed"))
    rejected = flow.End().Annotation(title=_("Rejected"))

    def start_case(self, activation, application: Application) -> IssuanceProcess:  # noqa: ANN001
        """Only a provincial department or a municipal bureau may apply (seed 000)."""
        activation.process.application = application
        return activation.process

    def allocate(self, activation) -> None:  # noqa: ANN001
        """The Ministry allocates an issuer ID right after approval (procedure step 3)."""
        actions.allocate_issuer(activation.process.application)

    has_view_permission = _has_view_permission
    has_manage_permission = _has_manage_permission


class ChangeFlow(flow.Flow):
    """Change request

    A change to what an approved issuer registered. Card surface and file structure need
    re-approval; supplier, product, population and quantity are filed for the record.
    """

    process_class = ChangeProcess
    lock_impl = case_lock

    # issuer
    submit = (
        flow.StartHandle(this.start_case)
        .Annotation(
            title=_("Submit change request"),
            description=_("Only the issuer's own department may change what it registered."),
        )
        .Next(this.route_by_kind_of_change)
    )

    route_by_kind_of_change = (
        flow.If(lambda activation: activation.process.case.route == ChangeKind.Route.REAPPROVAL)
        .Annotation(
            title=_("Re-approval needed?"),
            description=_(
                "Surface and file structure changes, and unknown kinds, are re-approved."
            ),
        )
        .Then(this.route_by_applicant_level)
        .Else(this.acknowledgement)
    )

    route_by_applicant_level = (
        flow.If(_needs_provincial_examination)
        .Annotation(
            title=_("Municipal bureau?"),
            description=_("Re-approval takes the review path of the original application."),
        )
        .Then(this.provincial_examination)
        .Else(this.ministry_review)
    )

    # provincial department
    provincial_examination = (
        OfficialTask(task_views.examination_view)
        .Annotation(
            title=_("Preliminary examination"),
            description=_("The province examines a municipal bureau's re-approval first."),
        )
        .Permission("issuers.examine_application", obj=_examining_department)
        .Next(this.after_examination)
    )

    after_examination = (
        flow.Switch()
        .Annotation(title=_("Examination outcome"))
        .Case(this.ministry_review, _status_is(ChangeStatus.MINISTRY_REVIEW))
        .Case(this.correction, _status_is(ChangeStatus.RETURNED))
        .Default(this.rejected)
    )

    # Ministry IT Office
    ministry_review = (
        OfficialTask(task_views.review_view)
        .Annotation(
            title=_("Ministry re-approval"),
            description=_("Procedure step 4: surface and file structure changes are re-approved."),
        )
        .Permission("issuers.review_application", obj=_ministry)
        .Next(this.after_review)
    )

    after_review = (
        flow.Switch()
        .Annotation(title=_("Review outcome"))
        .Case(this.put_in_force, _status_is(ChangeStatus.APPROVED))
        .Case(this.correction, _status_is(ChangeStatus.RETURNED))
        .Default(this.rejected)
    )

    acknowledgement = (
        OfficialTask(task_views.acknowledgement_view)
        .Annotation(
            title=_("Acknowledge for the record"),
            description=_("Procedure step 4: other changes are only filed for the record."),
        )
        .Permission("issuers.review_application", obj=_ministry)
        .Next(this.after_acknowledgement)
    )

    after_acknowledgement = (
        flow.Switch()
        .Annotation(title=_("Acknowledged?"))
        .Case(this.put_in_force, _status_is(ChangeStatus.ACKNOWLEDGED))
        .Default(this.correction)
    )

    put_in_force = (
        flow.Function(this.new_version)
        .Annotation(
            title=_("New registered version"),
            description=_("Changed cards may be issued only once the change procedure is done."),
        )
        .Next(this.done)
    )

    # issuer, after a return
    correction = (
        OfficialTask(task_views.correction_view, applicant_side=True)
        .Annotation(
            title=_("Correct and resubmit"),
            description=_("A returned change is routed again by what it then changes."),
        )
        .Permission("issuers.submit_application", obj=_applicant_department)
        .Next(this.route_by_kind_of_change)
    )

    done = flow.End().Annotation(title=_("In force"))
    rejected = flow.End().Annotation(title=_("Rejected"))

    def start_case(self, activation, change_request: ChangeRequest) -> ChangeProcess:  # noqa: ANN001
        activation.process.change_request = change_request
        return activation.process

    def new_version(self, activation) -> None:  # noqa: ANN001
        changes.put_in_force(activation.process.change_request)

    has_view_permission = _has_view_permission
    has_manage_permission = _has_manage_permission
