"""The NAPI driver loop and the softirqs around it (v4.6 net/core/dev.c, ixgbe_main.c):
``ixgbe_poll`` (TX completion first, then up to ``budget`` RX frames from the RX ring),
``net_rx_action`` (polls until ``netdev_budget`` is spent), ``net_tx_action`` (the
completion queue of skbs freed in hard-IRQ context), ``enqueue_to_backlog`` and
``process_backlog`` (a second CPU consuming the frames), on the skb model of
skbbench.model.skbuff. Workloads, state and what is modelled: docs/model.md.

The entry points take ``allocator`` (napi_layout.ALLOC_*), a compile-time constant of
the bench's thin wrappers; everything else is read from the NAPI header ``nh``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from skbbench.harness.calls import FALSE as _FALSE
from skbbench.harness.calls import TRUE as _TRUE
from skbbench.harness.intrinsics import atomic_add64, atomic_load64, atomic_store64, cpu_relax
from skbbench.harness.locks import spin_lock, spin_unlock
from skbbench.model.napi_layout import (
    ERR_FRAG_OOM,
    NET_SKB_PAD,
    NH_BUDGET,
    NH_CONSUMER_CPU,
    NH_DONE,
    NH_ERR,
    NH_FRAGSZ,
    NH_MAX_BACKLOG,
    NH_NETDEV_BUDGET,
    NH_PKT_LEN,
    NH_RX_CPU,
    NH_RX_NTC,
    NH_RX_RING,
    NH_RX_SIZE,
    NH_TX_INFLIGHT,
    NH_TX_NTC,
    NH_TX_NTU,
    NH_TX_RING,
    NH_TX_SIZE,
    NH_TX_WORK,
    NH_VARIANT,
    NH_WORKLOAD,
    PC_COMPLETION_QUEUE,
    PC_INPUT_HEAD,
    PC_INPUT_LOCK,
    PC_INPUT_QLEN,
    PC_INPUT_TAIL,
    PC_PROCESS_HEAD,
    PC_PROCESS_QLEN,
    PC_PROCESS_TAIL,
    PC_SKB_CACHE,
    PC_SKB_COUNT,
    RFC,
    SKB_DATA,
    SKB_DEV,
    SKB_NEXT,
    SKB_PROTOCOL,
    SKB_TRUESIZE_USERS,
    ST_BACKLOG_DROP,
    ST_BACKLOG_ENQUEUE,
    ST_COMPLETION_QUEUE,
    ST_CONSUMED,
    ST_NAPI_POLL,
    ST_NET_RX_ACTION,
    ST_NET_TX_ACTION,
    ST_RX_PACKETS,
    ST_TIME_SQUEEZE,
    ST_TX_BUSY,
    V44,
    V46,
    V512,
    V619,
    W_DROP,
    W_FORWARD,
    W_IRQ_FREE,
    W_REMOTE,
)
from skbbench.model.page_frag import (
    __alloc_page_frag,
    napi_stat,
    page_frag_cache_drain,
    skb_free_frag,
)
from skbbench.model.skbuff import (
    __kfree_skb,
    __kfree_skb_defer,
    __kfree_skb_flush,
    build_skb,
    charge_irq,
    charge_irqsave,
    kfree_skb,
    napi_build_skb,
    napi_consume_skb,
    napi_set_error,
    rfc_build_skb,
    skb_cache_free_bulk,
    skb_defer_free_flush,
    skb_put,
    skb_reserve,
    this_cpu_napi,
)

_0 = np.uint64(0)
_1 = np.uint64(1)
_3 = np.uint64(3)
_32 = np.uint64(32)
_MINUS_USERS_ONE = np.uint64((1 << 64) - (1 << 32))
_LOW32 = np.uint64(0xFFFFFFFF)
_NET_SKB_PAD = np.uint64(NET_SKB_PAD)
_V44 = np.uint64(V44)
_V46 = np.uint64(V46)
_RFC = np.uint64(RFC)
_V512 = np.uint64(V512)
_V619 = np.uint64(V619)
_W_DROP = np.uint64(W_DROP)
_W_FORWARD = np.uint64(W_FORWARD)
_W_REMOTE = np.uint64(W_REMOTE)
_W_IRQ_FREE = np.uint64(W_IRQ_FREE)
_SKB_NEXT = np.uint64(SKB_NEXT)
_SKB_DATA = np.uint64(SKB_DATA)
_SKB_DEV = np.uint64(SKB_DEV)
_SKB_PROTOCOL = np.uint64(SKB_PROTOCOL)
_SKB_TU = np.uint64(SKB_TRUESIZE_USERS)
_NH_VARIANT = np.uint64(NH_VARIANT)
_NH_WORKLOAD = np.uint64(NH_WORKLOAD)
_NH_BUDGET = np.uint64(NH_BUDGET)
_NH_NETDEV_BUDGET = np.uint64(NH_NETDEV_BUDGET)
_NH_MAX_BACKLOG = np.uint64(NH_MAX_BACKLOG)
_NH_RX_CPU = np.uint64(NH_RX_CPU)
_NH_CONSUMER_CPU = np.uint64(NH_CONSUMER_CPU)
_NH_FRAGSZ = np.uint64(NH_FRAGSZ)
_NH_PKT_LEN = np.uint64(NH_PKT_LEN)
_NH_RX_RING = np.uint64(NH_RX_RING)
_NH_RX_SIZE = np.uint64(NH_RX_SIZE)
_NH_RX_NTC = np.uint64(NH_RX_NTC)
_NH_TX_RING = np.uint64(NH_TX_RING)
_NH_TX_SIZE = np.uint64(NH_TX_SIZE)
_NH_TX_NTU = np.uint64(NH_TX_NTU)
_NH_TX_NTC = np.uint64(NH_TX_NTC)
_NH_TX_INFLIGHT = np.uint64(NH_TX_INFLIGHT)
_NH_TX_WORK = np.uint64(NH_TX_WORK)
_NH_DONE = np.uint64(NH_DONE)
_NH_ERR = np.uint64(NH_ERR)
_E_FRAG_OOM = np.uint64(ERR_FRAG_OOM)
_PC_CQ = np.uint64(PC_COMPLETION_QUEUE)
_PC_IN_LOCK = np.uint64(PC_INPUT_LOCK)
_PC_IN_HEAD = np.uint64(PC_INPUT_HEAD)
_PC_IN_TAIL = np.uint64(PC_INPUT_TAIL)
_PC_IN_QLEN = np.uint64(PC_INPUT_QLEN)
_PC_PR_HEAD = np.uint64(PC_PROCESS_HEAD)
_PC_PR_TAIL = np.uint64(PC_PROCESS_TAIL)
_PC_PR_QLEN = np.uint64(PC_PROCESS_QLEN)
_PC_SKB_COUNT = np.uint64(PC_SKB_COUNT)
_PC_SKB_CACHE = np.uint64(PC_SKB_CACHE)
_DEV = np.uint64(0x0DE7)  # skb->dev: the netdev (an opaque pointer in the model)


# --------------------------------------------------------------------------------------
# TX: the ring, completion in NAPI and in hard-IRQ context, net_tx_action


@njit(inline="always", nogil=True)
def tx_completed(s, nh):
    # descriptors the NIC has sent: all but the newest tx_inflight, at most tx work_limit
    pending = s[nh + _NH_TX_NTU] - s[nh + _NH_TX_NTC]
    inflight = s[nh + _NH_TX_INFLIGHT]
    if pending <= inflight:
        return _0
    done = pending - inflight
    if done > s[nh + _NH_TX_WORK]:
        done = s[nh + _NH_TX_WORK]
    return done


@njit(inline="always", nogil=True)
def tx_ring_take(s, nh):
    # the skb of the next completed descriptor (tx_buffer->skb), the slot cleared
    ntc = s[nh + _NH_TX_NTC]
    slot = s[nh + _NH_TX_RING] + (ntc & (s[nh + _NH_TX_SIZE] - _1))
    skb = s[slot]
    s[slot] = _0
    s[nh + _NH_TX_NTC] = ntc + _1
    return skb


@njit(nogil=True, cache=True, _nrt=False)
def ixgbe_clean_tx_irq(s, nh, cpu, pc, napi_budget, allocator):
    # ixgbe_clean_tx_irq: free completed TX descriptors' skbs, napi_consume_skb(skb,
    # napi_budget) (v4.6+; v4.4's dev_consume_skb_any inside napi_consume_skb's V44 arm)
    done = tx_completed(s, nh)
    i = _0
    while i < done:
        skb = tx_ring_take(s, nh)
        napi_consume_skb(s, nh, cpu, pc, skb, napi_budget, allocator)
        napi_stat(s, pc, ST_CONSUMED)
        i += _1


@njit(inline="always", nogil=True)
def __dev_kfree_skb_irq(s, nh, cpu, pc, skb):
    # __dev_kfree_skb_irq: users 1 -> 0 (no atomic) or drop a reference, then queue on
    # softnet_data.completion_queue with IRQs saved and raise NET_TX_SOFTIRQ
    w = (skb >> _3) + _SKB_TU
    if s[w] >> _32 == _1:
        s[w] = s[w] & _LOW32  # atomic_set(&skb->users, 0)
    elif atomic_add64(s, w, _MINUS_USERS_ONE) >> _32 != _1:
        return  # !atomic_dec_and_test(&skb->users): someone else holds it
    charge_irqsave(s, pc)
    s[(skb >> _3) + _SKB_NEXT] = s[pc + _PC_CQ]
    s[pc + _PC_CQ] = skb


@njit(nogil=True, cache=True, _nrt=False)
def tx_hardirq_clean(s, nh, cpu, pc):
    # a driver's hard-IRQ handler freeing completed TX skbs with dev_kfree_skb_irq
    done = tx_completed(s, nh)
    i = _0
    while i < done:
        skb = tx_ring_take(s, nh)
        __dev_kfree_skb_irq(s, nh, cpu, pc, skb)
        napi_stat(s, pc, ST_CONSUMED)
        i += _1


@njit(nogil=True, cache=True, _nrt=False)
def net_tx_action(s, nh, cpu, pc, allocator):
    # net_tx_action: take the completion queue with IRQs off, free each skb (v4.4
    # __kfree_skb; v4.6+ __kfree_skb_defer), then __kfree_skb_flush (v4.6, RFC)
    if s[pc + _PC_CQ] == _0:
        return
    napi_stat(s, pc, ST_NET_TX_ACTION)
    charge_irq(s, pc)  # local_irq_disable; clist = sd->completion_queue; local_irq_enable
    clist = s[pc + _PC_CQ]
    s[pc + _PC_CQ] = _0
    variant = s[nh + _NH_VARIANT]
    while clist != _0:
        skb = clist
        clist = s[(skb >> _3) + _SKB_NEXT]
        napi_stat(s, pc, ST_COMPLETION_QUEUE)
        if variant == _V44:
            __kfree_skb(s, cpu, pc, skb, allocator)
        else:
            __kfree_skb_defer(s, nh, cpu, pc, skb, allocator)
    if variant == _V46 or variant == _RFC:
        __kfree_skb_flush(s, cpu, pc, allocator)


# --------------------------------------------------------------------------------------
# RX: the ring, building skbs, delivery by workload


@njit(nogil=True, cache=True, _nrt=False)
def rx_build_skb(s, nh, cpu, pc, data, fragsz, allocator):
    # the variant's RX skb: build_skb (v4.4, v4.6), the RFC's bulk-allocated head,
    # napi_build_skb (v5.12, v6.19)
    variant = s[nh + _NH_VARIANT]
    if variant == _V512 or variant == _V619:
        return napi_build_skb(s, nh, cpu, pc, data, fragsz, allocator)
    if variant == _RFC:
        return rfc_build_skb(s, nh, cpu, pc, data, fragsz, allocator)
    return build_skb(s, nh, cpu, pc, data, fragsz, allocator)


@njit(nogil=True, cache=True, _nrt=False)
def enqueue_to_backlog(s, nh, cpu, pc, skb, target, allocator):
    # enqueue_to_backlog: local_irq_save, rps_lock, append to the target CPU's
    # input_pkt_queue unless it holds more than netdev_max_backlog (then drop)
    tpc = this_cpu_napi(s, nh, target)
    charge_irqsave(s, pc)
    spin_lock(s, tpc + _PC_IN_LOCK)
    qlen = s[tpc + _PC_IN_QLEN]
    if qlen <= s[nh + _NH_MAX_BACKLOG]:
        s[(skb >> _3) + _SKB_NEXT] = _0
        tail = s[tpc + _PC_IN_TAIL]
        if tail != _0:
            s[(tail >> _3) + _SKB_NEXT] = skb
        else:
            s[tpc + _PC_IN_HEAD] = skb
        s[tpc + _PC_IN_TAIL] = skb
        s[tpc + _PC_IN_QLEN] = qlen + _1
        spin_unlock(s, tpc + _PC_IN_LOCK)
        napi_stat(s, pc, ST_BACKLOG_ENQUEUE)
        return
    spin_unlock(s, tpc + _PC_IN_LOCK)
    napi_stat(s, pc, ST_BACKLOG_DROP)
    kfree_skb(s, nh, cpu, pc, skb, allocator)


@njit(nogil=True, cache=True, _nrt=False)
def ixgbe_xmit_frame(s, nh, cpu, pc, skb, allocator):
    # ndo_start_xmit: the skb goes on the TX ring (full ring: NETDEV_TX_BUSY, dropped)
    ntu = s[nh + _NH_TX_NTU]
    size = s[nh + _NH_TX_SIZE]
    if ntu - s[nh + _NH_TX_NTC] >= size:
        napi_stat(s, pc, ST_TX_BUSY)
        kfree_skb(s, nh, cpu, pc, skb, allocator)
        return
    s[s[nh + _NH_TX_RING] + (ntu & (size - _1))] = skb
    s[nh + _NH_TX_NTU] = ntu + _1


@njit(nogil=True, cache=True, _nrt=False)
def deliver(s, nh, cpu, pc, skb, allocator):
    # the stack's fate of a received frame, by workload
    workload = s[nh + _NH_WORKLOAD]
    if workload == _W_DROP:  # an early drop (iptables raw DROP): kfree_skb in the poll
        kfree_skb(s, nh, cpu, pc, skb, allocator)
        napi_stat(s, pc, ST_CONSUMED)
    elif workload == _W_REMOTE:  # RPS-style hand-over to the consumer CPU
        enqueue_to_backlog(s, nh, cpu, pc, skb, s[nh + _NH_CONSUMER_CPU], allocator)
    else:  # forward / irq-free: transmitted on the same CPU
        ixgbe_xmit_frame(s, nh, cpu, pc, skb, allocator)


@njit(nogil=True, cache=True, _nrt=False)
def ixgbe_clean_rx_irq(s, nh, cpu, pc, limit, allocator):
    # ixgbe_clean_rx_irq: up to ``limit`` frames; each buffer becomes an skb and its
    # descriptor gets a new fragment from the NAPI page_frag cache (napi_alloc_frag)
    ring = s[nh + _NH_RX_RING]
    mask = s[nh + _NH_RX_SIZE] - _1
    fragsz = s[nh + _NH_FRAGSZ]
    pkt_len = s[nh + _NH_PKT_LEN]
    ntc = s[nh + _NH_RX_NTC]
    work = _0
    while work < limit:
        slot = ring + (ntc & mask)
        data = s[slot]
        skb = rx_build_skb(s, nh, cpu, pc, data, fragsz, allocator)
        if skb == _0:
            break
        nb = __alloc_page_frag(s, cpu, pc, fragsz)  # ixgbe_alloc_rx_buffers' refill
        if nb == _0:
            napi_set_error(s, nh, _E_FRAG_OOM, cpu)
            s[slot] = _0
            kfree_skb(s, nh, cpu, pc, skb, allocator)
            break
        s[slot] = nb
        ntc += _1
        skb_reserve(s, skb, _NET_SKB_PAD)
        skb_put(s, skb, pkt_len)
        # eth_type_trans: read the Ethernet header the NIC wrote, set protocol and dev
        w = skb >> _3
        eth = s[s[w + _SKB_DATA] >> _3]
        s[w + _SKB_PROTOCOL] = (eth >> np.uint64(48)) | np.uint64(0x0800)
        s[w + _SKB_DEV] = _DEV
        napi_stat(s, pc, ST_RX_PACKETS)
        work += _1
        deliver(s, nh, cpu, pc, skb, allocator)
    s[nh + _NH_RX_NTC] = ntc
    return work


@njit(nogil=True, cache=True, _nrt=False)
def ixgbe_poll(s, nh, cpu, pc, budget, limit, allocator):
    # ixgbe_poll: TX completion first (forward), then RX up to the budget
    napi_stat(s, pc, ST_NAPI_POLL)
    if s[nh + _NH_WORKLOAD] == _W_FORWARD:
        ixgbe_clean_tx_irq(s, nh, cpu, pc, budget, allocator)
    return ixgbe_clean_rx_irq(s, nh, cpu, pc, limit, allocator)


@njit(nogil=True, cache=True, _nrt=False)
def process_backlog(s, nh, cpu, pc, quota, allocator):
    # process_backlog: consume process_queue frames (napi_consume_skb, as a NAPI
    # consumer does), refilling it from input_pkt_queue under rps_lock with IRQs off
    napi_stat(s, pc, ST_NAPI_POLL)
    work = _0
    while True:
        skb = s[pc + _PC_PR_HEAD]
        while skb != _0:
            nxt = s[(skb >> _3) + _SKB_NEXT]
            s[pc + _PC_PR_HEAD] = nxt
            s[pc + _PC_PR_QLEN] -= _1
            if nxt == _0:
                s[pc + _PC_PR_TAIL] = _0
            napi_consume_skb(s, nh, cpu, pc, skb, quota, allocator)
            napi_stat(s, pc, ST_CONSUMED)
            work += _1
            if work >= quota:
                return work
            skb = nxt
        charge_irq(s, pc)  # local_irq_disable ... local_irq_enable
        spin_lock(s, pc + _PC_IN_LOCK)  # rps_lock
        head = s[pc + _PC_IN_HEAD]
        if head == _0:
            spin_unlock(s, pc + _PC_IN_LOCK)
            return work  # napi->state = 0: the queue is empty
        s[pc + _PC_PR_HEAD] = head  # skb_queue_splice_tail_init(input, process)
        s[pc + _PC_PR_TAIL] = s[pc + _PC_IN_TAIL]
        s[pc + _PC_PR_QLEN] = s[pc + _PC_IN_QLEN]
        s[pc + _PC_IN_HEAD] = _0
        s[pc + _PC_IN_TAIL] = _0
        s[pc + _PC_IN_QLEN] = _0
        spin_unlock(s, pc + _PC_IN_LOCK)


@njit(nogil=True, cache=True, _nrt=False)
def net_rx_action(s, nh, cpu, pc, remaining, consumer, allocator):
    # net_rx_action: napi_poll until netdev_budget is spent or the poll completes
    # (v6.19 flushes the defer list before each poll; v4.6 and the RFC flush the defer
    # array at the end). ``remaining`` frames the NIC still sends (RX CPU); the
    # consumer CPU polls its backlog. Returns the frames received / consumed.
    napi_stat(s, pc, ST_NET_RX_ACTION)
    variant = s[nh + _NH_VARIANT]
    weight = s[nh + _NH_BUDGET]
    budget = s[nh + _NH_NETDEV_BUDGET]
    total = _0
    while True:
        if variant == _V619:
            skb_defer_free_flush(s, nh, cpu, pc, allocator)
        if consumer:
            work = process_backlog(s, nh, cpu, pc, weight, allocator)
        else:
            left = remaining - total
            if left == _0:
                break
            work = ixgbe_poll(s, nh, cpu, pc, weight, min(weight, left), allocator)
        total += work
        if work < weight:  # napi_complete: off the poll list
            break
        if work >= budget:  # budget <= 0: sd->time_squeeze++
            napi_stat(s, pc, ST_TIME_SQUEEZE)
            break
        budget -= work
    if variant == _V46 or variant == _RFC:
        __kfree_skb_flush(s, cpu, pc, allocator)
    return total


@njit(nogil=True, cache=True, _nrt=False)
def rx_softirq_round(s, nh, cpu, remaining, allocator):
    # one interrupt on the RX CPU: (irq-free: the hard-IRQ TX clean), then __do_softirq
    # runs NET_TX_SOFTIRQ before NET_RX_SOFTIRQ
    pc = this_cpu_napi(s, nh, cpu)
    if s[nh + _NH_WORKLOAD] == _W_IRQ_FREE:
        tx_hardirq_clean(s, nh, cpu, pc)
    net_tx_action(s, nh, cpu, pc, allocator)
    return net_rx_action(s, nh, cpu, pc, remaining, _FALSE, allocator)


@njit(nogil=True, cache=True, _nrt=False)
def consumer_softirq_round(s, nh, cpu, allocator):
    # one NET_RX softirq on the consumer CPU (the backlog's NAPI)
    pc = this_cpu_napi(s, nh, cpu)
    net_tx_action(s, nh, cpu, pc, allocator)
    return net_rx_action(s, nh, cpu, pc, _0, _TRUE, allocator)


@njit(inline="always", nogil=True)
def backlog_empty(s, pc):
    # input_pkt_queue and process_queue both empty
    return atomic_load64(s, pc + _PC_IN_HEAD) == _0 and s[pc + _PC_PR_HEAD] == _0


# --------------------------------------------------------------------------------------
# Runs (the bench's kernels wrap these with time_bench windows)


@njit(nogil=True, cache=True, _nrt=False)
def napi_rounds(s, nh, packets, allocator):
    # the deterministic run: the RX CPU's softirq rounds, each followed (remote) by the
    # consumer CPU's; returns the frames received
    rx = s[nh + _NH_RX_CPU]
    consumer = s[nh + _NH_CONSUMER_CPU]
    remote = s[nh + _NH_WORKLOAD] == _W_REMOTE
    got = _0
    while got < packets and s[nh + _NH_ERR] == _0:
        n = rx_softirq_round(s, nh, rx, packets - got, allocator)
        got += n
        if remote:
            consumer_softirq_round(s, nh, consumer, allocator)
        if n == _0:
            break
    return got


@njit(nogil=True, cache=True, _nrt=False)
def napi_rx_thread(s, nh, packets, allocator):
    # threads mode, the RX CPU: its rounds, then raise the done flag
    rx = s[nh + _NH_RX_CPU]
    got = _0
    while got < packets and atomic_load64(s, nh + _NH_ERR) == _0:
        n = rx_softirq_round(s, nh, rx, packets - got, allocator)
        got += n
        if n == _0:
            break
    atomic_store64(s, nh + _NH_DONE, _1)
    return got


@njit(nogil=True, cache=True, _nrt=False)
def napi_consumer_thread(s, nh, allocator):
    # threads mode, the consumer CPU: softirq rounds while frames arrive, until the RX
    # CPU is done and the backlog is empty; returns the frames consumed
    cpu = s[nh + _NH_CONSUMER_CPU]
    pc = this_cpu_napi(s, nh, cpu)
    got = _0
    while True:
        n = consumer_softirq_round(s, nh, cpu, allocator)
        got += n
        if n == _0:
            if atomic_load64(s, nh + _NH_DONE) != _0 and backlog_empty(s, pc):
                break
            cpu_relax()
    return got


@njit(nogil=True, cache=True, _nrt=False)
def napi_teardown(s, nh, nr_cpus, allocator):
    # module unload: the consumer drains its backlog, TX rings and completion queues are
    # freed, deferred skbs flushed, NAPI caches emptied by bulk free, RX buffers and the
    # page_frag caches released
    rx = s[nh + _NH_RX_CPU]
    consumer = s[nh + _NH_CONSUMER_CPU]
    pcr = this_cpu_napi(s, nh, rx)
    while s[nh + _NH_TX_NTU] != s[nh + _NH_TX_NTC]:
        skb = tx_ring_take(s, nh)
        kfree_skb(s, nh, rx, pcr, skb, allocator)
    if s[nh + _NH_WORKLOAD] == _W_REMOTE:
        pcc = this_cpu_napi(s, nh, consumer)
        while not backlog_empty(s, pcc):
            consumer_softirq_round(s, nh, consumer, allocator)
    cpu = _0
    while cpu < nr_cpus:
        pc = this_cpu_napi(s, nh, cpu)
        net_tx_action(s, nh, cpu, pc, allocator)
        skb_defer_free_flush(s, nh, cpu, pc, allocator)
        cpu += _1
    cpu = _0
    while cpu < nr_cpus:
        pc = this_cpu_napi(s, nh, cpu)
        count = s[pc + _PC_SKB_COUNT]
        if count != _0:
            skb_cache_free_bulk(s, cpu, pc, count, pc + _PC_SKB_CACHE, allocator)
            s[pc + _PC_SKB_COUNT] = _0
        cpu += _1
    ring = s[nh + _NH_RX_RING]
    i = _0
    while i < s[nh + _NH_RX_SIZE]:
        data = s[ring + i]
        if data != _0:
            skb_free_frag(s, rx, pcr, data)
            s[ring + i] = _0
        i += _1
    cpu = _0
    while cpu < nr_cpus:
        page_frag_cache_drain(s, cpu, this_cpu_napi(s, nh, cpu))
        cpu += _1


@njit(nogil=True, cache=True, _nrt=False)
def napi_fill_rx_ring(s, nh, allocator):
    # ixgbe_alloc_rx_buffers at ifup: every RX descriptor gets a fragment
    rx = s[nh + _NH_RX_CPU]
    pc = this_cpu_napi(s, nh, rx)
    ring = s[nh + _NH_RX_RING]
    fragsz = s[nh + _NH_FRAGSZ]
    i = _0
    while i < s[nh + _NH_RX_SIZE]:
        data = __alloc_page_frag(s, rx, pc, fragsz)
        if data == _0:
            napi_set_error(s, nh, _E_FRAG_OOM, rx)
            return
        s[ring + i] = data
        i += _1
