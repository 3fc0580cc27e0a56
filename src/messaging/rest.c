/*
 * rest — the messaging REST API, transport-free.  Layer: messaging.  See rest.h.
 *
 * Shapes (field names as the original Cruddur frontend uses them):
 *   GET  /api/health                 200 {"success":true,"ver":1,"backend":"embedded"}
 *        503 no_table when the messaging table does not exist (as every other route)
 *   GET  /api/message_groups[?limit=N&cursor=C]
 *        200 [{"uuid":<message_group_uuid>,"display_name","handle","message","created_at"}]
 *        newest conversation first; the other participant's name and handle.  The first
 *        page (no cursor, no after) carries "X-Unread-Total: <n>": the reader's unread
 *        messages over all their conversations (msg_list_conversations_total).
 *   GET  /api/message_groups/<message_group_uuid>
 *        200 {"uuid","display_name","handle","message","created_at"}: that conversation as
 *        a listing item (the reader's; 404 not_found otherwise).
 *        Conversation items also carry the reader's read marker: "read_to" (a created_at, or
 *        null) and "unread" (the other person's messages after it).
 *   PUT  /api/message_groups/<message_group_uuid>/read  {"read_to": <time>}
 *        200 {"message_group_uuid","read_to","unread"}: the marker moved forward (never back;
 *        msg_mark_read).
 *   GET  /api/messages/<message_group_uuid>[?limit=N&cursor=C]
 *        200 [{"uuid","display_name","handle","message","created_at"}] — one page of the
 *        newest messages, listed oldest -> newest; the cursor pages to OLDER messages.
 *   POST /api/messages  {"message","message_group_uuid"} | {"message","handle"}
 *        200 {"uuid","display_name","handle","message","created_at","message_group_uuid"}
 *        With "Idempotency-Key: K", a retry (same sender, conversation, K and text) answers
 *        the message stored the first time (msg_send_keyed); K with another text is 422.
 *   DELETE /api/messages/<message_group_uuid>/<created_at>
 *        204: the caller's own message deleted (also when it was already: msg_delete_message);
 *        403 not_your_message for another sender's, 404 not_found for another conversation.
 *   GET  /api/me                     200 {"uuid","handle","display_name"}
 *   PUT  /api/me  {"display_name"}   200 the same, renamed, + conversations_renamed/_left
 *                                      (msg_user_rename)
 *   POST /api/events/ticket          200 {"ticket","expires_in"}: one use, for GET /api/events
 *   GET  /api/events?ticket=T        text/event-stream (msg_rest_events, events.h)
 *   GET  / and /<file of web/>       the page, with its Content-Security-Policy
 * Paging: the body stays a plain array (what the Cruddur UI expects); when there is a next
 * page the response carries the header "X-Next-Cursor: <opaque>" (exposed to browsers via
 * Access-Control-Expose-Headers); pass it back as ?cursor=<opaque>.  No header = last page.
 * Forward: ?after=<timestamp> lists what came after it (messages created, conversations
 * that got a message), the oldest `limit` of them, in the same order as a page; when more
 * follow, "X-Next-After: <timestamp>" is the next page's after.
 * Errors: {"error":{"code":"<stable code>","message":"..."}} with 4xx/5xx: the rows of the
 * messaging error table (msg_err.def) give code, status and default text.
 * Auth: "Authorization: Bearer <JWT>" (auth.h); the configured claim names the user by uuid
 * (or, failing that, by handle).
 */
#include "messaging/rest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/hex.h"
#include "base/mem.h"
#include "messaging/auth.h"
#include "messaging/messaging_int.h"
#include "messaging/web_assets.h"
#include "value/jout.h"

#define REST_BODY_MAX (64 * 1024)
#define REST_AFTER_MAX 64 /* an after= value (RFC 3339, msg_ts_parse_rfc3339), decoded */
#define REST_RETRY_AFTER_MAX_S 300 /* the longest Retry-After a 503 forwards (reply_err) */

/* The page's policy: only its own script, style and icon; no inline script or style, no
 * framing, no form posts; fetch and EventSource to this origin only. */
#define REST_PAGE_CSP                                                                      \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "            \
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static void add_header(msg_http_resp *r, const char *name, const char *value)
{
    if (r->n_headers >= MSG_HTTP_MAX_HEADERS)
        return;
    r->headers[r->n_headers].name = name;
    snprintf(r->headers[r->n_headers].value, sizeof r->headers[0].value, "%s", value);
    r->n_headers++;
}

static void reply_json(msg_http_resp *r, int status, json_t *body)
{
    r->status = status;
    r->content_type = "application/json";
    r->body = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(body);
    if (!r->body) {
        r->status = 500;
        r->body = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
    }
    r->body_len = r->body ? strlen(r->body) : 0;
}

/* Replies 200 with the JSON text in w (taken); 500 like reply_json when it could not be
 * written. */
static void reply_jout(msg_http_resp *r, jout *w)
{
    size_t len = 0;
    r->status = 200;
    r->content_type = "application/json";
    r->body = jout_failed(w) ? NULL : jout_take(w, &len);
    jout_fini(w);
    if (!r->body) {
        r->status = 500;
        r->body = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
        len = r->body ? strlen(r->body) : 0;
    }
    r->body_len = len;
}

/* ,"read_to":<time or null>,"unread":<n>: a conversation's read marker (msg_mark_read). */
static void rest_jw_mark(jout *w, const char *read_to, long long unread)
{
    jout_member_key(w, true, "read_to", 7);
    if (read_to[0])
        jout_str(w, read_to, strlen(read_to));
    else
        jout_raw(w, "null", 4);
    jout_member_key(w, true, "unread", 6);
    jout_int(w, unread);
}

/* One {"uuid","display_name","handle","message","created_at"} object of the listings, as
 * json_dumps(JSON_COMPACT) writes json_pack's object (value/jout.h), "," before it unless
 * first; with `group` (a sent message's answer) "message_group_uuid" last. */
