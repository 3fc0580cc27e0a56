#!/usr/bin/python3
"""The model sweep: every constrained member of every DynamoDB (and DynamoDB Streams)
operation, violated alone, from AWS's own service model (botocore's loader: the model is read
where botocore keeps it, none of its text is in this repository).

For each operation the generator builds the smallest request the model accepts (its required
members at their smallest valid values), then, for each member reachable from it (required
ones, and optional structures, lists and maps filled with their smallest valid value), one
request per constraint it states, violating exactly that constraint:

  required   the member left out      "Value null at 'p' ... Member must not be null"
  min / max  (string) one character short / over; (list, map) one element short / over;
             (integer, long) one under / over
  enum       the value 'BOGUS'
  pattern    a value of valid length with a character the pattern refuses

Each case carries the form AWS gives for a single violation when its model validator speaks
(dynalite's validations.js and tests record it, checked against AWS): "1 validation error
detected: Value '<v>' at '<path>' failed to satisfy constraint: Member must ...", the path
lowerCamelCase, a list element '<list>.<n>.member', a map value '<map>.<key>.member'.  That
form is a prediction: some members AWS checks elsewhere (ahead of its model, or in the
operation) and answers otherwise; the captures recorded in src/api/api_schema.c and the e2e
tests decide those.

    modelsweep.py [--ops GetItem,Query] [--only-diff] [--json out.json]

starts a ddbchat (DDBCHAT_BIN or build/ddbchat) and a DynamoDB Local, sends every case to
both and prints, per case, whether their __type and message agree, and each answer beside
the model's form.  tests/e2e/test_model_constraints.py runs a fixed part of it in the suite.
"""
import argparse
import json
import os
import sys

import botocore.loaders

SKIP_SHAPES = {"AttributeValue"}  # a union whose members the operations check themselves
BIG = 70000  # lengths past this are not generated (a request of its size is another test)


def load(service):
    """The service's model: botocore's own, or the one under $DDB_MODEL_DATA (another
    botocore's data directory, e.g. a newer release's, for the members added since)."""
    extra = [os.environ["DDB_MODEL_DATA"]] if os.environ.get("DDB_MODEL_DATA") else []
    return botocore.loaders.Loader(extra_search_paths=extra).load_service_model(
        service, "service-2")


def lower_first(s):
    return s[:1].lower() + s[1:]


