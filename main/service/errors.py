"""Domain errors; the controllers map each to one status code or one dead-letter reason."""

import json


class ServiceError(Exception):
    """Base of the errors a use case raises on purpose."""


class NotFound(ServiceError):
    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"{what} {key!r} not found")
        self.what = what
        self.key = key


class InvalidEvent(ServiceError):
    """The event can never be applied as sent: a data error, dead-lettered at once."""

    def __init__(self, message: str, errors: dict | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}

    @property
    def reason(self) -> str:
        """One line for a dead letter or a rejected line of a file: the message, then the fields."""
        return f"{self}: {json.dumps(self.errors, sort_keys=True)}" if self.errors else str(self)


class Unavailable(ServiceError):
    """A dependency is down or busy: an outage, waited out, never a data error."""


class Conflict(Unavailable):
    """Another writer committed first to what a unit of work read: playing the batch again on
    what is stored now is safe (graph_writer.py does, a few times, before it is an outage)."""


class GeocoderMisconfigured(ServiceError):
    """The geocoder refused our credentials: loud, and no retry will help until someone fixes it."""


class InvalidToken(ServiceError):
    """A bearer token that proves nothing: bad signature, expired, or for someone else."""
