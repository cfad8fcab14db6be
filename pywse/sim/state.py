"""Engine state: flat arrays as a namedtuple (plain Python) and as a numba structref.

Builtins, ops and the fabric read and write these arrays in place. Interpreted code gets the
namedtuple; compiled code gets a structref over the very same arrays, which numba passes by
reference (a namedtuple of ~90 arrays would be copied into every call and bloat the LLVM IR).

Compiled code sees the structref through a *borrowed* view (`StateViewType`): the same payload,
but a value without a reference count. numba increfs a refcounted argument on entry to every
function and decrefs it on exit, an atomic operation each; with the state passed to nearly
every engine function, that was ~40 % of the compiled engine's time. The view is safe because
the Python side (`JitState`) keeps the structref, and so every array, alive while compiled
code runs, and compiled code never stores or returns the view.
"""
from __future__ import annotations

import os
from collections import namedtuple

import numba
import numpy as np
from numba.core import cgutils
from numba.core import types as nbtypes
from numba.core.datamodel import models
from numba.experimental import structref
from numba.extending import NativeValue, intrinsic, register_model, unbox

from ..dsl.signatures import N_PRNG
from ..errors import ResourceError
from ..types import N_COLORS
from . import account, costs, fabric, ops, rings, routerfilter, tracebuf

N_TASK_IDS = 32
MAX_FIFOS = 8            # FIFOs per PE (p.fifo)
MAX_LAUNCH_ARGS = 15    # scalar arguments of a host-launched function (memcpy allows 15)
QUEUE_BUF = 8            # ring size of every input/output queue (capacity is per queue id)

STATE_FIELDS = (
    "task_state task_words cmd_unblocked n_unblocked cycles config wake wake_list n_wake mem_base "
    "arena arena16 arena32 scratch32 scratchf "
    "iq_buf iq_ctl iq_head iq_count iq_cap oq_buf oq_ctl oq_wcol oq_head oq_count oq_cap ce_iq "
    "ut_code ut_pos ut_len ut_act ut_unb ut_opnd ut_from rb_buf rb_ctl rb_time rb_head rb_count "
    "sw_tx sw_rx sw_cur sw_npos sw_ring sw_pop swap_x swap_y flt_on flt link_time active on_list n_active "
    "rb_mask oq_mask ut_mask h2d_mask poked "
    "h2d_color h2d_entry h2d_left h2d_pos d2h_color d2h_left d2h_done "
    "ring ring_base ring_mark ring_len ring_req ring_nreq "
    "src_meta src_data src_pending cap_log cap_n pe_prio row_runs pe_runs color_moves "
    "fifo_addr fifo_cap fifo_width fifo_head fifo_count "
    "now busy_until task_start in_task queued next_tid heap_t heap_pe heap_n "
    "rpc_pending rpc_at rpc_row rpc_bits counters "
    "pe_img chan_n chan_id chan_q chan_data loc_row data_row ctl_row fault prng "
    "tsc tip td_colors qflush qh_row td_todo task_hi mt_prio cost sw_sel fp_mask fp_info "
    "acct row_acct links q_stall ut_wait line_pe line_keys line_cyc trc trc_cfg trc_pe").split()
EngineState = namedtuple("EngineState", STATE_FIELDS)


@structref.register
class StateType(nbtypes.StructRef):
    def preprocess_fields(self, fields):
        return tuple((name, nbtypes.unliteral(t)) for name, t in fields)


class StateRef(structref.StructRefProxy):
    """The compiled-code view of an EngineState (same arrays)."""


structref.define_proxy(StateRef, StateType, STATE_FIELDS)


class StateViewType(nbtypes.StructRef):
    """The structref's payload, borrowed: a bare meminfo pointer that numba does not count."""

    def preprocess_fields(self, fields):
        return tuple((name, nbtypes.unliteral(t)) for name, t in fields)


@register_model(StateViewType)
class _StateViewModel(models.StructModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, [("meminfo", nbtypes.voidptr)])


structref.define_attributes(StateViewType)


@intrinsic
def _meminfo_address(typingctx, ref):
    def codegen(context, builder, sig, args):
        mi = cgutils.create_struct_proxy(sig.args[0])(context, builder, value=args[0]).meminfo
        return builder.ptrtoint(mi, cgutils.intp_t)
    return nbtypes.intp(ref), codegen


@numba.njit(cache=True)
def _new_ref(*fields):
    ref = StateRef(*fields)
    return ref, _meminfo_address(ref)


