"""The ways a notebook cannot be made, each with a reason a person can act on."""

from __future__ import annotations


class NotebookProblem(Exception):
    """A problem with the notebook's inputs: a condition and an event, not a retry.

    `reason` is a CamelCase word for machines (the condition's reason); the
    message says what is wrong and what names are involved.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
