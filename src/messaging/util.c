/*
 * util — small helpers of the messaging layer: DynamoDB JSON attribute access, uuids,
 * base64url cursors, UTF-8 length, timestamps.  Layer: messaging.  See messaging_int.h.
 */
#include "messaging/messaging_int.h"
#include "base/arena.h"
#include "base/b64.h"
#include "base/mem.h"
#include "api/api.h"
#include "messaging/backend.h"
#include "value/av.h"
#include "value/ddbjson.h"
#include "value/jout.h"
#include "value/jread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <uuid/uuid.h>

bool msgi_env_long(const char *name, long lo, long hi, long *out)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return false;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*end || errno || n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

uint64_t msgi_pk_version(msg_service *s, const char *pk)
{
    const msg_backend_ops *ops = s->backend->ops;
    return ops->partition_version ? ops->partition_version(s->backend, s->table, pk)
           : ops->version         ? ops->version(s->backend)
                                  : 0;
}

json_t *msgi_s(const char *s)
{
    return s ? json_pack("{s:s}", "S", s) : NULL;
}

const char *msgi_item_s(const json_t *item, const char *name)
{
    json_t *a = json_object_get(item, name);
    return json_string_value(json_object_get(a, "S"));
}

bool msgi_copy_s(const json_t *item, const char *name, char *out, size_t n)
{
    const char *v = msgi_item_s(item, name);
    if (!v || strlen(v) >= n) {
        if (n)
            out[0] = 0;
        return false;
    }
    memcpy(out, v, strlen(v) + 1);
    return true;
}

/* A random (version 4) uuid from the kernel's generator: libuuid's uuid_generate_random
 * also stirs glibc's random() into every byte (~9k instructions a uuid; two a message sent),
 * which a getrandom of 16 bytes does not need.  libuuid's when getrandom fails. */
void msgi_uuid(char out[MSG_UUID_LEN + 1])
{
    uuid_t u;
    if (getrandom(u, sizeof u, 0) != (ssize_t)sizeof u) {
        uuid_generate_random(u);
    } else {
        u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
        u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    }
    uuid_unparse_lower(u, out);
}

void msgi_echo(const char *in, char *out)
{
    size_t i = 0;
    for (; in && in[i] && i < 64; i++)
        out[i] = in[i] >= 0x20 && in[i] < 0x7F ? in[i] : '?';
    if (in && in[i])
        memcpy(out + i, "...", 4);
    else
        out[i] = 0;
}

bool msgi_is_uuid(const char *s)
{
    if (!s || strlen(s) != MSG_UUID_LEN)
        return false;
    for (int i = 0; i < MSG_UUID_LEN; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

void msgi_uuid_lower(const char *s, char out[MSG_UUID_LEN + 1])
{
    for (int i = 0; i < MSG_UUID_LEN; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + ('a' - 'A') : s[i]);
    out[MSG_UUID_LEN] = '\0';
}

char *msgi_b64url_encode(const unsigned char *p, size_t n)
{
    char *out = mem_malloc(base_b64_len(n, false) + 1); /* failures count (base/mem.h) */
    if (!out)
        return NULL;
    out[base_b64_encode(BASE_B64_URL, false, p, n, out)] = 0;
    return out;
}

int msgi_b64url_decode(const char *s, unsigned char **out, size_t *out_len)
{
    size_t n = strlen(s);
    if (n % 4 == 1)
        return -1;
    unsigned char *r = mem_malloc(n / 4 * 3 + 3); /* failures count (base/mem.h) */
    if (!r)
        return -1;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = base_b64_val((unsigned char)s[i], true);
        if (v < 0) {
            free(r);
            return -1;
        }
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            r[o++] = (unsigned char)(acc >> bits & 0xff);
        }
    }
    r[o] = 0;
    *out = r;
    *out_len = o;
    return 0;
}

long msgi_utf8_len(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    long count = 0;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len;
        unsigned cp;
        if (c < 0x80) {
            len = 1;
            cp = c;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return -1;
        }
        if (i + len > n)
            return -1;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return -1;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return -1; /* overlong, out of range, surrogate */
        i += len;
        count++;
    }
    return count;
}