class JitState:
    """What compiled engine functions take: `ref` owns the arrays, `address` is its meminfo,
    `_numba_type_` the view's type (numba's dispatcher reads it without a typeof call)."""

    __slots__ = ("ref", "address", "_numba_type_")

    def __init__(self, ref: StateRef, address: int):
        self.ref, self.address = ref, address
        self._numba_type_ = StateViewType(list(ref._type.field_dict.items()))


@unbox(StateViewType)
def _unbox_jit_state(typ, obj, c):
    address = c.pyapi.object_getattr_string(obj, "address")
    view = cgutils.create_struct_proxy(typ)(c.context, c.builder)
    view.meminfo = c.pyapi.long_as_voidptr(address)
    c.pyapi.decref(address)
    return NativeValue(view._getvalue())


def to_jit(st: EngineState) -> JitState:
    """The compiled-code view of `st`'s arrays. (numba's own StateRef(...) constructor is
    compiled afresh in every process, ~4 s for this many fields; `_new_ref` is cached.)"""
    return JitState(*_new_ref(*st))


def new_state(mem_base: np.ndarray, arena_bytes: int, arch: str, width: int,
              engine_id: int, pe_img: np.ndarray, n_images: int,
              rb_slots: int = fabric.ROUTER_DEPTH) -> EngineState:
    npe = len(mem_base)
    arena = np.zeros(max(arena_bytes, 8), np.uint8)
    scratch = np.zeros(4, np.uint32)
    nq = 8
    z = np.zeros
    task_state = z((npe, N_TASK_IDS), np.uint8)
    return EngineState(
        task_state=task_state, task_words=task_state.view(np.uint64),  # 8 ids per word, for picking
        cmd_unblocked=np.ones(npe, np.uint8), n_unblocked=np.array([npe], np.int64),
        cycles=z(npe, np.int64),
        config=np.array([3 if arch == "wse3" else 2, width, engine_id, 0, 0], np.int64),
        wake=z(npe, np.uint8), wake_list=z(npe, np.int64), n_wake=z(1, np.int64),
        mem_base=mem_base, arena=arena, arena16=arena.view(np.uint16),
        arena32=arena.view(np.uint32), scratch32=scratch, scratchf=scratch.view(np.float32),
        iq_buf=z((npe, nq, QUEUE_BUF), np.uint32), iq_ctl=z((npe, nq, QUEUE_BUF), np.uint8),
        iq_head=z((npe, nq), np.int64), iq_count=z((npe, nq), np.int64),
        iq_cap=np.array(fabric.IQ_DEPTH[arch], np.int64),
        oq_buf=z((npe, nq, QUEUE_BUF), np.uint32), oq_ctl=z((npe, nq, QUEUE_BUF), np.uint8),
        oq_wcol=z((npe, nq, QUEUE_BUF), np.int8),     # each wavelet's color (wse2: per fabout)
        oq_head=z((npe, nq), np.int64), oq_count=z((npe, nq), np.int64),
        oq_cap=np.array(fabric.OQ_DEPTH[arch], np.int64),
        ce_iq=np.full((npe, N_COLORS), -1, np.int8),
        ut_code=z((npe, ops.N_SLOTS), np.int64), ut_pos=z((npe, ops.N_SLOTS), np.int64),
        ut_len=z((npe, ops.N_SLOTS), np.int64), ut_act=np.full((npe, ops.N_SLOTS), -1, np.int8),
        ut_unb=np.full((npe, ops.N_SLOTS), -1, np.int8),
        ut_opnd=z((npe, ops.N_SLOTS, 4, ops.NF), np.int64),
        ut_from=z((npe, ops.N_SLOTS), np.int64),   # the cycle an async op was issued at
        rb_buf=z((npe, N_COLORS, rb_slots), np.uint32),
        rb_ctl=z((npe, N_COLORS, rb_slots), np.uint8),
        rb_time=z((npe, N_COLORS, rb_slots), np.int64),
        rb_head=z((npe, N_COLORS), np.int64), rb_count=z((npe, N_COLORS), np.int64),
        sw_tx=z((npe, N_COLORS, 4), np.uint8), sw_rx=z((npe, N_COLORS, 4), np.uint8),
        sw_cur=z((npe, N_COLORS), np.uint8),
        sw_npos=np.ones((npe, N_COLORS), np.uint8), sw_ring=z((npe, N_COLORS), np.uint8),
        sw_pop=z((npe, N_COLORS), np.uint8),
        swap_x=z((npe, N_COLORS), np.uint8), swap_y=z((npe, N_COLORS), np.uint8),
        # filters (routerfilter.py): each color's kind, and its words (limits, counter, id)
        flt_on=z((npe, N_COLORS), np.uint8),
        flt=z((npe, N_COLORS, routerfilter.N_FIELDS), np.int32),
        link_time=z((npe, fabric.N_DIRS), np.int64),
        active=z(npe, np.int64), on_list=z(npe, np.uint8), n_active=z(1, np.int64),
        # what a PE has in flight, one bit per color / output queue / microthread / H2D stream
        rb_mask=z(npe, np.uint32), oq_mask=z(npe, np.uint8), ut_mask=z(npe, np.uint16),
        h2d_mask=z(npe, np.uint8), poked=z(npe, np.uint8),
        h2d_color=np.full(4, -1, np.int64), h2d_entry=z(4, np.int64), h2d_left=z((npe, 4), np.int64),
        h2d_pos=z((npe, 4), np.int64),
        d2h_color=np.full(4, -1, np.int64), d2h_left=z((npe, 4), np.int64),
        d2h_done=z((npe, 4), np.int64),
        # the streams' words in flight: a ring per PE on a stream, in one pool (rings.py)
        ring=z(1, np.uint32), ring_base=z((npe, rings.N_PORTS), np.int64),
        ring_mark=z((npe, rings.N_PORTS), np.int64), ring_len=z(rings.N_PORTS, np.int64),
        ring_req=z(1, np.int64), ring_nreq=z(1, np.int64),
        # test sources (Harness.send) and what leaves the grid (fabric.py: SRC_*, CAP_*)
        src_meta=z((1, fabric.SRC_FIELDS), np.int64), src_data=z(1, np.uint32),
        src_pending=z(npe, np.int64), cap_log=z((64, fabric.CAP_FIELDS), np.int64),
        cap_n=z(1, np.int64),
        # which ready PE goes first at equal times (perturbation reorders it), and activity
        # counters a livelock report ranks (tasks run per row and per PE, wavelets per color)
        pe_prio=np.arange(npe, dtype=np.int64), row_runs=z(1, np.int64), pe_runs=z(npe, np.int64),
        color_moves=z(N_COLORS, np.int64),
        fifo_addr=z((npe, MAX_FIFOS), np.int64), fifo_cap=z((npe, MAX_FIFOS), np.int64),
        fifo_width=z((npe, MAX_FIFOS), np.int64), fifo_head=z((npe, MAX_FIFOS), np.int64),
        fifo_count=z((npe, MAX_FIFOS), np.int64),
        # the scheduler (sched.py)
        now=z(1, np.int64), busy_until=z(npe, np.int64), task_start=z(npe, np.int64),
        in_task=z(npe, np.uint8), queued=z(npe, np.uint8), next_tid=z(npe, np.uint8), heap_t=z(npe, np.int64),
        heap_pe=z(npe, np.int64), heap_n=z(1, np.int64), rpc_pending=z(npe, np.uint8), rpc_at=z(npe, np.int64),
        rpc_row=np.full(n_images, -1, np.int64), rpc_bits=z((n_images, MAX_LAUNCH_ARGS), np.uint32),
        counters=z(8, np.int64), pe_img=pe_img.astype(np.int64), chan_n=z(n_images, np.int64),
        chan_id=z((n_images, nq), np.int64), chan_q=z((n_images, nq), np.int64),
        chan_data=z((n_images, nq), np.uint8),
        loc_row=np.full((n_images, N_TASK_IDS), -1, np.int64),
        data_row=np.full((n_images, N_TASK_IDS), -1, np.int64),
        ctl_row=np.full((n_images, 64), -1, np.int64),
        # where a task body is (its statement's site) and what failed there (sim/faults.py)
        fault=z(8, np.int64),
        # each PE's PRNG states and, last, its active PRNG (builtins.py: @random16)
        prng=new_prng(npe),
        # each PE's timestamp counter (<time>): [running?, start cycle or frozen value];
        # it runs from the start of the run until a program stops it
        tsc=np.tile(np.array([1, 0], np.int64), (npe, 1)),
        # teardown (fabric.py): per (PE, color) TIP_* bits; per PE the colors whose entering
        # teardown runs the program's teardown handler (task TEARDOWN_TASK)
        tip=z((npe, N_COLORS), np.uint8), td_colors=z(npe, np.uint32),
        # queue flushes (queueflush.py): per PE the input and output queues armed by
        # @queue_flush, then their flush status registers (QF_* rows, a bit per queue); per
        # image the row of each queue's empty-queue handler (queue code -> row, -1 none);
        # per PE the handlers the running teardown task has still to run (sched.py)
        qflush=z((npe, 4), np.uint8), qh_row=np.full((n_images, 16), -1, np.int64),
        td_todo=z(npe, np.uint32),
        # priorities (taskprio.py): the task ids at HIGH task priority, a bit each; the main
        # thread's priority level (recorded only)
        task_hi=z(npe, np.uint32), mt_prio=z(npe, np.uint8),
        # the platform's cost table (costs.py: Costs.array), read by every charge at run time
        cost=costs.DEFAULT.array(),
        # which side each switch position overrides (configregs.py: SEL_RX << k-1, SEL_TX
        # << k+3); per PE the unmasked FP exceptions and the mask call's site, and the run's
        # FP exception record (fpexcept.py)
        sw_sel=z((npe, N_COLORS), np.uint8), fp_mask=z((npe, 2), np.int64),
        fp_info=z(10, np.int64),
        # the cycle account (account.py): per PE its A_* counters; per row (image, task) its
        # cycles and waits (rows: set by the engine, as row_runs); per PE, color and side the
        # wavelets its router sent (fabric.D_*) and took in (N_DIRS + D_*); per PE the cycles
        # ops waited on each queue or FIFO; per microthread its open wait
        acct=z((npe, account.N_ACCT), np.int64), row_acct=z((1, 2), np.int64),
        links=z((npe, N_COLORS, 2 * fabric.N_DIRS), np.int64),
        q_stall=z((npe, account.N_STALL), np.int64), ut_wait=z((npe, ops.N_SLOTS, 2), np.int64),
        # cycles per task-body line, when a run asks (lines.py: lines.arrays replaces these)
        line_pe=z((1, 2), np.int64), line_keys=z(1, np.int64), line_cyc=z(1, np.int64),
        # trace events, when a run asks (tracebuf.py: tracebuf.arrays replaces these)
        **tracebuf.off())


