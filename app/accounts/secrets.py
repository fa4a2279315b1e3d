"""Passphrase hashing (argon2id), the offline common-passphrase check, and random codes."""

import collections
import hashlib
import hmac
import os
import secrets
import threading
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from app.db import seconds_left

# RFC 9106's second recommended option for argon2id (argon2-cffi's default): 64 MiB, three
# passes, four lanes. (The test suite swaps in the library's cheapest profile, except where
# the cost is the point: tests/conftest.py.)
PARAMETERS = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PARAMETERS)


@cache
def _dummy_hash() -> str:
    """Used when a name has no account, so a wrong name costs as long as a wrong passphrase.

    Made on first use, not at import: hashing takes half a second, every start-up paid it."""
    return _hasher.hash("no account has this passphrase")


class FairSlots:
    """A counting semaphore that serves waiting threads in the order they came.
    threading's own wakes any waiter, so under a crowd one sign-in could lose its turn
    again and again until its wait ran out."""

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._free = size
        self._queue: collections.deque[threading.Event] = collections.deque()

    def acquire(self, timeout: float) -> bool:
        with self._lock:
            if self._free and not self._queue:
                self._free -= 1
                return True
            turn = threading.Event()
            self._queue.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._queue.remove(turn)
            return False

    def release(self) -> None:
        with self._lock:
            if self._queue:
                self._queue.popleft().set()  # the slot goes straight to the next in line
            else:
                self._free += 1


# Each argon2 hash takes 64 MiB and a core for a moment: a crowd signing in at once waits
# its turn here instead of taking all the memory (200 at once took 1.2 GB).
_HASHING = FairSlots(max(2, os.cpu_count() or 2))
HASHING_WAIT_SECONDS = 20


class Busy(Exception):
    """Too many people are signing in at this moment; the page says try again shortly."""


def _bounded(work, *args):
    if not _HASHING.acquire(timeout=seconds_left(HASHING_WAIT_SECONDS)):
        raise Busy()
    try:
        return work(*args)
    finally:
        _HASHING.release()


MIN_PASSPHRASE = 10
MAX_PASSPHRASE = 200
# zxcvbn scores 0-4; 3 means "safely unguessable: moderate protection from offline attacks".
MIN_STRENGTH = 3
# zxcvbn slows down on long input; the first 100 characters decide.
_CHECK_LENGTH = 100

# Letters and digits that cannot be mistaken for one another when copied by hand.
READABLE = "abcdefghjkmnpqrstuvwxyz23456789"


def hash_passphrase(passphrase: str) -> str:
    return _bounded(_hasher.hash, passphrase)


def verify_passphrase(stored_hash: str | None, passphrase: str) -> bool:
    """True when the passphrase matches; spends the same effort when there is no hash."""
    try:
        matched = _bounded(_hasher.verify, stored_hash or _dummy_hash(), passphrase)
        return matched and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def is_too_guessable(passphrase: str, *, related: list[str]) -> bool:
    """True for common or breached-list passphrases, checked offline with zxcvbn's lists."""
    result = zxcvbn(passphrase[:_CHECK_LENGTH], user_inputs=[r for r in related if r])
    return result["score"] < MIN_STRENGTH


def readable_code(groups: int = 3, size: int = 4) -> str:
    """A random code like `k7m2-qx9p-3hta`, easy to copy from paper."""
    return "-".join("".join(secrets.choice(READABLE) for _ in range(size)) for _ in range(groups))


def normalise_code(code: str) -> str:
    """What a person typed, in the form codes are stored: lower case, dashes, no spaces."""
    letters = "".join(ch for ch in code.lower() if ch in READABLE)
    return "-".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def token_hash(token: str) -> str:
    """SHA-256 of a high-entropy token: enough, since such tokens cannot be guessed."""
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_hash(key: str, value: str) -> str:
    """HMAC of a low-entropy value (a name, an address) so it is not stored readable."""
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()
