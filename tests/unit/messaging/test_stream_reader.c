/*
 * Unit tests for messaging/stream_reader and messaging/trigger on the embedded engine: a
 * table without a stream; TRIM_HORIZON reads every record once, in order, then nothing until
 * the next write; LATEST skips what was written before; a position resumes after its record;
 * the Lambda shape of a record; a split (a fake Streams backend: AWS splits, ddbchat and
 * DynamoDB Local do not): the parent read to its end before either child, both children read,
 * the per-shard state, held shards (a trigger's: not read again, their children not opened,
 * saved before their records, until released), and a one-position state carried over across the split; an iterator
 * that expires (or is refused) before a LATEST start returned a record is renewed from that
 * start; a trigger delivers every record once, in order, in batches of
 * at most `batch`, retries a failing command, and saves its position; a command that does
 * not read its input neither kills the process nor inherits a blocked or ignored SIGPIPE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "base/clock.h"
#include "messaging/stream_reader.h"
#include "messaging/trigger.h"
#include "store/store.h"

typedef struct env {
    char dir[64];
    store_t *store;
    api_t *api;
    msg_backend *b;
} env_t;

static int env_setup(void **state)
{
    env_t *v = calloc(1, sizeof *v);
    assert_non_null(v);
    snprintf(v->dir, sizeof v->dir, "/tmp/srtest-XXXXXX");
    assert_non_null(mkdtemp(v->dir));
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    err_t e = {0};
    assert_int_equal(store_open(v->dir, &o, &v->store, &e), 0);
    assert_int_equal(api_new(v->store, NULL, &v->api, &e), 0);
    assert_int_equal(msg_backend_embedded_new(v->api, &v->b, &e), 0);
    *state = v;
    return 0;
}

static int env_teardown(void **state)
{
    env_t *v = *state;
    msg_backend_free(v->b);
    api_free(v->api);
    store_close(v->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", v->dir);
    assert_int_equal(system(cmd), 0);
    free(v);
    return 0;
}

static void call_ok(env_t *v, const char *op, const char *req_text)
{
    json_t *req = json_loads(req_text, 0, NULL), *resp = NULL;
    assert_non_null(req);
    err_t e = {0};
    int rc = api_call(v->api, op, req, NULL, &resp, &e);
    if (rc)
        fprintf(stderr, "%s: %s\n", op, e.msg);
    assert_int_equal(rc, 0);
    json_decref(req);
    json_decref(resp);
}

static void make_table(env_t *v, const char *name, bool stream)
{
    char req[512];
    snprintf(req, sizeof req,
             "{\"TableName\":\"%s\",\"BillingMode\":\"PAY_PER_REQUEST\","
             "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
             "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]%s}",
             name,
             stream ? ",\"StreamSpecification\":{\"StreamEnabled\":true,"
                      "\"StreamViewType\":\"NEW_IMAGE\"}"
                    : "");
    call_ok(v, "CreateTable", req);
}

static void put(env_t *v, const char *table, const char *pk)
{
    char req[256];
    snprintf(req, sizeof req, "{\"TableName\":\"%s\",\"Item\":{\"pk\":{\"S\":\"%s\"}}}", table,
             pk);
    call_ok(v, "PutItem", req);
}

static const char *pk_of(const json_t *rec)
{
    return json_string_value(json_object_get(
        json_object_get(json_object_get(json_object_get(rec, "dynamodb"), "Keys"), "pk"), "S"));
}

/* Reads until `n` records came (or a few empty reads in a row) into names ("a,b,c"). */
static void read_n(msg_stream_reader *r, size_t n, char *names, size_t cap)
{
    names[0] = 0;
    size_t got = 0;
    for (int empty = 0; got < n && empty < 3;) {
        json_t *recs = NULL;
        err_t e = {0};
        assert_int_equal(msg_stream_reader_next(r, 2, &recs, &e), 0);
        assert_true(json_array_size(recs) <= 2);
        empty = json_array_size(recs) ? 0 : empty + 1;
        size_t i;
        json_t *rec;
        json_array_foreach(recs, i, rec)
        {
            size_t l = strlen(names);
            snprintf(names + l, cap - l, "%s%s", l ? "," : "", pk_of(rec));
            got++;
        }
        json_decref(recs);
    }
}

/* ---- a split, as AWS makes one (a fake Streams backend) ---------------------------------
 * AWS splits a shard: the parent closes and two children (ParentShardId the parent) go on
 * with its keys.  Neither ddbchat nor DynamoDB Local splits, so a backend answers the four
 * Streams calls from a table: shard P (a1, b1) closes, C1 (a2) and C2 (b2) are its children.
 * Phase 0: only P, open, holding a1.  Iterators are "<shard>|<next record index>". */
