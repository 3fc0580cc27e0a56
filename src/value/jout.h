/*
 * jout — the JSON reply writer: text straight into one growing buffer, CRC32 as it goes.
 * Layer: value.
 *
 * The hot operations write their replies with it directly from values (jout_item) or from an
 * item's stored bytes (jout_item_stored): no jansson tree, no second pass for the CRC
 * (CONVENTIONS 9; issue 13.1).  A jansson tree (the cold operations, error extras) goes
 * through jout_json.  Every path produces exactly what json_dumps(v, JSON_COMPACT) produces
 * for the equivalent tree: insertion order, the escapes \\ \" \b \f \n \r \t, other control
 * bytes as \u00XX with upper-case hex, UTF-8 passed through, and a string that is not valid
 * UTF-8 refused (tests/unit/value/test_jout.c).
 *
 * Errors are sticky: after a failure (out of memory, past the maximum, invalid UTF-8,
 * corrupt stored bytes) every call returns -1 and jout_failed says so.  Not thread-safe.
 */
#ifndef DDB_VALUE_JOUT_H
#define DDB_VALUE_JOUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "value/av.h"
#include "value/jread.h"

typedef struct jout jout;
typedef struct jout {
    char *p;
    size_t len, cap, max;
    uint32_t crc;     /* CRC32 of p[0 .. crc_len) */
    size_t crc_len;
    bool failed;
    /* NULL, or called when the text would grow past max (need: the bytes it would then
     * hold; a hint's too): it may raise w->max to at least need and return 0, or return
     * nonzero (the growth fails, and refused is set unless it was a hint's).  Its owner's, as
     * arena.h's grow hook: jout_init sets NULL; jout_reset keeps it, max and refused. */
    int (*grow)(jout *w, size_t need, void *ctx);
    void *grow_ctx;
    bool refused; /* the hook refused a growth the text needed (the writer has failed) */
    bool room;    /* set while jout_room asks the hook: a growth asked ahead of the text,
                     which the hook may refuse whatever its writer's reply is */
} jout;

#define JOUT_DEFAULT_MAX ((size_t)64 << 20)

/* max 0 = JOUT_DEFAULT_MAX.  No memory is taken until the first write. */
void jout_init(jout *w, size_t max);
/* Releases the buffer.  Accepts NULL. */
void jout_fini(jout *w);
/* Empties the writer (keeps the buffer) and clears a failure. */
void jout_reset(jout *w);
bool jout_failed(const jout *w);

/* Room for about n more bytes taken now, in one allocation, when the caller can tell the
 * reply's size (Query: from its items' stored bytes): the text grows without a realloc and
 * copy at each doubling.  Only a hint: never fails the writer (past the maximum or out of
 * memory it does nothing), never changes what is written. */
void jout_hint(jout *w, size_t n);
/* Room for n more bytes of text asked of the grow hook now, ahead of writing them, with
 * w->room set during the call: a write whose reply may not be refused once the write is
 * applied reserves the reply's room before applying it (server/ddb_proto.c).  0 (also when
 * the room is there, or there is no hook), or -1: the hook refused; the writer is unchanged
 * (not failed). */
int jout_room(jout *w, size_t n);
/* The text jout_item writes for item (an M) and, in *out_slack, the most the writer may ask
 * beyond that text at once (a string's room is taken at six bytes a byte before it is
 * escaped): a writer whose max holds len + text + slack never calls its hook for it.  Walks
 * the item (its strings' bytes for their escapes). */
size_t jout_item_len(const av_t *item, size_t *out_slack);
/* jout_item_len of the item stored as data (av_encode's bytes), without decoding it: 0, or
 * -1 when the bytes are not av_encode's. */
int jout_item_stored_len(const void *data, size_t len, size_t *out_len, size_t *out_slack);
/* Bytes as they are. */
int jout_raw(jout *w, const char *s, size_t n);
/* A JSON string (quoted, escaped; -1 when s is not valid UTF-8). */
int jout_str(jout *w, const char *s, size_t n);
/* "key": */
int jout_key(jout *w, const char *key, size_t n);
/* ,"key": (the comma when `comma`): an object's next member name, one reservation. */
int jout_member_key(jout *w, bool comma, const char *key, size_t n);
/* A decimal integer. */
int jout_int(jout *w, long long v);
/* A JSON real exactly as json_dumps writes it ("%.17g", ".0" added to an integral value). */
int jout_real(jout *w, double v);
/* A jansson value (any type). */
int jout_json(jout *w, const json_t *v);
/* One attribute value in DynamoDB JSON: {"S":"..."}, {"M":{...}}, ... */
int jout_av(jout *w, const av_t *v);
/* An item (an M's members): {"name":{"S":"..."},...} */
int jout_item(jout *w, const av_t *item);
/* An item from its stored encoding (av_encode's bytes), without decoding it first. */
int jout_item_stored(jout *w, const void *data, size_t len);
/* jout_item_stored that also reads, in the same walk, what av_stored_scan reads: *size (what
 * av_item_size gives for the decoded item) and, for each of the nnames top-level names
 * (names[j], name_lens[j] bytes), vals[j]: that attribute when it is an S, N or B (pointing
 * into data), else AV_NONE.  0, or -1 (the writer has failed): *corrupt (when not NULL) says
 * whether the bytes were not av_encode's (rather than out of memory or past the maximum). */
int jout_item_stored_scan(jout *w, const void *data, size_t len, const char *const *names,
                          const size_t *name_lens, size_t nnames, av_t *vals, size_t *size,
                          bool *corrupt);

/* A place in the text to come back to (jout_rewind): what was written after it is taken
 * back, the CRC with it. */
typedef struct jout_mark {
    size_t len, crc_len;
    uint32_t crc;
} jout_mark;
jout_mark jout_mark_here(const jout *w);
/* Back to m (taken on this writer, with nothing taken back past it since); no effect after a
 * failure (the failure stays). */
void jout_rewind(jout *w, const jout_mark *m);

/* The CRC32 of everything written (finishes what is still pending); call before jout_take. */
uint32_t jout_crc(jout *w);
/* Hands the text over: malloc'ed, NUL-terminated, *len bytes; the writer is left empty.
 * NULL after a failure or when out of memory.  The NUL may pass max: it is not text, and the
 * grow hook is never asked for it. */
char *jout_take(jout *w, size_t *len);
/* A text jout_take handed over (or any other malloc'ed block, or NULL) is done with: kept for
 * the calling thread's next writer, whose first write then takes it instead of a new
 * allocation (one block a thread, the largest of at most JOUT_SPARE_MAX bytes; a block kept
 * is freed when its thread ends), else freed.  The server's replies are released this way
 * (server/http.c): a Query page's ~10 KB no longer costs a malloc and a free each. */
void jout_text_free(void *p);
#define JOUT_SPARE_MAX ((size_t)64 << 10)

#endif
