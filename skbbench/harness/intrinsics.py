"""CPU primitives for jitted kernels: TSC reads, fences, compiler barrier, atomics.

Numba has no API for any of these, so each is an ``@intrinsic`` that emits the LLVM
instruction directly (docs/measurement.md):

* ``tsc_start()`` / ``tsc_stop()`` -- the time_bench window edges: ``lfence; rdtsc`` at
  the start, ``rdtscp; lfence`` at the stop, each wrapped in a compiler barrier so no
  measured work can move across them.
* ``rdtsc()`` -- a bare TSC read (busy-wait calibration, progress).
* ``rdtscp_aux()`` -- TSC_AUX (``(node << 12) | cpu`` on Linux): where a thread really ran.
* ``barrier()`` -- ``asm volatile("" ::: "memory")``, time_bench's ``barrier()``: emits no
  instruction, but the compiler may not delete or move memory work across it.
* ``wall_ns()`` -- CLOCK_MONOTONIC in ns via libc ``clock_gettime`` (vDSO), callable from
  jitted code so the wall window encloses the TSC window as in time_bench.
* ``cmpxchg64(arr, i, old, new)`` -- locked 8-byte compare-and-exchange on ``arr[i]``,
  returns the value found (success iff it equals ``old``).
* ``cmpxchg128(arr, i, old_lo, old_hi, new_lo, new_hi)`` -- ``lock cmpxchg16b`` on
  ``arr[i:i+2]`` (``i`` even, 16-byte aligned address), returns True on success. This is
  what the kernel's ``cmpxchg_double`` (page freelist + counters) compiles to.
* ``cmpxchg128_local(arr, i, old_lo, old_hi, new_lo, new_hi)`` -- ``cmpxchg16b`` WITHOUT
  the lock prefix, in inline asm (LLVM's cmpxchg only emits the locked form): what
  ``this_cpu_cmpxchg_double`` compiles to (x86 percpu_cmpxchg16b_double, there with a
  ``%gs`` segment prefix). Atomic against interrupts on the same CPU, not against other
  CPUs: only for per-CPU data touched by its own CPU.
* ``cmpxchg64_local(arr, i, old, new)`` -- unlocked ``cmpxchg`` (this_cpu_cmpxchg).
* ``prefetch(arr, b)`` -- ``prefetchnta`` of byte offset ``b`` of arr's data: x86
  ``prefetch()`` on CPUs with SSE (prefetch_freepointer).
* ``static_branch_nop()`` -- the 5-byte nop a disabled static key (jump label) is: a
  tracepoint or ``memcg_kmem_enabled()`` that is off.
* ``atomic_add64(arr, i, v)`` -- locked fetch-add, returns the old value.
* ``atomic_load64(arr, i)`` / ``atomic_store64(arr, i, v)`` -- acquire load / release
  store (plain ``mov`` on x86, but the compiler may not cache or reorder them).
* ``cpu_relax()`` -- the x86 ``pause`` instruction.
* ``load_u8(arr, b)`` / ``store_u8(arr, b, v)`` -- a one-byte load (``movzbl``) / store
  (``movb``) at byte offset ``b`` of a uint64 array's data: byte-sized kernel fields
  (SLAB's ``freelist_idx_t`` index array) without a read-modify-write of the word.

Only x86-64 is supported: the TSC, rdtscp and cmpxchg16b are x86 instructions.
"""

from __future__ import annotations

import llvmlite.binding as llvm_binding
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from skbbench.harness.cpufeatures import ensure_cx16

# Every kernel imports this module before it compiles: a Numba target without cx16 would
# turn cmpxchg128 into an unresolvable libatomic call (LLVM abort or segfault).
ensure_cx16()

# Inline asm (the compiler barrier, pause) needs the native asm parser; without it LLVM
# aborts the whole process. Idempotent and cheap.
llvm_binding.initialize_native_asmparser()

_I64 = ir.IntType(64)
_I32 = ir.IntType(32)
_I128 = ir.IntType(128)
_VOID = ir.VoidType()


def _call_x86(builder: ir.IRBuilder, name: str, ret: ir.Type) -> ir.Value:
    module = builder.module
    fn = cgutils.get_or_insert_function(module, ir.FunctionType(ret, []), name)
    return builder.call(fn, [])


