"""The passphrase-hashing slots serve a crowd in the order it came, and a wait that runs
out gives up its place without taking a slot."""

import threading
import time

from app.accounts.secrets import FairSlots


def test_waiters_are_served_in_the_order_they_came():
    slots = FairSlots(1)
    assert slots.acquire(timeout=1)
    served, threads = [], []
    for number in range(5):
        def wait(number=number):
            assert slots.acquire(timeout=10)
            served.append(number)
            slots.release()

        threads.append(threading.Thread(target=wait))
        threads[-1].start()
        while len(slots._queue) < number + 1:  # this one is in line before the next starts
            time.sleep(0.001)
    slots.release()
    for thread in threads:
        thread.join(timeout=10)
    assert served == [0, 1, 2, 3, 4]


def test_a_wait_that_runs_out_leaves_the_line_and_the_count_right():
    slots = FairSlots(1)
    assert slots.acquire(timeout=1)
    assert not slots.acquire(timeout=0.01)
    assert not slots._queue
    slots.release()
    assert slots.acquire(timeout=0) and not slots.acquire(timeout=0)
