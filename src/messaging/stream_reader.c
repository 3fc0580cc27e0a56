/*
 * stream_reader — a table's DynamoDB stream through the backend seam.  Layer: messaging.
 * See stream_reader.h.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html
 */
#include "messaging/stream_reader.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "value/jread.h"

#define SR_RENEW_MAX 3 /* iterator renewals in one msg_stream_reader_next */
#define SR_NEXT_STREAM_MS 2000 /* a read-out stream: the table's next one is looked up this often */

struct msg_stream_reader {
    msg_backend *b;
    char arn[MSG_SR_ARN_MAX];
    char shard[MSG_SR_SHARD_MAX]; /* the shard being read */
    char seq[MSG_SR_SEQ_MAX];     /* last record returned from it ("" none yet) */
    char *iter;                   /* NULL: the shard is read to its end */
    bool at_latest;               /* started at LATEST and nothing returned from it yet */
    char table[256];              /* whose latest stream is followed */
    int64_t next_check_ms;        /* a read-out stream: when to look for the table's next */
};

static int64_t sr_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sr_copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* Every shard of the stream (DescribeStream, all pages), as one new JSON array. */
static int sr_shards(msg_stream_reader *r, json_t **out, err_t *e)
{
    json_t *all = json_array();
    char last[MSG_SR_SHARD_MAX] = "";
    *out = NULL;
    for (int page = 0; page < 10000; page++) {
        json_t *req = json_pack("{s:s}", "StreamArn", r->arn), *resp = NULL;
        if (req && last[0])
            json_object_set_new(req, "ExclusiveStartShardId", json_string(last));
        int rc = req ? msg_backend_call(r->b, "DynamoDBStreams.DescribeStream", req, &resp, e)
                     : err_set(e, ERR_NOMEM, "out of memory");
        json_decref(req);
        if (rc) {
            json_decref(resp);
            json_decref(all);
            return rc;
        }
        json_t *sd = json_object_get(resp, "StreamDescription");
        json_array_extend(all, json_object_get(sd, "Shards"));
        const char *les = json_string_value(json_object_get(sd, "LastEvaluatedShardId"));
        sr_copy(last, sizeof last, les);
        json_decref(resp);
        if (!les)
            break;
    }
    *out = all;
    return 0;
}

static const char *sr_id(const json_t *sh)
{
    return json_string_value(json_object_get(sh, "ShardId"));
}

static bool sr_closed(const json_t *sh)
{
    return json_object_get(json_object_get(sh, "SequenceNumberRange"),
                           "EndingSequenceNumber") != NULL;
}

/* Gets an iterator for r->shard: type with seq (may be NULL). */
static int sr_iter(msg_stream_reader *r, const char *type, const char *seq, err_t *e)
{
    json_t *req = json_pack("{s:s,s:s,s:s}", "StreamArn", r->arn, "ShardId", r->shard,
                            "ShardIteratorType", type),
           *resp = NULL;
    if (req && seq)
        json_object_set_new(req, "SequenceNumber", json_string(seq));
    int rc = req ? msg_backend_call(r->b, "DynamoDBStreams.GetShardIterator", req, &resp, e)
                 : err_set(e, ERR_NOMEM, "out of memory");
    json_decref(req);
    if (rc == 0) {
        const char *it = json_string_value(json_object_get(resp, "ShardIterator"));
        free(r->iter);
        r->iter = it ? strdup(it) : NULL;
        if (it && !r->iter)
            rc = err_set(e, ERR_NOMEM, "out of memory");
    }
    json_decref(resp);
    return rc;
}

/* Starts at the stream's oldest shard (TRIM_HORIZON) or its open one (LATEST). */
static int sr_start(msg_stream_reader *r, msg_sr_start start, err_t *e)
{
    json_t *shards;
    int rc = sr_shards(r, &shards, e);
    if (rc)
        return rc;
    size_t n = json_array_size(shards);
    if (n == 0) {
        json_decref(shards);
        return err_set(e, ERR_RESOURCE_NOT_FOUND, "stream %s has no shards", r->arn);
    }
    const json_t *pick = NULL;
    if (start == MSG_SR_TRIM_HORIZON) { /* the first shard whose parent is not listed */
        for (size_t i = 0; i < n && !pick; i++) {
            const char *par =
                json_string_value(json_object_get(json_array_get(shards, i), "ParentShardId"));
            bool listed = false;
            for (size_t j = 0; par && j < n && !listed; j++)
                listed = strcmp(par, sr_id(json_array_get(shards, j))) == 0;
            if (!listed)
                pick = json_array_get(shards, i);
        }
    } else { /* the open shard, else the last one */
        for (size_t i = 0; i < n && !pick; i++)
            if (!sr_closed(json_array_get(shards, i)))
                pick = json_array_get(shards, i);
    }
    if (!pick)
        pick = json_array_get(shards, start == MSG_SR_TRIM_HORIZON ? 0 : n - 1);
    sr_copy(r->shard, sizeof r->shard, sr_id(pick));
    r->seq[0] = 0;
    r->at_latest = start == MSG_SR_LATEST;
    json_decref(shards);
    return sr_iter(r, start == MSG_SR_TRIM_HORIZON ? "TRIM_HORIZON" : "LATEST", NULL, e);
}