def _emit_barrier(builder: ir.IRBuilder) -> None:
    asm = ir.InlineAsm(ir.FunctionType(_VOID, []), "", "~{memory}", side_effect=True)
    builder.call(asm, [])


def _emit_lfence(builder: ir.IRBuilder) -> None:
    _call_x86(builder, "llvm.x86.sse2.lfence", _VOID)


@intrinsic
def barrier(typingctx):
    """Compiler barrier: asm volatile("" ::: "memory")."""
    sig = types.void()

    def codegen(context, builder, signature, args):
        _emit_barrier(builder)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def cpu_relax(typingctx):
    """x86 pause, the kernel's cpu_relax()."""
    sig = types.void()

    def codegen(context, builder, signature, args):
        asm = ir.InlineAsm(ir.FunctionType(_VOID, []), "pause", "~{memory}", side_effect=True)
        builder.call(asm, [])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def rdtsc(typingctx):
    """Bare rdtsc (not serialized)."""
    sig = types.uint64()

    def codegen(context, builder, signature, args):
        _emit_barrier(builder)
        value = _call_x86(builder, "llvm.readcyclecounter", _I64)
        _emit_barrier(builder)
        return value

    return sig, codegen


@intrinsic
def tsc_start(typingctx):
    """Window start: barrier; lfence; rdtsc; barrier (earlier work retires first)."""
    sig = types.uint64()

    def codegen(context, builder, signature, args):
        _emit_barrier(builder)
        _emit_lfence(builder)
        value = _call_x86(builder, "llvm.readcyclecounter", _I64)
        _emit_barrier(builder)
        return value

    return sig, codegen


@intrinsic
def tsc_stop(typingctx):
    """Window stop: barrier; rdtscp; lfence; barrier (later work starts after the read)."""
    sig = types.uint64()

    def codegen(context, builder, signature, args):
        _emit_barrier(builder)
        pair = _call_x86(builder, "llvm.x86.rdtscp", ir.LiteralStructType([_I64, _I32]))
        _emit_lfence(builder)
        _emit_barrier(builder)
        return builder.extract_value(pair, 0)

    return sig, codegen


@intrinsic
def rdtscp_aux(typingctx):
    """TSC_AUX from rdtscp: (node << 12) | cpu on Linux."""
    sig = types.uint32()

    def codegen(context, builder, signature, args):
        pair = _call_x86(builder, "llvm.x86.rdtscp", ir.LiteralStructType([_I64, _I32]))
        return builder.extract_value(pair, 1)

    return sig, codegen


@intrinsic
def wall_ns(typingctx):
    """clock_gettime(CLOCK_MONOTONIC) in ns, from jitted code."""
    sig = types.uint64()

    def codegen(context, builder, signature, args):
        timespec = ir.LiteralStructType([_I64, _I64])
        fnty = ir.FunctionType(_I32, [_I32, timespec.as_pointer()])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "clock_gettime")
        ts = cgutils.alloca_once(builder, timespec)
        _emit_barrier(builder)
        builder.call(fn, [ir.Constant(_I32, 1), ts])  # CLOCK_MONOTONIC = 1
        _emit_barrier(builder)
        sec = builder.load(cgutils.gep_inbounds(builder, ts, 0, 0))
        nsec = builder.load(cgutils.gep_inbounds(builder, ts, 0, 1))
        return builder.add(builder.mul(sec, ir.Constant(_I64, 1_000_000_000)), nsec)

    return sig, codegen


def _elem_ptr(context, builder, arrty, arr, idx, idxty):
    ary = context.make_array(arrty)(context, builder, arr)
    return cgutils.get_item_pointer(context, builder, arrty, ary, [idx], wraparound=False)


def _check_u64_array(arr) -> bool:
    return (
        isinstance(arr, types.Array) and arr.ndim == 1 and arr.dtype in (types.uint64, types.int64)
    )


@intrinsic
def cmpxchg64(typingctx, arr, idx, old, new):
    """lock cmpxchg on arr[idx]; returns the value that was in memory."""
    if not _check_u64_array(arr):
        return None
    dtype = arr.dtype
    sig = dtype(arr, idx, dtype, dtype)

    def codegen(context, builder, signature, args):
        a, i, o, n = args
        ptr = _elem_ptr(context, builder, signature.args[0], a, i, signature.args[1])
        res = builder.cmpxchg(ptr, o, n, "seq_cst", "seq_cst")
        return builder.extract_value(res, 0)

    return sig, codegen


