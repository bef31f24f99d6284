"""The time limits of the steps as the Administrative Licensing Law sets them: the defaults
written by migration 0013 and restored by `clocks.limit_for` if a row is missing. Data only
(the migration imports it): an admin changes a limit in the admin, never here."""

ACCEPTANCE = (
    "Administrative Licensing Law art. 32 (行政许可法第三十二条): the office accepts the "
    "application or, within 5 working days, tells the applicant once and completely what to "
    "supplement; otherwise the application counts as accepted from the day of receipt."
)
EXAMINATION = (
    "Administrative Licensing Law art. 43 (第四十三条): a lower office that examines first "
    "finishes within 20 working days of acceptance."
)
DECISION = (
    "Administrative Licensing Law art. 42 (第四十二条): the deciding office decides within 20 "
    "working days; its head may extend once by 10 working days, telling the applicant why. "
    "Time for testing, expert review and hearings does not count (art. 45)."
)
SERVICE = (
    "Administrative Licensing Law art. 44 (第四十四条): the licence is served within 10 working "
    "days of the decision; here, the issuer ID is filed with the registration centre and the "
    "decision served with it."
)
RECORD = (
    "No statutory limit for a change filed for the record (备案); by default the decision "
    "limit of art. 42, without extension."
)

AUTHORISATION = (
    "社会保障卡发行管理流程 (2014) steps 6-8: no time limit is set for the key and PSAM "
    "applications or the general test (domain.md: UNCONFIRMED); by default 20 working days, "
    "as for the Ministry's own decisions. The two applications share one period."
)

# step: (title, working days, extension, legal basis)
LIMITS = {
    "application.acceptance": ("Issuance: acceptance", 5, 0, ACCEPTANCE),
    "application.provincial_examination": ("Issuance: preliminary examination", 20, 0, EXAMINATION),
    "application.ministry_review": ("Issuance: Ministry decision", 20, 10, DECISION),
    "application.registry_filing": ("Issuance: filing and service", 10, 0, SERVICE),
    "changerequest.acceptance": ("Change: acceptance", 5, 0, ACCEPTANCE),
    "changerequest.provincial_examination": ("Change: preliminary examination", 20, 0, EXAMINATION),
    "changerequest.ministry_review": ("Change: Ministry re-approval", 20, 10, DECISION),
    "changerequest.acknowledgement": ("Change: acknowledgement for the record", 20, 0, RECORD),
    "authorisation.keys_and_psam": ("Authorisation: keys and PSAM cards", 20, 0, AUTHORISATION),
    "authorisation.general_test": ("Authorisation: general test", 20, 0, AUTHORISATION),
}


def defaults_for(step: str) -> dict:
    """The TimeLimit fields of a step's statutory default."""
    title, amount, extension, basis = LIMITS[step]
    return {
        "title": title,
        "amount": amount,
        "unit": "days",
        "extension": extension,
        "legal_basis": basis,
    }
