/*
 * test_op_stream — GetRecords' reply (src/api/op_stream.c).  Issue 11.3 / 11.7.
 *
 * The reply is written straight into the reply writer (api_out.h: no jansson tree on the
 * DynamoDB endpoint).  These tests pin it byte for byte to the reference: the reply as
 * op_stream.c built it before, a jansson tree per record (ref_record below keeps that
 * builder, member for member) serialised by json_dumps(JSON_COMPACT), over the records the
 * store holds (store_stream_read).  Covered: the four view types, every event kind (INSERT,
 * MODIFY, REMOVE, TTL's REMOVE with userIdentity) from every write path (PutItem,
 * UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems, the TTL reaper), every item of
 * the DynamoDB JSON golden corpus as both images, paging with Limit, the 1,000-record
 * default and AWS's 1 MB cap.  The tree mode (api_call: messaging's embedded backend) must
 * give the same bytes as the text mode (api_call_out).  NextShardIterator carries a MAC and
 * the time it was issued, so it is compared by use (the next page is the reference's next
 * page), not by bytes.  Also: the iterator lifetime's default (AWS's 15 minutes), with
 * iterators re-signed under the api's key as if issued earlier.
 */
#include "item_test.h"

#include <inttypes.h>
#include <time.h>

#include "api/api_int.h"
#include "base/siphash.h"
#include "store/store_int.h"
#include "value/ddbjson.h"
#include "value/jout.h"

#define REF_1MB (1024 * 1024)

/* ---- the reference: the tree op_stream.c built per record before the streamed reply ---- */

static uint64_t ref_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static const char *ref_view(uint8_t v)
{
    static const char *n[] = {"KEYS_ONLY", "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE",
                              "NEW_AND_OLD_IMAGES"};
    return v <= STORE_SV_NEW_AND_OLD_IMAGES ? n[v] : "KEYS_ONLY";
}

static json_t *ref_record(const store_stream *d, const store_srec *x)
{
    static const char *names[] = {"", "INSERT", "MODIFY", "REMOVE"};
    char eid[33], seq[32];
    uint64_t a = ref_mix((uint64_t)d->id << 40 ^ x->seq), b = ref_mix(a ^ x->seq);
    snprintf(eid, sizeof eid, "%016" PRIx64 "%016" PRIx64, a, b);
    snprintf(seq, sizeof seq, "%021" PRIu64, x->seq);
    json_t *dd = json_object();
    json_object_set_new(dd, "ApproximateCreationDateTime", json_integer(x->ms / 1000));
    json_object_set_new(dd, "Keys", ddbjson_from_item(&x->keys));
    if (x->new_img.type == AV_M)
        json_object_set_new(dd, "NewImage", ddbjson_from_item(&x->new_img));
    if (x->old_img.type == AV_M)
        json_object_set_new(dd, "OldImage", ddbjson_from_item(&x->old_img));
    json_object_set_new(dd, "SequenceNumber", json_string(seq));
    json_object_set_new(dd, "SizeBytes", json_integer(x->size));
    json_object_set_new(dd, "StreamViewType", json_string(ref_view(d->view)));
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "eventID", eid, "eventName",
                          names[x->event <= STORE_EV_REMOVE ? x->event : 0], "eventVersion", "1.1",
                          "eventSource", "aws:dynamodb", "awsRegion", "us-east-1", "dynamodb", dd);
    if (x->by_service)
        json_object_set_new(o, "userIdentity", json_pack("{s:s,s:s}", "Type", "Service",
                                                         "PrincipalId", "dynamodb.amazonaws.com"));
    return o;
}

/* The open shard of the table's latest stream. */
typedef struct ref_pos {
    store_stream d;
    uint64_t next;   /* the next sequence number to read */
    arena_t a;
} ref_pos;

static void ref_open(it_fix *f, const char *table, ref_pos *p)
{
    memset(p, 0, sizeof *p);
    arena_init(&p->a);
    err_t e;
    err_clear(&e);
    store_stream *all;
    size_t n;
    assert_int_equal(store_stream_list(f->s, &p->a, &all, &n, &e), 0);
    const store_stream *last = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i].table, table) == 0)
            last = &all[i];
    assert_non_null(last);
    bool found;
    assert_int_equal(store_stream_get(f->s, last->id, &p->a, &p->d, &found, &e), 0);
    assert_true(found);
    assert_int_equal(p->d.n_shards, 1);
    p->next = p->d.shards[0].start > p->d.trim ? p->d.shards[0].start : p->d.trim;
}