@intrinsic
def cmpxchg128(typingctx, arr, idx, old_lo, old_hi, new_lo, new_hi):
    """lock cmpxchg16b on arr[idx], arr[idx+1] (16-byte aligned); True on success."""
    if not _check_u64_array(arr):
        return None
    dtype = arr.dtype
    sig = types.boolean(arr, idx, dtype, dtype, dtype, dtype)

    def codegen(context, builder, signature, args):
        a, i, olo, ohi, nlo, nhi = args
        ptr = _elem_ptr(context, builder, signature.args[0], a, i, signature.args[1])
        p128 = builder.bitcast(ptr, _I128.as_pointer())

        def pack(lo, hi):
            lo128 = builder.zext(lo, _I128)
            hi128 = builder.shl(builder.zext(hi, _I128), ir.Constant(_I128, 64))
            return builder.or_(lo128, hi128)

        res = builder.cmpxchg(p128, pack(olo, ohi), pack(nlo, nhi), "seq_cst", "seq_cst")
        return builder.extract_value(res, 1)

    return sig, codegen


@intrinsic
def atomic_add64(typingctx, arr, idx, val):
    """lock xadd on arr[idx]; returns the old value."""
    if not _check_u64_array(arr):
        return None
    dtype = arr.dtype
    sig = dtype(arr, idx, dtype)

    def codegen(context, builder, signature, args):
        a, i, v = args
        ptr = _elem_ptr(context, builder, signature.args[0], a, i, signature.args[1])
        return builder.atomic_rmw("add", ptr, v, "seq_cst")

    return sig, codegen


@intrinsic
def atomic_load64(typingctx, arr, idx):
    """Acquire load of arr[idx] (READ_ONCE / smp_load_acquire)."""
    if not _check_u64_array(arr):
        return None
    dtype = arr.dtype
    sig = dtype(arr, idx)

    def codegen(context, builder, signature, args):
        a, i = args
        ptr = _elem_ptr(context, builder, signature.args[0], a, i, signature.args[1])
        return builder.load_atomic(ptr, "acquire", 8)

    return sig, codegen


@intrinsic
def atomic_store64(typingctx, arr, idx, val):
    """Release store to arr[idx] (WRITE_ONCE / smp_store_release)."""
    if not _check_u64_array(arr):
        return None
    dtype = arr.dtype
    sig = types.void(arr, idx, dtype)

    def codegen(context, builder, signature, args):
        a, i, v = args
        ptr = _elem_ptr(context, builder, signature.args[0], a, i, signature.args[1])
        builder.store_atomic(v, ptr, "release", 8)
        return context.get_dummy_value()

    return sig, codegen


def _asm_cmpxchg16b(builder, ptr, olo, ohi, nlo, nhi):
    # cmpxchg16b without lock: RDX:RAX = old, RCX:RBX = new, ZF = success (sete). The
    # memory clobber also makes it a compiler barrier, as the kernel's "+m" operands on
    # the per-CPU words make it one for them.
    ret = ir.LiteralStructType([_I64, _I64, ir.IntType(8)])
    fnty = ir.FunctionType(ret, [ptr.type, _I64, _I64, _I64, _I64])
    asm = ir.InlineAsm(
        fnty,
        "cmpxchg16b ($3)\n\tsete $2",
        "={rax},={rdx},=r,r,0,1,{rbx},{rcx},~{memory},~{cc}",
        side_effect=True,
    )
    res = builder.call(asm, [ptr, olo, ohi, nlo, nhi])
    return builder.icmp_unsigned("!=", builder.extract_value(res, 2), ir.Constant(ir.IntType(8), 0))


