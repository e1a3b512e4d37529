"""The office layer's errors: one kind per outcome a door must report differently.

Each carries a machine code, a one-line Vietnamese message and the input field it is
about, so the CLI prints `message` and the HTTP API answers
`{"error": {"code", "message", "field"}}` with `status`, without knowing the rule.
"""


class OfficeError(Exception):
    """A request the office cannot carry out; nothing was written."""

    status = 400

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class Invalid(OfficeError):
    """Bad input: a value that breaks a rule (e.g. a case code with spaces)."""

    status = 422


class NotFound(OfficeError):
    """Something named that does not exist (a ward, a case)."""

    status = 404


class Conflict(OfficeError):
    """The request disagrees with what is already recorded."""

    status = 409


class Forbidden(OfficeError):
    """The caller may not touch that ward's data."""

    status = 403
