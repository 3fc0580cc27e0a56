/*
 * op_stream — the DynamoDB Streams API (DynamoDBStreams_20120810): ListStreams,
 * DescribeStream, GetShardIterator, GetRecords, on the store's streams (store/stream.c).
 * Layer: api.
 *
 * Formats as AWS writes them: StreamArn arn:aws:dynamodb:<region>:<account>:table/<T>/stream/
 * <label>, StreamLabel an ISO-8601 time with milliseconds (the stream's creation; both made
 * by api_stream.c), ShardId shardId-<20 digits: the shard's creation ms>-<8 hex>,
 * SequenceNumber a 21-digit decimal
 * (store-wide, increasing in commit order).  A shard iterator is "<StreamArn>|1|<hex>": the
 * stream, shard, next sequence number and issue time, with a keyed MAC (SipHash-2-4 with a
 * key drawn per process), so a changed iterator is refused ("Invalid ShardIterator") and one
 * older than the iterator lifetime (15 minutes) is ExpiredIteratorException.  Error texts are
 * DynamoDB Local's where AWS's are not documented (tests/e2e/test_streams.py), in api_text.h
 * (TXT_STREAM_*), each raised where it is found.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB_Streams.html
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"
#include "api/api_out.h"
#include "api/api_text.h"
#include "api/api_validate.h"
#include "base/bytes.h"
#include "base/hex.h"
#include "base/siphash.h"

#define SA_LIST_MAX 100      /* ListStreams / DescribeStream Limit */
#define SA_RECORDS_MAX 1000  /* GetRecords Limit */
#define SA_RECORDS_BYTES (1024 * 1024) /* GetRecords returns at most 1 MB */
#define SA_IT_PAYLOAD 24
#define SA_IT_RAW (SA_IT_PAYLOAD + 8)

/* ---- names ---------------------------------------------------------------------------- */

static const char *sa_user_name(const char *store_name)
{
    const char *slash = strrchr(store_name, '/');
    return slash ? slash + 1 : store_name;
}

static uint64_t sa_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static char *sa_shard_id(api_req *r, const store_stream *d, const store_shard *sh)
{
    uint32_t h = (uint32_t)sa_mix((uint64_t)d->id << 32 | sh->idx);
    return arena_printf(r->arena, "shardId-%020" PRId64 "-%08x", sh->created_ms, h);
}

/* Shard id a against b (b_len bytes, may hold NUL): byte order, as strcmp. */
static int sa_id_cmp(const char *a, const char *b, size_t b_len)
{
    size_t a_len = strlen(a), n = a_len < b_len ? a_len : b_len;
    int c = memcmp(a, b, n);
    return c ? c : a_len < b_len ? -1 : a_len > b_len;
}

static char *sa_seq(api_req *r, uint64_t seq)
{
    return arena_printf(r->arena, "%021" PRIu64, seq);
}

/* The caller's store-name prefix ("" or "<ns>/"), as op_table.c forms it. */
static const char *sa_ns(const api_req *r, char buf[STORE_NAME_MAX])
{
    const char *ns = (r->caller && r->caller->ns) ? r->caller->ns : "";
    size_t n = strlen(ns);
    snprintf(buf, STORE_NAME_MAX, "%s%s", ns, (n && ns[n - 1] != '/') ? "/" : "");
    return buf;
}

/* True when the stream's table belongs to the caller's namespace. */
static bool sa_mine(const api_req *r, const store_stream *d)
{
    char nsb[STORE_NAME_MAX];
    const char *ns = sa_ns(r, nsb);
    size_t n = strlen(ns);
    if (strncmp(d->table, ns, n) != 0)
        return false;
    return strchr(d->table + n, '/') == NULL;
}

/* The store name of the table a StreamArn names ("arn:aws:dynamodb:<region>:<account>:
 * table/<T>/stream/<label>", in the caller's namespace) into tn, and its label (*label,
 * *label_len: in arn); false when the ARN is not of that form or names another region,
 * account or partition than the endpoint's (a stream it cannot have:
 * test_streams.py::test_stream_arn_of_another_region_or_account). */