static void jout_listing(jout *w, bool first, const char *uuid, const msg_user *u,
                         const char *message, const char *created_at, const char *group,
                         const msg_conversation *conv)
{
    /* each key with its punctuation as one constant (plain ASCII: nothing to escape) */
#define JL_KEY(s) {s, sizeof s - 1}
    static const struct {
        const char *k;
        size_t n;
    } key[] = {JL_KEY("{\"uuid\":"), JL_KEY(",\"display_name\":"), JL_KEY(",\"handle\":"),
               JL_KEY(",\"message\":"), JL_KEY(",\"created_at\":")};
#undef JL_KEY
    const char *v[] = {uuid, u->display_name, u->handle, message, created_at};
    if (!first)
        jout_raw(w, ",", 1);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        jout_raw(w, key[i].k, key[i].n);
        jout_str(w, v[i], strlen(v[i]));
    }
    if (group) {
        jout_member_key(w, true, "message_group_uuid", 18);
        jout_str(w, group, strlen(group));
    }
    if (conv) /* a conversation: the reader's read marker (msg_mark_read) */
        rest_jw_mark(w, conv->read_to, conv->unread);
    jout_raw(w, "}", 1);
}

/* Seconds an `overloaded` 503 (too many event streams of the user or of the server, too many
 * tickets) asks the client to wait (RFC 9110 10.2.3), as the HTTP layer's busy 503 does. */
#define REST_RETRY_AFTER_S "1"

/* Replies with row c of the error table: its status and code, and `message` (NULL = the
 * row's text); an `overloaded` 503 with its Retry-After. */
static void reply_fail(msg_http_resp *r, msg_errc c, const char *message)
{
    json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", msg_err_code(c), "message",
                             message ? message : msg_err_text(c));
    /* a message that is no valid UTF-8 (an echo of the caller's bytes) cannot be a JSON
     * string: the row's own text, not a 500 "out of memory" (review20 R1) */
    if (!body && message)
        body = json_pack("{s:{s:s,s:s}}", "error", "code", msg_err_code(c), "message",
                         msg_err_text(c));
    reply_json(r, msg_err_status(c), body);
    if (c == MSG_E_OVERLOADED)
        add_header(r, "Retry-After", REST_RETRY_AFTER_S);
}

void msg_rest_error(msg_http_resp *r, msg_errc c)
{
    memset(r, 0, sizeof *r);
    reply_fail(r, c, NULL);
}

void msg_rest_error_text(msg_http_resp *r, msg_errc c, const char *message)
{
    memset(r, 0, sizeof *r);
    reply_fail(r, c, message);
}

static void add_cors(msg_service *s, const msg_http_req *req, msg_http_resp *r, bool preflight);

void msg_rest_refuse(msg_service *svc, const char *origin, msg_http_resp *r, msg_errc c,
                     const char *message)
{
    memset(r, 0, sizeof *r);
    if (svc) {
        msg_http_req req = {.origin = origin};
        add_cors(svc, &req, r, false);
    }
    reply_fail(r, c, message);
}

/* Maps a service error to a reply: its row, with the message it was raised with. */
static void reply_err(msg_service *s, msg_http_resp *r, const err_t *e)
{
    msg_errc c = msg_err_of(e);
    reply_fail(r, c, e->msg[0] ? e->msg : NULL);
    if (c != MSG_E_UNAVAILABLE)
        return;
    /* Retry-After when the service can say how long (RFC 9110 10.2.3): the endpoint's own
     * hint (x-amz-retry-after, rounded up to whole seconds) for a throttle or an outage; a
     * throttle without one, 1 s (the AWS SDKs' throttling backoff base); an outage without
     * one, nothing (nobody can tell); refused credentials or a feature that is off, nothing
     * (no retry helps).  test_remote_backend.py::test_unavailable_says_when_to_retry */
    bool throttled = e->code == ERR_PROVISIONED_THROUGHPUT || e->code == ERR_THROTTLING ||
                     e->code == ERR_ON_DEMAND_THROTTLED || e->code == ERR_REQUEST_LIMIT;
    bool outage = e->code == ERR_SERVICE_UNAVAILABLE || e->code == ERR_TRANSPORT;
    long hint = throttled || outage ? msg_backend_retry_after_ms(s->backend) : -1;
    long secs = hint >= 0 ? (hint + 999) / 1000 : throttled ? 1 : 0;
    if (hint >= 0 && secs < 1)
        secs = 1;
    /* a proxy's maintenance Retry-After (an hour, a day) would park a browser or a client's
     * retry that long after the endpoint is back: at most REST_RETRY_AFTER_MAX_S */
    if (secs > REST_RETRY_AFTER_MAX_S)
        secs = REST_RETRY_AFTER_MAX_S;
    if (secs > 0) {
        char v[24];
        snprintf(v, sizeof v, "%ld", secs);
        add_header(r, "Retry-After", v);
    }
}

static bool origin_allowed(const char *allowed, const char *origin)
{
    if (!allowed || !origin)
        return false;
    if (strcmp(allowed, "*") == 0)
        return true;
    size_t on = strlen(origin);
    const char *p = allowed;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *q = p;
        while (*q && *q != ',' && *q != ' ')
            q++;
        if ((size_t)(q - p) == on && on && strncmp(p, origin, on) == 0)
            return true;
        p = q;
    }
    return false;
}

