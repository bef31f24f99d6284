"""The procedures of seed 000 and the Measures, ch. 2, as flows: registration approval
(注册审批, procedure steps 1-3) and changes (变更审批 / 变更备案, step 4).

Each step's action (approvals.actions) applies the rules and writes the case's status; the
gateways route on that status and nothing else. A gateway lists a case for every status it
expects and has no default: a status nobody expected raises FlowRuntimeError and rolls the
step back, it never sends a case to an end such as "Rejected".
"""

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.models import Task

from issuers.membership import Official, department_of
from issuers.models import Department

from . import actions, changes, readiness_task_views, task_views
from .access import visible_processes
from .locks import case_lock
from .models import Application, Authorisation, Case, CaseProcess, ChangeRequest

Status = Application.Status
ChangeStatus = ChangeRequest.Status


def _examining_department(process: CaseProcess) -> Department:
    return process.coerced.get_case().department.examining_department()


def _applicant_department(process: CaseProcess) -> Department:
    return process.coerced.get_case().department


def _ministry(process: CaseProcess | None = None) -> Department:
    return Department.objects.ministry()


def _authorisation_office(process: CaseProcess | None = None) -> Department:
    return Department.objects.authorisation_office()


def status_is(status: str):  # a gateway condition
    return lambda activation: activation.process.get_case().status == status


class OfficialTask(flow.View):
    """A task done by a department's officials.

    Unlike a plain View, the department permission and the four-eyes rule are checked
    again on every request, not only when the task is taken: a revoked membership
    ends access at once, and nobody from the applying side decides on its own case.
    `decides` is the status of the case whose decision the task records.
    """

    def __init__(self, view, *, applicant_side: bool = False, decides: str = "") -> None:
        super().__init__(view)
        self.applicant_side = applicant_side
        self.decides = decides

    def _may_act(self, user: AbstractBaseUser, task: Task) -> bool:
        """Checked once per request (viewflow asks several times while it dispatches)."""
        verdicts = Official.of(user).may_act
        if task.pk not in verdicts:
            verdicts[task.pk] = self._check_official(user, task)
        return verdicts[task.pk]

    def _check_official(self, user: AbstractBaseUser, task: Task) -> bool:
        if department_of(user) is None:
            return False
        if not self.applicant_side and task.process.coerced.get_case().is_applicant(user):
            return False
        # The department the task was created for (viewflow stored it with the task), not
        # one looked up again: only its officials, by the object permission, may act.
        if task.owner_permission_obj_pk is None:
            return False
        scope = ContentType.objects.get_for_id(task.owner_permission_content_type_id)
        department = scope.model_class()(pk=task.owner_permission_obj_pk)
        return user.has_perm(task.owner_permission, department)

    def can_assign(self, user: AbstractBaseUser, task: Task) -> bool:
        # viewflow's own check also accepts a model-wide permission, which nobody is granted
        # here (permissions are per department), so it is left out.
        if task.owner_id is not None or not user.is_authenticated:
            return False
        return self._may_act(user, task)

    def can_execute(self, user: AbstractBaseUser, task: Task) -> bool:
        # viewflow compares the owner object, which loads it; its id is enough.
        if task.owner_id is None or task.owner_id != user.pk:
            return False
        return self._may_act(user, task)


class CaseFlow:
    """What the flows of every kind of case share: how a case enters its flow, who may see
    its pages, and that nobody manages its steps from outside the procedure."""

    process_class = CaseProcess
    lock_impl = case_lock
    case_class: type[Case] = Case

    @classmethod
    def submit_case(cls, case: Case, *, by: AbstractBaseUser) -> Case:
        """Submit a draft and start its process, in one transaction."""
        with transaction.atomic():
            return cls.submit.run(case=case, by=by)

    def start_case(self, activation: Activation, case: Case, by: AbstractBaseUser) -> Case:
        """Seed 000: only the applying department submits, and only a provincial department
        or a municipal bureau may apply; actions.submit refuses anyone else."""
        case = actions.submit(case, by=by)
        activation.process.case = case
        return case

    def has_view_permission(self, user: AbstractBaseUser, obj: CaseProcess | None = None) -> bool:
        """Flow pages need a department (or superuser); a case page needs jurisdiction."""
        if not (user.is_authenticated and user.is_active):
            return False
        if not user.is_superuser and department_of(user) is None:
            return False
        if obj is None:
            return True
        return visible_processes(user, type(self)).filter(pk=obj.pk).exists()

    def has_manage_permission(self, user: AbstractBaseUser, obj: CaseProcess | None = None) -> bool:
        """Nobody, the superuser included, may cancel, undo or revive steps of a case: each
        decision is a legal act and changes only through the procedure, with its timeline entry."""
        return False


