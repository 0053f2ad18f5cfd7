#!/usr/bin/env python3
"""Serve a newsdex collection from several machines on Ray Serve.

    python3 dist/ray/serve_collection.py --newsdex /opt/newsdex/bin/newsdex \\
        --data /shared/coll [--address auto] [--shards 4] [--groups 0,1;2,3] [--http-port 8000]
    curl 'http://127.0.0.1:8000/api/search?q=Uyghur&facets=true'

What runs where
---------------
* One Serve application per shard group, `shard-<g>` at route prefix `/shard-<g>`. Its one
  `Leaf` replica (`--leaf-cpus`, default 1 CPU, so that Ray spreads the leaves over the nodes)
  starts, on whatever node Ray placed it, `newsdex --data COLL collection serve-shard --own
  I[,J...] --addr 127.0.0.1:0`, reads the port from the URL it prints on stdout, and waits
  until `GET /shard/health` answers. That process opens the whole collection read-only (statistics and query translation are the collection's) but matches only its own
  shards' documents.
* One application `root` at route prefix `/`. Its `Root` replica (0 CPUs, on the head node
  with the default `--proxy-location HeadOnly`) starts `newsdex --data COLL serve
  --shard-servers http://127.0.0.1:PORT/shard-0,...,http://127.0.0.1:PORT/shard-<G-1>
  --addr 127.0.0.1:0`, where PORT is Serve's HTTP port. That is newsdex's JSON API and web UI;
  each search fans out over the shard servers (through Serve's proxy, which routes
  `/shard-<g>/...` to the leaf wherever it runs) and merges their answers. An answer says
  `"shards": {"total": N, "answered": M}`; with a shard server down it is partial and says so.
* Serve's HTTP proxy listens on `--http-host:--http-port` (127.0.0.1:8000 by default: put a
  reverse proxy with TLS in front, or pass `--http-host 0.0.0.0` knowing that it opens the
  archive to the network). Every request (GET or POST, any path) to `/` goes to the root.

Why Python only forwards bytes
------------------------------
A replica's `__call__` passes the request on to its newsdex subprocess (method, path less
the route prefix, query string, body, `Content-Type`, `Accept`, `Authorization`) and
returns newsdex's status, `Content-Type` (and `Location`, `Cache-Control`, ...) and body as
they came, parsing nothing. Scoring, the top-k merge, facet sums, stories collapsed across
shards and the "also in" fetch round are newsdex's Rust code (the shard servers score with the
collection's statistics), so an answer equals that of one archive holding every document,
which `dist/ray/test_serve.py` checks against one. Python never sees a hit.

What the forwarding costs: a client's request passes Serve's proxy and the root's replica;
each call the root makes to a shard server passes the proxy and that leaf's replica again.
Measured on a 2-core machine (loopback, Ray 2.60): one such hop adds 8-11 ms at p50 over
calling the newsdex process directly, of which about 6 ms is Serve's own proxy-to-replica
path (a replica that answers by itself costs as much) and about 1.3 ms the aiohttp round
trip inside the replica. So the root should call each shard server as few times per search as
it can (no health call per search), and fewer, larger shard groups mean fewer hops.

Health and restarts
-------------------
Each replica's `check_health` fails when its newsdex has exited or does not answer its health
URL (`/shard/health`, `/healthz`) within `--health-timeout`. Serve runs it every
`--health-period` seconds (default 2) and, after 3 failures in a row, replaces the replica: the
new one starts a new newsdex (on any node with a free CPU). Until then the root's answers are
partial, and the leaf's URL answers 502 (`{"error": {"code": "bad_gateway", ...}}`). A request
that takes longer than `--timeout` seconds gets a 504. When a replica stops, its newsdex is
sent SIGTERM, then SIGKILL after 5 s; it is also started with the Linux parent-death signal,
so a replica whose worker process is killed outright does not leave it behind.

On a real cluster
-----------------
1. Put the collection (`collection init`, the shards, `collection link`) and the newsdex
   binary at the same paths on every node: a shared filesystem (NFS, CephFS, Lustre, a FUSE
   mount of an object store). Shard servers read it read-only; page cache is per node, so a
   leaf that stays on its node keeps its shards' index hot there.
2. Install `ray[serve]==2.60.0` (what this is tested with) on every node. On the head node:
   `ray start --head --port 6379 --num-cpus 0` (0 CPUs keeps leaves off it; the root needs
   none). Ray 2.60 turns token authentication on for the cluster it starts, with the token in
   `~/.ray/auth_token`: copy that file to every other node and to where this script runs (or
   set RAY_AUTH_TOKEN), and set `RAY_AUTH_MODE=token` there; without it a node's `ray start
   --address` is refused ("Authentication token is missing or incorrect").
3. On every other node: `RAY_AUTH_MODE=token ray start --address HEAD:6379 --num-cpus C`.
   newsdex uses every core of its machine, so give each leaf a node to itself: `--leaf-cpus C`
   with C the node's CPU count. (Ray takes a node's first non-loopback address as its own;
   pass `--node-ip-address` where a node has several.)
4. `RAY_AUTH_MODE=token python3 dist/ray/serve_collection.py --address HEAD:6379 --newsdex
   /shared/bin/newsdex --data /shared/coll --http-port 8000` (or on the head with `--address
   auto`, or RAY_ADDRESS set). It returns once every application is RUNNING and prints where
   each leaf runs. Serve's controller is detached, so the applications outlive this script;
   `--delete` removes them. Running it again with other options redeploys in place: Serve
   replaces the replicas whose options changed (their shards answer partially meanwhile), and
   shard groups the new deployment no longer has are deleted first, so that their CPUs are free.
   Serve's HTTP options are fixed once Serve runs: another `--http-port` needs `serve shutdown`.
5. Shard groups: `--groups 2` makes 2 leaves of about N/2 shards each; `--groups "0,1;2,3"` says
   which; by default one leaf per shard. Fewer, larger groups mean fewer hops per search.
6. `--proxy-location EveryNode` runs a Serve proxy on every node with a replica and lets the
   root run anywhere (it calls the proxy of its own node). The default, HeadOnly, has one
   proxy, on the head, with the root beside it: the single entry point to put a load balancer
   or TLS proxy in front of. (Several Ray nodes on one machine, as in the test, need HeadOnly:
   their proxies would all bind the same port.)

What to monitor
---------------
* `serve status` (or `ray.serve.status()`): every application RUNNING; a leaf that keeps
  going UNHEALTHY → its newsdex dies at start (its stderr is in the replica's log under
  `/tmp/ray/session_latest/logs/serve/` on that node, and in the worker's `.err` log).
* Answers whose `shards.answered` is below `shards.total`: a shard server down or too slow.
* Ray's dashboard (port 8265 on the head, when installed): replica restarts, per-node memory
  (each shard server's index wants its page cache), queued requests.
* Latency at the proxy (`ray_serve_http_request_latency_ms`), and newsdex's own time per
  search. `--max-ongoing` (default 100) caps requests a replica forwards at once; more queue.
* 502/504 answers from a `/shard-<g>` URL (`bad_gateway`, `gateway_timeout`: the replica's
  newsdex is down or slower than `--timeout`), and replicas that keep being replaced.
* Memory: on the test's 3 nodes on one machine, Ray and Serve alone took about 1.6 GB PSS
  (a raylet, dashboard agent and runtime-env agent per node, the GCS, Serve's controller and
  proxy, and about 130 MB per replica), before newsdex's own.

Python module: `deploy(...)` deploys and returns how long it took, `placement(...)` says where
each replica and its newsdex run, `delete()` removes the applications; `Leaf` and `Root` are the
Serve deployments. `dist/ray/test_serve.py` is the test.
"""