static void add_cors(msg_service *s, const msg_http_req *req, msg_http_resp *r, bool preflight)
{
    const char *allowed = s->cfg.cors_origin;
    /* whether the answer carries Allow-Origin depends on the request's Origin: say so on
     * every answer, else a cache hands the answer to a request without Origin (none) to a
     * listed origin's page (the Fetch standard's CORS and caching note;
     * test_messaging.py::test_vary_origin_on_every_answer_when_origins_are_listed) */
    if (allowed && *allowed)
        add_header(r, "Vary", "Origin");
    if (!origin_allowed(allowed, req->origin))
        return;
    add_header(r, "Access-Control-Allow-Origin", strcmp(allowed, "*") == 0 ? "*" : req->origin);
    add_header(r, "Access-Control-Expose-Headers",
               "X-Next-Cursor, X-Next-After, X-Unread-Total, WWW-Authenticate, Retry-After");
    if (preflight) {
        add_header(r, "Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
        add_header(r, "Access-Control-Allow-Headers",
                   "Authorization, Content-Type, Idempotency-Key");
        add_header(r, "Access-Control-Max-Age", "600");
    }
}

/* One form-decoded byte of p[0..end) ('+' a space, "%XY" its byte, else itself) into *c;
 * returns how many bytes it took. */
static size_t form_byte(const char *p, const char *end, char *c)
{
    if (*p == '+') {
        *c = ' ';
        return 1;
    }
    if (*p == '%' && end - p > 2 && base_hex_digit(p[1]) >= 0 && base_hex_digit(p[2]) >= 0) {
        *c = (char)(base_hex_digit(p[1]) * 16 + base_hex_digit(p[2]));
        return 3;
    }
    *c = *p;
    return 1;
}

/* Does the form-encoded name k[0..kend) decode to name (a NUL-free string)?  Names are
 * decoded as values are (the URL Standard's application/x-www-form-urlencoded parser):
 * "l%69mit" is limit (test_messaging.py::test_query_parameter_names_are_percent_decoded). */
static bool form_name_is(const char *k, const char *kend, const char *name)
{
    while (k < kend) {
        char c;
        k += form_byte(k, kend, &c);
        if (c == '\0' || c != *name++)
            return false;
    }
    return *name == '\0';
}

/* Finds `name` in the query string q[0..qlen), percent-decoded into out (size n).  false if
 * absent, or unusable: too long for out, or holding a NUL once decoded (a "5%00junk" must not
 * read as "5", issue 9.1), which sets *bad.  The first parameter whose decoded name is `name`
 * counts. */
static bool query_param(const char *q, size_t qlen, const char *name, char *out, size_t n,
                        bool *bad)
{
    *bad = false;
    const char *qe = q ? q + qlen : NULL;
    while (q && q < qe) {
        const char *amp = memchr(q, '&', (size_t)(qe - q));
        const char *end = amp ? amp : qe;
        const char *eq = memchr(q, '=', (size_t)(end - q));
        const char *kend = eq ? eq : end;
        if (form_name_is(q, kend, name)) {
            size_t o = 0;
            for (const char *p = eq ? eq + 1 : end; p < end;) {
                char c;
                p += form_byte(p, end, &c);
                if (o + 1 >= n || c == '\0') {
                    *bad = true;
                    return false;
                }
                out[o++] = c;
            }
            out[o] = 0;
            return true;
        }
        q = amp ? amp + 1 : NULL;
    }
    return false;
}

/* limit, cursor and after from the query (after: the paging-forward position, a timestamp;
 * "" when absent).  0, or replied with an error (returns -1). */
static int paging(const msg_http_req *req, msg_http_resp *r, int *limit, char *cursor, size_t n,
                  char after[REST_AFTER_MAX])
{
    char lim[16];
    bool tl;
    *limit = 0;
    cursor[0] = 0;
    size_t qlen = req->query ? (req->query_len ? req->query_len : strlen(req->query)) : 0;
    if (query_param(req->query, qlen, "limit", lim, sizeof lim, &tl)) {
        /* digits only: strtol alone also reads "+5", " 5" (test_limit_is_digits_only) */
        size_t nd = strspn(lim, "0123456789");
        long v = strtol(lim, NULL, 10);
        if (!lim[0] || lim[nd] || v < 1 || v > MSG_PAGE_MAX) {
            reply_fail(r, MSG_E_BAD_LIMIT, NULL);
            return -1;
        }
        *limit = (int)v;
    } else if (tl) {
        reply_fail(r, MSG_E_BAD_LIMIT, NULL);
        return -1;
    }
    if (!query_param(req->query, qlen, "cursor", cursor, n, &tl) && tl) {
        reply_fail(r, MSG_E_BAD_CURSOR, NULL);
        return -1;
    }
    after[0] = 0;
    if (!query_param(req->query, qlen, "after", after, REST_AFTER_MAX, &tl) && tl) {
        reply_fail(r, MSG_E_BAD_TIMESTAMP, "after must be a time like 2026-11-26T12:34:56.123456Z");
        return -1;
    }
    /* a space where RFC 3339 puts the offset's sign ("...:00 02:00") can only be a '+' sent
     * unencoded (a query's '+' is a space): taken as '+'
     * (test_messaging.py::test_after_offset_with_an_unencoded_plus) */
    size_t al = strlen(after);
    if (al > 6 && after[al - 6] == ' ' && after[al - 3] == ':')
        after[al - 6] = '+';
    if (after[0] && cursor[0]) {
        reply_fail(r, MSG_E_INVALID_FIELD,
                   "give cursor (older pages) or after (newer ones), not both");
        return -1;
    }
    return 0;
}

/* A 401 says how to authenticate (RFC 6750 section 3): a bearer token, and whether the one
 * sent was refused. */
static void challenge(msg_http_resp *r, bool token_sent)
{
    add_header(r, "WWW-Authenticate", token_sent ? "Bearer realm=\"ddbchat\", error=\"invalid_token\""
                                                 : "Bearer realm=\"ddbchat\"");
}

/* Authenticates the request; fills *me (and *exp: the token's expiry, when not NULL).  0, or
 * replied 401 (returns -1). */
static int authenticate(msg_service *s, const msg_http_req *req, msg_http_resp *r, msg_user *me,
                        long long *exp)
{
    err_t e = {0};
    const char *h = req->authorization;
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
        challenge(r, false);
        reply_fail(r, MSG_E_UNAUTHORIZED, "missing bearer token");
        return -1;
    }
    h += 7;
    while (*h == ' ' || *h == '\t')
        h++;
    /* spaces or tabs after the token are not part of it (RFC 9110 5.5: the field value
     * excludes trailing whitespace; libmicrohttpd keeps it) */
    size_t hl = strlen(h);
    char trimmed[MSG_JWT_MAX + 2];
    if (hl && (h[hl - 1] == ' ' || h[hl - 1] == '\t')) {
        while (hl && (h[hl - 1] == ' ' || h[hl - 1] == '\t'))
            hl--;
        if (hl > MSG_JWT_MAX) /* too long either way: verify says so */
            hl = MSG_JWT_MAX + 1;
        memcpy(trimmed, h, hl);
        trimmed[hl] = '\0';
        h = trimmed;
    }
    char who[256];
    if (msg_jwt_verify_cached(s->jwt_cache, &s->cfg, h, (long long)time(NULL), who, sizeof who,
                              exp, &e)) {
        if (msg_err_status(msg_err_of(&e)) == 401)
            challenge(r, true);
        reply_err(s, r, &e);
        return -1;
    }
    /* a uuid names its user in either case (RFC 4122 3: hex digits are case-insensitive on
     * input), as a conversation's uuid does; stored uuids are lower case
     * (test_messaging.py::test_token_sub_uuid_in_any_case) */
    if (msgi_is_uuid(who)) {
        char lower[MSG_UUID_LEN + 1];
        msgi_uuid_lower(who, lower);
        memcpy(who, lower, sizeof lower);
    }
    int rc = msg_user_by_uuid(s, who, me, &e);
    if (rc == ERR_NOT_FOUND && msg_validate_handle(who, NULL) == 0) {
        err_clear(&e);
        rc = msg_user_by_handle(s, who, me, &e);
        /* a handle finds its user in any case, but a token proves who it is only with the
         * handle as registered, byte for byte (Cognito's usernames are case-sensitive by
         * default: "ALICE" is not "alice"; review20 R6,
         * test_messaging.py::test_handles_are_case_insensitive) */
        if (rc == 0 && strcmp(me->handle, who) != 0)
            rc = ERR_NOT_FOUND;
    }
    if (rc == ERR_NOT_FOUND) {
        challenge(r, true);
        reply_fail(r, MSG_E_UNAUTHORIZED, "the token names no known user");
        return -1;
    }
    if (rc) {
        reply_err(s, r, &e);
        return -1;
    }
    return 0;
}

