"""The one error type the core raises for input it cannot accept."""

from __future__ import annotations


class SelectorError(ValueError):
    """Input that is not a valid ``GetEventSelectors`` response or selector list.

    ``path`` locates the problem in the input, e.g.
    ``AdvancedEventSelectors[1] 'sns'.FieldSelectors[0] (readOnly)``.
    """

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)