def java_repr(v):
    """The echo of a value in AWS's messages: Java's toString of the deserialised value."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(java_repr(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join("%s=%s" % (k, java_repr(x)) for k, x in v.items()) + "}"
    return str(v)


class Case:
    def __init__(self, op, path, kind, request, value, constraint, target):
        self.op, self.path, self.kind, self.request = op, path, kind, request
        self.value, self.constraint, self.target = value, constraint, target

    @property
    def name(self):
        return "%s:%s:%s" % (self.op, self.path, self.kind)

    def violation(self):
        """This violation's text as the model's validator words it."""
        if self.kind == "required":
            return "Value null at '%s' failed to satisfy constraint: Member must not be null" % (
                self.path)
        return "Value '%s' at '%s' failed to satisfy constraint: %s" % (
            java_repr(self.value), self.path, self.constraint)

    def expected(self):
        return "1 validation error detected: " + self.violation()


class Gen:
    """Cases of one service model."""

    def __init__(self, model, target_prefix):
        self.model, self.shapes, self.prefix = model, model["shapes"], target_prefix

    # -- smallest valid values --------------------------------------------------------

    def valid(self, name, depth=0):
        s = self.shapes[name]
        t = s["type"]
        if name in SKIP_SHAPES:
            return {"S": "x"}
        if t == "structure":
            return {m: self.valid(s["members"][m]["shape"], depth + 1)
                    for m in s.get("required", [])}
        if t == "list":
            n = s.get("min", 0)
            return [self.valid(s["member"]["shape"], depth + 1) for _ in range(n)]
        if t == "map":
            n = s.get("min", 0)
            out = {}
            for i in range(n):
                out[self.valid_key(s["key"]["shape"], i)] = self.valid(s["value"]["shape"],
                                                                       depth + 1)
            return out
        if t == "string":
            return self.valid_string(name, s)
        if t in ("integer", "long"):
            return s.get("min", 1)
        if t == "boolean":
            return True
        if t in ("double", "float"):
            return 1.0
        if t == "blob":
            return "AA=="
        if t == "timestamp":
            return 1
        raise ValueError(t)

    def valid_key(self, shape, i):
        v = self.valid_string(shape, self.shapes[shape])
        return v if i == 0 else v + str(i)

    def valid_string(self, name, s):
        if "enum" in s:
            return s["enum"][0]
        lo = s.get("min", 0)
        pat = s.get("pattern")
        special = {"TableId": "0123abcd-0123-0123-0123-0123456789ab",
                   "S3BucketOwner": "123456789012", "CsvDelimiter": ",",
                   "ImportNextToken": "0" * 112}
        if name in special:
            return special[name]
        if name == "TableArn":  # a table's name or ARN: a name every model version takes
            return "abc"
        base = "abc" if pat else "a"
        n = max(lo, len(base))
        return (base + "a" * n)[:n]

    # -- cases ------------------------------------------------------------------------

    def cases(self, ops=None):
        for op in sorted(self.model["operations"]):
            if ops and op not in ops:
                continue
            o = self.model["operations"][op]
            if "input" not in o:
                continue
            inp = o["input"]["shape"]
            base = self.valid(inp)
            yield from self.struct_cases(op, inp, base, lambda v: v, "", 0)

    def struct_cases(self, op, shape, value, wrap, prefix, depth):
        """Cases inside structure `shape` whose valid value is `value`; wrap(v) puts v in
        place of that structure in the whole request."""
        s = self.shapes[shape]
        req = s.get("required", [])
        for m, ref in s["members"].items():
            path = prefix + lower_first(m) if prefix else lower_first(m)
            ms = ref["shape"]
            if ms in SKIP_SHAPES:
                continue

            def put(v, m=m, value=value, wrap=wrap):
                d = dict(value)
                if v is _ABSENT:
                    d.pop(m, None)
                else:
                    d[m] = v
                return wrap(d)

            if m in req:
                yield Case(op, path, "required", put(_ABSENT), None, None, self.prefix + op)
            yield from self.member_cases(op, ms, path, put, depth + 1)

    def member_cases(self, op, shape, path, put, depth):
        s = self.shapes[shape]
        t = s["type"]
        tgt = self.prefix + op
        if depth > 6:
            return
        if t == "string":
            ok = self.valid_string(shape, s)
            if "enum" in s:
                yield Case(op, path, "enum", put("BOGUS"), "BOGUS",
                           "Member must satisfy enum value set: [%s]" % ", ".join(s["enum"]),
                           tgt)
            lo, hi = s.get("min"), s.get("max")
            if lo:
                v = (ok * lo)[:lo - 1]
                yield Case(op, path, "min", put(v), v,
                           "Member must have length greater than or equal to %d" % lo, tgt)
            if hi is not None and hi < BIG:
                v = (ok * (hi + 1))[:hi + 1]
                yield Case(op, path, "max", put(v), v,
                           "Member must have length less than or equal to %d" % hi, tgt)
            if s.get("pattern") and shape not in ("AutoScalingRoleArn", "CsvHeader"):
                bad = "a\x01" if shape == "AutoScalingPolicyName" else (
                    ok[:-1] + "!" if len(ok) > 1 else "!")
                if shape in ("TableId", "S3BucketOwner", "ImportNextToken"):
                    bad = ok[:-1] + "z" if shape != "S3BucketOwner" else ok[:-1] + "x"
                yield Case(op, path, "pattern", put(bad), bad,
                           "Member must satisfy regular expression pattern: %s" % s["pattern"],
                           tgt)
        elif t in ("integer", "long"):
            if "min" in s:
                v = s["min"] - 1
                yield Case(op, path, "min", put(v), v,
                           "Member must have value greater than or equal to %d" % s["min"], tgt)
            if "max" in s:
                v = s["max"] + 1
                yield Case(op, path, "max", put(v), v,
                           "Member must have value less than or equal to %d" % s["max"], tgt)
        elif t == "structure":
            val = self.valid(shape)
            yield from self.struct_cases(op, shape, val, put, path + ".", depth)
        elif t == "list":
            es = s["member"]["shape"]
            lo, hi = s.get("min"), s.get("max")
            if es in SKIP_SHAPES:
                elem = {"S": "x"}
            else:
                elem = self.valid(es)
            if lo:
                v = [elem] * (lo - 1)
                yield Case(op, path, "min", put(v), v,
                           "Member must have length greater than or equal to %d" % lo, tgt)
            if hi is not None and hi <= 200:
                v = [elem] * (hi + 1)
                yield Case(op, path, "max", put(v), v,
                           "Member must have length less than or equal to %d" % hi, tgt)
            if es not in SKIP_SHAPES:
                n = max(lo or 0, 1)
                rest = [elem] * (n - 1)
                yield from self.elem_cases(op, es, elem, path + ".1.member",
                                           lambda v, put=put, rest=rest: put([v] + rest),
                                           depth)
        elif t == "map":
            ks, vs = s["key"]["shape"], s["value"]["shape"]
            lo, hi = s.get("min"), s.get("max")
            k0 = self.valid_key(ks, 0)
            val = {"S": "x"} if vs in SKIP_SHAPES else self.valid(vs)
            if lo:
                v = {self.valid_key(ks, i): val for i in range(lo - 1)}
                yield Case(op, path, "min", put(v), v,
                           "Member must have length greater than or equal to %d" % lo, tgt)
            if hi is not None and hi <= 200:
                v = {self.valid_key(ks, i): val for i in range(hi + 1)}
                yield Case(op, path, "max", put(v), v,
                           "Member must have length less than or equal to %d" % hi, tgt)
            if vs not in SKIP_SHAPES:
                yield from self.elem_cases(op, vs, val, "%s.%s.member" % (path, k0),
                                           lambda v, put=put, k0=k0: put({k0: v}), depth)

    def elem_cases(self, op, shape, elem, path, put, depth):
        if self.shapes[shape]["type"] == "structure":
            yield from self.struct_cases(op, shape, elem, put, path + ".", depth + 1)
        else:
            yield from self.member_cases(op, shape, path, put, depth + 1)


class _Absent:
    pass


_ABSENT = _Absent()


def all_cases(ops=None):
    out = list(Gen(load("dynamodb"), "DynamoDB_20120810.").cases(ops))
    out += list(Gen(load("dynamodbstreams"), "DynamoDBStreams_20120810.").cases(ops))
    return out


class Combo:
    """One request breaking several top-level members at once (one constraint each): AWS
    lists the violations in the model's member order, at most ten, "N validation errors
    detected: a; b"."""

    def __init__(self, op, target, request, parts):
        self.op, self.target, self.request, self.parts = op, target, request, parts
        self.name = "%s:combo%d" % (op, len(parts))

    def expected(self):
        v = [c.violation() for c in self.parts][:10]
        return "%d validation error%s detected: %s" % (len(v), "" if len(v) == 1 else "s",
                                                       "; ".join(v))


