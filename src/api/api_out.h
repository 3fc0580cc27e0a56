/*
 * api_out — a handler's reply, written once for two consumers.  Layer: api (private).
 *
 * The operations that answer items (GetItem, Query, Scan, BatchGetItem,
 * PutItem/UpdateItem/DeleteItem, TransactWriteItems, TransactGetItems, GetRecords, the PartiQL
 * three, SearchVectors) describe their reply with these calls, and so do the error extras
 * that carry items (api_int.h api_err_open: CancellationReasons, a failed condition's Item);
 * in text mode (api_call_out: the DynamoDB endpoint)
 * they go straight into a jout (value/jout.h: JSON text + CRC32, no tree), in tree mode
 * (api_call: tests, cold callers) they build the jansson tree the operation always returned,
 * in value mode (api_call_sink: messaging's embedded backend) each item goes to the caller's
 * api_sink as a value and the other members are dropped.  One description, so the modes
 * cannot drift apart;
 * tests/unit/api/test_stream_golden.c, test_partiql_golden.c and test_op_stream.c check that
 * both give byte-identical replies.  (A jansson tree costs ~16 MB of heap for an item of 30,000
 * numbers, 240 KB stored, outside the request's arena: review12 F7.)
 *
 * Members appear in call order.  key: the member name in an object, ignored in an array.
 * Errors (out of memory, invalid UTF-8) are sticky; ao_finish reports them.
 */
#ifndef DDB_API_API_OUT_H
#define DDB_API_API_OUT_H

#include <jansson.h>
#include <stdbool.h>

#include "api/api.h"
#include "value/av.h"
#include "value/jout.h"

#define API_OUT_DEPTH 16

typedef struct api_out {
    jout *w;                       /* text mode when set */
    const api_sink *sink;          /* value mode when set (w NULL) */
    const char *keys[API_OUT_DEPTH]; /* value mode: the open containers' member names */
    json_t *stack[API_OUT_DEPTH];  /* tree mode: the open containers */
    bool is_arr[API_OUT_DEPTH];
    bool first[API_OUT_DEPTH];     /* text mode: nothing written yet at this depth */
    size_t at[API_OUT_DEPTH];      /* text mode: where the last member's value at this depth
                                      begins (ao_last_len) */
    int depth;                     /* open containers; 0 before ao_open */
    bool failed;
    jout_mark back;                /* text mode: before the last ao_item_stored_scan */
    bool back_first;               /* ... and whether its container was still empty */
    av_t pending;                  /* value mode: the last ao_item_stored_scan's item (or
                                      AV_NONE), handed to the sink by ao_kept ... */
    const char *pending_key;       /* ... under this name (NULL: the array's) */
} api_out;

/* Starts the reply's top-level object (w NULL = tree mode). */
void ao_open(api_out *o, jout *w);
/* Starts a reply in value mode: items to sink (borrowed until ao_finish); ao_item_stored
 * decodes into its arena argument. */
void ao_open_sink(api_out *o, const api_sink *sink);
/* A nested object / array member; ao_close ends the innermost. */
void ao_obj(api_out *o, const char *key);
void ao_arr(api_out *o, const char *key);
void ao_close(api_out *o);
/* An item (an M) as DynamoDB JSON: {"attr":{"S":"..."},...}. */
void ao_item(api_out *o, const char *key, const av_t *item);
/* An item from its stored encoding (av_encode's bytes): text mode writes it without decoding
 * it (jout_item_stored); tree mode decodes it into arena a, then as ao_item.  Corrupt bytes:
 * ERR_NOMEM at ao_finish (an InternalServerError either way). */
void ao_item_stored(api_out *o, const char *key, const void *data, size_t len, arena_t *a);
/* ao_item_stored that also reads the item's size (av_item_size) and its top-level S/N/B
 * attributes named names[0..n) (vals; AV_NONE when absent or of another type), for a caller
 * that decides afterwards whether the item stays (Query's page, store_visit).  Text mode
 * writes it and reads them on the same walk (jout_item_stored_scan: vals point into data,
 * which need only live during the call); value mode decodes a copy in arena a (vals point
 * into it) and hands it to the sink only at ao_kept; tree mode is not supported (ERR_NOMEM).
 * 0; ERR_INTERNAL when the bytes are corrupt, ERR_NOMEM when the reply failed (either way the
 * reply has failed). */
int ao_item_stored_scan(api_out *o, const char *key, const void *data, size_t len, arena_t *a,
                        const char *const *names, const size_t *lens, size_t n, av_t *vals,
                        size_t *size);
/* The item of the last ao_item_stored_scan stays: value mode hands it to the sink now (text
 * mode wrote it already). */
void ao_kept(api_out *o);
/* The item of the last ao_item_stored_scan does not stay: text mode takes back the member it
 * wrote, value mode drops it.  Once per ao_item_stored_scan, instead of ao_kept. */
void ao_unwrite(api_out *o);
/* A JSON string: n bytes (a NUL inside kept); ERR_NOMEM at ao_finish when not valid UTF-8.
 * ao_str: a NUL-terminated one. */
void ao_strn(api_out *o, const char *key, const char *s, size_t n);
void ao_str(api_out *o, const char *key, const char *s);
/* A JSON integer. */
void ao_int(api_out *o, const char *key, long long v);
/* A JSON real (json_real's text: "1.0", "2.5"). */
void ao_real(api_out *o, const char *key, double v);
/* One attribute value as DynamoDB JSON: {"S":"..."}. */
void ao_av(api_out *o, const char *key, const av_t *v);
/* A jansson value (the cold parts: UnprocessedKeys' parameters, a replayed answer); stolen. */
void ao_json(api_out *o, const char *key, json_t *v);
/* The length of the JSON text of the last element of the innermost container, an array
 * (its separator not counted), for a caller that bounds its reply's text as it writes
 * (SearchVectors' 16 MB): text mode measures what it wrote, tree mode dumps that element
 * (json_dumpb), value mode and an empty array 0. */
size_t ao_last_len(const api_out *o);
/* Closes the top-level object.  0, or ERR_NOMEM; tree mode: *out_tree is the reply (new
 * reference), text mode: the reply is in w. */
int ao_finish(api_out *o, json_t **out_tree);
/* Drops a reply (tree mode: frees the tree) after a handler failed. */
void ao_abandon(api_out *o);

#endif