#define FK_ARN "arn:aws:dynamodb:us-east-1:1:table/split/stream/2026-01-01T00:00:00.000"

typedef struct fk_shard {
    const char *id, *parent;
    const char *keys[2];
    const char *seqs[2];
    int n;
    bool closed;
} fk_shard;

typedef struct fake_backend {
    msg_backend base;
    int phase;
    int describe_calls;
} fake_backend;

static fk_shard fk_table(const fake_backend *f, int i)
{
    fk_shard p0 = {"shardId-00000000000000000001-00000001", NULL, {"a1"}, {"001"}, 1, false};
    fk_shard p1 = {"shardId-00000000000000000001-00000001", NULL, {"a1", "b1"},
                   {"001", "002"}, 2, true};
    fk_shard c1 = {"shardId-00000000000000000002-00000002", p1.id, {"a2"}, {"003"}, 1, false};
    fk_shard c2 = {"shardId-00000000000000000002-00000003", p1.id, {"b2"}, {"004"}, 1, false};
    if (f->phase == 0)
        return i == 0 ? p0 : (fk_shard){0};
    return i == 0 ? p1 : i == 1 ? c1 : i == 2 ? c2 : (fk_shard){0};
}

static int fk_find(const fake_backend *f, const char *id, fk_shard *out)
{
    for (int i = 0; i < 3; i++) {
        fk_shard s = fk_table(f, i);
        if (s.id && id && strcmp(s.id, id) == 0) {
            *out = s;
            return 0;
        }
    }
    return -1;
}

static int fk_call(msg_backend *b, const char *op, json_t *req, json_t **out, err_t *e)
{
    fake_backend *f = (fake_backend *)b;
    *out = NULL;
    if (strcmp(op, "DescribeTable") == 0) {
        *out = json_pack("{s:{s:s}}", "Table", "LatestStreamArn", FK_ARN);
        return 0;
    }
    if (strcmp(op, "DynamoDBStreams.DescribeStream") == 0) {
        f->describe_calls++;
        json_t *shards = json_array();
        for (int i = 0; i < 3; i++) { /* one shard a page: ExclusiveStartShardId is followed */
            fk_shard s = fk_table(f, i);
            if (!s.id)
                break;
            const char *esi = json_string_value(json_object_get(req, "ExclusiveStartShardId"));
            if (esi && strcmp(esi, s.id) >= 0)
                continue;
            json_t *range = json_pack("{s:s}", "StartingSequenceNumber", s.seqs[0]);
            if (s.closed)
                json_object_set_new(range, "EndingSequenceNumber", json_string(s.seqs[s.n - 1]));
            json_t *x = json_pack("{s:s,s:o}", "ShardId", s.id, "SequenceNumberRange", range);
            if (s.parent)
                json_object_set_new(x, "ParentShardId", json_string(s.parent));
            json_array_append_new(shards, x);
            fk_shard nx = fk_table(f, i + 1);
            *out = json_pack("{s:{s:o}}", "StreamDescription", "Shards", shards);
            if (nx.id)
                json_object_set_new(json_object_get(*out, "StreamDescription"),
                                    "LastEvaluatedShardId", json_string(s.id));
            return 0;
        }
        *out = json_pack("{s:{s:o}}", "StreamDescription", "Shards", shards);
        return 0;
    }
    if (strcmp(op, "DynamoDBStreams.GetShardIterator") == 0) {
        fk_shard s;
        if (fk_find(f, json_string_value(json_object_get(req, "ShardId")), &s))
            return err_set(e, ERR_RESOURCE_NOT_FOUND, "Shard does not exist");
        const char *type = json_string_value(json_object_get(req, "ShardIteratorType"));
        const char *seq = json_string_value(json_object_get(req, "SequenceNumber"));
        int idx = 0;
        if (strcmp(type, "LATEST") == 0)
            idx = s.n;
        for (int i = 0; seq && i < s.n; i++)
            if (strcmp(s.seqs[i], seq) == 0)
                idx = strcmp(type, "AFTER_SEQUENCE_NUMBER") == 0 ? i + 1 : i;
        char it[128];
        snprintf(it, sizeof it, "%s|%d", s.id, idx);
        *out = json_pack("{s:s}", "ShardIterator", it);
        return 0;
    }
    if (strcmp(op, "DynamoDBStreams.GetRecords") == 0) {
        char id[100];
        int idx = 0;
        const char *it = json_string_value(json_object_get(req, "ShardIterator"));
        const char *bar = strchr(it, '|');
        snprintf(id, sizeof id, "%.*s", (int)(bar - it), it);
        idx = atoi(bar + 1);
        fk_shard s;
        assert_int_equal(fk_find(f, id, &s), 0);
        json_t *recs = json_array();
        int end = idx + 1 < s.n ? idx + 1 : s.n; /* one record a call */
        for (int i = idx; i < end; i++)
            json_array_append_new(recs, json_pack("{s:s,s:{s:{s:{s:s}},s:s}}", "eventName",
                                                  "INSERT", "dynamodb", "Keys", "pk", "S",
                                                  s.keys[i], "SequenceNumber", s.seqs[i]));
        *out = json_pack("{s:o}", "Records", recs);
        if (!(s.closed && end == s.n)) {
            char nx[128];
            snprintf(nx, sizeof nx, "%s|%d", s.id, end);
            json_object_set_new(*out, "NextShardIterator", json_string(nx));
        }
        return 0;
    }
    return err_set(e, ERR_VALIDATION, "fake: %s", op);
}

