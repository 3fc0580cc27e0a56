/*
 * op_kinesis — Kinesis Data Streams destinations of a table: EnableKinesisStreamingDestination,
 * DisableKinesisStreamingDestination, UpdateKinesisStreamingDestination and
 * DescribeKinesisStreamingDestination.  Layer: api.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_EnableKinesisStreamingDestination.html
 *
 * There is no Kinesis here, so every stream ARN names a stream this endpoint cannot reach.
 * AWS's answer for such a stream (live probes, ack-api-quirks DDB-TABLE-318, verified
 * 2026-10-09) is what ddbchat gives for all of them: Enable is never refused for the stream
 * (any ARN of 37 or more characters) and answers 200 ENABLING; the destination then turns
 * ENABLE_FAILED with DestinationStatusDescription "User does not have a permission to use
 * kinesis stream" (after ~2 s there; after the table-update delay here, the knob of the
 * other ENABLING states, DDBCHAT_UPDATE_DONE_DELAY_MS).  Pretending ACTIVE would tell a
 * program its changes flow to Kinesis when none do (README).  From there AWS's state rules
 * (DDB-TABLE-236, 301, 302): Enable of a destination that is ENABLING -> "must be DISABLED or
 * ENABLE_FAILED"; Enable of an ENABLE_FAILED one flips that entry (no second one); Disable
 * needs ACTIVE, so it is always "must be ACTIVE to perform DISABLE operation", and Disable
 * with EnableKinesisStreamingConfiguration is refused first; Update of an unknown stream ->
 * "No streaming destination with streamArn: <arn>", of a known one not ACTIVE -> "Updates are
 * only allowed in ACTIVE state.".  Texts the captures cut short ("to perform ", "ACTIVE st")
 * are completed the way their siblings read; "No streaming destination with streamArn: <arn>"
 * is taken to end with the ARN.  A missing table: "Requested resource not found: Table: T not
 * found" (DDB-TABLE-014, 236).
 *
 * Kept in the table's metadata (op_table.c) as "Kinesis": [{"Arn", "At" (ms of the Enable),
 * "Prec" (ApproximateCreationDateTimePrecision, when given)}], changed in one store
 * transaction, gone with the table, not restored from a backup.
 */
#include <string.h>

#include "api/api_int.h"
#include "api/api_text.h"
#include "api/api_validate.h"


/* The most destinations a table's list keeps (CONVENTIONS §4: the list lives in the table's
 * metadata, rewritten whole by every change; entries are never removed, as no destination
 * here can be disabled).  No source gives AWS's number or text: both inferred (README). */
#define KDS_MAX_DESTINATIONS 32

typedef struct kds_req {
    const store_table *t;
    const char *arn;  /* StreamArn (NUL-free: shown whole) */
    const char *prec; /* ApproximateCreationDateTimePrecision of the request's configuration */
    json_t *conf;     /* that configuration object (borrowed), or NULL */
} kds_req;

/* The destination's status at wall-clock now. */
static const char *kds_status(api_req *r, json_t *e)
{
    json_t *at = json_object_get(e, "At");
    int64_t since = json_is_integer(at) ? (int64_t)json_integer_value(at) : 0;
    return base_wall_ms() < since + r->api->update_delay_ms ? "ENABLING" : "ENABLE_FAILED";
}

/* The entry of stream arn in meta's list (borrowed), its index in *at; NULL: none. */
static json_t *kds_find(json_t *meta, const char *arn, size_t *at)
{
    json_t *list = json_object_get(meta, "Kinesis");
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *e = json_array_get(list, i);
        const char *a = json_string_value(json_object_get(e, "Arn"));
        if (a && strcmp(a, arn) == 0) {
            if (at)
                *at = i;
            return e;
        }
    }
    return NULL;
}

/* TableName, StreamArn and the configuration member `conf` (NULL: none) of the request; the
 * table looked up. */
static int kds_parse(api_req *r, const char *conf, kds_req *k)
{
    const char *name;
    memset(k, 0, sizeof *k);
    int rc = api_json_str(r->body, "TableName", &name, r->err);
    if (rc || (rc = api_json_str_whole(r->body, "StreamArn", r->arena, &k->arn, r->err)))
        return rc;
    if (conf && (rc = api_json_obj(r->body, conf, &k->conf, r->err)))
        return rc;
    if (k->conf &&
        (rc = api_json_str(k->conf, "ApproximateCreationDateTimePrecision", &k->prec, r->err)))
        return rc;
    if ((rc = api_table_find(r, name, &k->t)))
        return rc;
    if (!k->t)
        return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_TABLE_RNF, name);
    return 0;
}

/* The answer of Enable / Disable / Update: the table, the stream, the status, the
 * configuration echoed under `conf` when the request gave one. */
static int kds_answer(api_req *r, const kds_req *k, const char *status, const char *conf,
                      json_t **out)
{
    json_t *o = json_pack("{s:s,s:s,s:s}", "TableName", api_table_name(k->t), "StreamArn", k->arn,
                          "DestinationStatus", status);
    if (o && k->conf && json_object_set(o, conf, k->conf)) {
        json_decref(o);
        o = NULL;
    }
    *out = o;
    return o ? 0 : api_nomem(r);
}