int msgi_call(msg_service *s, const char *op, json_t *req, json_t **out_resp, err_t *inner)
{
    *out_resp = NULL;
    err_clear(inner);
    if (!req)
        return err_set(inner, ERR_NOMEM, "out of memory building a %s request", op);
    int rc = msg_backend_call(s->backend, op, req, out_resp, inner);
    json_decref(req);
    if (rc && inner->code == 0)
        err_set(inner, rc, "%s failed", op);
    return rc;
}

int msgi_request(msg_service *s, const char *op, json_t *req, json_t **out_resp, err_t *e)
{
    err_t in;
    int rc = msgi_call(s, op, req, out_resp, &in);
    if (rc) {
        json_decref(*out_resp);
        *out_resp = NULL;
        return msgi_storage(e, rc, &in);
    }
    return 0;
}

/* A tree's items handed to sink (msgi_call_items without the backend's call_items): decoded
 * into an arena that lives for this call, as the engine's values live for its call. */
static int tree_items(const json_t *resp, const api_sink *sink, const char *op, err_t *inner)
{
    static const char *const members[] = {"Items", "Item", "Attributes", "LastEvaluatedKey"};
    arena_t a;
    arena_init(&a);
    int rc = 0;
    for (size_t m = 0; rc == 0 && m < sizeof members / sizeof members[0]; m++) {
        const json_t *j = json_object_get(resp, members[m]);
        size_t n = json_is_array(j) ? json_array_size(j) : json_is_object(j) ? 1 : 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            const json_t *it = json_is_array(j) ? json_array_get(j, i) : j;
            av_t v;
            err_t de = {0};
            if (ddbjson_to_item(it, &a, &v, &de))
                rc = de.code == ERR_NOMEM ? err_set(inner, ERR_NOMEM, "out of memory")
                                          : err_set(inner, ERR_INTERNAL, "unreadable %s response: %s",
                                                    op, de.msg);
            else if (sink->item(sink->ctx, members[m], &v))
                rc = err_set(inner, ERR_NOMEM, "out of memory");
        }
    }
    arena_fini(&a);
    return rc;
}

int msgi_call_items(msg_service *s, const char *op, json_t *req, const api_sink *sink,
                    json_t **out_err_extra, err_t *inner)
{
    *out_err_extra = NULL;
    err_clear(inner);
    if (!req)
        return err_set(inner, ERR_NOMEM, "out of memory building a %s request", op);
    int rc;
    if (s->backend->ops->call_items) {
        rc = s->backend->ops->call_items(s->backend, op, req, sink, out_err_extra, inner);
    } else {
        json_t *resp = NULL;
        rc = msg_backend_call(s->backend, op, req, &resp, inner);
        if (rc)
            *out_err_extra = resp;
        else {
            rc = tree_items(resp, sink, op, inner);
            json_decref(resp);
        }
    }
    json_decref(req);
    if (rc && inner->code == 0)
        err_set(inner, rc, "%s failed", op);
    return rc;
}

void msgi_jw_str(jout *w, bool comma, const char *name, const char *v)
{
    jout_member_key(w, comma, name, strlen(name));
    jout_str(w, v, strlen(v));
}

void msgi_jw_attr(jout *w, bool comma, const char *name, const char *v)
{
    jout_member_key(w, comma, name, strlen(name));
    jout_raw(w, "{\"S\":", 5);
    jout_str(w, v, strlen(v));
    jout_raw(w, "}", 1);
}

void msgi_jw_key(jout *w, const char *pk, const char *sk)
{
    jout_member_key(w, true, "Key", 3);
    jout_raw(w, "{", 1);
    msgi_jw_attr(w, false, "pk", pk);
    msgi_jw_attr(w, true, "sk", sk);
    jout_raw(w, "}", 1);
}