/* The reference's next page: {"Records":[...]} as json_dumps writes it; *n records. */
static char *ref_page(it_fix *f, ref_pos *p, size_t limit, size_t *n)
{
    err_t e;
    err_clear(&e);
    store_srec *recs;
    uint64_t last;
    assert_int_equal(store_stream_read(f->s, p->d.id, p->next, p->d.shards[0].end, limit,
                                       REF_1MB, &p->a, &recs, n, &last, &e),
                     0);
    json_t *arr = json_array();
    for (size_t i = 0; i < *n; i++)
        json_array_append_new(arr, ref_record(&p->d, &recs[i]));
    json_t *o = json_pack("{s:o}", "Records", arr);
    char *t = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    p->next = last + 1;
    return t;
}

/* ---- the operation, both ways ---------------------------------------------------------- */

static char *first_iterator(it_fix *f, const char *table)
{
    char req[256];
    snprintf(req, sizeof req, "{'TableName':'%s'}", table);
    json_t *dt = it_ok(f, "DescribeTable", req);
    const char *arn = json_string_value(
        json_object_get(json_object_get(dt, "Table"), "LatestStreamArn"));
    assert_non_null(arn);
    json_t *ds = json_pack("{s:s}", "StreamArn", arn);
    json_t *out = NULL;
    err_t e;
    err_clear(&e);
    assert_int_equal(api_call(f->api, "DynamoDBStreams.DescribeStream", ds, NULL, &out, &e), 0);
    json_t *sh = json_array_get(
        json_object_get(json_object_get(out, "StreamDescription"), "Shards"), 0);
    json_t *gi = json_pack("{s:s,s:O,s:s}", "StreamArn", arn, "ShardId",
                           json_object_get(sh, "ShardId"), "ShardIteratorType", "TRIM_HORIZON");
    json_t *it = NULL;
    assert_int_equal(api_call(f->api, "DynamoDBStreams.GetShardIterator", gi, NULL, &it, &e), 0);
    char *s = strdup(json_string_value(json_object_get(it, "ShardIterator")));
    json_decref(it);
    json_decref(gi);
    json_decref(out);
    json_decref(ds);
    json_decref(dt);
    return s;
}

static json_t *gr_req(const char *iter, long limit)
{
    json_t *req = json_pack("{s:s}", "ShardIterator", iter);
    if (limit)
        json_object_set_new(req, "Limit", json_integer(limit));
    return req;
}

/* Splits a reply text into its Records part ({"Records":[...]}) and its NextShardIterator
 * (malloc'ed; NULL when the reply has none).  Fails the test on any other shape. */
static char *split_reply(const char *text, char **next)
{
    static const char key[] = ",\"NextShardIterator\":\"";
    const char *k = strstr(text, key);
    size_t n = strlen(text);
    *next = NULL;
    if (k) {
        const char *v = k + sizeof key - 1, *q = strchr(v, '"');
        assert_non_null(q);
        assert_string_equal(q, "\"}"); /* the last member */
        *next = strndup(v, (size_t)(q - v));
        n = (size_t)(k - text);
    } else {
        assert_true(n > 0 && text[n - 1] == '}');
        n--;
    }
    char *r = malloc(n + 2);
    memcpy(r, text, n);
    r[n] = '}';
    r[n + 1] = '\0';
    return r;
}

/* One GetRecords through api_call_out (the DynamoDB endpoint's text path) and through
 * api_call (the tree); asserts the two agree and returns the Records part, *next set as
 * split_reply says. */
