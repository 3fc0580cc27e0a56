/*
 * op_policy — resource-based policies: PutResourcePolicy, GetResourcePolicy and
 * DeleteResourcePolicy (the document's checks: api_policy.c).  Layer: api.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutResourcePolicy.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html
 *
 * A policy is stored and answered, never enforced: ddbchat checks credentials (SigV4), it
 * has no IAM to evaluate a policy against (README, "Resource-based policies").
 *
 * What AWS does, from live probes (the ack-api-quirks lab reports DDB-TABLE-205..214, 233,
 * 351..356, verified 2026-10-09) and moto's aws_verified tests (the ExpectedRevisionId texts):
 *  - ResourceArn: a table's ARN or its stream's (each its own policy slot, DDB-TABLE-213).
 *    Not "arn:..." -> "ARNs must start with 'arn:'"; another partition or region -> "Invalid
 *    resource Arn"; another account -> "This action is only supported by accounts that match
 *    the resource owner's account." (a U+2019 apostrophe); an index's ARN -> "only table or
 *    stream is accepted"; anything else under table/ -> "not a DynamoDB resource"; a missing
 *    table (names compared as given: case matters) -> "Requested resource not found: Table: T
 *    not found", a stream label that is not the table's -> "Stream: L not found for Table: T"
 *    (DDB-TABLE-212, 214).  All ValidationException but the not-founds.
 *  - Policy: more than 20480 bytes as sent (whitespace counts) -> "Maximum policy size of
 *    20480 bytes exceeded"; not JSON -> "This policy contains invalid Json"; no statement ->
 *    "Statement is empty!"; a statement without Resource -> "Missing required field
 *    Resource"; two statements with one Sid -> "not unique"; Allow to every principal ("*",
 *    {"AWS":"*"}) -> the least-privilege guardrail's text (DDB-TABLE-211, 352, 356).
 *  - The stored document is canonical (DDB-TABLE-208, 351): minified, members in the order
 *    Version, Id, Statement / Sid, Effect, Principal, NotPrincipal, Action, NotAction,
 *    Resource, NotResource, Condition (others after, as sent), a one-element Action or
 *    Resource list as its string, principals {"AWS": "<12-digit account>"} as the account's
 *    root ARN, a principal list without duplicates (one left: the string).  A Put of a
 *    document equivalent to the stored one changes nothing and answers its RevisionId
 *    (DDB-TABLE-207).
 *  - RevisionId: the change's wall-clock ms (13 digits), strictly increasing per slot.  Delete
 *    answers the removed policy's id; a Delete where none was ever put answers {}; after a real
 *    delete the slot keeps the deletion's time as its revision, which a further Delete
 *    answers (DDB-TABLE-205).
 *  - ExpectedRevisionId (Put and Delete): "NO_POLICY" (Put) demands no policy; another value
 *    must equal the slot's revision, else PolicyNotFoundException "Requested update for policy
 *    with revision id X, but the policy associated to target table T has revision id R." /
 *    "... but table T has no associated policy." (the last words inferred: the captures cut the
 *    text after "no associated"); the stream slot's texts are the table's (not measured).
 * Left out, deliberately (README): the 15 s ThrottlingException after each change and the
 * ~2 s ResourceInUseException while one applies (DDB-TABLE-206, 347) — a local endpoint
 * applies a change at once; IAM's own checks (principals that exist, action names valid for
 * the resource, ConfirmRemoveSelfResourceAccess, a stream policy's relative ids).
 *
 * Stored in the table's metadata (op_table.c), changed in one store transaction with it and
 * so gone with the table, and not carried by a backup's restore:
 *   "Policy": {"Doc": canonical text, "Rev": "<ms>"} | {"Rev": "<ms>"} (deleted)
 *   "StreamPolicy": {"Label": "<stream label>", the same members}
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "api/api_policy.h"
#include "api/api_text.h"
#include "api/api_validate.h"
#include "value/ddbjson.h"

#define POL_NO_POLICY "NO_POLICY"


/* ---- the ResourceArn ------------------------------------------------------------------ */

typedef struct pol_target {
    const char *arn;   /* as sent (NUL-free C string) */
    const char *table; /* the table's name (arena) */
    const char *label; /* the stream's label, or NULL: the table's slot */
    const store_table *t;
} pol_target;

/* Parses r's ResourceArn into *p (the table not looked up yet): api_arn_parse's reading,
 * these APIs' texts in this order (the class, then another partition, service or region,
 * then another account, then the resource). */
