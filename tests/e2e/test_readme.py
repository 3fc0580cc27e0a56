"""README.md's own commands, run as a reader on a fresh machine would type them (ddbchat only).

Each test takes its commands from the README (and `make run`'s from the Makefile), not from a
copy here, so a README line that stops working fails a test: the only changes are the ports
(free ones instead of 4567/8000), `build/ddbchat` (the binary under test) and the paths of
the backup example (a scratch dir instead of /backups).  The commands run in a scratch dir
whose `./data` is the running server's, as after `make run`.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import urllib.request

import pytest

from conftest import ddbchat_bin, free_port, stop_process, wait_port, wait_text

pytestmark = pytest.mark.requires_ddbchat

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def readme_block(marker, path="README.md"):
    """The indented code block of README.md whose text contains marker: its lines (comment
    lines dropped, `\\` continuations joined), blank lines inside the block included."""
    lines = open(os.path.join(REPO, path), encoding="utf-8").read().split("\n")
    at = next(i for i, ln in enumerate(lines) if marker in ln and ln.startswith("    "))
    start = at
    while start > 0 and (lines[start - 1].startswith("    ") or lines[start - 1] == "") \
            and not (lines[start - 1] == "" and not lines[start - 2].startswith("    ")):
        start -= 1
    block = []
    for ln in lines[start:]:
        if ln and not ln.startswith("    "):
            break
        block.append(ln[4:])
    cmds, cur = [], ""
    for ln in block:
        if ln.lstrip().startswith("#") and not cur:
            continue
        cur += ln.strip() if cur else ln
        if cur.endswith("\\"):
            cur = cur[:-1] + " "
            continue
        if cur.strip():
            cmds.append(cur)
        cur = ""
    return cmds


def make_run_args():
    """The arguments `make run` gives `ddbchat serve` (the Makefile's run recipe)."""
    mk = open(os.path.join(REPO, "Makefile"), encoding="utf-8").read()
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", mk, re.M).group(1)
    line = next(ln for ln in recipe.split("\n") if "ddbchat serve" in ln)
    args = shlex.split(line.split("ddbchat serve", 1)[1].replace("$(DATA_DIR)", "./data")
                       .replace("$(RUN_ARGS)", ""))
    return args


class Demo:
    """`ddbchat serve` started as `make run` starts it, in a scratch dir (its ./data)."""

    def __init__(self, *extra):
        self.dir = tempfile.mkdtemp(prefix="ddbchat-readme-")
        self.ddb_port, self.api_port = free_port(), free_port()
        self.out = open(os.path.join(self.dir, "serve.out"), "w+")
        self.err = open(os.path.join(self.dir, "serve.err"), "w+")
        env = {k: v for k, v in os.environ.items()
               if k not in ("DDBCHAT_JWT_SECRET", "DDBCHAT_ACCESS_KEY_ID",
                            "DDBCHAT_SECRET_ACCESS_KEY")}
        self.proc = subprocess.Popen(
            [ddbchat_bin(), "serve", *make_run_args(), "--dynamodb-port", str(self.ddb_port),
             "--api-port", str(self.api_port), *extra],
            cwd=self.dir, stdout=self.out, stderr=self.err, env=env)
        wait_port(self.ddb_port, self.proc, timeout=20)
        wait_port(self.api_port, self.proc, timeout=20)

    def printed(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            self.out.seek(0)
            text = self.out.read()
            if "try: curl" in text:
                return text
            time.sleep(0.05)
        raise AssertionError(f"serve --demo printed no curl line: {text!r}")

    def log(self):
        self.err.seek(0)
        return self.err.read()

    def sh(self, cmd, timeout=60):
        """cmd as README writes it, with this server's ports and the binary under test."""
        cmd = (cmd.replace("build/ddbchat", shlex.quote(ddbchat_bin()))
               .replace("localhost:4567", f"localhost:{self.api_port}")
               .replace("127.0.0.1:4567", f"127.0.0.1:{self.api_port}")
               .replace("127.0.0.1:8000", f"127.0.0.1:{self.ddb_port}"))
        env = {k: v for k, v in os.environ.items() if k != "DDBCHAT_JWT_SECRET"}
        env["AWS_PAGER"] = ""
        return subprocess.run(["bash", "-c", cmd], cwd=self.dir, capture_output=True, text=True,
                              timeout=timeout, env=env)

    def stop(self):
        stop_process(self.proc)
        self.out.close()
        self.err.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def demo():
    d = Demo()
    yield d
    d.stop()


def test_make_run_prints_a_token_a_curl_line_and_the_page(demo):
    # README's first screen: `make run` "prints a ready-made token, a curl line that lists
    # the demo user's conversations, and the page's link signed in as the demo user
    # (http://127.0.0.1:4567/#token=...)".  Each is used as printed.
    out = demo.printed()
    tok = re.search(r"bearer token \(valid (\d+) s\): (\S+)", out)
    assert tok and int(tok.group(1)) == 86400, out
    curl = re.search(r"try: (curl .*)", out).group(1)
    r = demo.sh(curl + " -s -f")
    assert r.returncode == 0, r.stderr
    groups = json.loads(r.stdout)
    assert sorted(g["handle"] for g in groups) == ["bayko", "londo"], groups
    page = re.search(r"open the page \(signed in as @andrewbrown\): (\S+)", out).group(1)
    base, frag = page.split("#", 1)
    assert base == f"http://127.0.0.1:{demo.api_port}/" and frag == "token=" + tok.group(2)
    with urllib.request.urlopen(base, timeout=20) as resp:  # the fragment stays in the browser
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/html")
    req = urllib.request.Request(base + "api/me", headers={"Authorization": "Bearer " + tok.group(2)})
    with urllib.request.urlopen(req, timeout=20) as resp:
        assert json.load(resp)["handle"] == "andrewbrown"


def test_messaging_section_commands(demo):
    # README "Messaging": the user, send, token + curl and aws-cli lines, one after the other
    # on `make run`'s data dir while it serves.
    demo.printed()
    cmds = readme_block("build/ddbchat send alice bob")
    assert len(cmds) == 4 and cmds[-1].startswith("AWS_ACCESS_KEY_ID=x"), cmds
    results = [demo.sh(c) for c in cmds]
    for c, r in zip(cmds, results):
        assert r.returncode == 0, (c, r.stdout, r.stderr)
    assert "@alice" in results[0].stdout and "@bob" in results[0].stdout
    assert results[1].stdout.startswith("sent ")
    groups = json.loads(results[2].stdout)
    assert [(g["handle"], g["message"]) for g in groups] == [("alice", "hello")]
    items = json.loads(results[3].stdout)["Items"]
    assert any(i.get("message", {}).get("S") == "hello" for i in items)


def test_trigger_example_as_written(demo):
    # README "DynamoDB Streams": enable the messaging table's stream as the README says, then
    # its `serve --trigger` line with examples/stream_trigger.py (on its own ports, the same
    # data dir) logs a message sent with `ddbchat send`.  Before the README named the
    # update-table step, the trigger only logged "table cruddur-messages has no stream".
    demo.printed()
    cmds = readme_block("examples/stream_trigger.py'")
    assert len(cmds) == 2 and "update-table" in cmds[0], cmds
    r = demo.sh(cmds[0])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["TableDescription"]["StreamSpecification"]["StreamEnabled"]
    serve = shlex.split(cmds[1])
    assert serve[:2] == ["build/ddbchat", "serve"], serve
    # README's line runs from the repository (examples/...): the scratch dir gets its examples
    os.symlink(os.path.join(REPO, "examples"), os.path.join(demo.dir, "examples"))
    ports = ["--dynamodb-port", str(free_port()), "--api-port", str(free_port())]
    log_path = os.path.join(demo.dir, "trigger.err")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([ddbchat_bin(), *serve[1:], *ports], cwd=demo.dir,
                                stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_port(int(ports[3]), proc, timeout=20)
        wait_text(log_path, "trigger cruddur-messages: reading")
        r = demo.sh('build/ddbchat user add alice "Alice A" && build/ddbchat user add bob "Bob B"'
                    ' && build/ddbchat send alice bob "hello trigger"')
        assert r.returncode == 0, r.stderr
        text = wait_text(log_path, "message='hello trigger'")
        assert "has no stream" not in text, text
    finally:
        stop_process(proc)


def test_operating_section_commands(demo):
    # README "Operating it": backup while serving, restore into a new dir, export, import
    # with --create, stats from the endpoint, doctor: each as written, each exit 0.
    demo.printed()
    cmds = readme_block("build/ddbchat backup /backups/")
    assert len(cmds) == 6, cmds
    os.makedirs(os.path.join(demo.dir, "backups"))
    day = time.strftime("%F")
    for c in cmds:
        c = c.replace("/backups/", "./backups/").replace("chat-2026-12-01", f"chat-{day}")
        c = c.replace("[--repair]", "")
        r = demo.sh(c)
        assert r.returncode == 0, (c, r.stdout, r.stderr)
        if " stats " in c:
            assert "cruddur-messages" in r.stdout, r.stdout
        if " doctor " in c:
            assert "healthy" in r.stdout, r.stdout
    r = demo.sh("build/ddbchat list-conversations andrewbrown --data-dir ./data2")
    assert r.returncode == 0 and "@bayko" in r.stdout and "@londo" in r.stdout, r.stdout
    r = demo.sh("build/ddbchat scan cruddur-messages --data-dir ./fresh --json")
    assert r.returncode == 0 and r.stdout.count('"pk"') >= 40, r.stdout[:400]


def test_make_run_takes_serve_flags_where_the_ports_are_taken(tmp_path):
    # README's front door: where 4567 or 8000 is taken, `make run RUN_ARGS="..."` gives serve
    # other ports.  The README's own RUN_ARGS (its ports swapped for free ones) go through
    # the Makefile's run recipe (`make -n`: the serve line it would run) and that line, run,
    # serves on them.  Before, make run took no serve flags: the way round a busy port was to
    # type serve's whole line by hand.
    readme = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    m = re.search(r'`make run RUN_ARGS="([^"]*)"`', readme)
    assert m, "README shows no make run RUN_ARGS line"
    api, ddb = free_port(), free_port()
    run_args = m.group(1).replace("4568", str(api)).replace("8001", str(ddb))
    assert f"--api-port {api}" in run_args and f"--dynamodb-port {ddb}" in run_args, run_args
    build = os.path.dirname(ddbchat_bin())
    r = subprocess.run(["make", "-n", "-s", "-C", REPO, "run", f"RUN_ARGS={run_args}",
                        f"BUILD={build}"], capture_output=True, text=True, timeout=60)
    line = next((ln for ln in r.stdout.splitlines() if "ddbchat serve" in ln), None)
    assert line and line.rstrip().endswith(run_args), r.stdout + r.stderr
    p = subprocess.Popen(shlex.split(line) + ["--quiet"], cwd=tmp_path,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(api, p, timeout=20)
        wait_port(ddb, p, timeout=20)
        with urllib.request.urlopen(f"http://127.0.0.1:{api}/", timeout=10) as res:
            assert res.status == 200
    finally:
        stop_process(p)


def test_make_targets_named_exist():
    # Every `make TARGET` README names is a target of the Makefile.
    readme = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    mk = open(os.path.join(REPO, "Makefile"), encoding="utf-8").read()
    targets = set(re.findall(r"^([a-z][a-z0-9-]*):", mk, re.M))
    named = set(re.findall(r"\bmake ([a-z][a-z0-9-]*)\b", readme)) - {"a"}  # "make a ..."
    assert {"run", "test", "bench-peers", "crash-test", "fuzz", "soak"} <= named, named
    assert named <= targets, named - targets


def test_fuzz_targets_listed():
    # README "Fuzzing" names every libFuzzer target (tests/fuzz/fuzz_<target>.c); it named 9
    # of the 12 (not partiql, decode, eventid).
    readme = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    section = readme.split("\n## Fuzzing\n", 1)[1].split("`make fuzz-endpoint`", 1)[0]
    fuzz = os.path.join(REPO, "tests", "fuzz")
    targets = sorted(f[5:-2] for f in os.listdir(fuzz)
                     if f.startswith("fuzz_") and f.endswith(".c"))
    assert len(targets) >= 12, targets
    missing = [t for t in targets if f"`{t}`" not in section]
    assert not missing, missing
