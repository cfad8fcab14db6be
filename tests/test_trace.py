"""Perfetto traces of a run (`trace=`, `Harness(trace=)`, `pywse run --trace`): the file is
read back with perfetto's own protobuf classes and a known program's tracks, slices, stalls,
queue counters and flows are checked; compiled and plain runs write the same events; the
filters, the budget, and the CLI."""
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from perfetto.protos.perfetto.trace.perfetto_trace_pb2 import Trace, TrackEvent

import pywse as pw
from pywse.testing import Harness
from pywse.tools.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_stats import COSTS, C, pair, reader  # noqa: E402


class Parsed:
    """A trace file as names: tracks (uuid -> full name, "PE (0, 0)/router"), slices
    (track, name, start, end), instants, counters, and flows (start track, end track)."""

    def __init__(self, path):
        trace = Trace.FromString(Path(path).read_bytes())
        desc = {}
        self.slices, self.instants, self.counters = [], [], []
        out, into = {}, {}
        open_at: dict[int, list] = {}
        for p in trace.packet:
            if p.HasField("track_descriptor"):
                d = p.track_descriptor
                desc[d.uuid] = d
            elif p.HasField("track_event"):
                e = p.track_event
                track = self.name(desc, e.track_uuid)
                if e.type == TrackEvent.TYPE_SLICE_BEGIN:
                    open_at.setdefault(e.track_uuid, []).append((track, e.name, p.timestamp))
                elif e.type == TrackEvent.TYPE_SLICE_END:
                    track, name, start = open_at[e.track_uuid].pop()
                    self.slices.append((track, name, start, p.timestamp))
                elif e.type == TrackEvent.TYPE_INSTANT:
                    self.instants.append((track, e.name, p.timestamp))
                    for f in e.flow_ids:
                        out[f] = (track, p.timestamp)
                    for f in e.terminating_flow_ids:
                        into[f] = (track, p.timestamp)
                else:
                    self.counters.append((track, p.timestamp, e.counter_value))
        assert not any(open_at.values()), "a slice never ended"
        assert set(out) == set(into), "a flow lacks an end"
        self.flows = sorted((out[f][0], into[f][0], out[f][1], into[f][1]) for f in out)
        self.tracks = {self.name(desc, u) for u in desc}

    @staticmethod
    def name(desc, uuid) -> str:
        d = desc[uuid]
        return f"{Parsed.name(desc, d.parent_uuid)}/{d.name}" if d.parent_uuid else d.name

    def named(self, track: str) -> list:
        return [s for s in self.slices if s[0] == track]

    def nested(self) -> bool:
        """Do the slices of every track nest (none overlaps another partly)? Perfetto's
        slices on one track must."""
        by_track: dict[str, list] = {}
        for track, _, start, end in self.slices:
            by_track.setdefault(track, []).append((start, -end))
        for spans in by_track.values():
            stack: list[int] = []
            for start, neg_end in sorted(spans):
                while stack and stack[-1] <= start:
                    stack.pop()
                if stack and stack[-1] < -neg_end:
                    return False
                stack.append(-neg_end)
        return True

    def events(self) -> list:
        """Everything but the flows' ids (numbered in drain order), sorted."""
        return sorted(self.slices) + sorted(self.instants) + sorted(self.counters) + self.flows


def test_a_known_program_tracks_slices_and_flows(tmp_path, jit):
    n = 40          # more than the queues and routers between the two PEs hold
    path = tmp_path / "pair.pftrace"
    h = Harness(pair(n), jit=jit, costs=COSTS, trace=path)
    h.run_until_idle(max_cycles=10_000)
    h.close()
    t = Parsed(path)
    assert {"pywse", "PE (0, 0)", "PE (1, 0)", "PE (0, 0)/router", "PE (1, 0)/router",
            "PE (0, 0)/ops: microthread 2", "PE (1, 0)/iq 0"} <= t.tracks
    (go,) = t.named("PE (0, 0)")
    assert go[1] == "go [sender]" and go[2] == 0 and go[3] == 7      # switch 6 + async start 1
    got = t.named("PE (1, 0)")
    assert [s[1] for s in got] == ["got [counter]"] * n
    assert all(s[3] - s[2] == 6 for s in got)                        # a 6-cycle task each
    ops = t.named("PE (0, 0)/ops: microthread 2")
    assert [s[1] for s in ops if not s[1].startswith("stall")] == ["mov32"]
    stalls = [s for s in ops if s[1].startswith("stall")]
    assert stalls and all(s[1] == "stall: output queue 2 full" for s in stalls)
    (mov,) = [s for s in ops if s[1] == "mov32"]
    assert all(mov[2] <= s[2] <= s[3] <= mov[3] for s in stalls)     # nested in the op
    assert len(t.flows) == n
    assert all(f[:2] == ("PE (0, 0)/router", "PE (1, 0)/router") and f[3] == f[2] + 1
               for f in t.flows)                                     # hop = 1 cycle
    assert t.nested()
    depths = [v for track, _, v in t.counters if track == "PE (1, 0)/iq 0"]
    assert max(depths) >= 1 and depths[-1] == 0


