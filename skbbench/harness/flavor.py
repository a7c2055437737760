"""Compile-time flags for jitted models: a value whose Numba *type* carries the flags.

The kernel compiles configuration away (Kconfig ``#ifdef``s, ``IS_ENABLED``): code that
is configured out is not there. A :class:`Flavor` passed as an argument gives a model
the same property: its type is ``FlavorType(flags)``, so every jitted function that takes
it is compiled once per distinct ``flags`` (Numba specialises on argument types, also
through out-of-line calls), and ``flavor_has(f, BIT)`` / ``flavor_field(f, SHIFT, MASK)``
are LLVM constants that fold the disabled branches away. Each flavor is cached like any
other signature. Bits are the caller's (e.g. skbbench.model.kconfig); pass them as plain
Python ``int`` module constants so Numba sees literals. docs/measurement.md.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core.imputils import lower_constant
from numba.extending import NativeValue, intrinsic, models, register_model, typeof_impl, unbox


class Flavor:
    """Compile-time flags (an int bit set) for jitted code; see the module doc."""

    __slots__ = ("flags",)

    def __init__(self, flags: int) -> None:
        if flags < 0 or flags >= 1 << 63:
            raise ValueError(f"flavor flags {flags}: must be 0 .. 2**63-1")
        self.flags = int(flags)

    def __repr__(self) -> str:
        return f"Flavor(0x{self.flags:x})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Flavor) and other.flags == self.flags

    def __hash__(self) -> int:
        return hash(("Flavor", self.flags))


class FlavorType(types.Type):  # type: ignore[misc]
    """The Numba type of a Flavor: one type per flags value."""

    def __init__(self, flags: int) -> None:
        self.flags = int(flags)
        super().__init__(name=f"Flavor(0x{self.flags:x})")

    @property
    def key(self) -> int:
        return self.flags


@typeof_impl.register(Flavor)
def _typeof_flavor(val, c):
    return FlavorType(val.flags)


register_model(FlavorType)(models.OpaqueModel)


@unbox(FlavorType)
def _unbox_flavor(typ, obj, c):
    return NativeValue(c.context.get_constant_null(typ))


@lower_constant(FlavorType)
def _flavor_constant(context, builder, ty, pyval):
    return context.get_constant_null(ty)


def _literal_int(t) -> int | None:
    if isinstance(t, types.IntegerLiteral):
        return int(t.literal_value)
    return None


@intrinsic
def flavor_has(typingctx, f, bit):
    """True iff ``bit`` (a literal int) is set in the flavor: an LLVM constant."""
    value = _literal_int(bit)
    if not isinstance(f, FlavorType) or value is None:
        return None
    on = bool(f.flags & value)
    sig = types.boolean(f, bit)

    def codegen(context, builder, signature, args):
        return ir.Constant(ir.IntType(1), int(on))

    return sig, codegen


@intrinsic
def flavor_field(typingctx, f, shift, mask):
    """``(flags >> shift) & mask`` (literal ints) as a uint64 LLVM constant."""
    sh, mk = _literal_int(shift), _literal_int(mask)
    if not isinstance(f, FlavorType) or sh is None or mk is None:
        return None
    value = (f.flags >> sh) & mk
    sig = types.uint64(f, shift, mask)

    def codegen(context, builder, signature, args):
        return ir.Constant(ir.IntType(64), value)

    return sig, codegen


@intrinsic
def flavor_only(typingctx, f, mask):
    """The flavor with only the bits of ``mask`` (a literal int): a caller passes on only
    what the callee reads, so callers whose flavors differ in other bits share the
    callee's compiled code (e.g. a benchmark's own bits never reach the model)."""
    value = _literal_int(mask)
    if not isinstance(f, FlavorType) or value is None:
        return None
    out = FlavorType(f.flags & value)
    sig = out(f, mask)

    def codegen(context, builder, signature, args):
        return context.get_constant_null(out)

    return sig, codegen


def is_flavor(t) -> bool:
    """For the call wrappers (harness.calls): a flavor argument is a type, not data."""
    return isinstance(t, FlavorType)