int msgi_call_text(msg_service *s, const char *op, const jout *req, const api_sink *sink,
                   json_t **out_err_extra, err_t *inner)
{
    *out_err_extra = NULL;
    err_clear(inner);
    if (jout_failed(req))
        return err_set(inner, ERR_NOMEM, "out of memory building a %s request", op);
    int rc;
    if (s->backend->ops->call_req_text) {
        rc = s->backend->ops->call_req_text(s->backend, op, req->p, req->len, sink,
                                            out_err_extra, inner);
    } else { /* the tree json_loadb gives for the text, to the tree operations */
        jread_error je;
        json_t *tree = jread_jansson(req->p, req->len, &je);
        if (!tree)
            return je.nomem ? err_set(inner, ERR_NOMEM, "out of memory building a %s request", op)
                            : err_set(inner, ERR_INTERNAL, "unreadable %s request: %s", op,
                                      je.text);
        if (sink)
            return msgi_call_items(s, op, tree, sink, out_err_extra, inner);
        json_t *resp = NULL;
        rc = msgi_call(s, op, tree, &resp, inner);
        if (rc)
            *out_err_extra = resp;
        else
            json_decref(resp);
        return rc;
    }
    if (rc && inner->code == 0)
        err_set(inner, rc, "%s failed", op);
    return rc;
}

const char *msgi_av_item_s(const av_t *item, const char *name, size_t *len)
{
    const av_t *v = item && item->type == AV_M ? av_map_gets(item, name) : NULL;
    if (!v || v->type != AV_S)
        return NULL;
    *len = strnlen(v->u.str.ptr, v->u.str.len);
    return v->u.str.ptr;
}

bool msgi_av_copy_s(const av_t *item, const char *name, char *out, size_t n)
{
    size_t len;
    const char *v = msgi_av_item_s(item, name, &len);
    if (!v || len >= n) {
        if (n)
            out[0] = 0;
        return false;
    }
    memcpy(out, v, len);
    out[len] = 0;
    return true;
}

int msgi_storage(err_t *e, int rc, const err_t *inner)
{
    if (rc == ERR_RESOURCE_NOT_FOUND)
        return msg_fail_rc(e, MSG_E_NO_TABLE, rc, "%s: %s", msg_err_text(MSG_E_NO_TABLE),
                            inner ? inner->msg : "");
    /* the endpoint never answered (no DynamoDB type: cannot connect, timed out), or said it
     * is unavailable, after the backend's own retries: the service cannot serve now, a 503
     * that a load balancer's health check and a client's retry understand, not a 500 of the
     * service (test_remote_backend.py::test_unreachable_endpoint_is_503) */
    if (rc == ERR_TRANSPORT)
        return msg_fail_rc(e, MSG_E_UNAVAILABLE, rc, "%s", inner ? inner->msg : "");
    /* the endpoint refused the service's credentials (expired temporary ones, a key it does
     * not know, a signature that does not verify): the service cannot serve until its
     * operator renews them -- a 503 naming the cause, not the 500 of a failed service
     * (test_remote_backend.py::test_expired_credentials_are_a_clear_error) */
    /* ... or keeps throttling it past the retries (a table's ceiling, the account's request
     * rate): it cannot serve now, try later -- a 503 naming the throttle, not the 500 of a
     * failed service (test_remote_backend.py::test_throttled_storage_is_503) */
    if (rc == ERR_SERVICE_UNAVAILABLE || rc == ERR_EXPIRED_TOKEN || rc == ERR_UNRECOGNIZED_CLIENT ||
        rc == ERR_INVALID_SIGNATURE || rc == ERR_MISSING_AUTH_TOKEN ||
        rc == ERR_INCOMPLETE_SIGNATURE || rc == ERR_PROVISIONED_THROUGHPUT ||
        rc == ERR_THROTTLING || rc == ERR_ON_DEMAND_THROTTLED || rc == ERR_REQUEST_LIMIT)
        return msg_fail_rc(e, MSG_E_UNAVAILABLE, rc, "%s: %s", err_type(rc),
                           inner ? inner->msg : "");
    /* an error type the client does not know: its text starts with the endpoint's own type
     * (err_type would say InternalServerError) */
    if (rc == ERR_FOREIGN)
        return msg_fail_rc(e, MSG_E_STORAGE, rc, "%s", inner ? inner->msg : "");
    return msg_fail_rc(e, MSG_E_STORAGE, rc, "%s: %s", err_type(rc), inner ? inner->msg : "");
}