/* The table's latest stream's ARN into out.  ERR_RESOURCE_NOT_FOUND when it has none. */
static int sr_latest_arn(msg_backend *b, const char *table, char *out, size_t cap, err_t *e)
{
    json_t *req = json_pack("{s:s}", "TableName", table), *resp = NULL;
    int rc = req ? msg_backend_call(b, "DescribeTable", req, &resp, e)
                 : err_set(e, ERR_NOMEM, "out of memory");
    json_decref(req);
    const char *arn =
        rc ? NULL : json_string_value(json_object_get(json_object_get(resp, "Table"),
                                                      "LatestStreamArn"));
    if (rc == 0 && !arn)
        rc = err_set(e, ERR_RESOURCE_NOT_FOUND, "table %s has no stream", table);
    if (rc == 0)
        sr_copy(out, cap, arn);
    json_decref(resp);
    return rc;
}

/* Are a and b stream ARNs of one table ("arn:...:table/<name>/stream/<label>": all but the
 * label alike)? */
static bool sr_same_table(const char *a, const char *b)
{
    const char *sa = strstr(a, "/stream/"), *sb = strstr(b, "/stream/");
    return sa && sb && sa - a == sb - b && strncmp(a, b, (size_t)(sa - a)) == 0;
}

/* The stream is read to its end (its last shard closed, no child: disabled).  When the table
 * has a newer stream (enabled again), moves to it, from its first record: *moved. */
static int sr_next_stream(msg_stream_reader *r, bool *moved, err_t *e)
{
    *moved = false;
    int64_t now = sr_mono_ms();
    if (now < r->next_check_ms)
        return 0;
    r->next_check_ms = now + SR_NEXT_STREAM_MS;
    char arn[MSG_SR_ARN_MAX];
    err_t le;
    err_clear(&le);
    if (sr_latest_arn(r->b, r->table, arn, sizeof arn, &le) != 0 || strcmp(arn, r->arn) == 0)
        return 0; /* no newer stream (or the table is gone): stay */
    log_info("stream %s is read to its end; following %s's new stream %s", r->arn, r->table,
             arn);
    sr_copy(r->arn, sizeof r->arn, arn);
    *moved = true;
    return sr_start(r, MSG_SR_TRIM_HORIZON, e);
}

int msg_stream_reader_new(msg_backend *b, const char *table, msg_sr_start start,
                          const msg_stream_pos *resume, msg_stream_reader **out, err_t *e)
{
    *out = NULL;
    msg_stream_reader *r = calloc(1, sizeof *r);
    if (!r)
        return err_set(e, ERR_NOMEM, "out of memory");
    r->b = b;
    sr_copy(r->table, sizeof r->table, table);
    int rc = sr_latest_arn(b, table, r->arn, sizeof r->arn, e);
    if (rc)
        goto fail;
    char latest[MSG_SR_ARN_MAX];
    sr_copy(latest, sizeof latest, r->arn);
    /* a position in an older stream of the table (disabled and enabled again meanwhile): that
     * stream is read on from it to its end, then the latest from its first record
     * (sr_next_stream), as while running; if it is gone, the latest from its first record
     * (test_stream_triggers.py::test_restart_after_the_stream_was_replaced_resumes_the_old_one;
     * before, the old stream's records after the position were skipped) */
    bool older = resume && resume->shard[0] && strcmp(resume->arn, r->arn) != 0 &&
                 sr_same_table(resume->arn, r->arn);
    if (older)
        sr_copy(r->arn, sizeof r->arn, resume->arn);
    if (resume && resume->shard[0] && strcmp(resume->arn, r->arn) == 0) {
        sr_copy(r->shard, sizeof r->shard, resume->shard);
        sr_copy(r->seq, sizeof r->seq, resume->seq);
        err_t ie;
        err_clear(&ie);
        rc = r->seq[0] ? sr_iter(r, "AFTER_SEQUENCE_NUMBER", r->seq, &ie)
                       : sr_iter(r, "TRIM_HORIZON", NULL, &ie);
        if (rc == ERR_RESOURCE_NOT_FOUND || rc == ERR_TRIMMED_DATA_ACCESS ||
            rc == ERR_VALIDATION) { /* the position is gone: from the oldest record kept */
            log_warn("stream %s: position %s/%s is no longer readable (%s); reading from the "
                     "oldest record kept%s%s",
                     r->arn, r->shard, r->seq, ie.msg, older ? " of " : "", older ? latest : "");
            if (older)
                sr_copy(r->arn, sizeof r->arn, latest);
            rc = sr_start(r, MSG_SR_TRIM_HORIZON, e);
        } else if (rc) {
            *e = ie;
        }
    } else {
        rc = sr_start(r, start, e);
    }
    if (rc)
        goto fail;
    *out = r;
    return 0;
fail:
    msg_stream_reader_free(r);
    return rc;
}