static void get_message_groups(msg_service *s, const msg_http_req *req, msg_http_resp *r,
                               const msg_user *me)
{
    int limit;
    char cursor[4200], after[REST_AFTER_MAX];
    if (paging(req, r, &limit, cursor, sizeof cursor, after))
        return;
    msg_conversation_page p;
    err_t e = {0};
    long long total = -1; /* the first page's: the reader's unread over every conversation */
    if (after[0]   ? msg_list_conversations_after(s, me->uuid, limit, after, &p, &e)
        : cursor[0] ? msg_list_conversations(s, me->uuid, limit, cursor, &p, &e)
                    : msg_list_conversations_total(s, me->uuid, limit, &p, &total, &e)) {
        reply_err(s, r, &e);
        return;
    }
    jout w;
    jout_init(&w, 0);
    jout_raw(&w, "[", 1);
    for (size_t i = 0; i < p.n; i++) {
        const msg_conversation *c = &p.items[i];
        jout_listing(&w, i == 0, c->message_group_uuid, &c->other, c->message,
                     c->last_message_at, NULL, c);
    }
    jout_raw(&w, "]", 1);
    if (p.next_cursor)
        add_header(r, after[0] ? "X-Next-After" : "X-Next-Cursor", p.next_cursor);
    if (total >= 0) {
        char num[24];
        snprintf(num, sizeof num, "%lld", total);
        add_header(r, "X-Unread-Total", num);
    }
    msg_conversation_page_free(&p);
    reply_jout(r, &w);
}

/* One conversation, as an item of the listing: whom it is with, by its uuid alone. */
static void get_message_group(msg_service *s, msg_http_resp *r, const msg_user *me,
                              const char *group)
{
    msg_conversation c;
    err_t e = {0};
    if (msg_get_conversation(s, me->uuid, group, &c, &e)) {
        reply_err(s, r, &e);
        return;
    }
    jout w;
    jout_init(&w, 0);
    jout_listing(&w, true, c.message_group_uuid, &c.other, c.message, c.last_message_at, NULL,
                 &c);
    free(c.message);
    reply_jout(r, &w);
}

static void get_messages(msg_service *s, const msg_http_req *req, msg_http_resp *r,
                         const msg_user *me, const char *group)
{
    int limit;
    char cursor[4200], after[REST_AFTER_MAX];
    if (paging(req, r, &limit, cursor, sizeof cursor, after))
        return;
    msg_message_page p;
    err_t e = {0};
    if (after[0] ? msg_list_messages_after(s, me->uuid, group, limit, after, &p, &e)
                 : msg_list_messages(s, me->uuid, group, limit, cursor[0] ? cursor : NULL, &p,
                                     &e)) {
        reply_err(s, r, &e);
        return;
    }
    jout w;
    jout_init(&w, 0);
    jout_raw(&w, "[", 1);
    for (size_t i = p.n; i-- > 0;) { /* oldest -> newest */
        const msg_message *m = &p.items[i];
        jout_listing(&w, i == p.n - 1, m->uuid, &m->sender, m->message, m->created_at, NULL,
                     NULL);
    }
    jout_raw(&w, "]", 1);
    if (p.next_cursor)
        add_header(r, after[0] ? "X-Next-After" : "X-Next-Cursor", p.next_cursor);
    msg_message_page_free(&p);
    reply_jout(r, &w);
}