def combo_cases(ops=None):
    """Per operation, its top-level members' first violation each (a member's first case in
    the model's order: required, enum, min, max, pattern), merged into one request."""
    out = []
    for svc, prefix in (("dynamodb", "DynamoDB_20120810."),
                        ("dynamodbstreams", "DynamoDBStreams_20120810.")):
        g = Gen(load(svc), prefix)
        by_op = {}
        for c in g.cases(ops):
            if "." in c.path:
                continue
            got = by_op.setdefault(c.op, {})
            if c.path not in got and c.kind in ("required", "enum", "min", "pattern") and (
                    c.kind != "min" or not isinstance(c.value, (list, dict))):
                got[c.path] = c
        for op, parts in sorted(by_op.items()):
            if len(parts) < 2:
                continue
            inp = g.model["operations"][op]["input"]["shape"]
            req = g.valid(inp)
            for c in parts.values():
                m = next(k for k in g.shapes[inp]["members"] if lower_first(k) == c.path)
                if c.kind == "required":
                    req.pop(m, None)
                else:
                    req[m] = c.request[m]
            out.append(Combo(op, prefix + op, req, list(parts.values())))
    return out


def answer(url, case):
    from conftest import raw_request
    status, _, body = raw_request(url, case.request, target=case.target)
    try:
        j = json.loads(body)
    except ValueError:
        return status, "?", body[:300].decode(errors="replace")
    t = (j.get("__type") or "").rsplit("#", 1)[-1]
    return status, t, j.get("message", j.get("Message", "")) if status != 200 else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ops", default="")
    ap.add_argument("--only-diff", action="store_true")
    ap.add_argument("--json", default="")
    ap.add_argument("--list", action="store_true", help="print the cases, send nothing")
    ap.add_argument("--combos", action="store_true",
                    help="several top-level violations per request (order and count)")
    a = ap.parse_args()
    ops = set(a.ops.split(",")) if a.ops else None
    cases = combo_cases(ops) if a.combos else all_cases(ops)
    if a.list:
        for c in cases:
            print(c.name, json.dumps(c.request)[:200])
        print(len(cases), "cases", file=sys.stderr)
        return 0
    from conftest import start_ddbchat, start_dynamodb_local
    srv = start_ddbchat()
    local = start_dynamodb_local()
    rows = []
    try:
        for c in cases:
            d = answer(srv.ddb_url, c)
            l = answer(local.ddb_url, c)
            exp = c.expected()
            row = {"case": c.name, "request": c.request, "ddbchat": d, "local": l,
                   "model": exp}
            rows.append(row)
            same = d[1:] == l[1:]
            if a.only_diff and same:
                continue
            print("%s %s" % ("SAME" if same else "DIFF", c.name))
            print("   model:   %s" % exp[:400])
            print("   ddbchat: %s %s %s" % (d[0], d[1], d[2][:400]))
            if not same:
                print("   local:   %s %s %s" % (l[0], l[1], l[2][:400]))
    finally:
        local.stop()
        srv.stop()
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    nd = sum(1 for r in rows if r["ddbchat"][1:] != r["local"][1:])
    print("%d cases, %d differ" % (len(rows), nd), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