@intrinsic
def cmpxchg128_local(typingctx, arr, idx, old_lo, old_hi, new_lo, new_hi):
    """cmpxchg16b (no lock prefix) on arr[idx], arr[idx+1] (16-byte aligned); True on
    success. this_cpu_cmpxchg_double: per-CPU data of the calling CPU only."""
    if not _check_u64_array(arr):
        return None
    dtype = arr.dtype
    sig = types.boolean(arr, idx, dtype, dtype, dtype, dtype)

    def codegen(context, builder, signature, args):
        a, i, olo, ohi, nlo, nhi = args
        ptr = _elem_ptr(context, builder, signature.args[0], a, i, signature.args[1])
        return _asm_cmpxchg16b(builder, ptr, olo, ohi, nlo, nhi)

    return sig, codegen


@intrinsic
def cmpxchg64_local(typingctx, arr, idx, old, new):
    """cmpxchg (no lock prefix) on arr[idx]; returns the value found. this_cpu_cmpxchg."""
    if not _check_u64_array(arr):
        return None
    dtype = arr.dtype
    sig = dtype(arr, idx, dtype, dtype)

    def codegen(context, builder, signature, args):
        a, i, o, n = args
        ptr = _elem_ptr(context, builder, signature.args[0], a, i, signature.args[1])
        fnty = ir.FunctionType(_I64, [ptr.type, _I64, _I64])
        asm = ir.InlineAsm(
            fnty, "cmpxchgq $3, ($1)", "={rax},r,0,r,~{memory},~{cc}", side_effect=True
        )
        return builder.call(asm, [ptr, o, n])

    return sig, codegen


@intrinsic
def prefetch(typingctx, arr, off):
    """prefetchnta of the byte at byte offset ``off`` of arr's data (x86 prefetch() with
    SSE). A prefetch never faults: any offset is allowed."""
    if not _check_u64_array(arr) or not isinstance(off, types.Integer):
        return None
    sig = types.void(arr, off)

    def codegen(context, builder, signature, args):
        a, o = args
        o = context.cast(builder, o, signature.args[1], types.uint64)
        ary = context.make_array(signature.args[0])(context, builder, a)
        base = builder.ptrtoint(ary.data, _I64)
        addr = builder.inttoptr(builder.add(base, o), ir.IntType(8).as_pointer())
        fnty = ir.FunctionType(_VOID, [addr.type])
        builder.call(ir.InlineAsm(fnty, "prefetchnta ($0)", "r", side_effect=True), [addr])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def static_branch_nop(typingctx):
    """The 5-byte nop of a disabled static key (arch_static_branch: P6_NOP5_ATOMIC)."""
    sig = types.void()

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(_VOID, [])
        text = ".byte 0x0f,0x1f,0x44,0x00,0x00"
        builder.call(ir.InlineAsm(fnty, text, "", side_effect=True), [])
        return context.get_dummy_value()

    return sig, codegen


def _byte_ptr(context, builder, arrty, arr, off):
    ary = context.make_array(arrty)(context, builder, arr)
    base = builder.bitcast(ary.data, ir.IntType(8).as_pointer())
    return builder.gep(base, [off], inbounds=True)


@intrinsic
def load_u8(typingctx, arr, off):
    """Load the byte at byte offset ``off`` of arr's data, zero-extended to uint64."""
    if not _check_u64_array(arr) or not isinstance(off, types.Integer):
        return None
    sig = types.uint64(arr, off)

    def codegen(context, builder, signature, args):
        a, o = args
        ptr = _byte_ptr(context, builder, signature.args[0], a, o)
        return builder.zext(builder.load(ptr), _I64)

    return sig, codegen


@intrinsic
def store_u8(typingctx, arr, off, val):
    """Store the low byte of ``val`` at byte offset ``off`` of arr's data."""
    if (
        not _check_u64_array(arr)
        or not isinstance(off, types.Integer)
        or not isinstance(val, types.Integer)
    ):
        return None
    sig = types.void(arr, off, val)

    def codegen(context, builder, signature, args):
        a, o, v = args
        ptr = _byte_ptr(context, builder, signature.args[0], a, o)
        builder.store(builder.trunc(v, ir.IntType(8)), ptr)
        return context.get_dummy_value()

    return sig, codegen