/* ---- time ------------------------------------------------------------------------------ */

void msg_ts_format(long long usec, char out[MSG_TS_LEN + 1])
{
    time_t sec = (time_t)(usec / 1000000);
    long frac = (long)(usec % 1000000);
    if (frac < 0) {
        frac += 1000000;
        sec -= 1;
    }
    struct tm tm;
    gmtime_r(&sec, &tm);
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    memcpy(out, tmp, MSG_TS_LEN);
    out[MSG_TS_LEN] = 0;
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (any year 0..9999; negative
 * before 1970): H. Hinnant's days_from_civil. */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153LL * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int msg_ts_parse(const char *ts, long long *out_usec, err_t *e)
{
    /* 0123456789012345678901234567
     * 2026-11-26T12:34:56.123456Z */
    if (!ts || strlen(ts) != MSG_TS_LEN || ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' ||
        ts[13] != ':' || ts[16] != ':' || ts[19] != '.' || ts[26] != 'Z')
        goto bad;
    int y = digits(ts, 4), mo = digits(ts + 5, 2), d = digits(ts + 8, 2), h = digits(ts + 11, 2),
        mi = digits(ts + 14, 2), s = digits(ts + 17, 2), us = digits(ts + 20, 6);
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || s < 0 || s > 59 || us < 0)
        goto bad;
    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        goto bad; /* timegm would read 2026-02-29 as March 1st */
    /* arithmetic, not timegm: every listed row's sort key and marker is parsed, and glibc's
     * timegm cost ~700 instructions each (cg_count RestGroups) */
    long long t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    *out_usec = t * 1000000 + us;
    return 0;
bad:
    return msg_fail(e, MSG_E_BAD_TIMESTAMP);
}

int msg_ts_parse_rfc3339(const char *ts, long long *out_usec, err_t *e)
{
    /* YYYY-MM-DDTHH:MM:SS[.f] then Z or +HH:MM / -HH:MM; f: 1 to 9 digits (beyond the
     * sixth: below a microsecond, dropped) */
    char frac[7] = "000000";
    size_t n = ts ? strlen(ts) : 0;
    if (n < 20 || ts[4] != '-' || ts[7] != '-' || (ts[10] != 'T' && ts[10] != 't') ||
        ts[13] != ':' || ts[16] != ':')
        goto bad;
    const char *p = ts + 19;
    if (*p == '.') {
        int k = 0;
        for (p++; p[k] >= '0' && p[k] <= '9'; k++)
            if (k < 6)
                frac[k] = p[k];
        if (k < 1 || k > 9)
            goto bad;
        p += k;
    }
    long long off = 0; /* the offset's microseconds: UTC = local - off */
    if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
        off = 0;
    } else if ((p[0] == '+' || p[0] == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh = digits(p + 1, 2), om = digits(p + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            goto bad;
        off = (long long)(oh * 60 + om) * 60 * 1000000;
        if (p[0] == '-')
            off = -off;
    } else {
        goto bad;
    }
    int y = digits(ts, 4), mo = digits(ts + 5, 2), d = digits(ts + 8, 2), h = digits(ts + 11, 2),
        mi = digits(ts + 14, 2), sec = digits(ts + 17, 2), us = digits(frac, 6);
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || sec < 0 || sec > 59 || us < 0)
        goto bad;
    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        goto bad;
    long long t = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
    long long utc = t * 1000000 + us - off;
    /* Any time of RFC 3339's years 0000..9999 is a position: before 1970 (Go's zero time
     * 0001-01-01T00:00:00Z, .NET's DateTime.MinValue, "from the start") is before every
     * message and is taken as the epoch; past 9999-12-31T23:59:59.999999Z in UTC (which
     * would format as a 5-digit year, sorting before every key) as that last instant, after
     * every message.  Both were a 400 bad_timestamp
     * (test_messaging.py::test_after_before_1970_lists_everything). */
    const long long max_us = 253402300799999999LL;
    *out_usec = utc < 0 ? 0 : utc > max_us ? max_us : utc;
    return 0;
bad:
    return msg_fail(e, MSG_E_BAD_TIMESTAMP);
}

long long msg_now_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