static bool sa_arn_parse(const api_req *r, const char *arn, char tn[STORE_NAME_MAX],
                         const char **label, size_t *label_len)
{
    api_arn a;
    api_arn_parse(arn, strlen(arn), r->api->region, r->api->account_id, &a);
    if (a.cls != API_ARN_STREAM || a.other_region || a.other_account)
        return false;
    char nsb[STORE_NAME_MAX];
    int n = snprintf(tn, STORE_NAME_MAX, "%s%.*s", sa_ns(r, nsb), (int)a.name_len, a.name);
    *label = a.sub;
    *label_len = a.sub_len;
    return a.name_len < STORE_NAME_MAX && n >= 0 && (size_t)n < STORE_NAME_MAX;
}

/* The stream a StreamArn names (with its shards) into *out: *found, or false when there is
 * none (the caller's ResourceNotFoundException: its text is the operation's). */
static int sa_find(api_req *r, const char *arn, store_stream *out, bool *found)
{
    char tn[STORE_NAME_MAX];
    const char *label;
    size_t label_len;
    *found = false;
    if (!sa_arn_parse(r, arn, tn, &label, &label_len))
        return 0;
    store_stream *all;
    size_t na;
    int rc = store_stream_list(r->api->store, r->arena, &all, &na, r->err);
    if (rc)
        return rc;
    for (size_t i = 0; i < na; i++) {
        if (strcmp(all[i].table, tn) != 0)
            continue;
        const char *l = api_stream_label(r->arena, all[i].label_ms);
        if (!l)
            return api_nomem(r);
        if (strlen(l) != label_len || memcmp(l, label, label_len) != 0)
            continue;
        return store_stream_get(r->api->store, all[i].id, r->arena, out, found, r->err);
    }
    return 0;
}

static const store_shard *sa_shard(api_req *r, const store_stream *d, const char *id)
{
    for (size_t i = 0; i < d->n_shards; i++) {
        const char *sid = sa_shard_id(r, d, &d->shards[i]);
        if (sid && strcmp(sid, id) == 0)
            return &d->shards[i];
    }
    return NULL;
}

static json_t *sa_keyschema(const store_keydef *k)
{
    json_t *a = json_array();
    json_array_append_new(a, json_pack("{s:s,s:s}", "AttributeName", k->hash, "KeyType", "HASH"));
    if (k->range[0])
        json_array_append_new(a,
                              json_pack("{s:s,s:s}", "AttributeName", k->range, "KeyType", "RANGE"));
    return a;
}

/* Limit into *out: absent = absent_as; below 1 the model's error (api_schema.c checks it
 * before the handler); above the operation's maximum is its caller's to refuse. */
static int sa_limit(api_req *r, long long absent_as, long long *out)
{
    bool has;
    long long v;
    int rc = api_json_int(r->body, "Limit", &has, &v, r->err);
    if (rc)
        return rc;
    *out = has ? v : absent_as;
    if (has && v < 1) /* the model's minimum, checked before the handler (in_ds_*) */
        return err_set(r->err, ERR_VALIDATION, TXT_STREAM_LIMIT_MIN);
    return 0;
}

/* A string member, read whole (a U+0000 inside shown as \u0000).  Its constraints (required,
 * lengths, enum, pattern) are the streams model's, checked before the handler runs
 * (api_schema.c in_ds_*); a required member is then never absent here. */
static int sa_str(api_req *r, const char *key, bool required, const char **out)
{
    size_t len = 0;
    int rc = api_json_strn(r->body, key, out, &len, r->err);
    if (rc)
        return rc;
    if (*out && !(*out = api_nul_text(r->arena, *out, len)))
        return api_nomem(r);
    if (!*out && required)
        return err_set(r->err, ERR_VALIDATION, TXT_STREAM_REQUIRED, key);
    return 0;
}

/* The members' JSON types before any of their values is validated (AWS deserialises the
 * whole request first): a wrong token in a later member is its SerializationException even
 * when an earlier member is missing.  `keys`: NULL-terminated string members; `limit`: the
 * request has an Integer Limit. */
static int sa_types(api_req *r, const char *const *keys, bool limit)
{
    int rc = 0;
    for (size_t i = 0; keys[i] && rc == 0; i++) {
        const char *s;
        rc = api_json_str(r->body, keys[i], &s, r->err);
    }
    if (rc == 0 && limit) {
        bool has;
        long long v;
        rc = api_json_int(r->body, "Limit", &has, &v, r->err);
    }
    return rc;
}

/* ---- ListStreams --------------------------------------------------------------------- */