void msg_stream_reader_free(msg_stream_reader *r)
{
    if (!r)
        return;
    free(r->iter);
    free(r);
}

/* The shard read to its end: moves to its child, if there is one yet.  *moved. */
static int sr_child(msg_stream_reader *r, bool *moved, err_t *e)
{
    *moved = false;
    json_t *shards;
    int rc = sr_shards(r, &shards, e);
    if (rc)
        return rc;
    size_t i;
    json_t *sh;
    json_array_foreach(shards, i, sh)
    {
        const char *par = json_string_value(json_object_get(sh, "ParentShardId"));
        if (par && strcmp(par, r->shard) == 0) {
            sr_copy(r->shard, sizeof r->shard, sr_id(sh));
            r->seq[0] = 0;
            r->at_latest = false;
            *moved = true;
            break;
        }
    }
    json_decref(shards);
    return *moved ? sr_iter(r, "TRIM_HORIZON", NULL, e) : 0;
}

/* ---- a GetRecords reply as text: the records' places, no tree ---- */

/* The places of the records of reply p->text (n bytes) into p, and its NextShardIterator
 * (*out_iter, malloc'ed; NULL when absent).  0 or an error. */
static int sr_page_scan(msg_sr_page *p, size_t n, char **out_iter, err_t *e)
{
    const char *t = p->text;
    *out_iter = NULL;
    size_t i = jread_ws(t, n, 0), cap = 0;
    if (i >= n || t[i] != '{')
        goto bad;
    i = jread_ws(t, n, i + 1);
    while (i < n && t[i] != '}') {
        size_t ks = i;
        if (t[i] != '"' || !jread_skip(t, n, &i))
            goto bad;
        size_t klen = i - ks;
        i = jread_ws(t, n, i);
        if (i >= n || t[i] != ':')
            goto bad;
        i = jread_ws(t, n, i + 1);
        size_t vs = i;
        if (klen == 9 && memcmp(t + ks, "\"Records\"", 9) == 0 && i < n && t[i] == '[') {
            i = jread_ws(t, n, i + 1);
            while (i < n && t[i] != ']') {
                size_t rs = i;
                if (!jread_skip(t, n, &i))
                    goto bad;
                if (p->n == cap) {
                    size_t nc = cap ? 2 * cap : 16;
                    size_t *no = realloc(p->off, nc * sizeof *no);
                    if (no)
                        p->off = no;
                    size_t *nl = no ? realloc(p->len, nc * sizeof *nl) : NULL;
                    if (!nl)
                        goto nomem;
                    p->len = nl;
                    cap = nc;
                }
                p->off[p->n] = rs;
                p->len[p->n++] = i - rs;
                i = jread_ws(t, n, i);
                if (i < n && t[i] == ',')
                    i = jread_ws(t, n, i + 1);
            }
            if (i >= n)
                goto bad;
            i++;
        } else {
            if (!jread_skip(t, n, &i))
                goto bad;
            if (klen == 19 && memcmp(t + ks, "\"NextShardIterator\"", 19) == 0) {
                json_t *s = json_loadb(t + vs, i - vs, JSON_DECODE_ANY, NULL);
                if (json_is_string(s) && !(*out_iter = strdup(json_string_value(s)))) {
                    json_decref(s);
                    goto nomem;
                }
                json_decref(s);
            }
        }
        i = jread_ws(t, n, i);
        if (i < n && t[i] == ',')
            i = jread_ws(t, n, i + 1);
    }
    if (i < n)
        return 0;
bad:
    free(*out_iter);
    *out_iter = NULL;
    return err_set(e, ERR_INTERNAL, "GetRecords: a reply that is not a JSON object");
nomem: /* a NextShardIterator read before the Records is ours to free */
    free(*out_iter);
    *out_iter = NULL;
    return err_set(e, ERR_NOMEM, "out of memory");
}

