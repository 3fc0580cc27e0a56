"""Random PartiQL statements, well formed and broken, and their answers in a comparable form:
the generator behind test_partiql_random.py (a seeded differential check of ddbchat against
DynamoDB Local's recorded answers).

gen_case(R) draws one request from a random.Random: an ExecuteStatement (SELECT with WHERE
conditions, functions, nested paths, ORDER BY, index reads, Limit and NextToken; UPDATE with
SET / REMOVE and RETURNING; INSERT; DELETE), a BatchExecuteStatement or an ExecuteTransaction
(EXISTS included), about half of them mutated at the token level (a token dropped, doubled,
swapped with its neighbour, requoted, inserted or replaced; a run wrapped in brackets; a
bracket removed; the statement cut; a literal turned into `?` or back).  Client(url).answer(case)
runs it against the table TABLE (setup() creates and fills it) and returns the answer
normalised (status, error type, message; items, sorted unless the order is the statement's;
pages) plus the table's contents after a write, restoring them.

Recording (DynamoDB Local on :8000, say):
    python3 tests/e2e/pqgen.py record http://127.0.0.1:8000 > tests/e2e/data/partiql_random.json
Comparing two endpoints, differences classified:
    python3 tests/e2e/pqgen.py diff http://ddbchat http://local SEED N
"""
import hashlib
import http.client
import json
import random
import re
import sys
import time
import urllib.parse

TABLE = "pr15"
INDEX = "gix"
RECORD_TABLE = "prr_0123456789ab"  # a name like the test's table_name("prr")
SEED = 15
CASES = 1500

# pk S / sk N; GSI gix: g (S) / n (N), ALL.
ITEMS = [
    {"pk": {"S": "a"}, "sk": {"N": str(i)}, "n": {"N": str(10 * i)}, "g": {"S": "x" if i % 2 else "y"},
     "flag": {"S": "right" if i < 3 else "left"}, "l": {"L": [{"N": str(i)}, {"S": "two"}]},
     "m": {"M": {"x": {"N": str(i)}, "y": {"M": {"z": {"S": "deep"}}}}}, "s": {"SS": ["a", "b"]},
     "ns": {"NS": ["1", str(i + 1)]}, "yes": {"BOOL": i % 2 == 0}}
    for i in range(1, 5)
] + [
    {"pk": {"S": "b"}, "sk": {"N": "1"}, "n": {"N": "1"}, "nul": {"NULL": True}, "g": {"S": "x"}},
    {"pk": {"S": "c"}, "sk": {"N": "-2.5"}, "flag": {"S": "right"}, "l": {"L": []}},
]
KEYS = [("a", "1"), ("a", "2"), ("a", "3"), ("a", "4"), ("b", "1")]

PATHS = ["n", "flag", "yes", "l", "l[0]", "l[1]", "m.x", "m.y.z", "m", "s", "ns", "zz", "nul",
         '"n"', "m['x']", "sk", "pk", "g", "m.y", '"m"."x"', "l[0].q"]
LITS = ["1", "0", "-1", "2.5", "10", "20", "'a'", "'right'", "''", "true", "false", "null", "[1, 2]",
        "[]", "{'x': 1}", "{}", "<<'a'>>", "<<1, 2>>", "'b'", "1e2", "MISSING", "'x'", "'de'"]
PARAMS = [{"N": "1"}, {"N": "10"}, {"S": "right"}, {"S": "a"}, {"BOOL": True}, {"NULL": True},
          {"L": [{"N": "1"}, {"N": "2"}]}, {"SS": ["a"]}, {"M": {"x": {"N": "1"}}}, {"S": "x"}]
TYPES = ["MISSING", "NULL", "NUMERIC", "STRING", "BOOLEAN", "LIST", "STRUCT", "INT", "TUPLE", "BLOB"]