/* Whether a request's Content-Type says JSON: none given (a client that names no type, as
 * Python's http.client and requests' data= do), application/json or a +json type (RFC 6839),
 * parameters such as charset ignored, in any case (RFC 9110 8.3.1).  The body is read as JSON
 * whatever its label (curl -d labels it a form: that first try must work); the label only
 * words the refusal of a body that is not JSON: labelled as something else (text/plain, a
 * form such as a=b) it is a 415 that says to send JSON, otherwise the 400 malformed_json
 * (test_messaging.py::test_post_non_json_body_by_its_content_type). */
static bool json_content_type(const char *ct)
{
    if (!ct)
        return true;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    if (n == 0)
        return true;
    const char *slash = memchr(ct, '/', n);
    if (!slash || slash == ct || slash + 1 == ct + n)
        return false;
    if ((size_t)(slash - ct) != 11 || strncasecmp(ct, "application", 11) != 0)
        return false;
    size_t sub = n - 12;
    const char *st = slash + 1;
    return (sub == 4 && strncasecmp(st, "json", 4) == 0) ||
           (sub > 5 && strncasecmp(st + sub - 5, "+json", 5) == 0);
}

/* The request body as a JSON object (new reference), or NULL with the reply made.  NUL is
 * allowed so that a field holding one is refused as such by the caller; a key given twice is
 * refused (jansson would keep the last, where a proxy or a log that reads the first sees
 * another request than the one acted on).  The refusal says which: nothing sent (then
 * empty_hint, the object to send), not JSON (jansson's words and where), or JSON but no
 * object (the row's text): malformed_json; or 415 for a body that is not JSON, sent without a
 * JSON content type. */
static json_t *rest_json_object(const msg_http_req *req, msg_http_resp *r,
                                const char *empty_hint)
{
    json_error_t je;
    json_t *body = req->body_len ? json_loadb(req->body, req->body_len,
                                              JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &je)
                                 : NULL;
    if (json_is_object(body))
        return body;
    char why[256];
    if (!req->body_len)
        snprintf(why, sizeof why, "the request body is empty: send a JSON object %s", empty_hint);
    else if (!body)
        snprintf(why, sizeof why, "the body is not valid JSON: %s at line %d column %d", je.text,
                 je.line, je.column);
    if (req->body_len && !body && !json_content_type(req->content_type)) {
        reply_fail(r, MSG_E_UNSUPPORTED_MEDIA_TYPE, NULL);
        return NULL;
    }
    json_decref(body);
    reply_fail(r, MSG_E_MALFORMED_JSON, !req->body_len || !body ? why : NULL);
    return NULL;
}

static void post_message(msg_service *s, const msg_http_req *req, msg_http_resp *r,
                         const msg_user *me)
{
    if (req->body_len > REST_BODY_MAX) {
        reply_fail(r, MSG_E_PAYLOAD_TOO_LARGE, NULL);
        return;
    }
    json_t *body =
        rest_json_object(req, r, "{\"message\", \"handle\" or \"message_group_uuid\"}");
    if (!body)
        return;
    json_t *jm = json_object_get(body, "message"),
           *jg = json_object_get(body, "message_group_uuid"), *jh = json_object_get(body, "handle");
    if (json_is_null(jg))
        jg = NULL;
    if (json_is_null(jh))
        jh = NULL;
    if (!jm || json_is_null(jm)) {
        reply_fail(r, MSG_E_MISSING_FIELD, "message is required");
        goto done;
    }
    if (!jg && !jh) {
        reply_fail(r, MSG_E_MISSING_FIELD, "message_group_uuid or handle is required");
        goto done;
    }
    if (!json_is_string(jm) || (jg && !json_is_string(jg)) || (jh && !json_is_string(jh))) {
        reply_fail(r, MSG_E_INVALID_FIELD, "message, message_group_uuid and handle are strings");
        goto done;
    }
    if (jg && jh) {
        reply_fail(r, MSG_E_INVALID_FIELD, "give either message_group_uuid or handle, not both");
        goto done;
    }
    if (strlen(json_string_value(jm)) != json_string_length(jm)) {
        reply_fail(r, MSG_E_INVALID_FIELD, "message contains a NUL character");
        goto done;
    }
    json_t *jt = jg ? jg : jh; /* "bob\u0000x" must not read as "bob" (issue 9.1) */
    if (strlen(json_string_value(jt)) != json_string_length(jt)) {
        reply_fail(r, MSG_E_INVALID_FIELD,
                   jg ? "message_group_uuid contains a NUL character"
                      : "handle contains a NUL character");
        goto done;
    }
    msg_message m;
    err_t e = {0};
    if (msg_send_keyed_as(s, me, jg ? json_string_value(jg) : NULL,
                          jh ? json_string_value(jh) : NULL, json_string_value(jm), NULL,
                          req->idempotency_key, &m, &e)) {
        reply_err(s, r, &e);
        goto done;
    }
    jout w; /* what json_dumps wrote for json_pack's object, without the tree */
    jout_init(&w, 0);
    jout_listing(&w, true, m.uuid, &m.sender, m.message, m.created_at, m.message_group_uuid,
                 NULL);
    msg_message_fini(&m);
    reply_jout(r, &w);
done:
    json_decref(body);
}

/* PUT /api/message_groups/<g>/read {"read_to": <time>}: moves the reader's read marker
 * forward (msg_mark_read); 200 {"message_group_uuid","read_to","unread"}, the marker as stored
 * after the call (an older read_to changes nothing and is no error). */
