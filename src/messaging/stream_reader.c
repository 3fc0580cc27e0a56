/*
 * stream_reader — a table's DynamoDB stream through the backend seam.  Layer: messaging.
 * See stream_reader.h.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.KCLAdapter.html
 */
#include "messaging/stream_reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "value/jread.h"

#define SR_RENEW_MAX 3 /* iterator renewals in one msg_stream_reader_next */
#define SR_NEXT_STREAM_MS 2000 /* a read-out stream: the table's next one is looked up this often */
#define SR_LIST_MS 5000        /* DescribeStream for new shards at least this often */
#define SR_SHARDS_MAX 100000   /* shards a reader keeps track of */
#define SR_PASSES 1000         /* rounds over the shards in one call while shards end */

enum { SR_WAIT, SR_READ, SR_DONE }; /* a shard: parent not read out yet / being read / read */

typedef struct sr_shard {
    char id[MSG_SR_SHARD_MAX];
    char parent[MSG_SR_SHARD_MAX]; /* "" none */
    char seq[MSG_SR_SEQ_MAX];      /* last record returned from it ("" none yet) */
    char *iter;                    /* SR_READ: the next GetRecords' iterator */
    int st;
    bool at_latest; /* opened at LATEST in this run and nothing returned from it yet (since_ms
                     * is then its time: a state never says LATEST again) */
    /* when the reader first opened it at LATEST (ms since the epoch on the stream's clock:
     * the GetShardIterator answer's Date, msg_backend_clock_ms; 0: not so, or a record from
     * then on has been read): it is saved as {"since"} (with its "seq" once older records
     * were read past) and a resume reads it from TRIM_HORIZON (or after seq) skipping records
     * older than this less SR_SKEW_S, never at LATEST again */
    int64_t since_ms;
    /* CLOCK_BOOTTIME at that start (0: unknown, e.g. saved in another boot): the stream's
     * clock may step back after it (NTP); since_ms is then taken back by as much as the
     * stream's clock now lags the start plus the time elapsed (sr_since_now), so that what
     * was written after the start, stamped with the stepped-back clock, is not taken for
     * older than the start */
    int64_t since_boot_ms;
    bool listed;    /* in the last DescribeStream */
    /* hold mode: records returned from it are not finished yet (msg_stream_reader_release):
     * it is not read again, its children are not opened, and its state is its position from
     * before them (held_seq, held_since) */
    bool held;
    char held_seq[MSG_SR_SEQ_MAX];
    int64_t held_since;
} sr_shard;

struct msg_stream_reader {
    msg_backend *b;
    char arn[MSG_SR_ARN_MAX];
    sr_shard *sh; /* the shards known (malloc'ed) */
    size_t n, cap;
    size_t turn;              /* the shard read first by the next call */
    bool relist;              /* a shard ended: look for its children at once */
    int64_t next_list_ms;     /* when to look for new shards anyway */
    char table[256];          /* whose latest stream is followed */
    int64_t next_check_ms;    /* a read-out stream: when to look for the table's next */
    bool seconds;             /* a record time not on a whole minute seen: second precision */
    char last_shard[MSG_SR_SHARD_MAX]; /* the shard the last records returned came from */
    bool hold;                /* msg_stream_reader_hold */
    char boot[48];            /* this boot's id (/proc/sys/kernel/random/boot_id; "" unknown) */
};

/* The margin below a LATEST start's time (the stream's clock at the start: the HTTP Date,
 * whole seconds, of the GetShardIterator answer) when a shard opened at LATEST is resumed:
 * the Date and the records' ApproximateCreationDateTime are both rounded down to the second
 * and the Date is stamped a little after the position was taken; a remote that sends no
 * Date is measured on our clock, so this is also the skew allowed between the two then.
 * Records of up to this many seconds before the LATEST start may be delivered again. */
#define SR_SKEW_S MSG_SR_SKEW_S