json_t *msg_sr_page_record(const msg_sr_page *p, size_t i)
{
    jread_error je; /* our reader: an attribute name may hold U+0000, which json_loadb refuses */
    return i < p->n ? jread_jansson(p->text + p->off[i], p->len[i], &je) : NULL;
}

/* The value of member `key` of the object text t[0 .. n): its place, or false. */
static bool sr_member(const char *t, size_t n, const char *key, size_t *off, size_t *len)
{
    size_t kl = strlen(key), i = jread_ws(t, n, 0);
    if (i >= n || t[i] != '{')
        return false;
    i = jread_ws(t, n, i + 1);
    while (i < n && t[i] == '"') {
        size_t ks = i;
        if (!jread_skip(t, n, &i))
            return false;
        bool hit = i - ks == kl + 2 && memcmp(t + ks + 1, key, kl) == 0;
        i = jread_ws(t, n, i);
        if (i >= n || t[i] != ':')
            return false;
        i = jread_ws(t, n, i + 1);
        size_t vs = i;
        if (!jread_skip(t, n, &i))
            return false;
        if (hit) {
            *off = vs;
            *len = i - vs;
            return true;
        }
        i = jread_ws(t, n, i);
        if (i < n && t[i] == ',')
            i = jread_ws(t, n, i + 1);
    }
    return false;
}

bool msg_sr_page_member(const msg_sr_page *p, size_t i, const char *k1, const char *k2,
                        size_t *off, size_t *len)
{
    size_t o, l;
    if (i >= p->n || !sr_member(p->text + p->off[i], p->len[i], k1, &o, &l))
        return false;
    o += p->off[i];
    if (k2) {
        size_t o2, l2;
        if (!sr_member(p->text + o, l, k2, &o2, &l2))
            return false;
        o += o2;
        l = l2;
    }
    *off = o;
    *len = l;
    return true;
}

json_t *msg_sr_page_member_json(const msg_sr_page *p, size_t i, const char *k1, const char *k2)
{
    size_t o, l;
    jread_error je;
    return msg_sr_page_member(p, i, k1, k2, &o, &l) ? jread_jansson(p->text + o, l, &je) : NULL;
}

void msg_sr_page_fini(msg_sr_page *p)
{
    if (!p)
        return;
    free(p->text);
    free(p->off);
    free(p->len);
    memset(p, 0, sizeof *p);
}