static char *gr_both(it_fix *f, const char *iter, long limit, char **next)
{
    json_t *req = gr_req(iter, limit);
    err_t e;
    err_clear(&e);
    jout w;
    jout_init(&w, 0);
    json_t *extra = NULL;
    int rc = api_call_out(f->api, "DynamoDBStreams.GetRecords", req, NULL, &w, &extra, &e);
    if (rc)
        fprintf(stderr, "GetRecords: %s %s\n", err_name(rc), e.msg);
    assert_int_equal(rc, 0);
    size_t n;
    char *text = jout_take(&w, &n);
    assert_non_null(text);
    assert_int_equal(strlen(text), n);
    jout_fini(&w);
    char *records = split_reply(text, next);

    json_t *tree = NULL;
    assert_int_equal(api_call(f->api, "DynamoDBStreams.GetRecords", req, NULL, &tree, &e), 0);
    char *tt = json_dumps(tree, JSON_COMPACT);
    char *tnext;
    char *trecords = split_reply(tt, &tnext);
    assert_string_equal(trecords, records);
    assert_int_equal(tnext != NULL, *next != NULL);
    free(tnext);
    free(trecords);
    free(tt);
    json_decref(tree);
    json_decref(req);
    free(text);
    return records;
}

/* Reads the table's stream from TRIM_HORIZON in pages of `limit` (0: the default) until a
 * page comes back empty, comparing each page with the reference; the records read. */