/* Record k's ApproximateCreationDateTime (seconds; 0 when it has none): of the page text pg,
 * or of the records' array recs when pg is NULL. */
static double sr_acdt(const msg_sr_page *pg, json_t *recs, size_t k)
{
    json_t *t = pg ? msg_sr_page_member_json(pg, k, "dynamodb", "ApproximateCreationDateTime")
                   : json_incref(json_object_get(json_object_get(json_array_get(recs, k), "dynamodb"),
                                                 "ApproximateCreationDateTime"));
    double at = json_is_number(t) ? json_number_value(t) : 0;
    json_decref(t);
    return at;
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
    if (!all)
        return err_set(e, ERR_NOMEM, "out of memory");
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

static sr_shard *sr_find(msg_stream_reader *r, const char *id)
{
    for (size_t i = 0; id && i < r->n; i++)
        if (strcmp(r->sh[i].id, id) == 0)
            return &r->sh[i];
    return NULL;
}

static void sr_forget_all(msg_stream_reader *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->sh[i].iter);
    r->n = 0;
    r->turn = 0;
}

/* Gets an iterator for shard s: type with seq (may be NULL). */
static int sr_iter(msg_stream_reader *r, sr_shard *s, const char *type, const char *seq,
                   err_t *e)
{
    json_t *req = json_pack("{s:s,s:s,s:s}", "StreamArn", r->arn, "ShardId", s->id,
                            "ShardIteratorType", type),
           *resp = NULL;
    if (req && seq)
        json_object_set_new(req, "SequenceNumber", json_string(seq));
    int rc = req ? msg_backend_call(r->b, "DynamoDBStreams.GetShardIterator", req, &resp, e)
                 : err_set(e, ERR_NOMEM, "out of memory");
    json_decref(req);
    if (rc == 0) {
        const char *it = json_string_value(json_object_get(resp, "ShardIterator"));
        free(s->iter);
        s->iter = it ? strdup(it) : NULL;
        if (it && !s->iter)
            rc = err_set(e, ERR_NOMEM, "out of memory");
    }
    json_decref(resp);
    return rc;
}

/* Starts reading shard s: after its seq, at LATEST (at_latest) or at its start.  A position
 * that is no longer readable (trimmed) reads from the shard's oldest record kept; a shard
 * that is gone meanwhile is marked read (its children are then roots). */
static int sr_open(msg_stream_reader *r, sr_shard *s, err_t *e)
{
    err_t ie;
    err_clear(&ie);
    int rc = s->seq[0]     ? sr_iter(r, s, "AFTER_SEQUENCE_NUMBER", s->seq, &ie)
             : s->at_latest ? sr_iter(r, s, "LATEST", NULL, &ie)
                            : sr_iter(r, s, "TRIM_HORIZON", NULL, &ie);
    if (s->seq[0] && (rc == ERR_TRIMMED_DATA_ACCESS || rc == ERR_VALIDATION)) {
        log_warn("stream %s: position %s/%s is no longer readable (%s); reading that shard "
                 "from its oldest record kept",
                 r->arn, s->id, s->seq, ie.msg);
        s->seq[0] = 0;
        err_clear(&ie);
        rc = sr_iter(r, s, "TRIM_HORIZON", NULL, &ie);
    }
    if (rc == ERR_RESOURCE_NOT_FOUND && strstr(ie.msg, "Shard")) {
        s->st = SR_DONE; /* gone (trimmed) since it was listed */
        r->relist = true;
        return 0;
    }
    if (rc) {
        *e = ie;
        return rc;
    }
    s->st = SR_READ;
    return 0;
}

/* Adds a shard in state st; NULL when out of room. */
static sr_shard *sr_add(msg_stream_reader *r, const char *id, const char *parent, int st)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? 2 * r->cap : 8;
        if (nc > SR_SHARDS_MAX)
            return NULL;
        sr_shard *g = realloc(r->sh, nc * sizeof *g);
        if (!g)
            return NULL;
        r->sh = g;
        r->cap = nc;
    }
    sr_shard *s = &r->sh[r->n++];
    memset(s, 0, sizeof *s);
    sr_copy(s->id, sizeof s->id, id);
    sr_copy(s->parent, sizeof s->parent, parent);
    s->st = st;
    s->listed = true;
    return s;
}