PRNG_SEED = 0xDEADBEEF
"""The state every PRNG starts from (CSL-LIBRARIES §4.5), masked to the LFSR's 23 bits."""


def new_prng(npe: int) -> np.ndarray:
    prng = np.full((npe, N_PRNG + 1), PRNG_SEED & 0x7FFFFF, np.int64)
    prng[:, N_PRNG] = 0
    return prng


def state_bytes(npe: int, arena_bytes: int, arch: str, n_images: int,
                rb_slots: int = fabric.ROUTER_DEPTH) -> int:
    """Bytes the engine state of `npe` PEs takes: their memories plus per-PE arrays (measured
    on a state of one and two PEs: what grows with the PE count)."""
    def total(n):
        st = new_state(np.zeros(n, np.int64), 8, arch, 1, 0, np.zeros(n, np.int64), n_images,
                       rb_slots)
        return sum(a.nbytes for a in st if isinstance(a, np.ndarray) and a.base is None)
    one = total(1)
    return arena_bytes + one + (total(2) - one) * (npe - 1)


def available_bytes() -> int | None:
    """Memory this machine can still give (Linux MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def size_text(n: int) -> str:
    """A number of bytes for a message: in GiB from 1 GiB up, else in MiB."""
    return f"{n / (1 << 30):.1f} GiB" if n >= 1 << 30 else f"{n / (1 << 20):.1f} MiB"


def check_memory(npe: int, arena_bytes: int, arch: str, n_images: int, width: int,
                 rb_slots: int = fabric.ROUTER_DEPTH) -> None:
    """Refuse, before allocating, a state that would not fit in this machine's memory."""
    need = state_bytes(npe, arena_bytes, arch, n_images, rb_slots)
    have = available_bytes()
    if have is not None and need > have:
        gib = 1 << 30
        raise ResourceError(
            f"the {width}x{npe // max(width, 1)} kernel needs about {need / gib:.1f} GiB to "
            f"simulate ({arena_bytes / gib:.1f} GiB of PE memory, the rest per-PE router, "
            f"queue and task state); this machine has {have / gib:.1f} GiB available. "
            "Simulate a smaller kernel (the same program on fewer PEs), or free memory")