static size_t read_all_compare(it_fix *f, const char *table, long limit)
{
    ref_pos p;
    ref_open(f, table, &p);
    char *iter = first_iterator(f, table);
    size_t total = 0;
    for (int page = 0;; page++) {
        assert_true(page < 2000);
        size_t n;
        char *want = ref_page(f, &p, limit ? (size_t)limit : 1000, &n);
        char *next;
        char *got = gr_both(f, iter, limit, &next);
        if (strcmp(want, got) != 0)
            fprintf(stderr, "%s page %d:\n  want %s\n  got  %s\n", table, page, want, got);
        assert_string_equal(want, got);
        assert_non_null(next); /* an open shard always has a next iterator */
        free(want);
        free(got);
        free(iter);
        iter = next;
        total += n;
        if (n == 0)
            break;
    }
    free(iter);
    arena_fini(&p.a);
    return total;
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ---- tests ----------------------------------------------------------------------------- */

static void make_stream_table(it_fix *f, const char *name, const char *view)
{
    char req[1024];
    snprintf(req, sizeof req,
             "{'TableName':'%s','KeySchema':[{'AttributeName':'pk','KeyType':'HASH'},"
             "{'AttributeName':'sk','KeyType':'RANGE'}],'AttributeDefinitions':["
             "{'AttributeName':'pk','AttributeType':'S'},{'AttributeName':'sk',"
             "'AttributeType':'N'}],'BillingMode':'PAY_PER_REQUEST','StreamSpecification':"
             "{'StreamEnabled':true,'StreamViewType':'%s'}}",
             name, view);
    json_decref(it_ok(f, "CreateTable", req));
}

static void call_fmt(it_fix *f, const char *op, const char *fmt, const char *table)
{
    char req[2048];
    snprintf(req, sizeof req, fmt, table, table, table);
    json_decref(it_ok(f, op, req));
}

/* A shard closed between GetRecords' read of the descriptor (open) and its read of the
 * records: the child's records are not read through the parent (they would be delivered
 * twice, the parent's way and the child's), and the parent, read to its end, has no next
 * iterator (review11, by reading: two read txns). */
typedef struct between_ctx {
    it_fix *f;
    int calls;
} between_ctx;

static void close_and_write(void *vctx)
{
    between_ctx *c = vctx;
    if (c->calls++)
        return;
    err_t e;
    err_clear(&e);
    /* the stream pass 5 h on: the open shard (4 h) closes over its records, a child opens */
    assert_int_equal(store_stream_pass(c->f->s, base_wall_ms() + 5 * 3600 * 1000LL, &e), 0);
    call_fmt(c->f, "PutItem", "{'TableName':'%s','Item':{'pk':{'S':'child'},'sk':{'N':'9'}}}",
             "strclose");
}

static void test_shard_closed_between_reads(void **state)
{
    it_fix *f = *state;
    make_stream_table(f, "strclose", "KEYS_ONLY");
    call_fmt(f, "PutItem", "{'TableName':'%s','Item':{'pk':{'S':'a'},'sk':{'N':'1'}}}",
             "strclose");
    call_fmt(f, "PutItem", "{'TableName':'%s','Item':{'pk':{'S':'b'},'sk':{'N':'2'}}}",
             "strclose");
    char *iter = first_iterator(f, "strclose");
    between_ctx c = {f, 0};
    f->api->gr_between_reads = close_and_write;
    f->api->gr_between_ctx = &c;
    char *next = NULL;
    char *got = gr_both(f, iter, 0, &next);
    f->api->gr_between_reads = NULL;
    assert_int_equal(c.calls, 2); /* api_call_out and api_call */
    assert_non_null(strstr(got, "\"S\":\"a\""));
    assert_non_null(strstr(got, "\"S\":\"b\""));
    if (strstr(got, "child"))
        fprintf(stderr, "parent shard read its child's record: %s\n", got);
    assert_null(strstr(got, "child"));
    assert_null(next); /* closed and read to its end */
    free(got);
    free(iter);
}

/* Every view type × every event kind from every write path, TTL's REMOVE included: the
 * streamed reply equals the tree's, whole and in pages of 3. */
static void test_views_and_events(void **state)
{
    it_fix *f = *state;
    static const char *views[] = {"KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"};
    for (size_t v = 0; v < 4; v++) {
        char t[32];
        snprintf(t, sizeof t, "str%zu", v);
        make_stream_table(f, t, views[v]);
        call_fmt(f, "UpdateTimeToLive",
                 "{'TableName':'%s','TimeToLiveSpecification':{'Enabled':true,"
                 "'AttributeName':'exp'}}",
                 t);
        /* PutItem INSERT, PutItem MODIFY, UpdateItem MODIFY */
        call_fmt(f, "PutItem",
                 "{'TableName':'%s','Item':{'pk':{'S':'a'},'sk':{'N':'1'},'s':{'S':'tab\\t"
                 "quote\\\\ \\u00e9\\u4e2d \\ud83d\\ude00'},'n':{'N':'-1.5e-7'},'b':{'B':'AAEC'},"
                 "'l':{'L':[{'NULL':true},{'BOOL':false},{'SS':['x','y']}]},"
                 "'m':{'M':{'ns':{'NS':['1','2']},'bs':{'BS':['AQ==']}}}}}",
                 t);
        call_fmt(f, "PutItem",
                 "{'TableName':'%s','Item':{'pk':{'S':'a'},'sk':{'N':'1'},'v':{'N':'2'}}}", t);
        call_fmt(f, "UpdateItem",
                 "{'TableName':'%s','Key':{'pk':{'S':'a'},'sk':{'N':'1'}},"
                 "'UpdateExpression':'SET v = v + :one, w = :w','ExpressionAttributeValues':"
                 "{':one':{'N':'1'},':w':{'S':'new'}}}",
                 t);
        /* UpdateItem INSERT; DeleteItem REMOVE */
        call_fmt(f, "UpdateItem",
                 "{'TableName':'%s','Key':{'pk':{'S':'b'},'sk':{'N':'2'}},"
                 "'UpdateExpression':'SET x = :x','ExpressionAttributeValues':{':x':{'N':'7'}}}",
                 t);
        call_fmt(f, "DeleteItem", "{'TableName':'%s','Key':{'pk':{'S':'a'},'sk':{'N':'1'}}}", t);
        /* BatchWriteItem: INSERT + REMOVE */
        char req[1024];
        snprintf(req, sizeof req,
                 "{'RequestItems':{'%s':[{'PutRequest':{'Item':{'pk':{'S':'c'},'sk':{'N':'3'}}}},"
                 "{'DeleteRequest':{'Key':{'pk':{'S':'b'},'sk':{'N':'2'}}}}]}}",
                 t);
        json_decref(it_ok(f, "BatchWriteItem", req));
        /* TransactWriteItems: INSERT + MODIFY */
        call_fmt(f, "TransactWriteItems",
                 "{'TransactItems':[{'Put':{'TableName':'%s','Item':{'pk':{'S':'d'},"
                 "'sk':{'N':'4'}}}},{'Update':{'TableName':'%s','Key':{'pk':{'S':'c'},"
                 "'sk':{'N':'3'}},'UpdateExpression':'SET z = :z','ExpressionAttributeValues':"
                 "{':z':{'BOOL':true}}}}]}",
                 t);
        /* an expired item: INSERT, then the reaper's REMOVE (userIdentity) */
        call_fmt(f, "PutItem",
                 "{'TableName':'%s','Item':{'pk':{'S':'e'},'sk':{'N':'5'},'exp':{'N':'1799999990'}}}",
                 t);
    }
    size_t del = 0;
    err_t e;
    err_clear(&e);
    assert_int_equal(st_ttl_pass(f->s, 1800000000, &del, &e), 0);
    assert_int_equal(del, 4);
    for (size_t v = 0; v < 4; v++) {
        char t[32];
        snprintf(t, sizeof t, "str%zu", v);
        /* the whole stream in one page; its content, so the comparison cannot be vacuous */
        ref_pos p;
        ref_open(f, t, &p);
        size_t n;
        char *want = ref_page(f, &p, 1000, &n);
        assert_int_equal(n, 11);
        assert_int_equal(count_of(want, "\"eventName\":\"INSERT\""), 5);
        assert_int_equal(count_of(want, "\"eventName\":\"MODIFY\""), 3);
        assert_int_equal(count_of(want, "\"eventName\":\"REMOVE\""), 3);
        assert_int_equal(count_of(want, "\"userIdentity\":{\"Type\":\"Service\","
                                        "\"PrincipalId\":\"dynamodb.amazonaws.com\"}"),
                         1);
        bool has_new = v == 1 || v == 3, has_old = v == 2 || v == 3;
        assert_int_equal(count_of(want, "\"NewImage\"") > 0, has_new);
        assert_int_equal(count_of(want, "\"OldImage\"") > 0, has_old);
        free(want);
        arena_fini(&p.a);
        assert_int_equal(read_all_compare(f, t, 0), 11);
        assert_int_equal(read_all_compare(f, t, 3), 11);
    }
}

/* Every item of the DynamoDB JSON golden corpus (every type, escapes, big numbers, sets,
 * nesting) as a NewImage, then as an OldImage and a NewImage. */
static void test_corpus_images(void **state)
{
    it_fix *f = *state;
    make_stream_table(f, "corpus", "NEW_AND_OLD_IMAGES");
    char path[512];
    snprintf(path, sizeof path, "%s/tests/golden/ddbjson.json", DDB_SOURCE_DIR);
    json_error_t je;
    json_t *cases = json_load_file(path, JSON_ALLOW_NUL, &je);
    assert_non_null(cases);
    size_t i, ok = 0;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        json_t *item = json_object_get(c, "item");
        if (!json_is_object(item))
            continue;
        json_t *it = json_deep_copy(item);
        char pk[32];
        snprintf(pk, sizeof pk, "d%zu", i);
        json_object_set_new(it, "pk", json_pack("{s:s}", "S", pk));
        json_object_set_new(it, "sk", json_pack("{s:s}", "N", "0"));
        json_t *put = json_pack("{s:s,s:o}", "TableName", "corpus", "Item", it);
        json_t *out = NULL;
        err_t e;
        err_clear(&e);
        if (api_call(f->api, "PutItem", put, NULL, &out, &e) == 0) {
            ok++;
            json_decref(out);
            out = NULL;
            json_object_set_new(it, "again", json_pack("{s:s}", "S", "\x01\x1f\"/\\"));
            assert_int_equal(api_call(f->api, "PutItem", put, NULL, &out, &e), 0);
        }
        json_decref(out);
        json_decref(put);
    }
    json_decref(cases);
    assert_true(ok >= 40);
    assert_int_equal(read_all_compare(f, "corpus", 0), 2 * ok);
    assert_int_equal(read_all_compare(f, "corpus", 7), 2 * ok);
}