/* Shard j of a DescribeStream listing: the one known by its id (marked listed), else a new
 * one in state st (*added).  NULL when j has no id (*added false) or there is no room. */
static sr_shard *sr_take(msg_stream_reader *r, const json_t *j, int st, bool *added)
{
    const char *id = sr_id(j);
    *added = false;
    if (!id)
        return NULL;
    sr_shard *s = sr_find(r, id);
    if (s) {
        s->listed = true;
        return s;
    }
    s = sr_add(r, id, json_string_value(json_object_get(j, "ParentShardId")), st);
    *added = s != NULL;
    return s;
}

/* sr_take for every shard of a listing; ERR_NOMEM when there is no room. */
static int sr_take_all(msg_stream_reader *r, const json_t *all, err_t *e)
{
    size_t i;
    json_t *j;
    json_array_foreach(all, i, j)
    {
        bool added;
        if (!sr_take(r, j, SR_WAIT, &added) && sr_id(j))
            return err_set(e, ERR_NOMEM, "out of memory (stream %s: too many shards)", r->arn);
    }
    return 0;
}

/* Looks at the stream's shards (DescribeStream): a new one is added waiting; one no longer
 * listed (trimmed) is dropped; a waiting one whose parent is read to its end, or not known
 * (trimmed, or before the reader started), is started from its first record.  *shards
 * (may be NULL): the listing, for the caller. */
static int sr_list(msg_stream_reader *r, json_t **shards, err_t *e)
{
    json_t *all;
    int rc = sr_shards(r, &all, e);
    if (rc)
        return rc;
    r->relist = false;
    r->next_list_ms = base_mono_ms() + SR_LIST_MS;
    for (size_t i = 0; i < r->n; i++)
        r->sh[i].listed = false;
    if ((rc = sr_take_all(r, all, e))) {
        json_decref(all);
        return rc;
    }
    size_t w = 0; /* drop what is no longer listed */
    for (size_t k = 0; k < r->n; k++) {
        if (!r->sh[k].listed && !r->sh[k].held) { /* a held one is kept until released */
            free(r->sh[k].iter);
            continue;
        }
        r->sh[w++] = r->sh[k];
    }
    r->n = w;
    if (r->turn >= r->n)
        r->turn = 0;
    for (size_t k = 0; k < r->n && rc == 0; k++) {
        sr_shard *s = &r->sh[k];
        if (s->st != SR_WAIT)
            continue;
        const sr_shard *p = s->parent[0] ? sr_find(r, s->parent) : NULL;
        if (!p || (p->st == SR_DONE && !p->held)) /* a held parent's last records first */
            rc = sr_open(r, s, e);
    }
    if (shards && rc == 0)
        *shards = all;
    else
        json_decref(all);
    return rc;
}

/* Starts at the stream's oldest records (TRIM_HORIZON: every lineage's first shard) or at
 * its open shards (LATEST: each at LATEST; the closed ones count as read). */