int op_list_streams(api_req *r, json_t **out)
{
    const char *tn, *esa;
    long long limit;
    int rc;
    static const char *const types[] = {"TableName", "ExclusiveStartStreamArn", NULL};
    if ((rc = sa_types(r, types, true)) ||
        (rc = sa_str(r, "TableName", false, &tn)) ||
        (rc = sa_str(r, "ExclusiveStartStreamArn", false, &esa)) ||
        (rc = sa_limit(r, SA_LIST_MAX, &limit)))
        return rc;
    if (limit > SA_LIST_MAX)
        return err_set(r->err, ERR_VALIDATION, TXT_STREAM_LIST_LIMIT);
    store_stream *all;
    size_t na;
    if ((rc = store_stream_list(r->api->store, r->arena, &all, &na, r->err)))
        return rc;
    json_t *arr = json_array();
    const char *last = NULL;
    bool started = esa == NULL, more = false;
    long long n = 0;
    /* newest first, as DynamoDB Local lists them */
    for (size_t i = na; i-- > 0;) {
        const store_stream *d = &all[i];
        if (!sa_mine(r, d))
            continue;
        const char *un = sa_user_name(d->table);
        if (tn && strcmp(un, tn) != 0)
            continue;
        char *arn = api_stream_arn(r, un, d->label_ms);
        char *label = api_stream_label(r->arena, d->label_ms);
        if (!arn || !label) {
            json_decref(arr);
            return api_nomem(r);
        }
        if (!started) {
            started = strcmp(arn, esa) == 0;
            continue;
        }
        if (n == limit) {
            more = true;
            break;
        }
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "StreamArn", arn, "TableName", un,
                                             "StreamLabel", label));
        last = arn;
        n++;
    }
    *out = json_pack("{s:o}", "Streams", arr);
    if (*out && more && last)
        json_object_set_new(*out, "LastEvaluatedStreamArn", json_string(last));
    return *out ? 0 : api_nomem(r);
}

/* ---- DescribeStream ------------------------------------------------------------------ */