static void put_read(msg_service *s, const msg_http_req *req, msg_http_resp *r,
                     const msg_user *me, const char *group)
{
    if (req->body_len > REST_BODY_MAX) {
        reply_fail(r, MSG_E_PAYLOAD_TOO_LARGE, NULL);
        return;
    }
    if (!msgi_is_uuid(group)) { /* the path before the body, as every route does */
        err_t e = {0};
        msgi_bad_group_id(&e, group);
        reply_err(s, r, &e);
        return;
    }
    json_t *body =
        rest_json_object(req, r, "{\"read_to\": <created_at of the newest message read>}");
    if (!body)
        return;
    json_t *jt = json_object_get(body, "read_to");
    if (!jt || json_is_null(jt))
        reply_fail(r, MSG_E_MISSING_FIELD, "read_to is required");
    else if (!json_is_string(jt) || strlen(json_string_value(jt)) != json_string_length(jt))
        reply_fail(r, MSG_E_INVALID_FIELD, "read_to is a time like 2026-11-26T12:34:56.123456Z");
    else {
        char at[MSG_TS_LEN + 1], lower[MSG_UUID_LEN + 1];
        long long unread;
        err_t e = {0};
        if (msg_mark_read(s, me->uuid, group, json_string_value(jt), at, &unread, &e))
            reply_err(s, r, &e);
        else {
            msgi_uuid_lower(group, lower);
            jout w;
            jout_init(&w, 0);
            jout_raw(&w, "{", 1);
            jout_member_key(&w, false, "message_group_uuid", 18);
            jout_str(&w, lower, strlen(lower));
            rest_jw_mark(&w, at, unread);
            jout_raw(&w, "}", 1);
            reply_jout(r, &w);
        }
    }
    json_decref(body);
}

/* PUT /api/me {"display_name": "..."}: the signed-in user's new display name
 * (msg_user_rename); 200 {"uuid","handle","display_name"} as stored, with
 * "conversations_renamed" and "conversations_left" (> 0: PUT the same name again; with
 * Retry-After when an error stopped the walk). */
static void put_me(msg_service *s, const msg_http_req *req, msg_http_resp *r,
                   const msg_user *me)
{
    if (req->body_len > REST_BODY_MAX) {
        reply_fail(r, MSG_E_PAYLOAD_TOO_LARGE, NULL);
        return;
    }
    json_t *body = rest_json_object(req, r, "{\"display_name\": \"<1 to 64 characters>\"}");
    if (!body)
        return;
    json_t *jn = json_object_get(body, "display_name");
    msg_user u;
    err_t e = {0};
    /* half the request's deadline for the conversations' updates (at least 1 ms): the rest
     * is left for the next PUT of the same name, never a 503 for a name already changed */
    msg_rename_progress pr = {.budget_ms = s->cfg.rest_deadline_ms > 2
                                               ? s->cfg.rest_deadline_ms / 2
                                               : 1};
    if (!jn || json_is_null(jn))
        reply_fail(r, MSG_E_MISSING_FIELD, "display_name is required");
    else if (!json_is_string(jn))
        reply_fail(r, MSG_E_INVALID_FIELD, "display_name must be a string");
    else if (strlen(json_string_value(jn)) != json_string_length(jn))
        reply_fail(r, MSG_E_INVALID_FIELD, "display_name must not contain U+0000");
    else if (msg_user_rename(s, me->uuid, json_string_value(jn), &pr, &u, &e))
        reply_err(s, r, &e);
    else {
        reply_json(r, 200,
                   json_pack("{s:s,s:s,s:s,s:I,s:I}", "uuid", u.uuid, "handle", u.handle,
                             "display_name", u.display_name, "conversations_renamed",
                             (json_int_t)pr.renamed, "conversations_left",
                             (json_int_t)pr.left));
        /* the walk met an error (the name did change): the same PUT goes on, after a
         * while (before session 29 a 503, as if nothing had changed) */
        if (pr.stopped && r->status == 200)
            add_header(r, "Retry-After", REST_RETRY_AFTER_S);
    }
    json_decref(body);
}

/* DELETE /api/messages/<g>/<created_at>: the caller's own message deleted
 * (msg_delete_message); 204 also when it was deleted already. */
static void delete_message(msg_service *s, msg_http_resp *r, const msg_user *me,
                           const char *rest)
{
    const char *slash = strchr(rest, '/');
    char g[MSG_UUID_LEN + 2];
    size_t n = (size_t)(slash - rest);
    snprintf(g, sizeof g, "%.*s", n < sizeof g - 1 ? (int)n : (int)sizeof g - 1, rest);
    err_t e = {0};
    if (!msgi_is_uuid(g) || n != MSG_UUID_LEN) { /* the conversation before the time */
        char whole[MSG_UUID_LEN * 2];
        snprintf(whole, sizeof whole, "%.*s", (int)(n < sizeof whole ? n : sizeof whole - 1),
                 rest);
        msgi_bad_group_id(&e, whole);
        reply_err(s, r, &e);
        return;
    }
    if (msg_delete_message(s, me->uuid, g, slash + 1, NULL, &e)) {
        reply_err(s, r, &e);
        return;
    }
    r->status = 204;
    r->content_type = "text/plain";
    r->body = NULL;
    r->body_len = 0;
}

/* GET /api/me: {"uuid","handle","display_name","rename_unfinished"}; rename_unfinished:
 * the user's last display-name change left conversations with the old name (the user row's
 * resume mark), so PUT /api/me of the same name goes on with them (a page reloaded while
 * its rename was left unfinished learns it here: test_web.py::
 * test_a_rename_left_unfinished_goes_on_after_a_reload) */
static void get_me(msg_http_resp *r, const msg_user *me)
{
    reply_json(r, 200,
               json_pack("{s:s,s:s,s:s,s:b}", "uuid", me->uuid, "handle", me->handle,
                         "display_name", me->display_name, "rename_unfinished",
                         me->rename_unfinished));
}