static int pol_arn(api_req *r, pol_target *p)
{
    const char *arn;
    size_t len;
    int rc = api_json_strn(r->body, "ResourceArn", &arn, &len, r->err);
    if (rc)
        return rc;
    memset(p, 0, sizeof *p);
    const char *shown = api_nul_text(r->arena, arn ? arn : "", arn ? len : 0);
    if (!shown)
        return api_nomem(r);
    p->arn = shown;
    api_arn a;
    api_arn_parse(arn, arn ? len : 0, r->api->region, r->api->account_id, &a);
    if (a.cls == API_ARN_BARE)
        return err_set(r->err, ERR_VALIDATION, TXT_ARN_NOT_ARN "%s", shown);
    if (a.cls == API_ARN_BAD || a.other_region)
        return err_set(r->err, ERR_VALIDATION, TXT_POL_BAD_ARN, shown);
    if (a.other_account)
        return err_set(r->err, ERR_VALIDATION, TXT_POL_OTHER_ACCOUNT);
    switch (a.cls) {
    case API_ARN_TABLE:
        break;
    case API_ARN_STREAM:
        if (!(p->label = arena_strndup(r->arena, a.sub, a.sub_len)))
            return api_nomem(r);
        break;
    case API_ARN_INDEX:
        return err_set(r->err, ERR_VALIDATION, TXT_ARN_INDEX "%s", shown);
    default: /* a backup, anything else */
        return err_set(r->err, ERR_VALIDATION, TXT_ARN_NOT_DDB "%s", shown);
    }
    /* a NUL inside the name keeps it whole (shown): it names no table */
    p->table = memchr(a.name, '\0', a.name_len) ? api_nul_text(r->arena, a.name, a.name_len)
                                                : arena_strndup(r->arena, a.name, a.name_len);
    return p->table ? 0 : api_nomem(r);
}

/* A stream target's label against table t's stream: the not-found when t has another or
 * none.  Checked on the pinned table first, then again on the committed one inside the
 * change (pol_edit): an UpdateTable that replaced the stream in between is seen there. */
static int pol_stream_check(api_req *r, const pol_target *p, const store_table *t)
{
    if (!p->label)
        return 0;
    const char *cur = t->stream_id ? api_stream_label(r->arena, t->stream_ms) : "";
    if (!cur)
        return api_nomem(r);
    if (strcmp(cur, p->label) != 0)
        return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_POL_STREAM_RNF, p->label, p->table);
    return 0;
}

/* Looks the target's table (and stream) up: the not-found errors. */
static int pol_lookup(api_req *r, pol_target *p)
{
    int rc = api_table_find(r, p->table, &p->t);
    if (rc)
        return rc;
    /* --table-delay: a DELETING table's policy is not changed (AWS, ack-api-quirks: Put and
     * Delete "Table is being deleted"; Get still answers there, the policy is gone here) */
    if (!p->t && strcmp(r->op, "GetResourcePolicy") != 0 && api_table_deleting(r, p->table))
        return err_set(r->err, ERR_RESOURCE_IN_USE, TXT_TABLE_BEING_DELETED, p->table);
    if (!p->t)
        return err_set(r->err, ERR_RESOURCE_NOT_FOUND, TXT_TABLE_RNF, p->table);
    return pol_stream_check(r, p, p->t);
}

/* The slot's object in meta (borrowed), or NULL: none. */
static json_t *pol_slot(json_t *meta, const pol_target *p)
{
    if (!p->label)
        return json_object_get(meta, "Policy");
    json_t *s = json_object_get(meta, "StreamPolicy");
    const char *l = json_string_value(json_object_get(s, "Label"));
    return l && strcmp(l, p->label) == 0 ? s : NULL;
}

/* ---- revisions ----------------------------------------------------------------------- */

/* The next revision of a slot whose current one is `cur` (NULL: none): the wall-clock ms,
 * past cur. */
static json_t *pol_next_rev(json_t *slot)
{
    int64_t now = base_wall_ms();
    const char *cur = json_string_value(json_object_get(slot, "Rev"));
    long long prev = cur ? strtoll(cur, NULL, 10) : 0;
    if (now <= prev)
        now = prev + 1;
    char b[32];
    snprintf(b, sizeof b, "%" PRId64, now);
    return json_string(b);
}

/* ExpectedRevisionId against the slot: 0, or PolicyNotFoundException with AWS's texts. */
static int pol_expect(api_req *r, const pol_target *p, json_t *slot, const char *want, bool put)
{
    if (!want)
        return 0;
    const char *rev = json_string_value(json_object_get(slot, "Rev"));
    bool has_doc = json_is_string(json_object_get(slot, "Doc"));
    if (put && strcmp(want, POL_NO_POLICY) == 0) {
        if (!has_doc)
            return 0;
        return err_set(r->err, ERR_POLICY_NOT_FOUND,
                       TXT_POL_REV_NONE_EXPECTED, p->table, rev);
    }
    if (!rev)
        return err_set(r->err, ERR_POLICY_NOT_FOUND,
                       TXT_POL_REV_NO_POLICY, want, p->table);
    if (strcmp(rev, want) != 0)
        return err_set(r->err, ERR_POLICY_NOT_FOUND,
                       TXT_POL_REV_MISMATCH, want, p->table, rev);
    return 0;
}