int op_describe_stream(api_req *r, json_t **out)
{
    const char *arn, *esi;
    long long limit;
    int rc;
    static const char *const types[] = {"StreamArn", "ExclusiveStartShardId", NULL};
    if ((rc = sa_types(r, types, true)) ||
        (rc = sa_str(r, "StreamArn", true, &arn)) ||
        (rc = sa_str(r, "ExclusiveStartShardId", false, &esi)) ||
        (rc = sa_limit(r, SA_LIST_MAX, &limit)))
        return rc;
    if (limit > SA_LIST_MAX)
        return err_set(r->err, ERR_VALIDATION, TXT_STREAM_DESCRIBE_LIMIT);
    /* ShardFilter {Type CHILD_SHARDS, ShardId P} (validated by its model, api_schema.c):
     * only the shards whose ParentShardId is P (API Reference, ShardFilter); without a
     * ShardId no shard, the children of none (AWS's documents say nothing; DynamoDB Local,
     * AWS's own, answers so: test_streams.py test_shard_filter_on_both_targets) */
    json_t *filter = json_object_get(r->body, "ShardFilter");
    json_t *sf = json_object_get(filter, "ShardId");
    bool filtered = json_is_object(filter);
    const char *parent_of = json_is_string(sf) ? json_string_value(sf) : NULL;
    size_t parent_len = parent_of ? json_string_length(sf) : 0;
    store_stream d;
    bool found;
    if ((rc = sa_find(r, arn, &d, &found)))
        return rc;
    if (!found)
        return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_STREAM_NOT_FOUND, arn);
    /* ExclusiveStartShardId: the shards listed after it; one that is not listed (trimmed since
     * the page that named it, or never a shard) is taken as a place in shard id order, the
     * shards whose ids sort after it, as DynamoDB Local answers (test_streams.py
     * test_describe_stream_after_an_unlisted_shard; an empty answer ended a pager's listing
     * when the shard it had last seen expired) */
    size_t esi_len = esi ? json_string_length(json_object_get(r->body, "ExclusiveStartShardId"))
                         : 0;
    bool listed = false;
    for (size_t i = 0; esi && i < d.n_shards && !listed; i++) {
        const char *id = sa_shard_id(r, &d, &d.shards[i]);
        if (!id)
            return api_nomem(r);
        listed = strlen(id) == esi_len && memcmp(id, esi, esi_len) == 0;
    }
    json_t *shards = json_array();
    bool started = esi == NULL, more = false;
    const char *last = NULL;
    long long n = 0;
    for (size_t i = 0; i < d.n_shards; i++) {
        const store_shard *sh = &d.shards[i];
        char *id = sa_shard_id(r, &d, sh);
        if (!id) {
            json_decref(shards);
            return api_nomem(r);
        }
        if (!started && listed) {
            started = strlen(id) == esi_len && memcmp(id, esi, esi_len) == 0;
            continue;
        }
        if (!started && sa_id_cmp(id, esi, esi_len) <= 0)
            continue;
        if (filtered) {
            if (!parent_of || sh->parent < 0)
                continue;
            store_shard p = {.idx = (uint32_t)sh->parent, .created_ms = sh->parent_ms};
            const char *pid = sa_shard_id(r, &d, &p);
            if (!pid) {
                json_decref(shards);
                return api_nomem(r);
            }
            if (strlen(pid) != parent_len || memcmp(pid, parent_of, parent_len) != 0)
                continue;
        }
        if (n == limit) {
            more = true;
            break;
        }
        json_t *range = json_pack("{s:s}", "StartingSequenceNumber", sa_seq(r, sh->start));
        if (sh->end)
            json_object_set_new(range, "EndingSequenceNumber", json_string(sa_seq(r, sh->end)));
        json_t *x = json_pack("{s:s,s:o}", "ShardId", id, "SequenceNumberRange", range);
        if (sh->parent >= 0) { /* named even after the parent expired */
            store_shard p = {.idx = (uint32_t)sh->parent, .created_ms = sh->parent_ms};
            json_object_set_new(x, "ParentShardId", json_string(sa_shard_id(r, &d, &p)));
        }
        json_array_append_new(shards, x);
        last = id;
        n++;
    }
    const char *un = sa_user_name(d.table);
    json_t *sd = json_pack("{s:s,s:s,s:s,s:s,s:f,s:s,s:o,s:o}", "StreamArn",
                           api_stream_arn(r, un, d.label_ms), "StreamLabel",
                           api_stream_label(r->arena, d.label_ms), "StreamStatus",
                           d.enabled ? "ENABLED" : "DISABLED", "StreamViewType",
                           api_stream_view_name(d.view), "CreationRequestDateTime",
                           (double)d.label_ms / 1000.0, "TableName", un, "KeySchema",
                           sa_keyschema(&d.key), "Shards", shards);
    if (sd && more && last)
        json_object_set_new(sd, "LastEvaluatedShardId", json_string(last));
    *out = json_pack("{s:o}", "StreamDescription", sd);
    return *out ? 0 : api_nomem(r);
}

/* ---- shard iterators ------------------------------------------------------------------ */

typedef struct sa_iter {
    uint32_t sid, shard;
    uint64_t pos;      /* the next sequence number to read */
    int64_t issued_ms;
} sa_iter;

/* The MAC of an iterator: over its text before the hex part ("<arn>|1|") and the payload, so
 * that no part of the iterator can be changed (AWS's are one opaque value).  -1: no memory. */
static int sa_iter_mac(api_req *r, const char *prefix, size_t plen, const unsigned char *payload,
                       uint64_t *out)
{
    unsigned char *m = arena_alloc(r->arena, plen + SA_IT_PAYLOAD);
    if (!m)
        return -1;
    memcpy(m, prefix, plen);
    memcpy(m + plen, payload, SA_IT_PAYLOAD);
    *out = siphash24(r->api->it_key, m, plen + SA_IT_PAYLOAD);
    return 0;
}