static void post_ticket(msg_service *s, msg_http_resp *r, const msg_user *me, long long exp)
{
    if (!s->events) {
        reply_fail(r, MSG_E_UNAVAILABLE, "live delivery is not enabled on this server");
        return;
    }
    char ticket[MSG_TICKET_LEN + 1];
    err_t e = {0};
    if (msg_events_ticket_until(s->events, me->uuid, exp, ticket, &e)) {
        reply_err(s, r, &e);
        return;
    }
    /* the ticket is refused once the token has expired (msg_stream_open): say the sooner */
    int expires_in = msg_events_ticket_ttl_s(s->events);
    long long left = exp ? exp - (long long)time(NULL) : expires_in;
    if (left < expires_in)
        expires_in = left > 0 ? (int)left : 0;
    add_header(r, "Cache-Control", "no-store");
    reply_json(r, 200, json_pack("{s:s,s:i}", "ticket", ticket, "expires_in", expires_in));
}

/* GET/HEAD of the page's files: "/" is index.html.  false when path names none. */
static bool get_asset(const char *path, msg_http_resp *r)
{
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    for (const msg_web_asset *a = msg_web_assets; a->path; a++) {
        if (strcmp(a->path, path) != 0)
            continue;
        r->body = malloc(a->len ? a->len : 1);
        if (!r->body) {
            reply_fail(r, MSG_E_INTERNAL, "out of memory");
            return true;
        }
        memcpy(r->body, a->data, a->len);
        r->body_len = a->len;
        r->status = 200;
        r->content_type = a->content_type;
        add_header(r, "Content-Security-Policy", REST_PAGE_CSP);
        add_header(r, "X-Content-Type-Options", "nosniff");
        add_header(r, "Referrer-Policy", "no-referrer");
        add_header(r, "X-Frame-Options", "DENY");
        add_header(r, "Cache-Control", "no-cache");
        return true;
    }
    return false;
}

bool msg_rest_is_events(const msg_http_req *req)
{
    return req->path && strcmp(req->path, "/api/events") == 0 && req->method &&
           strcmp(req->method, "GET") == 0;
}

void msg_rest_events(msg_service *s, const msg_http_req *req, const msg_stream_io *io,
                     msg_http_resp *r, msg_stream **out)
{
    memset(r, 0, sizeof *r);
    *out = NULL;
    add_cors(s, req, r, false);
    if (!s->events) {
        reply_fail(r, MSG_E_UNAVAILABLE, "live delivery is not enabled on this server");
        return;
    }
    char ticket[MSG_TICKET_LEN + 2], id[MSG_EVENT_ID_MAX];
    bool tl;
    size_t qlen = req->query ? (req->query_len ? req->query_len : strlen(req->query)) : 0;
    if (!query_param(req->query, qlen, "ticket", ticket, sizeof ticket, &tl)) {
        challenge(r, tl);
        reply_fail(r, MSG_E_BAD_TICKET, NULL);
        return;
    }
    const char *last = req->last_event_id;
    if (!last || !*last) {
        if (query_param(req->query, qlen, "last_event_id", id, sizeof id, &tl))
            last = id;
        else if (tl) {
            reply_fail(r, MSG_E_BAD_EVENT_ID, NULL);
            return;
        }
    }
    err_t e = {0};
    if (msg_stream_open(s->events, ticket, last, io, out, &e)) {
        if (msg_err_of(&e) == MSG_E_BAD_TICKET) /* a 401 names its scheme (RFC 9110 11.6.1) */
            challenge(r, true);
        reply_err(s, r, &e);
        return;
    }
    r->status = 200;
    r->content_type = "text/event-stream; charset=utf-8";
    add_header(r, "Cache-Control", "no-store");
    add_header(r, "X-Accel-Buffering", "no"); /* a proxy in front must not hold events back */
    add_header(r, "X-Content-Type-Options", "nosniff");
}

/* What each route answers (RFC 9110 10.2.1: a 405's Allow, and an OPTIONS reply's, list
 * them): GET routes answer HEAD too (libmicrohttpd sends the head of the GET), the event
 * stream GET only (tests/e2e/test_messaging.py::test_allow_lists_every_method_a_route_answers). */
#define REST_ALLOW_GET "GET, HEAD, OPTIONS"
#define REST_ALLOW_POST "POST, OPTIONS"
#define REST_ALLOW_EVENTS "GET, OPTIONS"
#define REST_ALLOW_PUT "PUT, OPTIONS"
#define REST_ALLOW_ME "GET, HEAD, PUT, OPTIONS"
#define REST_ALLOW_DELETE "DELETE, OPTIONS"