static void fk_free(msg_backend *b)
{
    (void)b;
}

static const msg_backend_ops fk_ops = {.call = fk_call, .free = fk_free, .name = "fake"};

/* The reader reads the parent to its end before either child, then both children: each
 * record once, each key in its order (a1 before a2, b1 before b2). */
static void test_split_parent_before_children(void **state)
{
    (void)state;
    fake_backend f = {.base = {.ops = &fk_ops}};
    msg_stream_reader *r = NULL;
    err_t e = {0};
    assert_int_equal(msg_stream_reader_new(&f.base, "split", MSG_SR_TRIM_HORIZON, NULL, &r, &e),
                     0);
    char names[256];
    read_n(r, 1, names, sizeof names);
    assert_string_equal(names, "a1");
    read_n(r, 1, names, sizeof names); /* P open, nothing new */
    assert_string_equal(names, "");
    f.phase = 1; /* P got b1 and was split */
    read_n(r, 3, names, sizeof names);
    assert_true(strcmp(names, "b1,a2,b2") == 0 || strcmp(names, "b1,b2,a2") == 0);
    read_n(r, 1, names, sizeof names);
    assert_string_equal(names, "");
    /* the state: P read to its end, each child after its record */
    json_t *st = msg_stream_reader_state(r);
    assert_non_null(st);
    char *text = json_dumps(json_object_get(st, "shards"), JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text,
                        "[{\"done\":true,\"shard\":\"shardId-00000000000000000001-00000001\"},"
                        "{\"seq\":\"003\",\"shard\":\"shardId-00000000000000000002-00000002\"},"
                        "{\"seq\":\"004\",\"shard\":\"shardId-00000000000000000002-00000003\"}]");
    free(text);
    msg_stream_reader_free(r);
    /* resumed from it: nothing again; the old one-position form after a1 gives b1, a2, b2 */
    assert_int_equal(msg_stream_reader_new(&f.base, "split", MSG_SR_LATEST, st, &r, &e), 0);
    read_n(r, 1, names, sizeof names);
    assert_string_equal(names, "");
    msg_stream_reader_free(r);
    json_decref(st);
    st = json_pack("{s:s,s:s,s:s}", "arn", FK_ARN, "shard",
                   "shardId-00000000000000000001-00000001", "seq", "001");
    assert_int_equal(msg_stream_reader_new(&f.base, "split", MSG_SR_LATEST, st, &r, &e), 0);
    read_n(r, 3, names, sizeof names);
    assert_true(strcmp(names, "b1,a2,b2") == 0 || strcmp(names, "b1,b2,a2") == 0);
    msg_stream_reader_free(r);
    json_decref(st);
}