@pytest.mark.parametrize("case", ["pair", "blocking reader"])
def test_compiled_and_plain_write_the_same_trace(tmp_path, case):
    parsed = []
    for jit in (True, False):
        path = tmp_path / f"{jit}.pftrace"
        if case == "pair":           # async op, stalls, flows, data tasks
            h = Harness(pair(40), jit=jit, costs=COSTS, trace=path)
        else:                        # a synchronous op and its blocking wait
            h = Harness(reader, rx=C, n=4, async_=False, jit=jit, costs=COSTS, trace=path)
            h.send(C, np.arange(4, dtype=np.uint32), direction=pw.WEST, start=50)
        h.run_until_idle(max_cycles=10_000)
        h.close()
        parsed.append(Parsed(path).events())
    assert parsed[0] == parsed[1] and len(parsed[0]) > 5


def test_a_blocking_wait_is_a_stall_in_the_task(tmp_path, jit):
    path = tmp_path / "read.pftrace"
    h = Harness(reader, rx=C, n=4, async_=False, jit=jit, costs=COSTS, trace=path)
    h.send(C, np.arange(4, dtype=np.uint32), direction=pw.WEST, start=50)
    h.run_until_idle(max_cycles=1000)
    h.close()
    t = Parsed(path)
    (task,) = t.named("PE (0, 0)")
    assert task[1] == "read [reader]" and (task[2], task[3]) == (0, 63)
    main = t.named("PE (0, 0)/ops: main")
    (stall,) = [s for s in main if s[1].startswith("stall")]
    assert stall[1] == "stall: input queue 2 empty" and stall[3] - stall[2] == 55
    (op,) = [s for s in main if s[1] == "mov32"]
    assert task[2] <= op[2] <= stall[2] <= stall[3] <= op[3] <= task[3]
    assert t.nested()


def test_trace_pes_and_trace_colors_filter_what_is_recorded(tmp_path):
    path = tmp_path / "one.pftrace"
    h = Harness(pair(8), costs=COSTS, trace=path, trace_pes=(1, 0, 1, 1), trace_colors=[5])
    h.run_until_idle(max_cycles=10_000)
    h.close()
    t = Parsed(path)
    assert not any(track.startswith("PE (0, 0)") for track in t.tracks)
    assert len(t.named("PE (1, 0)")) == 8 and t.flows == []      # color 3 is not traced


def test_a_full_budget_is_said_in_the_file_and_warned(tmp_path):
    path = tmp_path / "budget.pftrace"
    h = Harness(pair(8), costs=COSTS, trace=path, trace_budget=5)
    h.run_until_idle(max_cycles=10_000)
    with pytest.warns(pw.TraceWarning, match="trace budget full from cycle"):
        h.close()
    t = Parsed(path)
    (note,) = [i for i in t.instants if i[0] == "pywse"]
    assert note[1].startswith("trace budget full from cycle")
    assert len(t.slices) + len(t.counters) + len(t.flows) <= 5


def test_a_long_run_drains_its_buffer(tmp_path, monkeypatch):
    from pywse.sim import tracebuf
    monkeypatch.setattr(tracebuf, "BUFFER_ROWS", 16)     # drained every 8 events
    path = tmp_path / "long.pftrace"
    h = Harness(pair(64), costs=COSTS, trace=path)
    h.run_until_idle(max_cycles=100_000)
    assert h.engine.st.trc.shape[0] == 16
    h.close()
    t = Parsed(path)
    assert len(t.flows) == 64 and len(t.named("PE (1, 0)")) == 64
    assert not [i for i in t.instants if i[0] == "pywse"]        # nothing dropped


@pytest.mark.filterwarnings("ignore::pywse.RoutingWarning")     # the original's edge routes
def test_pywse_run_trace_with_stats(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli_main(["run", "--trace", "gol.pftrace", "--stats",
                     str(ROOT / "examples" / "game_of_life.py"), "--iters", "3"]) == 0
    assert "cycle account:" in capsys.readouterr().out
    t = Parsed(tmp_path / "gol.pftrace")
    kinds = Counter(s[1].split(" [")[0] for s in t.slices)
    assert kinds["recv_east"] > 0 and kinds["fmovs"] > 0
    assert any(s[0] == "host commands" and s[1].startswith("launch(") for s in t.slices)
    assert t.flows and all(a.endswith("/router") and b.endswith("/router") for a, b, *_ in t.flows)
    assert t.nested()


def test_a_failed_run_keeps_its_events(tmp_path):
    from test_errors import host_artifacts
    path = tmp_path / "stuck.pftrace"
    r = pw.SdkRuntime(host_artifacts(), jit=False, trace=path)
    r.load()
    r.run()
    with pytest.raises(pw.DeadlockError):
        r.launch("forget")              # runs on both PEs, never unblocks the host
    t = Parsed(path)                    # before stop(): the run up to the failure
    assert sorted(s[:2] for s in t.slices) == [("PE (0, 0)", "forget [host_prog]"),
                                               ("PE (1, 0)", "forget [host_prog]")]


def test_pywse_run_trace_names_each_runtime_its_file(tmp_path, monkeypatch):
    from pywse.host import trace as trace_file
    monkeypatch.setenv(trace_file.ENV, trace_file.cli_run(str(tmp_path / "run.pftrace")))
    paths = [trace_file.request(None, None, None, None, 2, 1)[0] for _ in range(3)]
    assert [Path(p).name for p in paths] == ["run.pftrace", "run-2.pftrace", "run-3.pftrace"]