static int kds_enable_edit(api_req *r, void *ctx, const store_table *cur, json_t *meta)
{
    (void)cur;
    kds_req *k = ctx;
    size_t at = 0;
    json_t *e = kds_find(meta, k->arn, &at);
    if (e && strcmp(kds_status(r, e), "ENABLING") == 0)
        return err_set(r->err, ERR_VALIDATION, TXT_KDS_ENABLE_STATE);
    if (!e && json_array_size(json_object_get(meta, "Kinesis")) >= KDS_MAX_DESTINATIONS)
        return err_set(r->err, ERR_LIMIT_EXCEEDED, TXT_KDS_TOO_MANY, api_table_name(k->t),
                       KDS_MAX_DESTINATIONS);
    json_t *ne = json_pack("{s:s,s:I}", "Arn", k->arn, "At", (json_int_t)base_wall_ms());
    if (ne && k->prec && json_object_set_new(ne, "Prec", json_string(k->prec))) {
        json_decref(ne);
        ne = NULL;
    }
    json_t *list = json_object_get(meta, "Kinesis");
    if (ne && !json_is_array(list)) {
        list = json_array();
        if (!list || json_object_set_new(meta, "Kinesis", list)) {
            json_decref(ne);
            ne = NULL;
        }
    }
    /* an ENABLE_FAILED entry flips to ENABLING: one entry per stream (DDB-TABLE-301) */
    if (!ne || (e ? json_array_set_new(list, at, ne) : json_array_append_new(list, ne)))
        return api_nomem(r);
    return 0;
}

int op_enable_kinesis_streaming_destination(api_req *r, json_t **out)
{
    kds_req k;
    int rc = kds_parse(r, "EnableKinesisStreamingConfiguration", &k);
    if (rc || (rc = api_table_meta_edit(r, k.t, kds_enable_edit, &k)))
        return rc;
    return kds_answer(r, &k, "ENABLING", "EnableKinesisStreamingConfiguration", out);
}

int op_disable_kinesis_streaming_destination(api_req *r, json_t **out)
{
    (void)out;
    kds_req k;
    int rc = kds_parse(r, "EnableKinesisStreamingConfiguration", &k);
    if (rc)
        return rc;
    if (k.conf)
        return err_set(r->err, ERR_VALIDATION,
                       TXT_KDS_DISABLE_CONF);
    /* only an ACTIVE destination can be disabled, and none is ever ACTIVE here */
    return err_set(r->err, ERR_VALIDATION,
                   TXT_KDS_DISABLE_STATE);
}

int op_update_kinesis_streaming_destination(api_req *r, json_t **out)
{
    (void)out;
    kds_req k;
    int rc = kds_parse(r, "UpdateKinesisStreamingConfiguration", &k);
    if (rc)
        return rc;
    json_t *meta = api_table_meta(k.t);
    if (!meta)
        return api_table_meta_fail(r, k.t);
    bool known = kds_find(meta, k.arn, NULL) != NULL;
    json_decref(meta);
    if (!known)
        return err_set(r->err, ERR_VALIDATION,
                       TXT_KDS_UPDATE_UNKNOWN, k.arn);
    return err_set(r->err, ERR_VALIDATION, TXT_KDS_UPDATE_STATE, api_table_name(k.t), k.arn);
}

int op_describe_kinesis_streaming_destination(api_req *r, json_t **out)
{
    const char *name;
    const store_table *t;
    int rc = api_json_str(r->body, "TableName", &name, r->err);
    if (rc || (rc = api_table_find(r, name, &t)))
        return rc;
    if (!t)
        return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_TABLE_RNF, name);
    json_t *meta = api_table_meta(t);
    json_t *list = json_array();
    json_t *kl = json_object_get(meta, "Kinesis");
    rc = meta && list ? 0 : ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < json_array_size(kl); i++) {
        json_t *e = json_array_get(kl, i);
        const char *st = kds_status(r, e);
        json_t *d =
            json_pack("{s:O,s:s}", "StreamArn", json_object_get(e, "Arn"), "DestinationStatus", st);
        if (d && strcmp(st, "ENABLE_FAILED") == 0 &&
            json_object_set_new(d, "DestinationStatusDescription", json_string(TXT_KDS_FAILED_WHY)))
            rc = ERR_NOMEM;
        json_t *prec = json_object_get(e, "Prec");
        if (d && prec && json_object_set(d, "ApproximateCreationDateTimePrecision", prec))
            rc = ERR_NOMEM;
        if (!d || json_array_append_new(list, d))
            rc = ERR_NOMEM;
    }
    json_decref(meta);
    json_t *o = rc == 0 ? json_pack("{s:s,s:o}", "TableName", api_table_name(t),
                                    "KinesisDataStreamDestinations", list)
                        : NULL;
    if (!o) {
        if (rc)
            json_decref(list);
        return meta ? api_nomem(r) : api_table_meta_fail(r, t);
    }
    *out = o;
    return 0;
}