/* GetRecords as text: the backend's call_text, else its tree dumped (compact, in order). */
static int sr_get_text(msg_stream_reader *r, json_t *req, char **out_text, size_t *out_len,
                       err_t *e)
{
    json_t *extra = NULL;
    *out_text = NULL;
    *out_len = 0;
    if (r->b->ops->call_text) {
        int rc = r->b->ops->call_text(r->b, "DynamoDBStreams.GetRecords", req, out_text, out_len,
                                      &extra, e);
        json_decref(extra);
        return rc;
    }
    json_t *resp = NULL;
    int rc = msg_backend_call(r->b, "DynamoDBStreams.GetRecords", req, &resp, e);
    if (rc == 0 && !(*out_text = json_dumps(resp, JSON_COMPACT)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    if (*out_text)
        *out_len = strlen(*out_text);
    json_decref(resp);
    return rc;
}

/* The next records: as a tree (out_tree: the Records array) or as text (out_page). */
static int sr_next(msg_stream_reader *r, int max, json_t **out_tree, msg_sr_page *out_page,
                   err_t *e)
{
    if (out_tree)
        *out_tree = NULL;
    if (out_page)
        memset(out_page, 0, sizeof *out_page);
    if (max < 1)
        max = 1;
    if (max > 1000)
        max = 1000;
    /* until records arrive, the open shard is read to its current end, or a closed shard
     * has no child yet; an expired iterator is renewed at most SR_RENEW_MAX times a call */
    for (int renewed = 0; renewed <= SR_RENEW_MAX;) {
        if (!r->iter) {
            bool moved;
            int rc = sr_child(r, &moved, e);
            if (rc)
                return rc;
            if (!moved && (rc = sr_next_stream(r, &moved, e)))
                return rc;
            if (!moved)
                break; /* no child yet (or the stream was disabled): nothing new */
        }
        json_t *req = json_pack("{s:s,s:i}", "ShardIterator", r->iter, "Limit", max), *resp = NULL;
        err_t ge;
        err_clear(&ge);
        msg_sr_page pg;
        memset(&pg, 0, sizeof pg);
        size_t tlen = 0;
        int rc = !req      ? err_set(&ge, ERR_NOMEM, "out of memory")
                 : out_page ? sr_get_text(r, req, &pg.text, &tlen, &ge)
                           : msg_backend_call(r->b, "DynamoDBStreams.GetRecords", req, &resp, &ge);
        json_decref(req);
        if (rc == ERR_EXPIRED_ITERATOR || (rc == ERR_VALIDATION && strstr(ge.msg, "Iterator"))) {
            /* expired (or issued by an endpoint that restarted): from where we are */
            json_decref(resp);
            msg_sr_page_fini(&pg);
            rc = r->seq[0]       ? sr_iter(r, "AFTER_SEQUENCE_NUMBER", r->seq, e)
                 : r->at_latest ? sr_iter(r, "LATEST", NULL, e)
                                : sr_iter(r, "TRIM_HORIZON", NULL, e);
            if (rc)
                return rc;
            renewed++;
            continue;
        }
        if (rc) {
            json_decref(resp);
            msg_sr_page_fini(&pg);
            *e = ge;
            return rc;
        }
        char *nit = NULL;
        json_t *recs = NULL, *last = NULL;
        size_t n;
        if (out_page) {
            if ((rc = sr_page_scan(&pg, tlen, &nit, e))) {
                msg_sr_page_fini(&pg);
                return rc;
            }
            n = pg.n;
            /* the last record's SequenceNumber alone (not its images) */
            last = n ? msg_sr_page_member_json(&pg, n - 1, "dynamodb", "SequenceNumber") : NULL;
        } else {
            recs = json_object_get(resp, "Records");
            const char *nx = json_string_value(json_object_get(resp, "NextShardIterator"));
            nit = nx ? strdup(nx) : NULL;
            if (nx && !nit) {
                json_decref(resp);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            n = json_array_size(recs);
            last = n ? json_incref(json_object_get(
                           json_object_get(json_array_get(recs, n - 1), "dynamodb"),
                           "SequenceNumber"))
                     : NULL;
        }
        free(r->iter);
        r->iter = nit;
        if (n) {
            r->at_latest = false;
            sr_copy(r->seq, sizeof r->seq, json_string_value(last));
            json_decref(last);
            if (out_page)
                *out_page = pg;
            else
                *out_tree = json_incref(recs);
            json_decref(resp);
            return 0;
        }
        json_decref(resp);
        msg_sr_page_fini(&pg);
        if (r->iter)
            break; /* an open shard with nothing new */
    }
    if (out_page)
        return 0;
    *out_tree = json_array();
    return *out_tree ? 0 : err_set(e, ERR_NOMEM, "out of memory");
}

int msg_stream_reader_next(msg_stream_reader *r, int max, json_t **out, err_t *e)
{
    return sr_next(r, max, out, NULL, e);
}

int msg_stream_reader_next_page(msg_stream_reader *r, int max, msg_sr_page *out, err_t *e)
{
    return sr_next(r, max, NULL, out, e);
}

void msg_stream_reader_pos(const msg_stream_reader *r, msg_stream_pos *out)
{
    sr_copy(out->arn, sizeof out->arn, r->arn);
    sr_copy(out->shard, sizeof out->shard, r->shard);
    sr_copy(out->seq, sizeof out->seq, r->seq);
}

const char *msg_stream_reader_arn(const msg_stream_reader *r)
{
    return r->arn;
}

json_t *msg_stream_lambda_record(const json_t *rec, const char *arn)
{
    json_t *o = json_deep_copy(rec);
    if (!o)
        return NULL;
    json_t *ui = json_object_get(o, "userIdentity");
    if (json_is_object(ui)) {
        json_t *l = json_pack("{s:O,s:O}", "type", json_object_get(ui, "Type"), "principalId",
                              json_object_get(ui, "PrincipalId"));
        if (l)
            json_object_set_new(o, "userIdentity", l);
    }
    json_object_set_new(o, "eventSourceARN", json_string(arn));
    return o;
}