class Gen:
    """Well-formed statements over TABLE; the `?` values drawn go to self.params."""

    def __init__(self, R):
        self.R = R
        self.params = []

    def c(self, seq):
        return self.R.choice(seq)

    def param(self, v=None):
        self.params.append(v if v is not None else self.c(PARAMS))
        return "?"

    def call(self, d):
        f = self.c(["size", "attribute_exists", "attribute_not_exists", "begins_with", "contains",
                    "attribute_type", "size", "begins_with", "contains"])
        if f == "size":
            return f"size({self.opnd(d + 1, True)})"
        if f in ("attribute_exists", "attribute_not_exists"):
            return f"{f}({self.c(PATHS)})"
        if f == "attribute_type":
            if self.R.random() < 0.1:
                return f"attribute_type({self.c(PATHS)}, {self.param()})"
            return f"attribute_type({self.c(PATHS)}, " + self.c(
                ["'N'", "'S'", "'L'", "'M'", "'BOOL'", "'SS'", "'X'", "1"]) + ")"
        return f"{f}({self.opnd(d + 1, True)}, {self.opnd(d + 1, True)})"

    def opnd(self, d, simple=False):
        r = self.R.random() * (0.6 if d > 3 else 1)
        if r < 0.4:
            return self.c(PATHS)
        if r < 0.62:
            return self.c(LITS)
        if r < 0.7:
            return self.param()
        if r < 0.8 and not simple:
            return self.call(d)
        if r < 0.93:
            return "(" + self.opnd(d + 1, simple) + ")"
        return "(" + self.cond(d + 1) + ")"

    def pred(self, d):
        R = self.R
        r = R.random() * (0.7 if d > 3 else 1)
        if r < 0.35:
            return f"{self.opnd(d)} {self.c(['=', '<>', '!=', '<', '<=', '>', '>='])} {self.opnd(d)}"
        if r < 0.43:
            return f"{self.opnd(d)} {self.c(['', 'NOT '])}BETWEEN {self.opnd(d)} AND {self.opnd(d)}"
        if r < 0.52:
            o, c = self.c([("[", "]"), ("(", ")"), ("[", "]")])
            items = ", ".join(self.opnd(d) for _ in range(R.randint(1, 3)))
            return f"{self.opnd(d)} {self.c(['', 'NOT '])}IN {o}{items}{c}"
        if r < 0.62:
            return f"{self.opnd(d)} IS {self.c(['', 'NOT '])}{self.c(TYPES)}"
        if r < 0.74:
            return self.call(d)
        if r < 0.82:
            return "NOT " + self.pred(d + 1)
        if r < 0.93:
            return "(" + self.cond(d + 1) + ")"
        return self.opnd(d)

    def cond(self, d=0):
        if d > 2 or self.R.random() < 0.6:
            return self.pred(d)
        return f"{self.pred(d)} {self.c(['AND', 'OR'])} {self.cond(d + 1)}"

    def setval(self, d=0):
        R = self.R
        r = R.random()
        if r < 0.3:
            return self.c([self.c(LITS), self.param()])
        if r < 0.45:
            return self.c(PATHS)
        if r < 0.6:
            return (f"{self.c([self.c(PATHS), self.c(LITS)])} {self.c(['+', '-'])} "
                    f"{self.c([self.c(PATHS), self.c(LITS), self.param()])}")
        if r < 0.7:
            return f"list_append({self.c([self.c(PATHS), '[3]', '(l)'])}, {self.c(['[3]', 'l', '([3])', self.c(LITS)])})"
        if r < 0.78:
            return f"if_not_exists({self.c([self.c(PATHS), '(n)'])}, {self.c([self.c(LITS), '(0)', self.c(PATHS)])})"
        if r < 0.85:
            return (self.c(["set_add", "set_delete"]) + "(" + self.c(["s", "(s)", "ns", "x"]) + ", " +
                    self.c(["<<'b'>>", "(<<'b'>>)", "<<3>>", self.c(LITS), "?"]) + ")")
        if r < 0.95:
            return "(" + self.setval(d + 1) + ")" + (self.c(["", " + 1", " - n"]) if R.random() < 0.3 else "")
        return self.opnd(1)

    def key(self):
        pk, sk = self.c(KEYS)
        if self.R.random() < 0.15:
            return f"pk = {self.param({'S': pk})} AND sk = {self.param({'N': sk})}"
        return f"pk = '{pk}' AND sk = {sk}" if self.R.random() < 0.85 else f"sk = {sk} AND pk = '{pk}'"

    def select(self):
        R = self.R
        proj = self.c(["*", "*", "sk", "n, flag", "m.x", "l[0]", "(n)", "m.y.z, l[1]", "pk, sk, g",
                       '"n"', "m", "sk, sk", "ns, s"])
        src = self.c([f'"{TABLE}"'] * 4 + [f'"{TABLE}"."{INDEX}"'])
        idx = src.endswith(f'"{INDEX}"')
        r = R.random()
        if idx:
            w = self.c([f"g = '{self.c(['x', 'y'])}' AND ", "g = 'x' AND n > 5 AND ", ""])
        else:
            w = self.c([self.key() + " AND ", "pk = 'a' AND ", f"pk = '{self.c(['a', 'b'])}' AND ",
                        "pk IN ['a', 'b'] AND ", "", "pk = 'a' AND sk > 1 AND "])
        wh = "" if r > 0.93 else f" WHERE {w}{self.cond() if r < 0.8 else 'true'}"
        order = ""
        if wh and R.random() < 0.15:
            k = "n" if idx else self.c(["pk", "sk", "pk, sk", "sk DESC", "pk ASC, sk DESC", "n"])
            order = f" ORDER BY {k}"
        return f"SELECT {proj} FROM {src}{wh}{order}"

    def update(self):
        R = self.R
        acts = []
        for _ in range(R.randint(1, 2)):
            if R.random() < 0.15:
                acts.append("REMOVE " + self.c(["n", "m.x", "l[0]", "zz", "s"]))
                continue
            v = self.setval()
            tgt = self.c(["x", "n", "m.x", "l[0]", "s", "ns", "flag", "m.w", "l[5]"])
            if "set_" in v:
                tgt = self.c(["s", "ns", "x"])
            acts.append(f"SET {tgt} = {v}")
        ret = self.c(["", "", "", " RETURNING ALL NEW *", " RETURNING MODIFIED OLD *",
                      " RETURNING ALL OLD *", " RETURNING MODIFIED NEW *"])
        extra = self.c(["", "", " AND " + self.cond(1)])
        return f'UPDATE "{TABLE}" {" ".join(acts)} WHERE {self.key()}{extra}{ret}'

    def insert(self):
        R = self.R
        extra = "".join(f", 'a{i}': " + self.c([self.c(LITS), self.param(), "(" + self.c(LITS) + ")",
                                                 "[" + self.c(LITS) + "]", "{'q': " + self.c(LITS) + "}"])
                        for i in range(R.randint(0, 3)))
        pk = self.c(["'p2'", "'a'", "'p3'", "?"])
        if pk == "?":
            pk = self.param({"S": "p4"})
        return f"INSERT INTO \"{TABLE}\" VALUE {{'pk': {pk}, 'sk': {self.c(['2', '1', '3'])}{extra}}}"

    def delete(self):
        ret = self.c(["", "", " RETURNING ALL OLD *"])
        extra = self.c(["", " AND " + self.cond(1)])
        return f'DELETE FROM "{TABLE}" WHERE {self.key()}{extra}{ret}'

    def stmt(self, kinds="SSUID"):
        k = self.c(kinds)
        return k, {"S": self.select, "U": self.update, "I": self.insert, "D": self.delete}[k]()