static int sr_start(msg_stream_reader *r, msg_sr_start start, err_t *e)
{
    sr_forget_all(r);
    json_t *all;
    int rc = sr_shards(r, &all, e);
    if (rc)
        return rc;
    if (json_array_size(all) == 0) {
        json_decref(all);
        return err_set(e, ERR_RESOURCE_NOT_FOUND, "stream %s has no shards", r->arn);
    }
    size_t i;
    json_t *j;
    json_array_foreach(all, i, j)
    {
        bool added;
        sr_shard *s = sr_take(r, j, start == MSG_SR_LATEST && sr_closed(j) ? SR_DONE : SR_WAIT,
                              &added);
        if (!s && sr_id(j)) {
            json_decref(all);
            return err_set(e, ERR_NOMEM, "out of memory");
        }
        if (!added) /* no id, or listed twice: taken once */
            continue;
        if (start == MSG_SR_LATEST && !sr_closed(j)) {
            s->at_latest = true;
            if ((rc = sr_open(r, s, e))) {
                json_decref(all);
                return rc;
            }
            /* the start's time on the stream's own clock, the one that stamps its records'
             * ApproximateCreationDateTime: the GetShardIterator answer's Date (ours when the
             * endpoint sends none, or embedded).  Ours was compared with the remote's
             * stamps: a remote whose clock is behind ours had what was written after the
             * start skipped on a resume
             * (test_stream_triggers.py::test_latest_trigger_restart_on_a_remote_whose_clock_is_behind).
             * A start that reads past each shard's history instead (a6039cc4) took an empty
             * page, which AWS may answer before the tip, for the tip and delivered the
             * history as new, and cost every LATEST reader its whole history. */
            s->since_ms = msg_backend_clock_ms(r->b);
            s->since_boot_ms = base_boot_ms();
            if (s->since_ms <= 0)
                s->since_ms = 1; /* a clock at the epoch: still a LATEST start */
        }
    }
    json_decref(all);
    return sr_list(r, NULL, e);
}

/* Continues from a saved state of this stream (msg_stream_reader_state, or the older
 * {"arn","shard","seq"}); the listing decides what is still there. */