import argparse
import asyncio
import collections
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from ray import serve

# Headers passed on. Hop-by-hop ones (Connection, Transfer-Encoding, Content-Length) are not:
# each hop sets its own.
REQUEST_HEADERS = ("content-type", "accept", "authorization")
RESPONSE_HEADERS = ("content-type", "content-encoding", "location", "cache-control", "etag",
                    "last-modified", "content-disposition", "retry-after", "allow",
                    "www-authenticate", "vary")

# newsdex prints the URL it listens on, alone on a line, on stdout (`http://127.0.0.1:PORT/`).
LISTENING = re.compile(r"^(http://[^\s/]+)/?\s*$")


def _error(status, code, message):
    from starlette.responses import Response

    body = json.dumps({"error": {"code": code, "message": message, "status": status}})
    return Response(body, status_code=status, media_type="application/json")


def _parent_death_signal():
    """A function for Popen's preexec_fn: in the child, before exec, have the kernel SIGKILL it
    when the thread that started it dies (Linux; elsewhere None). libc is loaded here, in the
    parent: loading a library between fork and exec could deadlock."""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class _Subprocess:
    """A newsdex server run by a replica: started, watched, forwarded to, stopped."""

    def __init__(self, argv, health_path, start_timeout, check=None):
        self.argv = argv
        self.health_path = health_path
        self.proc = None
        self.base = None
        self.stopping = False
        started = threading.Event()
        failure = []

        # The process is started by a thread that lives as long as it does, because the
        # parent-death signal fires when the *thread* that forked it exits.
        pdeathsig = _parent_death_signal()
        self.stderr_tail = collections.deque(maxlen=20)

        def drain_stderr(pipe):
            for line in pipe:
                self.stderr_tail.append(line.rstrip("\n"))
                sys.stderr.write(line)  # into the replica's log

        def keeper():
            try:
                self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, text=True, bufsize=1,
                                             errors="replace", preexec_fn=pdeathsig)
            except OSError as e:
                failure.append(f"cannot start {argv[0]}: {e}")
                started.set()
                return
            threading.Thread(target=drain_stderr, args=(self.proc.stderr,), daemon=True).start()
            for line in self.proc.stdout:
                m = LISTENING.search(line)
                if m and self.base is None:
                    self.base = m.group(1)
                    started.set()
                sys.stdout.write(line)  # newsdex's own output, into the replica's log
            self.proc.wait()
            started.set()

        self.keeper = threading.Thread(target=keeper, name="newsdex-keeper", daemon=True)
        self.keeper.start()
        try:
            self._wait_ready(started, failure, start_timeout, check)
        except BaseException:
            self.stop()  # a replica that fails to start leaves no newsdex behind
            raise

    def _wait_ready(self, started, failure, start_timeout, check):
        t0 = time.monotonic()
        if not started.wait(start_timeout):
            raise RuntimeError(f"{self.argv!r} printed no URL in {start_timeout} s")
        if failure:
            raise RuntimeError(failure[0])
        if self.base is None:
            time.sleep(0.2)  # the last words on stderr
            raise RuntimeError(f"{self.argv!r} exited with {self.proc.returncode} before listening; "
                               f"its stderr ended: {' | '.join(self.stderr_tail) or '(nothing)'}")
        # Ready when its health URL answers 200 (and says what `check` wants).
        last = None
        while time.monotonic() - t0 < start_timeout:
            if self.proc.poll() is not None:
                time.sleep(0.2)
                raise RuntimeError(f"{self.argv!r} exited with {self.proc.returncode} while starting; "
                                   f"its stderr ended: {' | '.join(self.stderr_tail) or '(nothing)'}")
            try:
                with urllib.request.urlopen(self.base + self.health_path, timeout=5) as r:
                    body = r.read()
                    if r.status == 200:
                        self.health = json.loads(body) if body[:1] in (b"{", b"[") else None
                        if check:
                            check(self.health)
                        self.ready_secs = time.monotonic() - t0
                        return
            except (OSError, urllib.error.URLError, ValueError) as e:
                last = e
            time.sleep(0.1)
        raise RuntimeError(f"{self.base}{self.health_path} not healthy in {start_timeout} s: {last}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace=5.0):
        self.stopping = True
        p = self.proc
        if p is None or p.poll() is not None:
            return
        p.terminate()
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


class _Forwarder:
    """What Leaf and Root share: a newsdex subprocess, byte forwarding, health, info."""

    health_path = "/healthz"

    def _start(self, argv, start_timeout, timeout, health_timeout, check=None):
        import ray

        self.timeout = timeout
        self.health_timeout = health_timeout
        self.session = None
        self.child = _Subprocess(argv, self.health_path, start_timeout, check)
        self.node_id = ray.get_runtime_context().get_node_id()
        self.started_at = time.time()

    async def _session(self):
        import aiohttp

        if self.session is None:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=None),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                auto_decompress=False,
                skip_auto_headers=("Accept-Encoding", "User-Agent"),
            )
        return self.session

    async def __call__(self, request):
        """Forward the request to newsdex; give back its status, headers and body as they are."""
        import aiohttp
        from starlette.responses import Response

        path = request.url.path
        root = request.scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):] or "/"
        url = self.child.base + path
        if request.url.query:
            url += "?" + request.url.query
        headers = {k: v for k, v in request.headers.items() if k in REQUEST_HEADERS}
        body = await request.body()
        session = await self._session()
        try:
            async with session.request(request.method, url, data=body or None, headers=headers,
                                       allow_redirects=False) as r:
                out = await r.read()
                keep = {k: v for k, v in r.headers.items() if k.lower() in RESPONSE_HEADERS}
                return Response(out, status_code=r.status, headers=keep)
        except asyncio.TimeoutError:
            return _error(504, "gateway_timeout", f"newsdex at {self.child.base} gave no answer in {self.timeout} s")
        except aiohttp.ClientError as e:
            state = "alive" if self.child.alive() else f"exited with {self.child.proc.returncode}"
            return _error(502, "bad_gateway", f"newsdex ({state}) could not be reached: {e}")

    async def check_health(self):
        """Fail (so that Serve replaces this replica) when newsdex has exited or does not answer."""
        import aiohttp

        if not self.child.alive():
            code = self.child.proc.returncode if self.child.proc else None
            raise RuntimeError(f"newsdex exited with {code}")
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.health_timeout)) as s:
                async with s.get(self.child.base + self.health_path) as r:
                    if r.status != 200:
                        raise RuntimeError(f"{self.health_path} answered {r.status}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            raise RuntimeError(f"{self.health_path} did not answer: {e!r}") from e

    def info(self):
        """Where this replica's newsdex runs (for reports and tests)."""
        import socket

        return {"node_id": self.node_id, "hostname": socket.gethostname(),
                "routes_secs": getattr(self, "routes_secs", None),
                "replica_pid": os.getpid(), "pid": self.child.proc.pid, "url": self.child.base,
                "alive": self.child.alive(), "health": getattr(self.child, "health", None),
                "ready_secs": round(self.child.ready_secs, 3), "started_at": self.started_at}

    def __del__(self):
        child = getattr(self, "child", None)
        if child is not None:
            child.stop()
        session = getattr(self, "session", None)
        if session is not None and not session.closed:
            try:
                asyncio.get_event_loop().create_task(session.close())
            except Exception:
                pass


@serve.deployment
class Leaf(_Forwarder):
    """A shard server: `newsdex collection serve-shard --own ...` on the node Ray picks."""

    health_path = "/shard/health"

    def __init__(self, newsdex, data, own, start_timeout=300.0, timeout=30.0, health_timeout=5.0):
        self.own = list(own)

        def check(health):
            if health is not None and sorted(health.get("own", self.own)) != sorted(self.own):
                raise RuntimeError(f"the shard server owns {health.get('own')}, not {self.own}")

        argv = [newsdex, "--data", data, "collection", "serve-shard",
                "--own", ",".join(str(i) for i in self.own), "--addr", "127.0.0.1:0"]
        self._start(argv, start_timeout, timeout, health_timeout, check)


@serve.deployment
class Root(_Forwarder):
    """The API and web UI: `newsdex serve --shard-servers ...`, fanning out through Serve."""

    health_path = "/healthz"

    def __init__(self, newsdex, data, shard_urls, start_timeout=300.0, timeout=60.0, health_timeout=5.0,
                 route_timeout=60.0):
        self.shard_urls = list(shard_urls)
        # The leaves are RUNNING, but the first request along a new route can still wait for
        # the proxy to learn it: start newsdex once every shard server answers through Serve
        # (or after route_timeout; its answers are partial until the rest do).
        t0 = time.monotonic()
        pending = list(self.shard_urls)
        while pending and time.monotonic() - t0 < route_timeout:
            for u in list(pending):
                try:
                    with urllib.request.urlopen(u + "/shard/health", timeout=5) as r:
                        r.read()
                    pending.remove(u)
                except (OSError, urllib.error.URLError):
                    pass
            if pending:
                time.sleep(0.2)
        if pending:
            print(f"root: starting although {pending} do not answer yet", file=sys.stderr, flush=True)
        self.routes_secs = time.monotonic() - t0
        argv = [newsdex, "--data", data, "serve", "--shard-servers", ",".join(self.shard_urls),
                "--addr", "127.0.0.1:0"]
        self._start(argv, start_timeout, timeout, health_timeout)


def read_shard_count(data):
    """The shard count in DATA/collection.json (see crates/newsdex-collection/src/lib.rs)."""
    path = os.path.join(data, "collection.json")
    try:
        with open(path) as f:
            m = json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit(f"{path}: not a collection manifest ({e}); give --shards, or run "
                         "`newsdex --data COLL collection init --shards N`")
    n = m.get("shards")
    if not isinstance(n, int) or n < 1 or len(m.get("dirs", [])) != n:
        raise SystemExit(f"{path}: {n!r} shards but {len(m.get('dirs', []))} directories")
    return n


def parse_groups(spec, shards):
    """`None` → one group per shard; `K` → K groups of consecutive shards; `0,1;2,3` → as written."""
    if spec is None or spec == "":
        return [[i] for i in range(shards)]
    spec = str(spec).strip()
    if spec.isdigit():
        k = int(spec)
        if not 1 <= k <= shards:
            raise ValueError(f"--groups {k}: between 1 and {shards} groups")
        return [list(range(g * shards // k, (g + 1) * shards // k)) for g in range(k)]
    groups = [[int(x) for x in part.split(",") if x.strip()] for part in spec.split(";") if part.strip()]
    flat = sorted(i for g in groups for i in g)
    if flat != list(range(shards)) or any(not g for g in groups):
        raise ValueError(f"--groups {spec!r}: every shard 0..{shards - 1} in exactly one group")
    return groups


def deploy(newsdex, data, groups, http_port=8000, http_host="127.0.0.1", leaf_cpus=1.0,
           proxy_location="HeadOnly", health_period=2.0, health_timeout=5.0, timeout=30.0,
           start_timeout=300.0, max_ongoing=100, deploy_timeout=600.0, log=print):
    """Deploy the leaves, then the root; returns once all are RUNNING, with how long it took.

    Needs `ray.init(...)` done. Paths must be the same on every node (made absolute here)."""
    import ray
    import ray.cloudpickle
    from ray.serve.api import RunTarget

    # Deployments defined in an imported module would be pickled by reference and looked up
    # by module name on the worker nodes, which do not have this file: send them by value.
    if __name__ != "__main__":
        ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    newsdex, data = os.path.abspath(newsdex), os.path.abspath(data)
    t_start = time.monotonic()
    serve.start(proxy_location=proxy_location, http_options={"host": http_host, "port": http_port})
    # serve.start keeps the options of a Serve already running (and only logs so); the root's
    # shard URLs must name the port Serve really listens on.
    try:
        from ray.serve.context import _get_global_client

        cfg = _get_global_client().http_config
        running = (cfg.host, cfg.port)
    except Exception:  # a private API: if it moved, trust the options given
        running = (http_host, http_port)
    if running != (http_host, http_port):
        raise RuntimeError(f"Serve already runs on the cluster with HTTP on {running[0]}:{running[1]}, "
                           f"not {http_host}:{http_port}: pass those, or `serve shutdown` first")
    common = dict(health_check_period_s=health_period, health_check_timeout_s=max(health_timeout * 2, 10),
                  graceful_shutdown_timeout_s=10, graceful_shutdown_wait_loop_s=0.5,
                  max_ongoing_requests=max_ongoing, num_replicas=1)
    t0 = time.monotonic()
    targets = []
    for g, own in enumerate(groups):
        leaf = Leaf.options(name=f"leaf-{g}", ray_actor_options={"num_cpus": leaf_cpus}, **common)
        targets.append(RunTarget(leaf.bind(newsdex, data, own, start_timeout, timeout, health_timeout),
                                 name=f"shard-{g}", route_prefix=f"/shard-{g}"))
    # Shard groups of an earlier deployment with more groups than this one go first: their
    # replicas hold CPUs the new leaves may need. (The root's answers are partial meanwhile.)
    stale = delete(keep=["root"] + [t.name for t in targets])
    if stale:
        log(f"deleted {', '.join(stale)}, left from an earlier deployment with more groups")
    serve.run_many(targets, wait_for_applications_running=False)
    wait_running([t.name for t in targets], deploy_timeout, log)
    leaves_secs = time.monotonic() - t0
    log(f"{len(groups)} shard servers running in {leaves_secs:.1f} s")
    # The root reaches the leaves through the Serve proxy on its own node: with HeadOnly that
    # is the head's, so the root must run there.
    root_opts = {"num_cpus": 0}
    if str(proxy_location) in ("HeadOnly", "ProxyLocation.HeadOnly"):
        root_opts["resources"] = {"node:__internal_head__": 0.001}
    # (A proxy bound to one address of the node's is reached there; 0.0.0.0 takes loopback too.)
    near = "127.0.0.1" if http_host in ("127.0.0.1", "0.0.0.0", "localhost", "::") else http_host
    urls = [f"http://{near}:{http_port}/shard-{g}" for g in range(len(groups))]
    root = Root.options(name="root", ray_actor_options=root_opts, **common)
    serve.run_many([RunTarget(root.bind(newsdex, data, urls, start_timeout, max(timeout * 2, 60), health_timeout),
                              name="root", route_prefix="/")], wait_for_applications_running=False)
    wait_running(["root"], deploy_timeout, log)
    total_secs = time.monotonic() - t0
    log(f"root running in {total_secs - leaves_secs:.1f} s; serving http://{http_host}:{http_port}/")
    return {"serve_start_secs": t0 - t_start, "leaves_secs": leaves_secs, "deploy_secs": total_secs}


def _state(status):
    """An ApplicationStatus or DeploymentStatus as its plain name (`RUNNING`, `HEALTHY`, ...)."""
    return str(getattr(status, "value", status))


def wait_running(apps, timeout, log=print):
    """Wait until every application is RUNNING; raise with Serve's messages if one fails or
    `timeout` passes (a leaf that cannot be placed, for want of CPUs, waits for ever)."""
    t0 = time.monotonic()
    said = {}
    while True:
        states = {a: s for a, s in serve.status().applications.items() if a in apps}
        if len(states) == len(apps) and all(_state(s.status) == "RUNNING" for s in states.values()):
            return
        for a, s in states.items():
            msg = "; ".join(m for m in [s.message] + [d.message for d in s.deployments.values()] if m)
            if _state(s.status) == "DEPLOY_FAILED":
                raise RuntimeError(f"application {a} failed to deploy: {msg}")
            if msg and said.get(a) != msg and time.monotonic() - t0 > 30:
                log(f"{a}: {_state(s.status)}: {msg}")
                said[a] = msg
        if time.monotonic() - t0 > timeout:
            raise RuntimeError(f"not RUNNING after {timeout} s: "
                               + ", ".join(f"{a} {_state(s.status)}" for a, s in states.items()))
        time.sleep(0.2)


def placement(n_groups, groups=None):
    """What each application's replica reports about itself: node, pids, URL."""
    import ray

    nodes = {n["NodeID"]: n["NodeManagerAddress"] for n in ray.nodes()}
    out = []
    for name in [f"shard-{g}" for g in range(n_groups)] + ["root"]:
        i = serve.get_app_handle(name).info.remote().result(timeout_s=30)
        i["app"] = name
        i["node_ip"] = nodes.get(i["node_id"])
        if groups is not None and name != "root":
            i["own"] = groups[int(name.split("-")[1])]
        out.append(i)
    return out


def our_apps():
    """The applications this script deploys that run now: `root` and `shard-<g>`."""
    return [a for a in serve.status().applications if a == "root" or re.fullmatch(r"shard-\d+", a)]


def delete(keep=()):
    """Delete the root and shard applications (but those in `keep`); their newsdex stop."""
    gone = sorted((a for a in our_apps() if a not in keep), key=lambda a: a != "root")
    for name in gone:  # the root first: it calls the rest
        serve.delete(name)
    return gone


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--address", default=os.environ.get("RAY_ADDRESS", "auto"),
                    help="Ray cluster address (default: RAY_ADDRESS, else auto)")
    ap.add_argument("--newsdex", default="newsdex", help="the newsdex binary, same path on every node")
    ap.add_argument("--data", required=True, help="the collection directory, same path on every node")
    ap.add_argument("--shards", type=int, help="shard count (default: collection.json's)")
    ap.add_argument("--groups", help="K (K leaves of consecutive shards) or '0,1;2,3'; default one per shard")
    ap.add_argument("--http-port", type=int, default=8000)
    ap.add_argument("--http-host", default="127.0.0.1", help="Serve's proxy address (default loopback only)")
    ap.add_argument("--proxy-location", default="HeadOnly", choices=["HeadOnly", "EveryNode"])
    ap.add_argument("--leaf-cpus", type=float, default=1.0, help="CPUs each leaf reserves (default 1)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds a forwarded request may take")
    ap.add_argument("--health-period", type=float, default=2.0, help="seconds between health checks")
    ap.add_argument("--health-timeout", type=float, default=5.0)
    ap.add_argument("--start-timeout", type=float, default=300.0, help="seconds newsdex may take to start")
    ap.add_argument("--max-ongoing", type=int, default=100, help="requests a replica forwards at once")
    ap.add_argument("--deploy-timeout", type=float, default=600.0, help="seconds to wait for RUNNING")
    ap.add_argument("--delete", action="store_true", help="remove the applications instead")
    a = ap.parse_args(argv)

    import ray

    shards = a.shards or read_shard_count(a.data)
    try:
        groups = parse_groups(a.groups, shards)
    except ValueError as e:
        ap.error(str(e))
    ray.init(address=a.address, log_to_driver=False)
    if a.delete:
        gone = delete()
        print(f"deleted {', '.join(gone) or 'nothing: no root or shard application runs'}")
        return 0
    if not os.access(a.newsdex, os.X_OK) and os.sep not in a.newsdex:
        import shutil

        a.newsdex = shutil.which(a.newsdex) or a.newsdex
    r = deploy(a.newsdex, a.data, groups, http_port=a.http_port, http_host=a.http_host,
               leaf_cpus=a.leaf_cpus, proxy_location=a.proxy_location, health_period=a.health_period,
               health_timeout=a.health_timeout, timeout=a.timeout, start_timeout=a.start_timeout,
               max_ongoing=a.max_ongoing, deploy_timeout=a.deploy_timeout)
    print(f"{'app':<10} {'shards':<10} {'node':<18} {'node id':<14} {'pid':>8}  url")
    for p in placement(len(groups), groups):
        own = ",".join(map(str, p.get("own", []))) or "-"
        print(f"{p['app']:<10} {own:<10} {str(p['node_ip']):<18} {p['node_id'][:12]:<14} {p['pid']:>8}  {p['url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