static char *sa_iter_make(api_req *r, const char *arn, const sa_iter *it)
{
    unsigned char raw[SA_IT_RAW];
    base_le_put(raw, it->sid, 4);
    base_le_put(raw + 4, it->shard, 4);
    base_le_put(raw + 8, it->pos, 8);
    base_le_put(raw + 16, (uint64_t)it->issued_ms, 8);
    char *prefix = arena_printf(r->arena, "%s|1|", arn);
    uint64_t mac;
    if (!prefix || sa_iter_mac(r, prefix, strlen(prefix), raw, &mac))
        return NULL;
    base_le_put(raw + SA_IT_PAYLOAD, mac, 8);
    char hex[SA_IT_RAW * 2 + 1];
    for (size_t i = 0; i < SA_IT_RAW; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    return arena_printf(r->arena, "%s%s", prefix, hex);
}

/* The clock of iterators' issue times and expiry: the wall clock as the process started,
 * moved on by CLOCK_BOOTTIME.  An iterator is a token a client may keep across a
 * restart (its MAC key is in the data dir), so it carries a wall-clock time, but within a
 * process a step of the wall clock moves neither its age nor its end: before, a step forward
 * expired every iterator out, a step back kept them alive past the 15 minutes
 * (test_streams.py test_iterator_age_through_clock_steps).  BOOTTIME, not MONOTONIC: it
 * counts time the machine spends suspended (a laptop, a VM paused), so an iterator still
 * ages through a suspend and this clock does not fall behind the wall clock by its length.
 * A restart takes the wall clock as it is then. */
static int64_t sa_clock_ms(const api_t *api)
{
    return api->it_wall0 + (base_boot_ms() - api->it_boot0);
}

/* Whether an iterator issued at issued_ms is past its lifetime as of now_ms: older than the
 * lifetime, or issued more than the lifetime in the future (by a process whose clock was
 * ahead, before a restart with the clock stepped back: its age is unknown, and without this
 * it would live on for as long as the step). */
static bool sa_iter_expired(const api_t *api, int64_t issued_ms, int64_t now_ms)
{
    return now_ms - issued_ms > api->iterator_ttl_ms || issued_ms - now_ms > api->iterator_ttl_ms;
}

/* Parses and checks an iterator: 0, or ValidationException "Invalid ShardIterator". */
static int sa_iter_parse(api_req *r, const char *s, sa_iter *it)
{
    const char *bar = strrchr(s, '|');
    if (!bar || strlen(bar + 1) != SA_IT_RAW * 2)
        return err_set(r->err, ERR_VALIDATION, TXT_STREAM_BAD_ITERATOR);
    unsigned char raw[SA_IT_RAW];
    for (size_t i = 0; i < SA_IT_RAW; i++) {
        int hi = base_hex_digit_lower(bar[1 + 2 * i]), lo = base_hex_digit_lower(bar[2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return err_set(r->err, ERR_VALIDATION, TXT_STREAM_BAD_ITERATOR);
        raw[i] = (unsigned char)(hi << 4 | lo);
    }
    uint64_t mac;
    if (sa_iter_mac(r, s, (size_t)(bar + 1 - s), raw, &mac))
        return api_nomem(r);
    if (base_le_get(raw + SA_IT_PAYLOAD, 8) != mac)
        return err_set(r->err, ERR_VALIDATION, TXT_STREAM_BAD_ITERATOR);
    it->sid = (uint32_t)base_le_get(raw, 4);
    it->shard = (uint32_t)base_le_get(raw + 4, 4);
    it->pos = base_le_get(raw + 8, 8);
    it->issued_ms = (int64_t)base_le_get(raw + 16, 8);
    return 0;
}

/* A SequenceNumber: 21..40 decimal digits.  false when not a number we could have issued. */
static bool sa_seq_parse(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 40)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

int op_get_shard_iterator(api_req *r, json_t **out)
{
    const char *arn, *shard_id, *type, *seqs;
    int rc;
    static const char *const types[] = {"StreamArn", "ShardId", "ShardIteratorType",
                                        "SequenceNumber", NULL};
    if ((rc = sa_types(r, types, false)) ||
        (rc = sa_str(r, "StreamArn", true, &arn)) ||
        (rc = sa_str(r, "ShardId", true, &shard_id)) ||
        (rc = sa_str(r, "ShardIteratorType", true, &type)) ||
        (rc = sa_str(r, "SequenceNumber", false, &seqs)))
        return rc;
    bool at = strcmp(type, "AT_SEQUENCE_NUMBER") == 0;
    bool after = strcmp(type, "AFTER_SEQUENCE_NUMBER") == 0;
    bool trim = strcmp(type, "TRIM_HORIZON") == 0;
    bool latest = strcmp(type, "LATEST") == 0;
    if (!at && !after && !trim && !latest) /* the model's enum (in_ds_get_shard_iterator) */
        return err_set(r->err, ERR_VALIDATION, TXT_STREAM_ITER_TYPE);
    /* the type and SequenceNumber go together, checked before the stream and shard are
     * looked up; the number's value after (DynamoDB Local's order: test_streams.py
     * test_error_order) */
    if ((trim || latest) && seqs)
        return err_set(r->err, ERR_VALIDATION, TXT_STREAM_SEQ_NOT_WANTED);
    if ((at || after) && !seqs)
        return err_set(r->err, ERR_VALIDATION, TXT_STREAM_SEQ_INVALID);
    store_stream d;
    bool found;
    if ((rc = sa_find(r, arn, &d, &found)))
        return rc;
    if (!found)
        return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_STREAM_DOES_NOT_EXIST);
    const store_shard *sh = sa_shard(r, &d, shard_id);
    if (!sh)
        return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_STREAM_SHARD_NOT_FOUND);
    uint64_t first = sh->start > d.trim ? sh->start : d.trim, pos;
    if (trim) {
        pos = first;
    } else if (latest) {
        uint64_t last;
        if ((rc = store_stream_last_seq(r->api->store, &last, r->err)))
            return rc;
        pos = sh->end ? sh->end + 1 : last + 1;
        if (pos < sh->start)
            pos = sh->start;
    } else {
        uint64_t n;
        if (!sa_seq_parse(seqs, &n))
            return err_set(r->err, ERR_VALIDATION, TXT_STREAM_SEQ_INVALID);
        if (n < sh->start || (sh->end && n > sh->end))
            return err_set(r->err, ERR_VALIDATION, TXT_STREAM_SEQ_NOT_IN_SHARD);
        if (n < d.trim)
            return err_set(r->err, ERR_TRIMMED_DATA_ACCESS, TXT_STREAM_TRIMMED);
        pos = after ? n + 1 : n;
    }
    sa_iter it = {.sid = d.id, .shard = sh->idx, .pos = pos, .issued_ms = sa_clock_ms(r->api)};
    char *s = sa_iter_make(r, arn, &it);
    *out = s ? json_pack("{s:s}", "ShardIterator", s) : NULL;
    return *out ? 0 : api_nomem(r);
}

/* ---- GetRecords ---------------------------------------------------------------------- */

static void sa_event_id(uint32_t sid, uint64_t seq, char out[33])
{
    uint64_t a = sa_mix((uint64_t)sid << 40 ^ seq), b = sa_mix(a ^ seq);
    snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, a, b);
}