class IssuanceFlow(CaseFlow, flow.Flow):
    """Issuance approval

    Application to issue social security cards, from submission to a filed issuer ID.
    """

    case_class = Application

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
        flow.Switch()
        .Annotation(
            title=_("Municipal bureau?"),
            description=_("A municipal bureau applies through its province; a province directly."),
        )
        .Case(this.provincial_examination, status_is(Status.PROVINCIAL_EXAMINATION))
        .Case(this.ministry_review, status_is(Status.MINISTRY_REVIEW))
    )

    # provincial department
    provincial_examination = (
        OfficialTask(task_views.decision_view, decides=Status.PROVINCIAL_EXAMINATION)
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
        .Case(this.ministry_review, status_is(Status.MINISTRY_REVIEW))
        .Case(this.correction, status_is(Status.RETURNED))
        .Case(this.rejected, status_is(Status.REJECTED))
    )

    # Ministry IT Office
    ministry_review = (
        OfficialTask(task_views.decision_view, decides=Status.MINISTRY_REVIEW)
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
        .Case(this.allocate_issuer_id, status_is(Status.APPROVED))
        .Case(this.correction, status_is(Status.RETURNED))
        .Case(this.rejected, status_is(Status.REJECTED))
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

    def allocate(self, activation: Activation) -> None:
        """The Ministry allocates an issuer ID right after approval (procedure step 3)."""
        actions.allocate_issuer(activation.process.get_case())


class ChangeFlow(CaseFlow, flow.Flow):
    """Change request

    A change to what an approved issuer registered. Card surface and file structure need
    re-approval; supplier, product, population and quantity are filed for the record.
    """

    case_class = ChangeRequest

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
        flow.Switch()
        .Annotation(
            title=_("Re-approval needed?"),
            description=_(
                "Surface and file structure changes, and unknown kinds, are re-approved, "
                "a municipal bureau's through its province; other changes are filed."
            ),
        )
        .Case(this.provincial_examination, status_is(ChangeStatus.PROVINCIAL_EXAMINATION))
        .Case(this.ministry_review, status_is(ChangeStatus.MINISTRY_REVIEW))
        .Case(this.acknowledgement, status_is(ChangeStatus.AWAITING_ACKNOWLEDGEMENT))
    )

    # provincial department
    provincial_examination = (
        OfficialTask(task_views.decision_view, decides=ChangeStatus.PROVINCIAL_EXAMINATION)
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
        .Case(this.ministry_review, status_is(ChangeStatus.MINISTRY_REVIEW))
        .Case(this.correction, status_is(ChangeStatus.RETURNED))
        .Case(this.rejected, status_is(ChangeStatus.REJECTED))
    )

    # Ministry IT Office
    ministry_review = (
        OfficialTask(task_views.decision_view, decides=ChangeStatus.MINISTRY_REVIEW)
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
        .Case(this.put_in_force, status_is(ChangeStatus.APPROVED))
        .Case(this.correction, status_is(ChangeStatus.RETURNED))
        .Case(this.rejected, status_is(ChangeStatus.REJECTED))
    )

    acknowledgement = (
        OfficialTask(task_views.decision_view, decides=ChangeStatus.AWAITING_ACKNOWLEDGEMENT)
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
        .Case(this.put_in_force, status_is(ChangeStatus.ACKNOWLEDGED))
        .Case(this.correction, status_is(ChangeStatus.RETURNED))
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

    def new_version(self, activation: Activation) -> None:
        changes.put_in_force(activation.process.get_case())

    @classmethod
    def withdraw(cls, change: ChangeRequest, *, by: AbstractBaseUser) -> None:
        """Withdraw a draft or a returned request; a returned one's waiting correction task
        is cancelled with it, under the case lock."""
        with transaction.atomic():
            was_returned = change.status == ChangeStatus.RETURNED
            changes.withdraw_change_request(change, by=by)
            if was_returned:
                cls.instance.cancel(change.process)


AuthStatus = Authorisation.Status
Gate = Authorisation.Gate


def gate_is(gate: str, state: str):  # a gateway condition on one of the parallel applications
    return lambda activation: getattr(activation.process.get_case(), gate) == state


class AuthorisationFlow(CaseFlow, flow.Flow):
    """Authorisation to issue

    From a filed issuer ID to issuing cards (社会保障卡发行管理流程 art. 2): keys and PSAM cards
    from the Ministry Information Center, side by side, then the general test.
    """

    case_class = Authorisation

    # issuer
    submit = (
        flow.StartHandle(this.start_case)
        .Annotation(
            title=_("Apply for keys and PSAM cards"),
            description=_("Only the filed issuer's own department applies (art. 2)."),
        )
        .Next(this.first_time_or_retest)
    )

    first_time_or_retest = (
        flow.Switch()
        .Annotation(
            title=_("Retest?"),
            description=_(
                "After a supplier, product, surface or file-structure change only the general "
                "test is taken again."
            ),
        )
        .Case(this.keys_and_psam, status_is(AuthStatus.GATES))
        .Case(this.test_application, status_is(AuthStatus.TEST_APPLICATION))
    )

    keys_and_psam = (
        flow.Split()
        .Annotation(
            title=_("Keys and PSAM cards"),
            description=_("Procedure steps 6-7: the two applications are examined side by side."),
        )
        .Next(this.key_examination)
        .Next(this.psam_examination)
    )

    # Ministry Information Center
    key_examination = (
        OfficialTask(readiness_task_views.key_examination_view)
        .Annotation(
            title=_("Key application"),
            description=_("Procedure step 6: the Information Center issues the keys."),
        )
        .Permission("issuers.handle_readiness", obj=_authorisation_office)
        .Next(this.after_key_examination)
    )

    after_key_examination = (
        flow.Switch()
        .Annotation(title=_("Keys issued?"))
        .Case(this.both_issued, gate_is("key_state", Gate.ISSUED))
        .Case(this.key_correction, gate_is("key_state", Gate.RETURNED))
    )

    key_correction = (
        OfficialTask(readiness_task_views.key_correction_view, applicant_side=True)
        .Annotation(
            title=_("Correct the key application"),
            description=_("The returned key application is corrected and examined again."),
        )
        .Permission("issuers.submit_application", obj=_applicant_department)
        .Next(this.key_examination)
    )

    psam_examination = (
        OfficialTask(readiness_task_views.psam_examination_view)
        .Annotation(
            title=_("PSAM card application"),
            description=_("Procedure step 7: the Information Center issues the PSAM cards."),
        )
        .Permission("issuers.handle_readiness", obj=_authorisation_office)
        .Next(this.after_psam_examination)
    )

    after_psam_examination = (
        flow.Switch()
        .Annotation(title=_("PSAM cards issued?"))
        .Case(this.both_issued, gate_is("psam_state", Gate.ISSUED))
        .Case(this.psam_correction, gate_is("psam_state", Gate.RETURNED))
    )

    psam_correction = (
        OfficialTask(readiness_task_views.psam_correction_view, applicant_side=True)
        .Annotation(
            title=_("Correct the PSAM card application"),
            description=_("The returned PSAM application is corrected and examined again."),
        )
        .Permission("issuers.submit_application", obj=_applicant_department)
        .Next(this.psam_examination)
    )

    both_issued = (
        flow.Join().Annotation(title=_("Keys and PSAM cards issued")).Next(this.test_application)
    )

    # issuer
    test_application = (
        OfficialTask(readiness_task_views.test_application_view, applicant_side=True)
        .Annotation(
            title=_("Apply for the general test"),
            description=_(
                "Procedure step 8: test cards made with the issued keys on the registered "
                "version in force; after a failure, fixed and tested again."
            ),
        )
        .Permission("issuers.submit_application", obj=_applicant_department)
        .Next(this.general_test)
    )

    # Ministry Information Center
    general_test = (
        OfficialTask(readiness_task_views.general_test_view)
        .Annotation(
            title=_("General test"),
            description=_(
                "Procedure step 8 (LD/T 6001.3-2023): every item passes, or the department "
                "fixes and retests."
            ),
        )
        .Permission("issuers.handle_readiness", obj=_authorisation_office)
        .Next(this.test_outcome)
    )

    test_outcome = (
        flow.Switch()
        .Annotation(title=_("All items passed?"))
        .Case(this.authorised, status_is(AuthStatus.AUTHORISED))
        .Case(this.test_application, status_is(AuthStatus.TEST_FAILED))
    )

    authorised = flow.End().Annotation(title=_("Authorised to issue"))