def _noinline_target(module: ir.Module) -> ir.Function:
    """A real out-of-line function `i64 f(i64 x) { return x + 1; }` marked noinline,
    defined once per LLVM module: the callee of funcion_call_cost/func_ptr_call_cost."""
    name = "skbbench_noinline_inc"
    fnty = ir.FunctionType(_I64, [_I64])
    fn = module.globals.get(name)
    if fn is None:
        fn = ir.Function(module, fnty, name)
        fn.linkage = "internal"
        fn.attributes.add("noinline")
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        b.ret(b.add(fn.args[0], ir.Constant(_I64, 1)))
    return fn


@intrinsic
def call_noinline(typingctx, x):
    """A direct call to a noinline function (time_bench_sample's funcion_call_cost)."""
    if not isinstance(x, types.Integer):
        return None
    sig = types.int64(x)

    def codegen(context, builder, signature, args):
        fn = _noinline_target(builder.module)
        v = context.cast(builder, args[0], signature.args[0], types.int64)
        return builder.call(fn, [v])

    return sig, codegen


@intrinsic
def call_indirect(typingctx, x):
    """A call through a function pointer laundered by an empty asm, so the compiler
    cannot turn it into a direct call (time_bench_sample's func_ptr_call_cost)."""
    if not isinstance(x, types.Integer):
        return None
    sig = types.int64(x)

    def codegen(context, builder, signature, args):
        fn = _noinline_target(builder.module)
        # asm("" : "=r"(p) : "0"(p)): the compiler no longer knows which function p is.
        launder = ir.InlineAsm(ir.FunctionType(fn.type, [fn.type]), "", "=r,0", side_effect=True)
        ptr = builder.call(launder, [fn])
        v = context.cast(builder, args[0], signature.args[0], types.int64)
        return builder.call(ptr, [v])

    return sig, codegen


def _spin_function(module: ir.Module) -> ir.Function:
    """``i64 skbbench_spin(i64 n)``: n iterations of an empty asm that launders the
    counter, out of line; returns the final counter (always 0, but the compiler cannot
    know). Laundering hides the trip count, so LLVM cannot unroll or fold the loop; being
    noinline, every call site runs the same instructions. This is what makes a charged
    busy-wait cost the same wherever a model charges it. The return value lets a
    calibration loop chain calls (see spin_call_chained)."""
    name = "skbbench_spin"
    fn = module.globals.get(name)
    if fn is not None:
        return fn
    fn = ir.Function(module, ir.FunctionType(_I64, [_I64]), name)
    fn.linkage = "internal"
    fn.attributes.add("noinline")
    fn.attributes.add("nounwind")
    entry = fn.append_basic_block("entry")
    loop = fn.append_basic_block("loop")
    done = fn.append_basic_block("done")
    b = ir.IRBuilder(entry)
    n = fn.args[0]
    b.cbranch(b.icmp_signed(">", n, ir.Constant(_I64, 0)), loop, done)
    b.position_at_end(loop)
    i = b.phi(_I64)
    i.add_incoming(n, entry)
    launder = ir.InlineAsm(ir.FunctionType(_I64, [_I64]), "", "=r,0,~{memory}", side_effect=True)
    nxt = b.sub(b.call(launder, [i]), ir.Constant(_I64, 1))
    i.add_incoming(nxt, loop)
    b.cbranch(b.icmp_signed(">", nxt, ir.Constant(_I64, 0)), loop, done)
    b.position_at_end(done)
    out = b.phi(_I64)
    out.add_incoming(n, entry)
    out.add_incoming(nxt, loop)
    b.ret(b.call(launder, [out]))
    return fn


@intrinsic
def spin_call(typingctx, n):
    """Call the out-of-line spin loop for ``n`` iterations (see _spin_function)."""
    if not isinstance(n, types.Integer):
        return None
    sig = types.void(n)

    def codegen(context, builder, signature, args):
        v = context.cast(builder, args[0], signature.args[0], types.int64)
        builder.call(_spin_function(builder.module), [v])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def spin_call_chained(typingctx, n):
    """Like spin_call, returning the spin's final counter (0 at run time): feeding it
    into the next call's count makes consecutive calls a dependency chain, so a
    calibration loop measures a call's latency, not overlapped throughput."""
    if not isinstance(n, types.Integer):
        return None
    sig = types.int64(n)

    def codegen(context, builder, signature, args):
        v = context.cast(builder, args[0], signature.args[0], types.int64)
        return builder.call(_spin_function(builder.module), [v])

    return sig, codegen