/* One record, as DynamoDB Streams writes it, straight into the reply (api_out.h: text on the
 * endpoint, a tree for api_call).  Member order and bytes are pinned by
 * tests/unit/api/test_op_stream.c against the tree this function used to build. */
static void sa_record(api_out *o, const api_req *r, const store_stream *d, const char *view,
                      const store_srec *x)
{
    static const char *names[] = {"", "INSERT", "MODIFY", "REMOVE"};
    char eid[33], seq[24];
    sa_event_id(d->id, x->seq, eid);
    snprintf(seq, sizeof seq, "%021" PRIu64, x->seq);
    ao_obj(o, NULL);
    ao_strn(o, "eventID", eid, 32);
    ao_str(o, "eventName", names[x->event <= STORE_EV_REMOVE ? x->event : 0]);
    ao_strn(o, "eventVersion", "1.1", 3);
    ao_strn(o, "eventSource", "aws:dynamodb", 12);
    ao_str(o, "awsRegion", r->api->region);
    ao_obj(o, "dynamodb");
    ao_int(o, "ApproximateCreationDateTime", x->ms / 1000);
    ao_item(o, "Keys", &x->keys);
    if (x->new_img.type == AV_M)
        ao_item(o, "NewImage", &x->new_img);
    if (x->old_img.type == AV_M)
        ao_item(o, "OldImage", &x->old_img);
    ao_strn(o, "SequenceNumber", seq, 21);
    ao_int(o, "SizeBytes", x->size);
    ao_str(o, "StreamViewType", view);
    ao_close(o);
    if (x->by_service) {
        /* the Streams API's Identity shape (Lambda's event spells it type/principalId) */
        ao_obj(o, "userIdentity");
        ao_strn(o, "Type", "Service", 7);
        ao_str(o, "PrincipalId", "dynamodb.amazonaws.com");
        ao_close(o);
    }
    ao_close(o);
}

static char *sa_ms_text(api_req *r, int64_t ms)
{
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    char buf[64];
    gmtime_r(&sec, &tm);
    strftime(buf, sizeof buf, "%a %b %d %H:%M:%S UTC %Y", &tm);
    return arena_strdup(r->arena, buf);
}