/* Limit's default and maximum, 1,000 records; and the 1 MB cap. */
static void test_limit_and_size_cap(void **state)
{
    it_fix *f = *state;
    make_stream_table(f, "many", "NEW_AND_OLD_IMAGES");
    for (int i = 0; i < 1003; i++) {
        char req[256];
        snprintf(req, sizeof req,
                 "{'TableName':'many','Item':{'pk':{'S':'k%d'},'sk':{'N':'%d'},'v':{'S':'x'}}}",
                 i, i);
        json_decref(it_ok(f, "PutItem", req));
    }
    char *iter = first_iterator(f, "many");
    char *next, *next2;
    char *page = gr_both(f, iter, 0, &next);
    assert_int_equal(count_of(page, "\"eventID\""), 1000);
    free(page);
    page = gr_both(f, next, 0, &next2);
    assert_int_equal(count_of(page, "\"eventID\""), 3);
    free(page);
    free(next);
    free(next2);
    page = gr_both(f, iter, 1000, &next);
    assert_int_equal(count_of(page, "\"eventID\""), 1000);
    free(page);
    free(next);
    page = gr_both(f, iter, 1, &next);
    assert_int_equal(count_of(page, "\"eventID\""), 1);
    free(page);
    free(next);
    free(iter);
    assert_int_equal(read_all_compare(f, "many", 0), 1003);

    /* 300,000-byte images: at most 1 MB of records per reply (AWS's "maximum of 1 MB") */
    make_stream_table(f, "big", "NEW_IMAGE");
    char *big = malloc(300001);
    memset(big, 'z', 300000);
    big[300000] = '\0';
    for (int i = 0; i < 5; i++) {
        char skn[8];
        snprintf(skn, sizeof skn, "%d", i);
        json_t *put = json_pack("{s:s,s:{s:{s:s},s:{s:s},s:{s:s}}}", "TableName", "big", "Item",
                                "pk", "S", "p", "sk", "N", skn, "v", "S", big);
        json_t *out = NULL;
        err_t e;
        err_clear(&e);
        assert_int_equal(api_call(f->api, "PutItem", put, NULL, &out, &e), 0);
        json_decref(out);
        json_decref(put);
    }
    free(big);
    iter = first_iterator(f, "big");
    page = gr_both(f, iter, 0, &next);
    size_t first = count_of(page, "\"eventID\"");
    assert_int_equal(first, 3); /* 3 x 300,00x bytes <= 1 MB < 4 x */
    free(page);
    page = gr_both(f, next, 0, &next2);
    assert_int_equal(count_of(page, "\"eventID\""), 5 - first);
    free(page);
    free(next);
    free(next2);
    free(iter);
    assert_int_equal(read_all_compare(f, "big", 0), 5);
}