static char *shards_text(msg_stream_reader *r)
{
    json_t *st = msg_stream_reader_state(r);
    assert_non_null(st);
    char *text = json_dumps(json_object_get(st, "shards"), JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(st);
    return text;
}

/* Hold mode (a trigger's per-shard delivery): a shard whose records were returned is not read
 * again, nor are its children opened, until it is released, and its state is its position
 * from before those records; the other shards are read meanwhile.  Over the split: P's a1, b1
 * held, nothing more (the children wait); P released, each child once, both held at once;
 * released, their positions are saved. */
static void test_held_shards(void **state)
{
    (void)state;
    fake_backend f = {.base = {.ops = &fk_ops}, .phase = 1};
    msg_stream_reader *r = NULL;
    err_t e = {0};
    assert_int_equal(msg_stream_reader_new(&f.base, "split", MSG_SR_TRIM_HORIZON, NULL, &r, &e),
                     0);
    msg_stream_reader_hold(r, true);
    char names[256];
    read_n(r, 2, names, sizeof names); /* the fake returns a record a call: P is held */
    assert_string_equal(names, "a1");
    assert_int_equal(msg_stream_reader_held(r), 1);
    msg_stream_reader_release(r, "shardId-00000000000000000001-00000001");
    read_n(r, 2, names, sizeof names); /* P's last record, P held again */
    assert_string_equal(names, "b1");
    read_n(r, 1, names, sizeof names); /* P held though read to its end: its children wait */
    assert_string_equal(names, "");
    char *text = shards_text(r);
    assert_string_equal(text,
                        "[{\"seq\":\"001\",\"shard\":\"shardId-00000000000000000001-00000001\"}]");
    free(text);
    msg_stream_reader_release(r, "shardId-00000000000000000001-00000001");
    msg_stream_reader_release(r, "no-such-shard"); /* nothing */
    read_n(r, 2, names, sizeof names);
    assert_true(strcmp(names, "a2,b2") == 0 || strcmp(names, "b2,a2") == 0);
    assert_int_equal(msg_stream_reader_held(r), 2);
    read_n(r, 1, names, sizeof names);
    assert_string_equal(names, "");
    text = shards_text(r);
    assert_string_equal(text,
                        "[{\"done\":true,\"shard\":\"shardId-00000000000000000001-00000001\"},"
                        "{\"seq\":\"\",\"shard\":\"shardId-00000000000000000002-00000002\"},"
                        "{\"seq\":\"\",\"shard\":\"shardId-00000000000000000002-00000003\"}]");
    free(text);
    msg_stream_reader_release(r, "shardId-00000000000000000002-00000003");
    msg_stream_reader_release(r, "shardId-00000000000000000002-00000002");
    assert_int_equal(msg_stream_reader_held(r), 0);
    text = shards_text(r);
    assert_string_equal(text,
                        "[{\"done\":true,\"shard\":\"shardId-00000000000000000001-00000001\"},"
                        "{\"seq\":\"003\",\"shard\":\"shardId-00000000000000000002-00000002\"},"
                        "{\"seq\":\"004\",\"shard\":\"shardId-00000000000000000002-00000003\"}]");
    free(text);
    read_n(r, 1, names, sizeof names);
    assert_string_equal(names, "");
    msg_stream_reader_free(r);
}

static void test_no_stream(void **state)
{
    env_t *v = *state;
    make_table(v, "plain", false);
    msg_stream_reader *r = NULL;
    err_t e = {0};
    assert_int_equal(msg_stream_reader_new(v->b, "plain", MSG_SR_TRIM_HORIZON, NULL, &r, &e),
                     ERR_RESOURCE_NOT_FOUND);
    assert_null(r);
    assert_non_null(strstr(e.msg, "has no stream"));
    err_clear(&e);
    assert_int_equal(msg_stream_reader_new(v->b, "missing", MSG_SR_TRIM_HORIZON, NULL, &r, &e),
                     ERR_RESOURCE_NOT_FOUND);
}

static void test_trim_horizon_latest_resume(void **state)
{
    env_t *v = *state;
    make_table(v, "sss", true);
    put(v, "sss", "a");
    put(v, "sss", "b");
    put(v, "sss", "c");
    err_t e = {0};
    msg_stream_reader *th = NULL, *lt = NULL, *rs = NULL;
    assert_int_equal(msg_stream_reader_new(v->b, "sss", MSG_SR_TRIM_HORIZON, NULL, &th, &e), 0);
    assert_int_equal(msg_stream_reader_new(v->b, "sss", MSG_SR_LATEST, NULL, &lt, &e), 0);
    assert_non_null(strstr(msg_stream_reader_arn(th), ":table/sss/stream/"));
    char names[256];
    read_n(th, 3, names, sizeof names);
    assert_string_equal(names, "a,b,c");
    read_n(th, 1, names, sizeof names); /* nothing new */
    assert_string_equal(names, "");
    json_t *pos = msg_stream_reader_state(th);
    assert_non_null(pos);
    assert_string_equal(json_string_value(json_object_get(pos, "arn")),
                        msg_stream_reader_arn(th));
    const char *seq = json_string_value(
        json_object_get(json_array_get(json_object_get(pos, "shards"), 0), "seq"));
    assert_true(seq && seq[0] != 0);
    put(v, "sss", "d");
    put(v, "sss", "e");
    read_n(th, 2, names, sizeof names);
    assert_string_equal(names, "d,e");
    read_n(lt, 2, names, sizeof names); /* LATEST: only what came after it */
    assert_string_equal(names, "d,e");
    /* resume after c: d and e again, nothing before */
    assert_int_equal(msg_stream_reader_new(v->b, "sss", MSG_SR_LATEST, pos, &rs, &e), 0);
    json_decref(pos);
    read_n(rs, 3, names, sizeof names);
    assert_string_equal(names, "d,e");
    msg_stream_reader_free(th);
    msg_stream_reader_free(lt);
    msg_stream_reader_free(rs);
}

/* ---- an iterator that expires (a backend that fails GetRecords on demand) ------------
 * The embedded engine behind a backend whose next GetRecords answers ExpiredIteratorException
 * (AWS's, after 15 minutes without a read; or a restarted endpoint's ValidationException
 * "Invalid ShardIterator"). */
typedef struct expiring_backend {
    msg_backend base;
    msg_backend *inner;
    int expire; /* GetRecords calls left to refuse */
    const char *how; /* "expired" or "invalid" */
} expiring_backend;

static int ex_call(msg_backend *b, const char *op, json_t *req, json_t **out, err_t *e)
{
    expiring_backend *x = (expiring_backend *)b;
    if (strcmp(op, "DynamoDBStreams.GetRecords") == 0 && x->expire > 0) {
        x->expire--;
        *out = NULL;
        return strcmp(x->how, "expired") == 0
                   ? err_set(e, ERR_EXPIRED_ITERATOR, "Iterator expired.")
                   : err_set(e, ERR_VALIDATION, "Invalid ShardIterator");
    }
    return msg_backend_call(x->inner, op, req, out, e);
}

static void ex_free(msg_backend *b)
{
    (void)b;
}

static const msg_backend_ops ex_ops = {.call = ex_call, .free = ex_free, .name = "expiring"};

/* A reader started at LATEST whose iterator expires before it returned a record renews it
 * from that LATEST start (TRIM_HORIZON, skipping what is older than the start's time on the
 * stream's clock less the skew), not at a new LATEST: what was written between the start
 * and the renewal comes ("a", written before the start, may come again within the margin).
 * (The renewal's at_latest = false in sr_read_shard: without it the renewal is a new LATEST
 * and "b" is lost.) */
static void test_latest_iterator_expiring_before_a_record_loses_nothing(void **state)
{
    env_t *v = *state;
    static const char *const hows[] = {"expired", "invalid"};
    for (int i = 0; i < 2; i++) {
        char tbl[16];
        snprintf(tbl, sizeof tbl, "exp%d", i);
        make_table(v, tbl, true);
        put(v, tbl, "a"); /* before the start: may come again (the 2 s margin) */
        expiring_backend x = {.base = {.ops = &ex_ops}, .inner = v->b, .how = hows[i]};
        msg_stream_reader *r = NULL;
        err_t e = {0};
        assert_int_equal(msg_stream_reader_new(&x.base, tbl, MSG_SR_LATEST, NULL, &r, &e), 0);
        char names[256];
        read_n(r, 1, names, sizeof names); /* at LATEST: nothing yet */
        assert_string_equal(names, "");
        put(v, tbl, "b");
        x.expire = 1; /* the next read finds its iterator expired */
        read_n(r, 2, names, sizeof names);
        assert_int_equal(x.expire, 0);
        assert_true(strcmp(names, "b") == 0 || strcmp(names, "a,b") == 0);
        put(v, tbl, "c"); /* and on from there, once */
        read_n(r, 1, names, sizeof names);
        assert_string_equal(names, "c");
        msg_stream_reader_free(r);
    }
}

/* ---- a stream on another clock (a remote endpoint's: its answers' Date) ------------- */
typedef struct clocked_backend {
    msg_backend base;
    msg_backend *inner;
    long long clock_ms; /* what clock_ms answers */
} clocked_backend;

static int ck_call(msg_backend *b, const char *op, json_t *req, json_t **out, err_t *e)
{
    return msg_backend_call(((clocked_backend *)b)->inner, op, req, out, e);
}

static long long ck_clock_ms(msg_backend *b)
{
    return ((clocked_backend *)b)->clock_ms;
}

static const msg_backend_ops ck_ops = {
    .call = ck_call, .free = ex_free, .name = "clocked", .clock_ms = ck_clock_ms};

/* A LATEST start is saved as the time on the stream's clock (the GetShardIterator answer's
 * Date, msg_backend_clock_ms), which its records' ApproximateCreationDateTime are stamped
 * with, not ours: a stream 30 s behind us had what was written after the start skipped on a
 * resume (test_stream_triggers.py::test_latest_trigger_restart_on_a_remote_whose_clock_is_behind).
 * A backend that cannot say (-1: no Date) is measured on ours. */
static void test_latest_start_is_saved_on_the_streams_clock(void **state)
{
    env_t *v = *state;
    make_table(v, "clk", true);
    long long clocks[] = {base_wall_ms() - 30000, -1};
    for (int i = 0; i < 2; i++) {
        clocked_backend x = {.base = {.ops = &ck_ops}, .inner = v->b, .clock_ms = clocks[i]};
        msg_stream_reader *r = NULL;
        err_t e = {0};
        int64_t before = base_wall_ms();
        assert_int_equal(msg_stream_reader_new(&x.base, "clk", MSG_SR_LATEST, NULL, &r, &e), 0);
        int64_t after = base_wall_ms();
        json_t *st = msg_stream_reader_state(r);
        json_t *sh = json_array_get(json_object_get(st, "shards"), 0);
        json_int_t since = json_integer_value(json_object_get(sh, "since"));
        if (clocks[i] >= 0)
            assert_int_equal(since, clocks[i]);
        else
            assert_true(since >= before && since <= after);
        json_decref(st);
        msg_stream_reader_free(r);
    }
}

/* A LATEST start saved while the stream's clock was 60 s ahead, resumed after it stepped back
 * to the right time (NTP): what was written after the start is stamped with the stepped-back
 * clock, 60 s before the saved start, and is delivered (before: dropped as older than the
 * start less SR_SKEW_S).  The start's CLOCK_BOOTTIME, saved with it, measures the time elapsed
 * since; the stream's clock now lags that by the step. */
static void test_latest_resume_after_the_streams_clock_stepped_back(void **state)
{
    env_t *v = *state;
    make_table(v, "step", true);
    put(v, "step", "a"); /* before the start */
    clocked_backend x = {.base = {.ops = &ck_ops}, .inner = v->b,
                         .clock_ms = base_wall_ms() + 60000};
    msg_stream_reader *r = NULL;
    err_t e = {0};
    assert_int_equal(msg_stream_reader_new(&x.base, "step", MSG_SR_LATEST, NULL, &r, &e), 0);
    char names[256];
    read_n(r, 1, names, sizeof names); /* at LATEST: nothing yet */
    assert_string_equal(names, "");
    json_t *st = msg_stream_reader_state(r);
    assert_non_null(st);
    msg_stream_reader_free(r);
    x.clock_ms = base_wall_ms(); /* the stream's clock stepped back by 60 s */
    put(v, "step", "b");
    assert_int_equal(msg_stream_reader_new(&x.base, "step", MSG_SR_LATEST, st, &r, &e), 0);
    json_decref(st);
    read_n(r, 2, names, sizeof names);
    /* "a" may come again (it is within the step of the start): never lost is what counts */
    assert_true(strcmp(names, "b") == 0 || strcmp(names, "a,b") == 0);
    msg_stream_reader_free(r);
}

/* Disabled and enabled again: a reader of the old stream reads it out, then the new one. */
static void test_follows_the_next_stream(void **state)
{
    env_t *v = *state;
    make_table(v, "fff", true);
    put(v, "fff", "a");
    err_t e = {0};
    msg_stream_reader *r = NULL;
    assert_int_equal(msg_stream_reader_new(v->b, "fff", MSG_SR_TRIM_HORIZON, NULL, &r, &e), 0);
    char first[MSG_SR_ARN_MAX];
    snprintf(first, sizeof first, "%s", msg_stream_reader_arn(r));
    char names[256];
    read_n(r, 1, names, sizeof names);
    assert_string_equal(names, "a");
    call_ok(v, "UpdateTable",
            "{\"TableName\":\"fff\",\"StreamSpecification\":{\"StreamEnabled\":false}}");
    put(v, "fff", "b"); /* no stream: no record */
    call_ok(v, "UpdateTable",
            "{\"TableName\":\"fff\",\"StreamSpecification\":{\"StreamEnabled\":true,"
            "\"StreamViewType\":\"KEYS_ONLY\"}}");
    put(v, "fff", "c");
    read_n(r, 1, names, sizeof names);
    assert_string_equal(names, "c");
    assert_string_not_equal(msg_stream_reader_arn(r), first);
    msg_stream_reader_free(r);
}

static void test_lambda_record(void **state)
{
    (void)state;
    json_t *rec = json_loads("{\"eventName\":\"REMOVE\",\"userIdentity\":{\"Type\":\"Service\","
                             "\"PrincipalId\":\"dynamodb.amazonaws.com\"},\"dynamodb\":{}}",
                             0, NULL);
    json_t *l = msg_stream_lambda_record(rec, "arn:x");
    assert_non_null(l);
    assert_string_equal(json_string_value(json_object_get(l, "eventSourceARN")), "arn:x");
    json_t *ui = json_object_get(l, "userIdentity");
    assert_string_equal(json_string_value(json_object_get(ui, "type")), "Service");
    assert_string_equal(json_string_value(json_object_get(ui, "principalId")),
                        "dynamodb.amazonaws.com");
    assert_null(json_object_get(ui, "Type"));
    json_decref(l);
    json_decref(rec);
}

/* Waits until `path` holds `lines` lines (10 s at most); returns its text (caller frees). */
static char *wait_lines(const char *path, int lines)
{
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(path, "r");
        if (f) {
            char *text = calloc(1, 1 << 16);
            assert_non_null(text);
            size_t n = fread(text, 1, (1 << 16) - 1, f);
            fclose(f);
            int nl = 0;
            for (size_t k = 0; k < n; k++)
                nl += text[k] == '\n';
            if (nl >= lines)
                return text;
            free(text);
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    fail_msg("%s: fewer than %d lines after 10 s", path, lines);
    return NULL;
}

static void test_trigger(void **state)
{
    env_t *v = *state;
    make_table(v, "ttt", true);
    char out[128], flag[128], sdir[128], cmd[1024], saved[160];
    snprintf(out, sizeof out, "%s/out", v->dir);
    snprintf(flag, sizeof flag, "%s/failed-once", v->dir);
    snprintf(sdir, sizeof sdir, "%s/triggers", v->dir);
    snprintf(saved, sizeof saved, "%s/trigger-ttt.json", sdir);
    /* the first run fails (exit 3), every later one appends the event as one line */
    snprintf(cmd, sizeof cmd,
             "test -f %s || { touch %s; exit 3; }; "
             "python3 -c 'import json,sys; e=json.load(sys.stdin); "
             "print(\",\".join(r[\"dynamodb\"][\"Keys\"][\"pk\"][\"S\"] for r in e[\"Records\"]))'"
             " >> %s",
             flag, flag, out);
    for (int i = 0; i < 5; i++) {
        char pk[8];
        snprintf(pk, sizeof pk, "k%d", i);
        put(v, "ttt", pk);
    }
    msg_trigger_cfg cfg = {.table = "ttt", .command = cmd, .batch = 2,
                           .start = MSG_SR_TRIM_HORIZON, .state_dir = sdir, .poll_ms = 20};
    msg_trigger *t = NULL;
    err_t e = {0};
    assert_int_equal(msg_trigger_start(v->b, &cfg, &t, &e), 0);
    char *text = wait_lines(out, 3); /* batches of at most 2: k0,k1 / k2,k3 / k4 */
    assert_string_equal(text, "k0,k1\nk2,k3\nk4\n");
    free(text);
    assert_int_equal(access(flag, F_OK), 0); /* it did fail once and was retried */
    put(v, "ttt", "k5");
    text = wait_lines(out, 4);
    assert_string_equal(text, "k0,k1\nk2,k3\nk4\nk5\n");
    free(text);
    msg_trigger_stop(t);
    json_t *pos = json_load_file(saved, 0, NULL); /* the last finished batch's position */
    assert_non_null(pos);
    assert_int_equal(json_integer_value(json_object_get(pos, "v")), 2); /* per shard */
    assert_non_null(json_string_value(
        json_object_get(json_array_get(json_object_get(pos, "shards"), 0), "seq")));
    json_decref(pos);
    /* a new trigger continues after k5: nothing is delivered again */
    put(v, "ttt", "k6");
    assert_int_equal(msg_trigger_start(v->b, &cfg, &t, &e), 0);
    text = wait_lines(out, 5);
    assert_string_equal(text, "k0,k1\nk2,k3\nk4\nk5\nk6\n");
    free(text);
    msg_trigger_stop(t);
}

/* Puts {pk, big: <n x's>} into table. */
static void put_big(env_t *v, const char *table, const char *pk, size_t n)
{
    char *req = malloc(n + 256);
    assert_non_null(req);
    int k = snprintf(req, 256, "{\"TableName\":\"%s\",\"Item\":{\"pk\":{\"S\":\"%s\"},\"big\":{\"S\":\"",
                     table, pk);
    memset(req + k, 'x', n);
    snprintf(req + k + n, 64, "\"}}}");
    call_ok(v, "PutItem", req);
    free(req);
}

/* The SigBlk and SigIgn masks of the first command run by a trigger on table `tbl`, whose
 * command ignores its input (200 KB, more than a pipe holds): the write to it fails. */
static void command_masks(env_t *v, const char *tbl, unsigned long long *blk,
                          unsigned long long *ign)
{
    make_table(v, tbl, true);
    char out[128], sdir[128], cmd[512];
    snprintf(out, sizeof out, "%s/masks-%s", v->dir, tbl);
    snprintf(sdir, sizeof sdir, "%s/triggers", v->dir);
    snprintf(cmd, sizeof cmd,
             "grep -E '^Sig(Blk|Ign):' /proc/$$/status | tr -d '\\t' >> %s; exit 0", out);
    put_big(v, tbl, "k0", 200 * 1024);
    msg_trigger_cfg cfg = {.table = tbl, .command = cmd, .batch = 1,
                           .start = MSG_SR_TRIM_HORIZON, .state_dir = sdir, .poll_ms = 20};
    msg_trigger *t = NULL;
    err_t e = {0};
    assert_int_equal(msg_trigger_start(v->b, &cfg, &t, &e), 0);
    char *text = wait_lines(out, 2);
    msg_trigger_stop(t);
    char *b = strstr(text, "SigBlk:"), *g = strstr(text, "SigIgn:");
    assert_non_null(b);
    assert_non_null(g);
    *blk = strtoull(b + 7, NULL, 16);
    *ign = strtoull(g + 7, NULL, 16);
    free(text);
}

#define SIGPIPE_BIT (1ULL << (SIGPIPE - 1))

/* A command that exits without reading its input does not take the process down (the write
 * to it raised SIGPIPE: this test executable died of it, 2 runs in 60 of test_trigger, whose
 * first command exits at once), and commands get SIGPIPE's default action and an unblocked
 * SIGPIPE even in a process that ignores it, as serve does */
static void test_command_not_reading_input(void **state)
{
    env_t *v = *state;
    unsigned long long blk, ign;
    command_masks(v, "np1", &blk, &ign);
    assert_false(blk & SIGPIPE_BIT);
    assert_false(ign & SIGPIPE_BIT);
    struct sigaction old, ignore = {.sa_handler = SIG_IGN};
    sigaction(SIGPIPE, &ignore, &old);
    command_masks(v, "np2", &blk, &ign);
    sigaction(SIGPIPE, &old, NULL);
    assert_false(blk & SIGPIPE_BIT);
    assert_false(ign & SIGPIPE_BIT);
}

static void test_parse(void **state)
{
    (void)state;
    char *table;
    const char *cmd, *name;
    err_t e = {0};
    assert_int_equal(msg_trigger_parse("tbl=echo a=b", &table, &name, &cmd, &e), 0);
    assert_string_equal(table, "tbl");
    assert_null(name);
    assert_string_equal(cmd, "echo a=b");
    free(table);
    /* NAME@TABLE: one of several triggers on the table; an '@' in the command is the
     * command's */
    assert_int_equal(msg_trigger_parse("audit@tbl=echo a@b=c", &table, &name, &cmd, &e), 0);
    assert_string_equal(table, "tbl");
    assert_string_equal(name, "audit");
    assert_string_equal(cmd, "echo a@b=c");
    free(table);
    assert_int_equal(msg_trigger_parse("=x", &table, &name, &cmd, &e), ERR_VALIDATION);
    assert_int_equal(msg_trigger_parse("x=", &table, &name, &cmd, &e), ERR_VALIDATION);
    assert_int_equal(msg_trigger_parse("x", &table, &name, &cmd, &e), ERR_VALIDATION);
    /* a name that is empty, too long, or holds a character no file or label name takes */
    assert_int_equal(msg_trigger_parse("@tbl=x", &table, &name, &cmd, &e), ERR_VALIDATION);
    assert_int_equal(msg_trigger_parse("a/b@tbl=x", &table, &name, &cmd, &e), ERR_VALIDATION);
    char longname[MSG_TRIGGER_NAME_MAX + 16];
    memset(longname, 'n', MSG_TRIGGER_NAME_MAX + 1);
    snprintf(longname + MSG_TRIGGER_NAME_MAX + 1, 15, "@tbl=x");
    assert_int_equal(msg_trigger_parse(longname, &table, &name, &cmd, &e), ERR_VALIDATION);
    snprintf(longname + MSG_TRIGGER_NAME_MAX, 15, "@tbl=x");
    assert_int_equal(msg_trigger_parse(longname, &table, &name, &cmd, &e), 0);
    assert_int_equal(strlen(name), MSG_TRIGGER_NAME_MAX);
    free(table);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_stream, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_trim_horizon_latest_resume, env_setup,
                                        env_teardown),
        cmocka_unit_test_setup_teardown(test_follows_the_next_stream, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_latest_start_is_saved_on_the_streams_clock,
                                        env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_latest_resume_after_the_streams_clock_stepped_back,
                                        env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_latest_iterator_expiring_before_a_record_loses_nothing,
                                        env_setup, env_teardown),
        cmocka_unit_test(test_lambda_record),
        cmocka_unit_test(test_split_parent_before_children),
        cmocka_unit_test(test_held_shards),
        cmocka_unit_test_setup_teardown(test_trigger, env_setup, env_teardown),
        cmocka_unit_test_setup_teardown(test_command_not_reading_input, env_setup, env_teardown),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
