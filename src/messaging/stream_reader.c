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
                     "oldest record kept",
                     r->arn, r->shard, r->seq, ie.msg);
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

int msg_stream_reader_next(msg_stream_reader *r, int max, json_t **out, err_t *e)
{
    *out = NULL;
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
        int rc = req ? msg_backend_call(r->b, "DynamoDBStreams.GetRecords", req, &resp, &ge)
                     : err_set(&ge, ERR_NOMEM, "out of memory");
        json_decref(req);
        if (rc == ERR_EXPIRED_ITERATOR || (rc == ERR_VALIDATION && strstr(ge.msg, "Iterator"))) {
            /* expired (or issued by an endpoint that restarted): from where we are */
            json_decref(resp);
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
            *e = ge;
            return rc;
        }
        json_t *recs = json_object_get(resp, "Records");
        const char *nx = json_string_value(json_object_get(resp, "NextShardIterator"));
        char *nit = nx ? strdup(nx) : NULL;
        if (nx && !nit) {
            json_decref(resp);
            return err_set(e, ERR_NOMEM, "out of memory");
        }
        free(r->iter);
        r->iter = nit;
        size_t n = json_array_size(recs);
        if (n) {
            r->at_latest = false;
            json_t *last = json_array_get(recs, n - 1);
            sr_copy(r->seq, sizeof r->seq,
                    json_string_value(json_object_get(json_object_get(last, "dynamodb"),
                                                      "SequenceNumber")));
            *out = json_incref(recs);
            json_decref(resp);
            return 0;
        }
        json_decref(resp);
        if (r->iter)
            break; /* an open shard with nothing new */
    }
    *out = json_array();
    return *out ? 0 : err_set(e, ERR_NOMEM, "out of memory");
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