/* Sets the slot of p in meta to `slot` (a new reference taken). */
static int pol_slot_set(json_t *meta, const pol_target *p, json_t *slot)
{
    if (!slot)
        return -1;
    if (p->label && json_object_set_new(slot, "Label", json_string(p->label))) {
        json_decref(slot);
        return -1;
    }
    return json_object_set_new(meta, p->label ? "StreamPolicy" : "Policy", slot);
}

/* ---- the operations ------------------------------------------------------------------ */

typedef struct pol_change {
    pol_target *p;
    const char *doc;  /* Put: the canonical document; Delete: NULL */
    const char *want; /* ExpectedRevisionId */
    json_t *rev;      /* out: the answer's RevisionId (new reference), NULL: none */
} pol_change;

static int pol_edit(api_req *r, void *ctx, const store_table *t, json_t *meta)
{
    pol_change *c = ctx;
    int rc = pol_stream_check(r, c->p, t);
    if (rc)
        return rc;
    json_t *slot = pol_slot(meta, c->p);
    rc = pol_expect(r, c->p, slot, c->want, c->doc != NULL);
    if (rc)
        return rc;
    json_t *cur = json_object_get(slot, "Doc");
    json_t *rev = json_object_get(slot, "Rev");
    json_decref(c->rev);
    c->rev = NULL;
    if (c->doc && json_is_string(cur) && strcmp(json_string_value(cur), c->doc) == 0) {
        c->rev = json_incref(rev); /* an equivalent document: nothing changes */
        return 0;
    }
    if (!c->doc && !json_is_string(cur)) {
        c->rev = json_incref(rev); /* nothing to delete: the deletion's revision, if any */
        return 0;
    }
    json_t *next = pol_next_rev(slot);
    json_t *ns = next ? json_pack("{s:O}", "Rev", next) : NULL;
    if (ns && c->doc && json_object_set_new(ns, "Doc", json_string(c->doc))) {
        json_decref(ns);
        ns = NULL;
    }
    /* Put answers the new revision; Delete the removed policy's */
    c->rev = c->doc ? json_incref(next) : json_incref(rev);
    json_decref(next);
    if (!ns || pol_slot_set(meta, c->p, ns))
        return api_nomem(r);
    return 0;
}

int op_put_resource_policy(api_req *r, json_t **out)
{
    pol_target p;
    const char *text, *want, *doc = NULL;
    size_t len;
    int rc = pol_arn(r, &p);
    if (rc || (rc = api_json_strn(r->body, "Policy", &text, &len, r->err)) ||
        (rc = api_json_str_whole(r->body, "ExpectedRevisionId", r->arena, &want, r->err)) ||
        (rc = api_policy_check(r, text ? text : "", text ? len : 0, &doc)) || (rc = pol_lookup(r, &p)))
        return rc;
    pol_change c = {.p = &p, .doc = doc, .want = want};
    if ((rc = api_table_meta_edit(r, p.t, pol_edit, &c))) {
        json_decref(c.rev);
        return rc;
    }
    *out = json_pack("{s:o}", "RevisionId", c.rev);
    return *out ? 0 : api_nomem(r);
}

int op_get_resource_policy(api_req *r, json_t **out)
{
    pol_target p;
    int rc = pol_arn(r, &p);
    if (rc || (rc = pol_lookup(r, &p)))
        return rc;
    json_t *meta = api_table_meta(p.t);
    if (!meta)
        return api_table_meta_fail(r, p.t);
    json_t *slot = pol_slot(meta, &p);
    json_t *doc = json_object_get(slot, "Doc");
    if (!json_is_string(doc))
        rc = err_set(r->err, ERR_POLICY_NOT_FOUND, TXT_POL_NOT_FOUND "%s", p.arn);
    else if (!(*out = json_pack("{s:O,s:O}", "Policy", doc, "RevisionId",
                                json_object_get(slot, "Rev"))))
        rc = api_nomem(r);
    json_decref(meta);
    return rc;
}

int op_delete_resource_policy(api_req *r, json_t **out)
{
    pol_target p;
    const char *want;
    int rc = pol_arn(r, &p);
    if (rc || (rc = api_json_str_whole(r->body, "ExpectedRevisionId", r->arena, &want, r->err)) ||
        (rc = pol_lookup(r, &p)))
        return rc;
    pol_change c = {.p = &p, .want = want};
    if ((rc = api_table_meta_edit(r, p.t, pol_edit, &c))) {
        json_decref(c.rev);
        return rc;
    }
    *out = c.rev ? json_pack("{s:o}", "RevisionId", c.rev) : json_object();
    return *out ? 0 : api_nomem(r);
}