TOK = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|<<|>>|<>|!=|<=|>=|\d+(?:\.\d+)?(?:e\d+)?|"
                 r"[A-Za-z_][A-Za-z_0-9]*|\S")
INSERTS = ["SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS", "BETWEEN", "SET", "VALUE", "ORDER",
           "BY", "LIMIT", "AS", "AT", "(", ")", "[", "]", "{", "}", "<<", ">>", ",", ".", ":", ";", "*",
           "?", "1", "'x'", "MISSING", "NULL", "x", '"q"', "=", "+", "-", "REMOVE", "RETURNING", "DESC",
           "size", "||"]


def mutate(R, st):
    """One or two token-level mutations of a statement; returns (statement, what was done)."""
    toks = TOK.findall(st)
    notes = []
    for _ in range(R.choice([1, 1, 1, 2])):
        if not toks:
            break
        m = R.randrange(10)
        i = R.randrange(len(toks))
        if m == 0:
            notes.append("drop")
            del toks[i]
        elif m == 1:
            notes.append("dup")
            toks.insert(i, toks[i])
        elif m == 2 and i + 1 < len(toks):
            notes.append("swap")
            toks[i], toks[i + 1] = toks[i + 1], toks[i]
        elif m == 3:
            q = [j for j, t in enumerate(toks) if t[0] in "'\"" or re.match(r"[A-Za-z_]", t)]
            if q:
                j = R.choice(q)
                t = toks[j]
                notes.append("quote")
                if t[0] == "'":
                    toks[j] = '"' + t[1:-1] + '"'
                elif t[0] == '"':
                    toks[j] = "'" + t[1:-1] + "'"
                else:
                    toks[j] = R.choice(["'", '"', "`"]) + t + R.choice(["'", '"', "`", ""])
        elif m == 4:
            notes.append("insert")
            toks.insert(i, R.choice(INSERTS))
        elif m == 5:
            j = R.randrange(i, min(len(toks), i + 6) + 1)
            o, c = R.choice([("(", ")"), ("(", ")"), ("[", "]"), ("{", "}"), ("<<", ">>")])
            notes.append("wrap")
            toks.insert(j, c)
            toks.insert(i, o)
        elif m == 6:
            q = [j for j, t in enumerate(toks) if t[0] == "'" or t[0].isdigit() or t == "?"]
            if q:
                j = R.choice(q)
                notes.append("param")
                toks[j] = "?" if toks[j] != "?" else R.choice(["1", "'x'"])
        elif m == 7:
            notes.append("trunc")
            del toks[max(i, 2):]
        elif m == 8:
            q = [j for j, t in enumerate(toks) if t in (")", "]", "}", ">>", "(", "[", "{", "<<")]
            if q:
                notes.append("unbalance")
                del toks[R.choice(q)]
        else:
            notes.append("replace")
            toks[i] = R.choice(INSERTS)
    return " ".join(toks), "+".join(notes)


