"""The registration approval procedure (注册审批): seed 000 and the Measures, ch. 2."""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from issuers.models import Department

from . import actions, task_views
from .access import department_of, visible_processes
from .models import Application, IssuanceProcess

Status = Application.Status


def _application(process) -> Application:  # noqa: ANN001 - viewflow passes base or subclass
    return process.coerced.application


def _examining_department(process) -> Department:  # noqa: ANN001
    return _application(process).department.examining_department()


def _applicant_department(process) -> Department:  # noqa: ANN001
    return _application(process).department


def _ministry(process=None) -> Department:  # noqa: ANN001
    return Department.objects.ministry()


def _status_is(status: str):  # noqa: ANN202
    return lambda activation: activation.process.application.status == status


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
        if department_of(user) is None:
            return False
        application = _application(task.process)
        if not self.applicant_side and application.is_applicant(user):
            return False
        return user.has_perm(task.owner_permission, self._owner_permission_obj(task.process))

    def can_assign(self, user, task) -> bool:  # noqa: ANN001
        return super().can_assign(user, task) and self._may_act(user, task)

    def can_execute(self, user, task) -> bool:  # noqa: ANN001
        return super().can_execute(user, task) and self._may_act(user, task)


class IssuanceFlow(flow.Flow):
    """Issuance approval

    Application to issue social security cards, from submission to a filed issuer ID.
    """

    process_class = IssuanceProcess
    lock_impl = lock.select_for_update_lock

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
        flow.If(lambda activation: activation.process.application.needs_provincial_examination)
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

    def has_view_permission(self, user, obj=None) -> bool:  # noqa: ANN001
        if not (user.is_authenticated and user.is_active):
            return False
        if not user.is_superuser and department_of(user) is None:
            return False
        if obj is None:
            return True
        return visible_processes(user).filter(pk=obj.pk).exists()