static int sr_resume(msg_stream_reader *r, const json_t *st, err_t *e)
{
    sr_forget_all(r);
    json_t *all;
    int rc = sr_shards(r, &all, e);
    if (rc)
        return rc;
    const json_t *list = json_object_get(st, "shards");
    const char *old_shard = json_string_value(json_object_get(st, "shard"));
    rc = sr_take_all(r, all, e);
    json_decref(all);
    if (rc)
        return rc;
    size_t i;
    json_t *j;
    if (json_is_array(list)) {
        json_array_foreach(list, i, j)
        {
            sr_shard *s = sr_find(r, json_string_value(json_object_get(j, "shard")));
            if (!s)
                continue; /* trimmed since: its children are roots now */
            if (json_is_true(json_object_get(j, "done"))) {
                s->st = SR_DONE;
                continue;
            }
            json_t *since = json_object_get(j, "since"), *at = json_object_get(j, "since_boot");
            s->since_ms = json_is_integer(since) ? (int64_t)json_integer_value(since) : 0;
            /* its start's CLOCK_BOOTTIME, when saved in this boot (another boot's means
             * nothing here) */
            const char *boot = json_string_value(json_object_get(j, "boot"));
            s->since_boot_ms = r->boot[0] && boot && strcmp(boot, r->boot) == 0 &&
                                       json_is_integer(at) && json_integer_value(at) > 0
                                   ? (int64_t)json_integer_value(at)
                                   : 0;
            /* {"latest":true}, written by 6787f1ee..4063a4cd for a shard opened at LATEST that
             * had returned nothing yet, says not when it was opened: read from TRIM_HORIZON,
             * so its older records come again rather than what was written while the reader
             * was down is lost, as LATEST again did
             * (test_stream_triggers::test_a_latest_state_without_a_time_loses_nothing) */
            if (json_is_true(json_object_get(j, "latest")) && s->since_ms <= 0 &&
                !json_string_value(json_object_get(j, "seq")))
                log_warn("stream %s: shard %s was saved at LATEST with no time (a state of an "
                         "older version); reading it from its oldest record kept, so nothing "
                         "written since is missed",
                         r->arn, s->id);
            sr_copy(s->seq, sizeof s->seq, json_string_value(json_object_get(j, "seq")));
            if ((rc = sr_open(r, s, e)))
                return rc;
        }
    } else if (old_shard) { /* the one-position form: that shard's ancestors are read */
        sr_shard *s = sr_find(r, old_shard);
        if (s) {
            sr_copy(s->seq, sizeof s->seq, json_string_value(json_object_get(st, "seq")));
            for (sr_shard *p = sr_find(r, s->parent); p && p->st == SR_WAIT;
                 p = sr_find(r, p->parent))
                p->st = SR_DONE;
            if ((rc = sr_open(r, s, e)))
                return rc;
        } else {
            log_warn("stream %s: position %s/%s is no longer readable; reading from the "
                     "oldest records kept",
                     r->arn, old_shard, json_string_value(json_object_get(st, "seq")) ?: "");
        }
    }
    return sr_list(r, NULL, e);
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

/* The stream is read to its end (every shard read, none new: disabled).  When the table
 * has a newer stream (enabled again), moves to it, from its first record: *moved. */
static int sr_next_stream(msg_stream_reader *r, bool *moved, err_t *e)
{
    *moved = false;
    int64_t now = base_mono_ms();
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

int msg_stream_enabled(msg_backend *b, const char *table, char *arn, size_t cap)
{
    json_t *req = json_pack("{s:s}", "TableName", table), *resp = NULL;
    err_t e;
    err_clear(&e);
    int rc = req ? msg_backend_call(b, "DescribeTable", req, &resp, &e) : ERR_NOMEM;
    json_decref(req);
    const json_t *t = json_object_get(resp, "Table");
    const char *latest = json_string_value(json_object_get(t, "LatestStreamArn"));
    bool on = json_is_true(json_object_get(json_object_get(t, "StreamSpecification"),
                                           "StreamEnabled"));
    int v = rc ? -1 : on && latest ? 1 : 0;
    snprintf(arn, cap, "%s", v == 1 ? latest : "");
    json_decref(resp);
    return v;
}

/* This boot's id into out ("" when it cannot be read). */
static void sr_boot_id(char *out, size_t n)
{
    out[0] = 0;
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!f)
        return;
    if (!fgets(out, (int)n, f))
        out[0] = 0;
    fclose(f);
    out[strcspn(out, "\n")] = 0;
}

int msg_stream_reader_new(msg_backend *b, const char *table, msg_sr_start start,
                          const json_t *resume, msg_stream_reader **out, err_t *e)
{
    *out = NULL;
    msg_stream_reader *r = calloc(1, sizeof *r);
    if (!r)
        return err_set(e, ERR_NOMEM, "out of memory");
    r->b = b;
    sr_copy(r->table, sizeof r->table, table);
    sr_boot_id(r->boot, sizeof r->boot);
    int rc = sr_latest_arn(b, table, r->arn, sizeof r->arn, e);
    if (rc)
        goto fail;
    char latest[MSG_SR_ARN_MAX];
    sr_copy(latest, sizeof latest, r->arn);
    const char *rarn = json_string_value(json_object_get(resume, "arn"));
    bool usable = rarn && (json_is_array(json_object_get(resume, "shards")) ||
                           json_string_value(json_object_get(resume, "shard")));
    /* a position in an older stream of the table (disabled and enabled again meanwhile): that
     * stream is read on from it to its end, then the latest from its first record
     * (sr_next_stream), as while running; if it is gone, the latest from its first record
     * (test_stream_triggers.py::test_restart_after_the_stream_was_replaced_resumes_the_old_one;
     * before, the old stream's records after the position were skipped) */
    bool older = usable && strcmp(rarn, r->arn) != 0 && sr_same_table(rarn, r->arn);
    if (older)
        sr_copy(r->arn, sizeof r->arn, rarn);
    if (usable && strcmp(rarn, r->arn) == 0) {
        err_t ie;
        err_clear(&ie);
        rc = sr_resume(r, resume, &ie);
        if (older && rc == ERR_RESOURCE_NOT_FOUND) { /* that stream is gone */
            log_warn("stream %s: no longer readable (%s); reading from the oldest record kept "
                     "of %s",
                     r->arn, ie.msg, latest);
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
    sr_forget_all(r);
    free(r->sh);
    free(r);
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

/* Shard s's LATEST start (since_ms) on the stream's clock as it reads now: taken back by as
 * much as that clock (the last answer's Date, or ours) is behind the start plus the time
 * elapsed since on CLOCK_BOOTTIME, which a wall-clock step does not move.  A step back of D
 * seconds after the start otherwise had what was written in the D - SR_SKEW_S seconds after
 * it dropped as older than the start (test_stream_reader.c
 * test_latest_resume_after_the_streams_clock_stepped_back).  Never later than since_ms: a
 * clock that jumped ahead only keeps what it kept before. */
static int64_t sr_since_now(msg_stream_reader *r, const sr_shard *s)
{
    if (s->since_boot_ms <= 0)
        return s->since_ms;
    int64_t elapsed = base_boot_ms() - s->since_boot_ms;
    if (elapsed < 0)
        return s->since_ms; /* not this boot's after all */
    /* less a second: a remote's clock is its answers' Date, in whole seconds, so with no
     * step at all the lag is anywhere in (-1 s, 1 s) plus the latency; taken as a step, it
     * let a record written 3.5 s before a trigger's start through (test_stream_triggers.py
     * test_latest_trigger_restart_loses_nothing, the clean clone of 4f5da7a2).  A real step
     * of D s still keeps everything after the start: since_ms - (D - 1 s) - SR_SKEW_S. */
    int64_t lag = s->since_ms + elapsed - msg_backend_clock_ms(r->b) - 1000;
    return lag > 0 ? s->since_ms - lag : s->since_ms;
}

/* One GetRecords of shard s into out_tree / out_page.  *got: records returned (the shard's
 * position moved past them); a shard read to its end is marked read (r->relist). */
static int sr_read_shard(msg_stream_reader *r, sr_shard *s, int max, json_t **out_tree,
                         msg_sr_page *out_page, bool *got, err_t *e)
{
    *got = false;
    for (int renewed = 0; renewed <= SR_RENEW_MAX; renewed++) {
        json_t *req = json_pack("{s:s,s:i}", "ShardIterator", s->iter, "Limit", max),
               *resp = NULL;
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
            /* a shard opened at LATEST that returned nothing yet is renewed from that start
             * (TRIM_HORIZON, skipping what is older than since_ms, which at_latest always
             * has), not at a new LATEST that would skip what came meanwhile
             * (test_stream_reader.c test_latest_iterator_expiring_before_a_record_loses_nothing) */
            s->at_latest = false;
            if ((rc = sr_open(r, s, e)))
                return rc;
            if (s->st != SR_READ)
                return 0; /* the shard is gone */
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
        free(s->iter);
        s->iter = nit;
        if (!nit) { /* a closed shard read to its end: its children may be read now */
            s->st = SR_DONE;
            r->relist = true;
        }
        /* a shard first opened at LATEST, no record from that start read yet: each record
         * older than that start (less SR_SKEW_S) is dropped (after a resume the shard is read
         * from TRIM_HORIZON or after seq, over as many pages as the history takes) until one
         * from the start on is read.  ApproximateCreationDateTime is rounded down: to the
         * second by AWS and ddbchat, to the minute by DynamoDB Local.  While every time seen
         * is a whole minute the stream is taken as minute precision (at worst redelivered,
         * never dropped wrongly); one other time makes it second precision for good. */
        if (n && s->since_ms > 0 && !s->at_latest) {
            int64_t since = sr_since_now(r, s);
            double min_s = (double)since / 1000.0 - SR_SKEW_S;
            for (size_t k = 0; k < n && !r->seconds; k++) {
                double at = sr_acdt(out_page ? &pg : NULL, recs, k);
                r->seconds = at > 0 && ((double)(long long)at != at || (long long)at % 60);
            }
            size_t kept = 0;
            for (size_t k = 0; k < n; k++) {
                double at = sr_acdt(out_page ? &pg : NULL, recs, kept);
                bool old = at > 0 && at + (r->seconds ? 1 : 60) <= min_s;
                if (at * 1000.0 >= (double)since)
                    s->since_ms = 0; /* from the start on: what follows is newer still */
                if (!old) {
                    kept++;
                } else if (out_page) {
                    memmove(pg.off + kept, pg.off + kept + 1, (pg.n - kept - 1) * sizeof *pg.off);
                    memmove(pg.len + kept, pg.len + kept + 1, (pg.n - kept - 1) * sizeof *pg.len);
                    pg.n--;
                } else {
                    json_array_remove(recs, kept);
                }
            }
            if (n) { /* the position moves past every record returned, dropped or not */
                s->at_latest = false;
                sr_copy(s->seq, sizeof s->seq, json_string_value(last));
            }
            n = kept;
        } else if (n) {
            s->since_ms = 0; /* read from a LATEST opened in this run: all newer than it */
            s->at_latest = false;
            sr_copy(s->seq, sizeof s->seq, json_string_value(last));
        }
        json_decref(last);
        if (n) {
            if (out_page)
                *out_page = pg;
            else
                *out_tree = json_incref(recs);
            json_decref(resp);
            *got = true;
            return 0;
        }
        json_decref(resp);
        msg_sr_page_fini(&pg);
        return 0;
    }
    return 0; /* renewed SR_RENEW_MAX times: nothing this call */
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
    /* the shards being read, in turn from r->turn, until one has records; a shard read to
     * its end has its children looked up (DescribeStream) and read in the next round; new
     * shards are looked up every SR_LIST_MS anyway; nothing to read and nothing waiting: the
     * stream is read to its end (disabled), and the table's next stream is looked for */
    for (int pass = 0; pass < SR_PASSES; pass++) {
        int rc;
        if ((r->relist || base_mono_ms() >= r->next_list_ms) && (rc = sr_list(r, NULL, e)))
            return rc;
        bool reading = false, waiting = false;
        for (size_t k = 0; k < r->n; k++) {
            reading |= r->sh[k].st == SR_READ || r->sh[k].held;
            waiting |= r->sh[k].st == SR_WAIT;
        }
        if (!reading && !waiting) {
            bool moved;
            if ((rc = sr_next_stream(r, &moved, e)))
                return rc;
            if (!moved)
                break;
        }
        for (size_t t = 0; t < r->n; t++) {
            size_t k = (r->turn + t) % r->n;
            sr_shard *s = &r->sh[k];
            if (s->st != SR_READ || s->held)
                continue;
            char seq0[MSG_SR_SEQ_MAX];
            sr_copy(seq0, sizeof seq0, s->seq);
            int64_t since0 = s->since_ms;
            bool got;
            if ((rc = sr_read_shard(r, s, max, out_tree, out_page, &got, e)))
                return rc;
            if (got) {
                if (r->hold) {
                    s->held = true;
                    sr_copy(s->held_seq, sizeof s->held_seq, seq0);
                    s->held_since = since0;
                }
                sr_copy(r->last_shard, sizeof r->last_shard, s->id);
                r->turn = (k + 1) % r->n;
                return 0;
            }
        }
        if (!r->relist)
            break; /* every shard read to its current end */
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

json_t *msg_stream_reader_state(const msg_stream_reader *r)
{
    json_t *list = json_array();
    json_t *o = list ? json_pack("{s:i,s:s,s:o}", "v", 2, "arn", r->arn, "shards", list) : NULL;
    if (!o)
        return NULL;
    for (size_t k = 0; k < r->n; k++) {
        const sr_shard *s = &r->sh[k];
        /* a held shard: where it was before the records not finished yet */
        int st = s->held ? SR_READ : s->st;
        const char *seq = s->held ? s->held_seq : s->seq;
        int64_t since = s->held ? s->held_since : s->since_ms;
        json_t *x = st == SR_DONE  ? json_pack("{s:s,s:b}", "shard", s->id, "done", 1)
                    : st == SR_WAIT ? NULL
                    : !seq[0] && since > 0
                        ? json_pack("{s:s,s:I}", "shard", s->id, "since", (json_int_t)since)
                    : since > 0 /* past some skipped records: still skipping */
                        ? json_pack("{s:s,s:s,s:I}", "shard", s->id, "seq", seq, "since",
                                    (json_int_t)since)
                    : json_pack("{s:s,s:s}", "shard", s->id, "seq", seq);
        /* a start of this boot: its CLOCK_BOOTTIME (sr_since_now after a restart) */
        if (x && since > 0 && s->since_boot_ms > 0 && r->boot[0] &&
            (json_object_set_new(x, "boot", json_string(r->boot)) ||
             json_object_set_new(x, "since_boot", json_integer((json_int_t)s->since_boot_ms)))) {
            json_decref(x);
            x = NULL;
        }
        if (st != SR_WAIT && (!x || json_array_append_new(list, x))) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

void msg_stream_reader_hold(msg_stream_reader *r, bool on)
{
    r->hold = on;
}

void msg_stream_reader_release(msg_stream_reader *r, const char *shard)
{
    sr_shard *s = sr_find(r, shard);
    if (!s || !s->held)
        return;
    s->held = false;
    if (s->st == SR_DONE || !s->listed)
        r->relist = true; /* read to its end (or no longer listed): its children now */
}

int msg_stream_reader_next_page_of(msg_stream_reader *r, const char *shard, int max,
                                   msg_sr_page *out, bool *ended, err_t *e)
{
    memset(out, 0, sizeof *out);
    *ended = false;
    sr_shard *s = sr_find(r, shard);
    if (!s || !s->held || s->st != SR_READ) {
        *ended = true;
        return 0;
    }
    bool got;
    int rc = sr_read_shard(r, s, max < 1 ? 1 : max > 1000 ? 1000 : max, NULL, out, &got, e);
    if (rc == 0 && s->st != SR_READ)
        *ended = true; /* read to its end: its children once it is released */
    return rc;
}

void msg_stream_reader_checkpoint(msg_stream_reader *r, const char *shard, const char *seq)
{
    sr_shard *s = sr_find(r, shard);
    if (s && s->held && seq && seq[0])
        sr_copy(s->held_seq, sizeof s->held_seq, seq);
}

size_t msg_stream_reader_held(const msg_stream_reader *r)
{
    size_t n = 0;
    for (size_t k = 0; k < r->n; k++)
        n += r->sh[k].held;
    return n;
}

const char *msg_stream_reader_arn(const msg_stream_reader *r)
{
    return r->arn;
}

const char *msg_stream_reader_last_shard(const msg_stream_reader *r)
{
    return r->last_shard;
}

/* msg_stream_lambda_record's change made to rec itself.  0, or -1 when out of memory (rec then
 * may hold only part of it). */
static int sr_lambda_respell(json_t *rec, const char *arn)
{
    json_t *ui = json_object_get(rec, "userIdentity");
    if (json_is_object(ui)) {
        json_t *l = json_pack("{s:O,s:O}", "type", json_object_get(ui, "Type"), "principalId",
                              json_object_get(ui, "PrincipalId"));
        /* !l: one without Type or PrincipalId is kept as it is */
        if (l && json_object_set_new(rec, "userIdentity", l))
            return -1;
    }
    return json_object_set_new(rec, "eventSourceARN", json_string(arn)) ? -1 : 0;
}

json_t *msg_stream_lambda_record(const json_t *rec, const char *arn)
{
    json_t *o = json_deep_copy(rec);
    if (o && sr_lambda_respell(o, arn)) { /* was returned without its eventSourceARN */
        json_decref(o);
        o = NULL;
    }
    return o;
}

json_t *msg_sr_page_lambda_record(const msg_sr_page *p, size_t i, const char *arn)
{
    json_t *o = msg_sr_page_record(p, i);
    if (o && sr_lambda_respell(o, arn)) {
        json_decref(o);
        o = NULL;
    }
    return o;
}