def gen_case(R, kinds="SSUID"):
    """One request: {'op', 'body', 'write', 'order'}."""
    g = Gen(R)
    r = R.random()
    if r < 0.2:
        batch = r < 0.1
        sts = []
        for _ in range(R.randint(1, 3)):
            g.params = []
            if not batch and R.random() < 0.2:
                s = f"EXISTS(SELECT * FROM \"{TABLE}\" WHERE {g.key()}" + R.choice(["", " AND " + g.cond(1)]) + ")"
            else:
                s = g.stmt(R.choice(["SSS", "UID", "SUID"] if batch else ["SSS", "UID", "UUIDD"]))[1]
            if R.random() < (0.2 if batch else 0.15):
                s = mutate(R, s)[0]
            m = {"Statement": s}
            if g.params:
                m["Parameters"] = list(g.params)
            sts.append(m)
        if batch:
            return {"op": "BatchExecuteStatement", "body": {"Statements": sts}, "write": True, "order": True}
        return {"op": "ExecuteTransaction", "body": {"TransactStatements": sts}, "write": True, "order": True}
    k, s = g.stmt(kinds)
    ps = list(g.params)
    if R.random() < 0.45:
        s = mutate(R, s)[0]
        if "?" in s and s.count("?") != len(ps) and R.random() < 0.7:
            ps = [R.choice(PARAMS) for _ in range(s.count("?"))]
    body = {"Statement": s}
    if ps:
        body["Parameters"] = ps
    if k == "S" and R.random() < 0.12:
        body["Limit"] = R.randint(1, 3)
    order = k == "S" and "ORDER BY" in s  # else a scan's order is the engine's own: sorted
    return {"op": "ExecuteStatement", "body": body, "write": k != "S", "order": order}


