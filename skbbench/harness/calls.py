"""Call boundaries as the kernel has them, between Numba-compiled functions.

Numba links every jitted callee into its caller's LLVM module and lets LLVM inline it,
and its own calling convention (status word, result through memory, 7 words per array)
costs several cycles more than a C call. The kernel has three kinds of boundary, and
each has an equivalent here:

* ``__always_inline`` -> ``@njit(inline="always")`` (inlined in Numba IR);
* ``static`` (the compiler decides) -> ``call_static(fn, *args)``;
* ``noinline`` and ``EXPORT_SYMBOL`` functions called from another module ->
  ``call_out_of_line(fn, *args)``: a real call that LLVM cannot inline.

Both emit, once per module and overload, a C-ABI wrapper function whose body is ``fn``
(a Numba-compiled function, force-inlined into the wrapper), called with C's convention:
scalars in registers, a 1-d array as (data pointer, length[, stride]), a compile-time
:class:`~skbbench.harness.flavor.Flavor` as nothing at all. The out-of-line wrapper is
``noinline`` with ``linkonce_odr`` linkage, so LLVM neither inlines it nor rewrites its
interface from what it sees of its body; the static one is internal and left to LLVM's
inliner, as gcc decides for a static function. ``fn`` must not raise (no exception can
cross a C call): the models raise nothing in jitted code. Numba's JIT uses the large
code model, so every call it emits, its own included, is ``movabs $fn, %reg; call
*%reg``: an indirect call with one fixed target, which the CPU predicts like a direct
call. Cost against gcc's direct call: tools/call_cost.py, docs/measurement.md.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from skbbench.harness.flavor import FlavorType

_I64 = ir.IntType(64)

# Non-literal bools for arguments of jitted calls: a literal True/False argument makes
# Numba compile a separate Literal[bool] specialization of the callee.
FALSE = np.bool_(False)
TRUE = np.bool_(True)


def _params(context, t):
    """LLVM parameter types of one argument of type ``t`` in the C-ABI wrapper."""
    if isinstance(t, FlavorType):
        return []
    if isinstance(t, types.Array):
        if t.ndim != 1:
            raise TypeError(f"call wrappers take 1-d arrays, not {t}")
        ptr = context.get_data_type(t.dtype).as_pointer()
        return [ptr, _I64] if t.layout == "C" else [ptr, _I64, _I64]
    return [context.get_value_type(t)]


def _split(context, builder, t, value):
    """The wrapper's arguments for one caller value."""
    if isinstance(t, FlavorType):
        return []
    if isinstance(t, types.Array):
        ary = context.make_array(t)(context, builder, value)
        out = [ary.data, builder.extract_value(ary.shape, 0)]
        if t.layout != "C":
            out.append(builder.extract_value(ary.strides, 0))
        return out
    return [value]


def _join(context, builder, t, params):
    """The Numba value of one argument rebuilt from the wrapper's parameters."""
    if isinstance(t, FlavorType):
        return context.get_constant_null(t), 0
    if isinstance(t, types.Array):
        data, n = params[0], params[1]
        itemsize = context.get_abi_sizeof(context.get_data_type(t.dtype))
        contiguous = t.layout == "C"
        stride = ir.Constant(_I64, itemsize) if contiguous else params[2]
        ary = context.make_array(t)(context, builder)
        context.populate_array(
            ary,
            data=data,
            shape=cgutils.pack_array(builder, [n]),
            strides=cgutils.pack_array(builder, [stride]),
            itemsize=ir.Constant(_I64, itemsize),
            meminfo=None,
        )
        return ary._getvalue(), 2 if contiguous else 3
    return params[0], 1


def _wrapper(context, module, kind, fnsig, argtys, cres):
    """The C-ABI wrapper of ``cres`` in ``module`` (created once per module)."""
    fndesc = cres.fndesc
    name = f"skbbench.{kind}.{fndesc.mangled_name}"
    existing = module.globals.get(name)
    if existing is not None:
        return existing
    void = fnsig.return_type == types.none
    resty = ir.VoidType() if void else context.get_value_type(fnsig.return_type)
    ptys = [p for t in argtys for p in _params(context, t)]
    fn = ir.Function(module, ir.FunctionType(resty, ptys), name)
    fn.attributes.add("nounwind")
    if kind == "ool":
        # noinline, and not internal: LLVM neither inlines it nor changes its interface
        # or infers its effects from the body (like a function in another module)
        fn.linkage = "linkonce_odr"
        fn.attributes.add("noinline")
    else:
        fn.linkage = "internal"
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    values, k = [], 0
    for t in argtys:
        v, used = _join(context, b, t, fn.args[k:])
        values.append(v)
        k += used
    inner = context.declare_function(module, fndesc)
    _status, res = context.call_conv.call_function(
        b, inner, fnsig.return_type, argtys, values, attrs=("alwaysinline",)
    )
    if void:
        b.ret_void()
    else:
        b.ret(res)
    return fn


def _typer(kind, typingctx, fn, args):
    if not isinstance(fn, types.Dispatcher):
        return None
    fnsig = typingctx.resolve_function_type(fn, tuple(args), {})
    if fnsig is None:
        return None
    sig = fnsig.return_type(fn, types.StarArgTuple.from_types(args))

    def codegen(context, builder, signature, llargs):
        disp = fn.dispatcher
        key = tuple(fnsig.args)
        if key not in disp.overloads:
            disp.compile(key)
        cres = disp.overloads[key]
        context.add_linking_libs([cres.library])
        values = [
            context.cast(builder, v, t, ft)
            for v, t, ft in zip(
                cgutils.unpack_tuple(builder, llargs[1]), args, fnsig.args, strict=True
            )
        ]
        wrapper = _wrapper(context, builder.module, kind, fnsig, fnsig.args, cres)
        flat = []
        for t, v in zip(fnsig.args, values, strict=True):
            flat += _split(context, builder, t, v)
        out = builder.call(wrapper, flat)
        if fnsig.return_type == types.none:
            return context.get_dummy_value()
        return out

    return sig, codegen


@intrinsic
def call_out_of_line(typingctx, fn, *args):
    """A real call to ``fn(*args)`` that LLVM cannot inline (noinline wrapper)."""
    return _typer("ool", typingctx, fn, args)


@intrinsic
def call_static(typingctx, fn, *args):
    """A call to ``fn(*args)`` that LLVM may inline, as gcc may a static function."""
    return _typer("static", typingctx, fn, args)
