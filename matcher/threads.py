"""The native thread pools of a serving process."""

from threadpoolctl import ThreadpoolController


def quiet_numpy_blas() -> int:
    """Run NumPy's BLAS on one thread while serving; returns how many libraries were limited.

    A request's matrix products are small (a need against a few thousand texts). On two cores,
    OpenBLAS's idle workers keep spinning for a while after each product and take the cores
    from the embedding models that encode the next need, which then ran several times slower
    (docs/benchmarks.md). Where no
    BLAS library is recognisably NumPy's own (a build linked to a system BLAS), every BLAS
    library is limited. Call it on the main thread: a call from another thread (after the main
    one set a number) does not change the number the library uses.
    """
    blas = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
    own = [lib for lib in blas if "numpy" in lib.filepath] or blas
    for lib in own:
        lib.set_num_threads(1)
    return len(own)