int op_get_records(api_req *r, json_t **out)
{
    const char *its;
    long long limit;
    int rc;
    static const char *const types[] = {"ShardIterator", NULL};
    sa_iter it = {0};
    /* the iterator is read before the Limit (DynamoDB Local's order: test_error_order) */
    if ((rc = sa_types(r, types, true)) ||
        (rc = sa_str(r, "ShardIterator", true, &its)) ||
        (rc = sa_iter_parse(r, its, &it)) ||
        (rc = sa_limit(r, SA_RECORDS_MAX, &limit)))
        return rc;
    if (limit > SA_RECORDS_MAX)
        return err_set(r->err, ERR_VALIDATION, TXT_STREAM_RECORDS_LIMIT);
    int64_t now = sa_clock_ms(r->api);
    if (sa_iter_expired(r->api, it.issued_ms, now))
        return err_set(r->err, ERR_EXPIRED_ITERATOR, TXT_STREAM_ITER_EXPIRED,
                       sa_ms_text(r, it.issued_ms), sa_ms_text(r, now), r->api->iterator_ttl_ms);
    store_stream d;
    bool found;
    if ((rc = store_stream_get(r->api->store, it.sid, r->arena, &d, &found, r->err)))
        return rc;
    if (!found || !sa_mine(r, &d))
        return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_RES_NOT_FOUND);
    const char *arn = api_stream_arn(r, sa_user_name(d.table), d.label_ms);
    if (!arn)
        return api_nomem(r);
    const store_shard *sh = NULL;
    for (size_t i = 0; i < d.n_shards; i++)
        if (d.shards[i].idx == it.shard)
            sh = &d.shards[i];
    if (!sh || it.pos < d.trim)
        return err_set(r->err, ERR_TRIMMED_DATA_ACCESS, TXT_STREAM_TRIMMED);
    store_srec *recs;
    size_t n = 0;
    uint64_t last = it.pos - 1;
    uint64_t end = sh->end;
    if (r->api->gr_between_reads)
        r->api->gr_between_reads(r->api->gr_between_ctx);
    if (!end || it.pos <= end) {
        /* a ranged stream (serve --stream-shards, --stream-split-seconds): this shard's own
         * records (its index); a stream of slots made before those: this shard's slot only */
        rc = d.ranged ? store_stream_read_shard(r->api->store, d.id, sh->idx, it.pos, end,
                                                (size_t)limit, SA_RECORDS_BYTES, r->arena,
                                                &recs, &n, &last, r->err)
                      : store_stream_read_slot(r->api->store, d.id, d.key.hash, sh->slot,
                                               d.n_slots, it.pos, end, (size_t)limit,
                                               SA_RECORDS_BYTES, r->arena, &recs, &n, &last,
                                               r->err);
        if (rc)
            return rc;
    }
    if (!end && n) {
        /* the shard was open when its descriptor was read, in an earlier read txn than the
         * records: if it closed since, the records past its end are its child's (delivered
         * there), so they are left out here and the shard is read to its end */
        store_stream d2;
        bool found2;
        if ((rc = store_stream_get(r->api->store, it.sid, r->arena, &d2, &found2, r->err)))
            return rc;
        for (size_t i = 0; found2 && i < d2.n_shards; i++)
            if (d2.shards[i].idx == it.shard)
                end = d2.shards[i].end;
        if (end) {
            while (n && recs[n - 1].seq > end)
                n--;
            if (last > end)
                last = end;
        }
    }
    /* a closed shard read to its end has no next iterator */
    char *next = NULL;
    if (!(end && last >= end)) {
        sa_iter nx = {.sid = d.id, .shard = sh->idx, .pos = last + 1, .issued_ms = now};
        if (!(next = sa_iter_make(r, arn, &nx)))
            return api_nomem(r);
    }
    /* the reply, written as it goes: no tree of ~20 nodes per record (issue 11.7) */
    api_out *o = api_reply(r);
    const char *view = api_stream_view_name(d.view);
    ao_arr(o, "Records");
    for (size_t i = 0; i < n; i++)
        sa_record(o, r, &d, view, &recs[i]);
    ao_close(o);
    if (next)
        ao_str(o, "NextShardIterator", next);
    *out = NULL;
    return 0;
}

int api_stream_init(api_t *api)
{
    /* kept in the data dir: an iterator lives its 15 minutes across a restart of the server
     * (API Reference, GetShardIterator; review11 F1) */
    err_t e;
    err_clear(&e);
    return store_secret(api->store, API_IT_SECRET, api->it_key, sizeof api->it_key, &e)
               ? ERR_IO
               : 0;
}
