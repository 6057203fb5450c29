"""agents.blas: small products run on one BLAS thread inside the block, as before after it."""

from __future__ import annotations

import numpy as np  # noqa: F401 - loads the BLAS that threadpool_info reports
from threadpoolctl import threadpool_info, threadpool_limits

from agents.blas import one_blas_thread


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_one_blas_thread_inside_the_block_and_restored_after():
    # Two threads to start from, so the test means something on a one-core machine too.
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        assert before and all(n == 2 for n in before)  # numpy's BLAS is found
        with one_blas_thread():
            assert _blas_threads() == [1] * len(before)
        assert _blas_threads() == before