def cases(seed=SEED, n=CASES):
    R = random.Random(seed)
    return [gen_case(R) for _ in range(n)]


SYNTAX = "Statement wasn't well formed, can't be processed:"


def norm_msg(m):
    """The parts of a message both targets word alike: a syntax error's detail dropped (AWS names
    the parser's error, DynamoDB Local echoes the statement), with the transaction member prefix
    AWS adds (2026-10) and Local does not; Local's "root.0" as AWS's captured "root[0]"; the
    position of the set_add / set_delete first-argument text (AWS's capture has it, Local
    not)."""
    m = m or ""
    if re.match(r"(Validation failed in TransactStatements\[\d+\]: )?" + re.escape(SYNTAX), m):
        return "SYNTAX"
    m = re.sub(r"root((?:\.\d+)+)", lambda x: "root" + "".join(f"[{d}]" for d in x.group(1).split(".")[1:]), m)
    if m.startswith("The first argument to SET_"):
        m = re.sub(r" at \d+:\d+:\d+$", "", m)
    return m


def canon(v):
    return json.dumps(v, sort_keys=True)


class Client:
    def __init__(self, url, table=TABLE):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.table = table
        self.conn = None

    def call(self, op, body):
        data = json.dumps(body).replace(f'\\"{TABLE}\\"', f'\\"{self.table}\\"')
        if body.get("TableName") == TABLE:
            data = data.replace(f'"TableName": "{TABLE}"', f'"TableName": "{self.table}"')
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                self.conn.request("POST", "/", body=data.encode(), headers={
                    "X-Amz-Target": "DynamoDB_20120810." + op, "Content-Type": "application/x-amz-json-1.0",
                    "Authorization": "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
                                     "SignedHeaders=host, Signature=0"})
                r = self.conn.getresponse()
                payload = r.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt:
                    raise
        text = payload.decode("utf-8", "replace").replace(self.table, TABLE)
        try:
            return r.status, json.loads(text or "{}")
        except ValueError:
            return r.status, {"message": "NONJSON"}

    def setup(self):
        s, r = self.call("CreateTable", {
            "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": t} for a, t in
                                     (("pk", "S"), ("sk", "N"), ("g", "S"), ("n", "N"))],
            "GlobalSecondaryIndexes": [{"IndexName": INDEX, "KeySchema": [
                {"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}]})
        assert s == 200, r
        for _ in range(100):
            if self.call("DescribeTable", {"TableName": TABLE})[1].get("Table", {}).get("TableStatus") == "ACTIVE":
                break
            time.sleep(0.1)
        self.restore(None)

    def scan(self):
        s, r = self.call("Scan", {"TableName": TABLE, "ConsistentRead": True})
        return sorted(canon(i) for i in r.get("Items", []))

    def restore(self, now):
        """Back to ITEMS: the items a write added deleted, the ones it changed put back."""
        if now == BASE:
            return
        have = {}
        for i in self.call("Scan", {"TableName": TABLE, "ConsistentRead": True})[1].get("Items", []):
            have[canon([i["pk"], i["sk"]])] = i
        for i in ITEMS:
            k = canon([i["pk"], i["sk"]])
            if canon(have.pop(k, None)) != canon(i):
                self.call("PutItem", {"TableName": TABLE, "Item": i})
        for i in have.values():
            self.call("DeleteItem", {"TableName": TABLE, "Key": {"pk": i["pk"], "sk": i["sk"]}})

    def error(self, s, r):
        t = (r.get("__type") or "").split("#")[-1]
        if t == "DuplicateItem":  # AWS: DuplicateItemException (conformance suite); Local's name
            t = "DuplicateItemException"
        m = norm_msg(r.get("message") or r.get("Message"))
        if t == "ResourceNotFoundException":  # AWS's text / Local's own (test_partiql)
            m = ""
        out = f"{s} {t}: {m}"
        if r.get("CancellationReasons"):
            out += " " + canon([{k: (norm_msg(v) if k == "Message" else v) for k, v in x.items() if k != "Item"}
                                for x in r["CancellationReasons"]])
        return out

    def answer(self, case):
        """(answer, table after a write or None): both strings / lists, comparable."""
        op, body = case["op"], case["body"]
        s, r = self.call(op, body)
        if s != 200:
            out = self.error(s, r)
        elif op == "ExecuteStatement":
            items, pages = list(r.get("Items", [])), 1
            while r.get("NextToken") and pages < 20:
                s, r = self.call(op, dict(body, NextToken=r["NextToken"]))
                if s != 200:
                    items.append({"PAGE": self.error(s, r)})
                    break
                items += r.get("Items", [])
                pages += 1
            it = [canon(i) for i in items]
            out = f"200 pages={pages} " + json.dumps(it if case["order"] else sorted(it))
        elif op == "BatchExecuteStatement":
            out = []
            for x in r.get("Responses", []):
                if "Error" in x:
                    out.append(f"E {x['Error'].get('Code')}: {norm_msg(x['Error'].get('Message'))}")
                else:
                    out.append("I " + canon(x.get("Item")))
            out = "200 " + json.dumps(out)
        else:
            out = "200 " + canon([canon(x.get("Item")) for x in r.get("Responses", [])])
        after = None
        if case["write"]:
            now = self.scan()
            self.restore(now)
            if now != BASE:  # the table's contents, as a digest
                after = hashlib.sha1(json.dumps(now).encode()).hexdigest()[:16]
        if len(out) > 240:  # long answers as their start and a digest
            out = out[:160] + " ... " + hashlib.sha1(out.encode()).hexdigest()[:16]
        return out, after


BASE = sorted(canon(i) for i in ITEMS)


def category(a):
    if a.startswith("200"):
        return "ok"
    if a.endswith("SYNTAX") or ": SYNTAX" in a:
        return "syntax"
    if a.startswith("500"):
        return "500"
    return "semantic" if "ValidationException" in a else a.split(":")[0].split(" ")[1]


def record(url):
    """Answers of the first CASES cases on `url` (DynamoDB Local), for the data file."""
    c = Client(url, table=RECORD_TABLE)
    c.call("DeleteTable", {"TableName": TABLE})
    c.setup()
    out = []
    for case in cases():
        a, after = c.answer(case)
        out.append([a, after])
    print('{"seed": %d, "cases": %d, "answers": [' % (SEED, CASES))
    print(",\n".join(json.dumps(x) for x in out))
    print("]}")


def diff(url_a, url_b, seed, n):
    """Cases whose answers differ between two endpoints, by class."""
    ca, cb = Client(url_a, table=RECORD_TABLE), Client(url_b, table=RECORD_TABLE)
    for c in (ca, cb):
        c.call("DeleteTable", {"TableName": TABLE})
        c.setup()
    classes = {}
    R = random.Random(seed)
    for _ in range(n):
        case = gen_case(R)
        a, aa = ca.answer(case)
        b, ab = cb.answer(case)
        if (a, aa) == (b, ab):
            continue
        cl = "effect" if a == b else f"{category(a)}>{category(b)}"
        if cl in ("semantic>semantic", "syntax>semantic", "semantic>syntax"):
            strip = lambda m: re.sub(r" at \d+:\d+:\d+", "", m)[:90]
            cl += ": " + strip(a.split(": ", 1)[-1]) + " || " + strip(b.split(": ", 1)[-1])
        classes.setdefault(cl, []).append((case, a, b))
    for cl, v in sorted(classes.items(), key=lambda x: -len(x[1])):
        print(f"== {len(v)} {cl}")
        for case, a, b in v[:3]:
            print("   ", json.dumps(case["body"])[:300])
            print("      A:", a[:200])
            print("      B:", b[:200])
    print("TOTAL", n, "differences", sum(len(v) for v in classes.values()))


if __name__ == "__main__":
    if sys.argv[1] == "record":
        record(sys.argv[2])
    else:
        diff(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
