"""Inspect the machine code Numba generates for a kernel (for the NRT check).

Numba cannot inspect code loaded from its on-disk cache (it warns and returns an empty
string, which would make any check pass): code compiled in this process is inspected as
it is; code loaded from the cache is recompiled as an uncached copy with the same options
and signatures (``fresh_asm``), or, for the NRT check, its cached object code is
disassembled (``objdump -dr``: the relocations name every symbol it calls), which costs
no compile (``keep_cached_objects``, installed by tests/conftest.py, keeps a copy of the
object code Numba loads).
"""

import shutil
import subprocess
import tempfile
import warnings
from typing import Any

from numba import njit

NRT_SYMBOLS = ("NRT_incref", "NRT_decref", "NRT_MemInfo_call_dtor", "NRT_Allocate")


def _own_asm(dispatcher: Any, sig: Any) -> str:
    """The assembly of a signature compiled in this process ("" if loaded from cache)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            asm = dispatcher.inspect_asm(sig)
        except Exception:  # noqa: BLE001 - any failure means: recompile
            return ""
    return asm if isinstance(asm, str) and "ret" in asm else ""


def fresh_asm(dispatcher: Any) -> list[str]:
    assert dispatcher.signatures, f"{dispatcher} was never compiled"
    own = [_own_asm(dispatcher, sig) for sig in dispatcher.signatures]
    if all(own):
        return own
    options = {k: v for k, v in dispatcher.targetoptions.items() if k not in ("cache", "nopython")}
    fresh = njit(**options)(dispatcher.py_func)
    out = []
    for sig in dispatcher.signatures:
        fresh.compile(sig)
        asm = fresh.inspect_asm(sig)
        assert "ret" in asm, "empty assembly: inspection failed"
        out.append(asm)
    return out


def native_bodies(asm: str) -> list[str]:
    """The native (nopython) functions of a module's assembly: Numba also emits a CPython
    wrapper (``_ZN7cpython...``, which unboxes arrays and legitimately uses NRT), a
    ``cfunc.`` trampoline and NRT helper definitions; those are not the kernel."""
    bodies: list[list[str]] = []
    current: list[str] | None = None
    for line in asm.splitlines():
        if line and not line[0].isspace() and line.endswith(":") and not line.startswith("."):
            name = line[:-1]
            native = name.startswith("_ZN") and not name.startswith("_ZN7cpython")
            current = [] if native else None
            if current is not None:
                bodies.append(current)
            continue
        if current is not None:
            current.append(line)
    return ["\n".join(b) for b in bodies]


def keep_cached_objects() -> None:
    """Keep a copy of the object code of every library Numba loads from its cache (Numba
    hands it to the JIT and drops it)."""
    from numba.core import codegen

    cls = codegen.CodeLibrary
    if getattr(cls, "_skbbench_keeps_objects", False):
        return
    original = cls._set_compiled_object

    def keep(self: Any, value: bytes) -> None:
        original(self, value)
        self._skbbench_object = bytes(value)

    cls._set_compiled_object = keep
    cls._skbbench_keeps_objects = True


def _objdump(obj: bytes) -> str:
    """Functions of an ELF object as ``name:`` lines and indented bodies (instructions
    and the relocations naming the symbols they call), as ``native_bodies`` reads them."""
    with tempfile.NamedTemporaryFile(suffix=".o") as f:
        f.write(obj)
        f.flush()
        text = subprocess.run(
            ["objdump", "-dr", "--no-show-raw-insn", f.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    out = []
    for line in text.splitlines():
        if line.endswith(">:") and " <" in line:
            out.append(line.split(" <", 1)[1][:-2] + ":")
        elif line.strip() and out:
            out.append("\t" + line.strip())
    return "\n".join(out)


def _asm_for_nrt(dispatcher: Any) -> list[str]:
    """Every signature's code: compiled here, or disassembled from its cached object.

    A callee whose caller was loaded from the cache has no signature of its own in this
    process: its code is linked into the caller's object, which the caller's check reads,
    so it has nothing of its own to check here."""
    out = []
    for sig in dispatcher.signatures:
        asm = _own_asm(dispatcher, sig)
        cached = getattr(dispatcher.overloads[sig].library, "_skbbench_object", None)
        if not asm and cached and shutil.which("objdump"):
            asm = _objdump(cached)
        if not asm:
            return fresh_asm(dispatcher)
        out.append(asm)
    return out


def nrt_calls(dispatcher: Any) -> list[str]:
    """NRT symbols referenced by the native code of any compiled signature."""
    found = set()
    for asm in _asm_for_nrt(dispatcher):
        bodies = native_bodies(asm)
        assert bodies, "no native function found in the assembly"
        found.update(sym for body in bodies for sym in NRT_SYMBOLS if sym in body)
    return sorted(found)
