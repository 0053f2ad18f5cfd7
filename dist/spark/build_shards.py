#!/usr/bin/env python3
"""Build the N shards of a newsdex collection on Apache Spark.

    spark-submit dist/spark/build_shards.py --newsdex /opt/newsdex/bin/newsdex \\
        --out /shared/coll --shards 4 /shared/news/2024/ /shared/news/cc-news.warc.gz
    # or, with pyspark importable: python3 dist/spark/build_shards.py --master ... (same arguments)

What it does: an RDD of the shard numbers 0..N-1 in N partitions; each task runs
`newsdex --data OUT/shard-NNNN ingest --shard I/N --json INPUT...` as a subprocess (the
cc-pyspark pattern: Spark schedules, retries and places the work; newsdex does it) and
returns the shard, attempt, executor host and pid, and newsdex's report. The driver prints
a table and writes OUT/build-report.json. Shards are OUT/shard-0000, OUT/shard-0001, ...,
or the folders OUT/collection.json names: the manifest is made by `newsdex --data OUT
collection init --shards N` (before or after this job; a manifest of another N is refused),
and `newsdex --data OUT collection link` groups stories across the shards after it.

Time-partitioned shards: `--by-date 2010-01-01,2020-01-01 [--undated-shard I]` (one date
fewer than the shards), or a manifest made by `collection init --by-date`, whose bounds
are then used (different flags are refused). Each task runs `ingest --shard I/N --by-date
... --undated-shard U`: shard I keeps the records extraction dates in its range.

Restartable: a task whose newsdex exits with 2 (an error) or is killed raises, so Spark
runs it again (up to spark.task.maxFailures, `--max-failures`, default 4). The retry runs
the same ingest into the same directory, which is safe: newsdex's ingest is crash-safe
(a killed run leaves committed batches, recovered at the next open) and idempotent (what a
shard already holds is counted as duplicates, not stored twice). Exit code 1 (some records
rejected) is a success; the rejects are in the report. Running the job again with more
inputs adds them to the existing shards.

Read amplification: every task reads every input (N x reads; each input is also kept
whole in every shard's raw store), while each record is extracted and stored by exactly
one shard (1 x extraction; by date, every task extracts every record to learn its date,
N x extraction, and stores only its own). A record's shard is its document id (the first 64 bits of
BLAKE3 of its bytes) modulo N, and the id is only known once the record has been cut out of
its input, so no task can skip the others' records unread. Reading is cheap beside
extraction and indexing, which is why this is the simple design; at a scale where N x reads
matter, the alternative is a shuffle: tasks split inputs into records keyed by id, Spark
shuffles them by id % N, and each shard ingests only its own records (as a JSON Lines or WARC
stream), at the cost of moving every record over the network once.

Cluster configuration (no code changes; only the master URL and the paths):
  * local-cluster[2,1,1024] (tests: 2 executor JVMs of 1 core and 1 GB on this machine,
    no daemons; set SPARK_LOCAL_IP=127.0.0.1 to keep it on loopback). One such job runs
    on a machine at a time (a lock: jobs started in the same second would share a folder).
  * standalone: --master spark://HOST:7077 (or spark-submit --master ...); YARN:
    --master yarn; Kubernetes: --master k8s://https://API:443 with an image holding Python,
    pyspark and newsdex. newsdex uses every core of its machine, so run one shard task
    per node at a time: one executor per node with spark.task.cpus = spark.executor.cores
    (pass settings with --conf KEY=VALUE or spark-submit's --conf).
  * Paths: the inputs, --newsdex and --out must be the same paths on every node, i.e. a
    shared filesystem (NFS, CephFS, Lustre, a FUSE mount of an object store). --ship-binary
    sends the driver's newsdex to the executors instead (SparkContext.addFile), so it need
    not be installed on them. With per-node local disks instead of a shared --out, each shard
    ends up on whichever node built it (the report names the host); a retry that lands on
    another node starts that shard afresh there and the killed attempt's partial shard must
    be deleted by hand, so prefer a shared --out or pin one shard per node.
  * The executors' Python: PYSPARK_PYTHON or spark.pyspark.python (defaults here to this
    interpreter in local modes).

Test hook: --kill-first-attempt I makes the first attempt of shard I kill its newsdex with
SIGKILL as soon as the shard has committed documents (`newsdex stats`, polled), so a test sees
Spark retry a task killed mid-ingest (crates/newsdex-cli/tests/it/spark.rs).
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

# The fields of newsdex's ingest report that the build report keeps (not the lists of ids).
REPORT_FIELDS = ("files", "bytes", "new", "duplicates", "other_shards", "rejected_count",
                 "with_warnings", "elapsed_secs", "peak_rss_bytes")


def executor_pid():
    """The pid of the executor JVM running this Python worker (its nearest `java` ancestor)."""
    pid = os.getpid()
    try:
        while pid > 1:
            with open("/proc/%d/comm" % pid) as f:
                if f.read().strip() == "java":
                    return pid
            with open("/proc/%d/stat" % pid) as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        pass
    return None


def die_with_parent():
    """A preexec_fn that has the kernel kill the child when its parent dies (Linux's
    PR_SET_PDEATHSIG), or None where there is no prctl: newsdex then dies with a killed
    task's Python worker or a lost executor, so no orphan goes on holding the shard's writer
    lock while Spark retries the task."""
    try:
        import ctypes
        prctl = ctypes.CDLL(None).prctl  # looked up here: the forked child only calls it
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG


def committed_documents(newsdex, data):
    """Documents a shard has committed so far (0 if it has none yet or cannot be read)."""
    r = subprocess.run([newsdex, "--data", data, "stats", "--json"],
                       capture_output=True, text=True)
    try:
        return json.loads(r.stdout)["documents"] if r.returncode == 0 else 0
    except ValueError:
        return 0


def build_shard(shard, ship, newsdex, data, n, inputs, batch, kill_first_attempt, by_date=None):
    """Ingest every input into shard `shard`; raise (so Spark retries) unless newsdex ends with 0 or 1."""
    from pyspark import SparkFiles, TaskContext

    task = TaskContext.get()
    attempt = task.attemptNumber() if task else 0
    if ship:
        newsdex = SparkFiles.get(os.path.basename(newsdex))
        os.chmod(newsdex, 0o755)
    cmd = [newsdex, "--data", data, "ingest", "--shard", "%d/%d" % (shard, n), "--json"]
    if by_date:
        cmd += ["--by-date", by_date[0], "--undated-shard", str(by_date[1])]
    if batch:
        cmd += ["--batch", str(batch)]
    cmd += inputs
    started = time.time()
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr,
                                env=dict(os.environ, NO_COLOR="1"), preexec_fn=die_with_parent())
        if kill_first_attempt == shard and attempt == 0:
            # Test hook: kill newsdex once it has committed part of the shard, as a lost
            # executor or an OOM kill would, then fail the task.
            while proc.poll() is None and committed_documents(newsdex, data) == 0:
                time.sleep(0.2)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        stdout, _ = proc.communicate()
        stderr.seek(max(0, stderr.seek(0, os.SEEK_END) - 4000))
        err = stderr.read().decode("utf-8", "replace")
    if proc.returncode not in (0, 1):
        how = ("killed by signal %d" % -proc.returncode if proc.returncode < 0
               else "exit code %d" % proc.returncode)
        raise RuntimeError("newsdex ingest of shard %d (attempt %d) failed: %s\n%s"
                           % (shard, attempt, how, err))
    report = json.loads(stdout)
    row = {"shard": shard, "dir": data, "attempt": attempt, "host": socket.gethostname(),
           "pid": os.getpid(), "executor_pid": executor_pid(), "exit_code": proc.returncode,
           "task_secs": round(time.time() - started, 3)}
    row.update({k: report.get(k) for k in REPORT_FIELDS})
    return row


def spark_work_dir():
    """SPARK_HOME/work, where a local-cluster's workers keep each app's files."""
    import pyspark
    return os.path.join(os.environ.get("SPARK_HOME") or os.path.dirname(pyspark.__file__), "work")


def local_cluster_lock():
    """Wait for, then hold until this process exits, the machine's local-cluster lock; the
    seconds waited."""
    import fcntl
    work = spark_work_dir()
    os.makedirs(work, exist_ok=True)
    f = open(os.path.join(work, ".newsdex-build-shards.lock"), "w")
    asked = time.time()
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("waiting for another local-cluster build_shards job on this machine", file=sys.stderr)
        fcntl.flock(f, fcntl.LOCK_EX)
    _held.append(f)
    return time.time() - asked


_held = []  # the lock's open file: closing it (at exit) releases the lock


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--newsdex", required=True, help="the newsdex binary (on every node, or --ship-binary)")
    p.add_argument("--out", required=True, help="collection directory: shards go to OUT/shard-NNNN")
    p.add_argument("--shards", type=int, required=True, help="number of shards N")
    p.add_argument("--master", help="Spark master URL (default: spark-submit's, else local[*,F])")
    p.add_argument("--max-failures", type=int, default=4, help="attempts per task (spark.task.maxFailures)")
    p.add_argument("--batch", type=int, help="newsdex ingest --batch: commit after this many new documents")
    p.add_argument("--ship-binary", action="store_true", help="send --newsdex to the executors with the job")
    p.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="extra Spark setting")
    p.add_argument("--by-date", metavar="DATES",
                   help="time-partitioned shards split at these dates (YYYY-MM-DD, comma-separated, N-1 of them)")
    p.add_argument("--undated-shard", type=int, metavar="I", help="with --by-date: the shard of undated documents (default: the last)")
    p.add_argument("--kill-first-attempt", type=int, metavar="I", help="test hook: see the docstring")
    p.add_argument("inputs", nargs="+", help="input files or directories, seen by every executor")
    a = p.parse_args(argv)
    if a.shards < 1:
        p.error("--shards must be at least 1")
    if a.undated_shard is not None and not a.by_date:
        p.error("--undated-shard needs --by-date")

    out = os.path.abspath(a.out)
    newsdex = os.path.abspath(a.newsdex)
    inputs = [os.path.abspath(i) for i in a.inputs]
    # The shards' folders: as the manifest names them (`newsdex collection init`), if it was made.
    dirs = ["shard-%04d" % i for i in range(a.shards)]
    manifest = os.path.join(out, "collection.json")
    if os.path.exists(manifest):
        with open(manifest) as f:
            m = json.load(f)
        if m.get("shards") != a.shards:
            p.error("%s is a collection of %s shards, not %d" % (out, m.get("shards"), a.shards))
        dirs = m.get("dirs", dirs)
        if m.get("assign") == "date":
            bounds, undated = ",".join(m.get("bounds", [])), m.get("undated", a.shards - 1)
            if a.by_date and (a.by_date.replace(" ", ""), a.undated_shard if a.undated_shard is not None
                              else a.shards - 1) != (bounds, undated):
                p.error("%s is partitioned by date at %s (undated in shard %d), not as --by-date says"
                        % (out, bounds, undated))
            a.by_date, a.undated_shard = bounds, undated
        elif a.by_date:
            p.error("%s assigns documents by id; --by-date needs a collection of its own" % out)
    by_date = None
    if a.by_date:
        # newsdex checks the dates themselves (the first task to run refuses bad ones).
        by_date = (a.by_date.replace(" ", ""), a.undated_shard if a.undated_shard is not None else a.shards - 1)
    dirs = [os.path.join(out, d) for d in dirs]

    from pyspark import SparkConf, SparkContext

    # Start the JVM first, so that SparkConf sees spark-submit's settings (its --master).
    started = time.time()
    SparkContext._ensure_initialized()
    conf = SparkConf().setAppName("newsdex build_shards %d" % a.shards)
    if a.master:
        conf.setMaster(a.master)
    master = conf.get("spark.master", "local[*]")
    local = re.fullmatch(r"local(?:\[(\*|\d+)\])?", master)
    if local:
        # Local mode tries a task once whatever spark.task.maxFailures says, unless its URL
        # says otherwise: local[N,F].
        master = "local[%s,%d]" % (local[1] or "1", a.max_failures)
        conf.setMaster(master)
    if master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    cluster = re.match(r"local-cluster\[(\d+),\s*(\d+),", master)
    if cluster:
        # Start the job once every executor is up (waiting up to 2 min on a busy machine),
        # so the shards spread over them: the ratio counts against spark.cores.max.
        conf.set("spark.cores.max", str(int(cluster[1]) * int(cluster[2])))
        conf.set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
        conf.set("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
    conf.set("spark.task.maxFailures", str(a.max_failures))
    for kv in a.conf:
        key, _, value = kv.partition("=")
        conf.set(key, value)

    os.makedirs(out, exist_ok=True)
    lock_wait = 0.0
    if cluster:
        # Its master names an app app-<start second>-0000, so two local-cluster jobs started
        # in the same second on one machine share SPARK_HOME/work/<app id>, and the first to
        # finish would delete the folder (and shipped binary) the other's executors run in:
        # such jobs run one after the other, by a lock held until that folder is removed.
        lock_wait = local_cluster_lock()
    sc = SparkContext(conf=conf)  # returns once the executors have registered (see above)
    up = time.time()
    try:
        if a.ship_binary:
            sc.addFile(newsdex)
        n, ship, batch, kill = a.shards, a.ship_binary, a.batch, a.kill_first_attempt
        rows = (sc.parallelize(range(n), n)
                .mapPartitions(lambda shards: [build_shard(s, ship, newsdex, dirs[s], n, inputs, batch, kill,
                                                           by_date)
                                               for s in shards])
                .collect())
        app_id = sc.applicationId
        built = time.time()
    finally:
        sc.stop()
    if master.startswith("local-cluster"):
        # Its workers keep each app's files (executor logs, a shipped binary) in
        # SPARK_HOME/work whatever SPARK_WORKER_DIR says; a finished build needs none of them.
        shutil.rmtree(os.path.join(spark_work_dir(), app_id), ignore_errors=True)
    rows.sort(key=lambda r: r["shard"])
    elapsed = time.time() - started

    cols = ("shard", "attempt", "host", "executor_pid", "new", "duplicates", "other_shards",
            "rejected_count", "elapsed_secs")
    print(" ".join("%13s" % c for c in cols))
    for r in rows:
        print(" ".join("%13s" % (round(r[c], 1) if isinstance(r[c], float) else r[c]) for c in cols))
    totals = {k: sum(r[k] or 0 for r in rows) for k in ("new", "duplicates", "rejected_count")}
    secs = {"elapsed_secs": round(elapsed, 3), "startup_secs": round(up - started, 3),
            "lock_wait_secs": round(lock_wait, 3),
            "job_secs": round(built - up, 3)}
    print("%d shards in %.1f s on %s (Spark up in %.1f s, tasks %.1f s): %d new, %d duplicates, %d rejected"
          % (n, elapsed, master, secs["startup_secs"], secs["job_secs"], totals["new"],
             totals["duplicates"], totals["rejected_count"]))
    report = {"shards": n, "assign": "date" if by_date else "id", "out": out, "inputs": inputs,
              "newsdex": newsdex, "master": master,
              "app_id": app_id, **secs, "totals": totals, "tasks": rows}
    if by_date:
        report["by_date"] = {"bounds": by_date[0].split(","), "undated": by_date[1]}
    tmp = os.path.join(out, "build-report.json.tmp")
    with open(tmp, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    os.replace(tmp, os.path.join(out, "build-report.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