static void rest_route(msg_service *s, const msg_http_req *req, msg_http_resp *r)
{
    const char *method = req->method ? req->method : "";
    const char *path = req->path ? req->path : "";
    bool preflight = strcmp(method, "OPTIONS") == 0;
    add_cors(s, req, r, preflight);
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;
    bool put = strcmp(method, "PUT") == 0;
    bool del = strcmp(method, "DELETE") == 0;
    const char *grp_prefix = "/api/messages/";
    size_t gpl = strlen(grp_prefix);
    const char *one_prefix = "/api/message_groups/";
    size_t opl = strlen(one_prefix);
    /* 0 the page, 1 health, 2 groups, 3 messages/<g>, 4 post messages, 5 me, 6 ticket,
     * 7 events, 8 message_groups/<g>, 9 message_groups/<g>/read, 10 messages/<g>/<created_at>;
     * -1 none */
    int route = -1;
    if (strncmp(path, "/api/", 5) != 0) {
        bool known = strcmp(path, "/") == 0;
        for (const msg_web_asset *a = msg_web_assets; !known && a->path; a++)
            known = strcmp(a->path, path) == 0;
        route = known ? 0 : -1;
    } else if (strcmp(path, "/api/health") == 0 || strcmp(path, "/api/health-check") == 0)
        route = 1;
    else if (strcmp(path, "/api/message_groups") == 0)
        route = 2;
    else if (strncmp(path, grp_prefix, gpl) == 0 && path[gpl] && !strchr(path + gpl, '/'))
        route = 3;
    else if (strncmp(path, grp_prefix, gpl) == 0 && path[gpl] != '/' &&
             strchr(path + gpl, '/') && strchr(path + gpl, '/')[1] &&
             !strchr(strchr(path + gpl, '/') + 1, '/'))
        route = 10;
    else if (strcmp(path, "/api/messages") == 0)
        route = 4;
    else if (strcmp(path, "/api/me") == 0)
        route = 5;
    else if (strcmp(path, "/api/events/ticket") == 0)
        route = 6;
    else if (strcmp(path, "/api/events") == 0)
        route = 7;
    else if (strncmp(path, one_prefix, opl) == 0 && path[opl] && !strchr(path + opl, '/'))
        route = 8;
    else if (strncmp(path, one_prefix, opl) == 0 && path[opl] != '/' &&
             strchr(path + opl, '/') && strcmp(strchr(path + opl, '/'), "/read") == 0)
        route = 9;
    if (route < 0) {
        reply_fail(r, MSG_E_ROUTE_NOT_FOUND, NULL);
        return;
    }
    bool wants_post = route == 4 || route == 6, wants_put = route == 9, wants_del = route == 10;
    const char *allow = wants_post   ? REST_ALLOW_POST
                        : wants_put  ? REST_ALLOW_PUT
                        : wants_del  ? REST_ALLOW_DELETE
                        : route == 7 ? REST_ALLOW_EVENTS
                        : route == 5 ? REST_ALLOW_ME
                                     : REST_ALLOW_GET;
    if (preflight) {
        add_header(r, "Allow", allow);
        r->status = 204;
        r->content_type = "text/plain";
        r->body = NULL;
        r->body_len = 0;
        return;
    }
    if ((wants_post && !post) || (wants_put && !put) || (wants_del && !del) ||
        (!wants_post && !wants_put && !wants_del && !get && !(route == 5 && put)) ||
        (route == 7 && strcmp(method, "HEAD") == 0)) {
        add_header(r, "Allow", allow);
        reply_fail(r, MSG_E_METHOD_NOT_ALLOWED, NULL);
        return;
    }
    if (route == 0) { /* the page */
        if (!get_asset(path, r))
            reply_fail(r, MSG_E_ROUTE_NOT_FOUND, NULL);
        return;
    }
    if (route == 7) { /* the transport routes GET /api/events to msg_rest_events */
        reply_fail(r, MSG_E_UNAVAILABLE, "this transport does not stream events");
        return;
    }
    if (route == 1) {
        /* ready only with its table: without it every other route answers 503 no_table, and
         * a load balancer's health check must see that (a 2xx would keep sending traffic) */
        bool exists = false;
        err_t e = {0};
        if (msg_schema_exists(s, &exists, &e)) {
            reply_err(s, r, &e);
            return;
        }
        if (!exists) {
            reply_fail(r, MSG_E_NO_TABLE, NULL);
            return;
        }
        reply_json(r, 200,
                   json_pack("{s:b,s:i,s:s}", "success", 1, "ver", 1, "backend",
                             s->backend->ops->name ? s->backend->ops->name : "?"));
        return;
    }
    msg_user me;
    long long exp = 0;
    if (authenticate(s, req, r, &me, &exp))
        return;
    if (route == 2)
        get_message_groups(s, req, r, &me);
    else if (route == 3)
        get_messages(s, req, r, &me, path + gpl);
    else if (route == 8)
        get_message_group(s, r, &me, path + opl);
    else if (route == 5 && put)
        put_me(s, req, r, &me);
    else if (route == 5)
        get_me(r, &me);
    else if (route == 6)
        post_ticket(s, r, &me, exp);
    else if (route == 10)
        delete_message(s, r, &me, path + gpl);
    else if (route == 9) {
        char g[MSG_UUID_LEN + 8]; /* the path's uuid part, up to "/read" */
        const char *p = path + opl;
        size_t n = (size_t)(strchr(p, '/') - p);
        snprintf(g, sizeof g, "%.*s", n < sizeof g - 1 ? (int)n : (int)sizeof g - 1, p);
        put_read(s, req, r, &me, n < sizeof g - 1 ? g : p);
    }
    else
        post_message(s, req, r, &me);
}

/* Every answer of the API (not the page's files, not a preflight) says Cache-Control:
 * no-store, unless it says otherwise already: each is one user's messages, names or read
 * markers, and a browser kept them in its disk cache after sign-out (no Cache-Control: a
 * private cache may store a 200 and use it by heuristic freshness, RFC 9111 4.2.2; a
 * response to a request with Authorization is kept from shared caches only, 3.5).  No ETag:
 * a client that polls asks ?after= for what is new. */
static void api_no_store(const msg_http_req *req, msg_http_resp *r)
{
    if (!req->path || strncmp(req->path, "/api/", 5) != 0 ||
        (req->method && strcmp(req->method, "OPTIONS") == 0))
        return;
    for (int i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, "Cache-Control") == 0)
            return;
    add_header(r, "Cache-Control", "no-store");
}

void msg_rest_handle(msg_service *s, const msg_http_req *req, msg_http_resp *r)
{
    unsigned long oom0 = mem_failures();
    memset(r, 0, sizeof *r);
    /* one deadline for the request's backend calls together, not per call
     * (test_remote_backend.py::test_rest_request_has_one_deadline) */
    msg_backend_deadline(s->backend, s->cfg.rest_deadline_ms);
    rest_route(s, req, r);
    msg_backend_deadline(s->backend, 0);
    if (mem_failures() != oom0 && r->status < 500) {
        /* an allocation failed (base/mem.h): the body or the decision may be incomplete */
        free(r->body);
        r->body = NULL;
        r->n_headers = 0;
        add_cors(s, req, r, false);
        reply_fail(r, MSG_E_INTERNAL, "out of memory");
    }
    api_no_store(req, r);
}