/* An iterator like `iter` but issued age_ms ago: op_stream.c's documented format
 * "<StreamArn>|1|<hex of sid(4) shard(4) pos(8) issued_ms(8) mac(8), little-endian>", the MAC
 * SipHash-2-4 under the api's key over "<StreamArn>|1|" and the first 24 bytes. */
static char *iter_aged(it_fix *f, const char *iter, int64_t age_ms)
{
    const char *bar = strrchr(iter, '|');
    assert_non_null(bar);
    assert_int_equal(strlen(bar + 1), 64);
    size_t plen = (size_t)(bar + 1 - iter);
    unsigned char m[2048 + 24], raw[32];
    assert_true(plen < 2048);
    for (int i = 0; i < 32; i++) {
        unsigned v;
        assert_int_equal(sscanf(bar + 1 + 2 * i, "%2x", &v), 1);
        raw[i] = (unsigned char)v;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t issued = (uint64_t)((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - age_ms);
    for (int i = 0; i < 8; i++)
        raw[16 + i] = (unsigned char)(issued >> (8 * i));
    memcpy(m, iter, plen);
    memcpy(m + plen, raw, 24);
    uint64_t mac = siphash24(f->api->it_key, m, plen + 24);
    for (int i = 0; i < 8; i++)
        raw[24 + i] = (unsigned char)(mac >> (8 * i));
    char *out = malloc(plen + 65);
    memcpy(out, iter, plen);
    for (int i = 0; i < 32; i++)
        snprintf(out + plen + 2 * i, 3, "%02x", raw[i]);
    return out;
}

/* Shard iterators live 15 minutes by default, as on AWS: one issued 14 min 58 s ago still
 * reads, one issued 15 min 2 s ago is ExpiredIteratorException naming the 900,000 ms. */
static void test_iterator_lifetime_default(void **state)
{
    it_fix *f = *state;
    make_stream_table(f, "life", "KEYS_ONLY");
    json_decref(it_ok(f, "PutItem", "{'TableName':'life','Item':{'pk':{'S':'a'},'sk':{'N':'1'}}}"));
    char *iter = first_iterator(f, "life");
    char *young = iter_aged(f, iter, 15 * 60 * 1000 - 2000);
    char *old = iter_aged(f, iter, 15 * 60 * 1000 + 2000);
    char *next;
    char *page = gr_both(f, young, 0, &next);
    assert_int_equal(count_of(page, "\"eventID\""), 1);
    free(page);
    free(next);
    json_t *req = gr_req(old, 0), *out = NULL;
    err_t e;
    err_clear(&e);
    assert_int_equal(api_call(f->api, "DynamoDBStreams.GetRecords", req, NULL, &out, &e),
                     ERR_EXPIRED_ITERATOR);
    assert_non_null(strstr(e.msg, "tolerated delay of 900000 milliseconds."));
    json_decref(out);
    json_decref(req);
    /* the forgery is faithful: the unchanged iterator, re-signed, reads as before */
    char *same = iter_aged(f, iter, 0);
    page = gr_both(f, same, 0, &next);
    assert_int_equal(count_of(page, "\"eventID\""), 1);
    free(page);
    free(next);
    free(same);
    free(young);
    free(old);
    free(iter);
}

/* The iterator's hex is read in lowercase only (base_hex_digit_lower): each of its letters
 * uppercased in turn is "Invalid ShardIterator", before any MAC check could accept it. */
static void test_iterator_hex_is_lowercase(void **state)
{
    it_fix *f = *state;
    make_stream_table(f, "hexcase", "KEYS_ONLY");
    json_decref(it_ok(f, "PutItem", "{'TableName':'hexcase','Item':{'pk':{'S':'a'},'sk':{'N':'1'}}}"));
    char *iter = first_iterator(f, "hexcase");
    char *bad = strdup(iter);
    char *hex = strrchr(bad, '|') + 1;
    int letters = 0;
    for (char *p = hex; *p; p++) {
        if (*p < 'a' || *p > 'f')
            continue;
        letters++;
        *p = (char)(*p - 'a' + 'A');
        json_t *req = gr_req(bad, 0), *out = NULL;
        err_t e;
        err_clear(&e);
        assert_int_equal(api_call(f->api, "DynamoDBStreams.GetRecords", req, NULL, &out, &e),
                         ERR_VALIDATION);
        assert_string_equal(e.msg, "Invalid ShardIterator");
        json_decref(out);
        json_decref(req);
        *p = (char)(*p - 'A' + 'a');
    }
    assert_true(letters > 0);
    char *next;
    char *page = gr_both(f, bad, 0, &next); /* restored: reads */
    assert_int_equal(count_of(page, "\"eventID\""), 1);
    free(page);
    free(next);
    free(bad);
    free(iter);
}

/* api_store_opts names every secret api_new reads: a store opened with it on a new data dir
 * begins no write txn for api_new (a fresh server's start-up paid a synced commit for each
 * of the two keys, issue 13.4), and the keys are the ones the data dir keeps (a second api
 * over a reopened store has the same) */
static void test_api_secrets_made_at_open(void **state)
{
    (void)state;
    char dir[] = "/tmp/ddb_api_secrets_XXXXXX";
    assert_non_null(mkdtemp(dir));
    store_opts o;
    store_opts_default(&o);
    o.durable = false;
    o.ttl_thread = false;
    api_store_opts(&o);
    assert_int_equal(o.nsecrets, 2);
    err_t e;
    err_clear(&e);
    store_t *s = NULL;
    api_t *api = NULL;
    assert_int_equal(store_open(dir, &o, &s, &e), 0);
    assert_int_equal(api_new(s, NULL, &api, &e), 0);
    store_commit_stats cs;
    store_commit_stats_get(s, &cs);
    assert_int_equal(cs.other_txns, 0);
    unsigned char it[API_IT_KEY_LEN], pq[API_PQ_KEY_LEN];
    memcpy(it, api->it_key, sizeof it);
    memcpy(pq, api->pq_key, sizeof pq);
    api_free(api);
    store_close(s);
    assert_int_equal(store_open(dir, &o, &s, &e), 0);
    assert_int_equal(api_new(s, NULL, &api, &e), 0);
    assert_memory_equal(api->it_key, it, sizeof it);
    assert_memory_equal(api->pq_key, pq, sizeof pq);
    assert_memory_not_equal(it, pq, sizeof it);
    api_free(api);
    store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_TEST(test_shard_closed_between_reads),
        IT_TEST(test_views_and_events),
        IT_TEST(test_corpus_images),
        IT_TEST(test_limit_and_size_cap),
        IT_TEST(test_iterator_lifetime_default),
        IT_TEST(test_iterator_hex_is_lowercase),
        cmocka_unit_test(test_api_secrets_made_at_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
