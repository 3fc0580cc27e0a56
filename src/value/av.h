/*
 * av — DynamoDB attribute values.  Layer: value.
 *
 * All ten types: S, N, B, BOOL, NULL, M, L, SS, NS, BS.  Values are immutable trees that live
 * in an arena (or point into borrowed memory: LMDB pages, a JSON document) — whoever built
 * a value documents how long it stays valid.  An item is an av_t of type AV_M whose members
 * are the top-level attributes.
 *
 * Representation:
 *   S    str = UTF-8 bytes (not NUL-terminated in general; use len)
 *   N    str = the canonical decimal text DynamoDB returns ("1.5", "1000", "-0.001")
 *   B    str = raw bytes (base64 only at the JSON edge)
 *   BOOL b
 *   NULL (always true)
 *   L    list.items[0..n)          any types
 *   SS/NS/BS list.items[0..n)      members of type S/N/B, unique, in the order the service
 *                                  returns them: S and B bytewise, N by value (av_make_list
 *                                  sorts them; AWS per the conformance suite's capture of
 *                                  2026-10-09, and DynamoDB Local, answer sets so)
 *   M    map.kv[0..n)              unique names, in insertion order
 *
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html
 */
#ifndef DDB_VALUE_AV_H
#define DDB_VALUE_AV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"

typedef enum av_type {
    AV_NONE = 0, /* no value (absent attribute); never inside a valid value */
    AV_S,
    AV_N,
    AV_B,
    AV_BOOL,
    AV_NULL,
    AV_M,
    AV_L,
    AV_SS,
    AV_NS,
    AV_BS,
} av_type;

typedef struct av av_t;
typedef struct av_kv av_kv;

struct av {
    av_type type;
    union {
        struct {
            const char *ptr;
            size_t len;
        } str; /* S, N, B */
        bool b; /* BOOL */
        struct {
            av_t *items;
            size_t n;
        } list; /* L, SS, NS, BS */
        struct {
            av_kv *kv;
            size_t n;
        } map; /* M */
    } u;
};

struct av_kv {
    const char *name; /* attribute name bytes, not necessarily NUL-terminated */
    size_t name_len;
    av_t val;
};

/* Limits (DynamoDB's). */
#define AV_MAX_DEPTH 32                 /* nesting of M/L */
#define AV_MAX_ITEM_SIZE (400 * 1024)   /* bytes, by av_item_size */
#define AV_MAX_HASH_KEY_LEN 2048        /* bytes of a partition key value */
#define AV_MAX_RANGE_KEY_LEN 1024       /* bytes of a sort key value */
#define AV_MAX_NAME_LEN 65535           /* attribute name bytes */

/* Type name as DynamoDB writes it: "S", "N", ..., "BOOL", "NULL", "M", "L", "SS", "NS", "BS". */
const char *av_type_name(av_type t);
/* Parses a type name; AV_NONE if unknown. */
av_type av_type_from_name(const char *s, size_t len);

/* Constructors (arena-allocated copies unless noted). */
av_t av_make_s(const char *p, size_t len);    /* borrows p */
av_t av_make_b(const char *p, size_t len);    /* borrows p */
av_t av_make_n_canonical(const char *p, size_t len); /* borrows p; must already be canonical */
av_t av_make_bool(bool b);
av_t av_make_null(void);

/* Added helpers (value layer, engineer "value"). */
/* N from any DynamoDB number text: canonicalises (num_canonical) into the arena.
 * ERR_VALIDATION with DynamoDB's number message (recorded in e); ERR_NOMEM. */
int av_make_n(arena_t *a, const char *p, size_t len, av_t *out, err_t *e);
/* The same read as the service's older layer reads a PartiQL parameter (num_parse_java). */
int av_make_n_java(arena_t *a, const char *p, size_t len, av_t *out, err_t *e);
/* Containers over caller-built arrays (borrowed: the arrays must outlive the value). */
av_t av_make_m(av_kv *kv, size_t n);
/* t = AV_L, AV_SS, AV_NS or AV_BS; a set's members are put in the service's order (sorted in
 * place: items must be the caller's own array). */
av_t av_make_list(av_type t, av_t *items, size_t n);
/* A copy of map m (shallow: member values are shared) with member (name,len) set to *v
 * (replaced in place if present, else appended).  Arrays in the arena.  ERR_NOMEM. */
int av_map_set(arena_t *a, const av_t *m, const char *name, size_t len, const av_t *v,
               av_t *out);
/* A copy of map m without member (name,len) (a plain copy if absent).  ERR_NOMEM. */
int av_map_del(arena_t *a, const av_t *m, const char *name, size_t len, av_t *out);
/* A new map of the members of m named names[0..n) (NUL-terminated) that m holds, in names'
 * order (shallow: member values are shared with m; a name m lacks is left out; no members when
 * m is not a map).  For a key taken out of an item.  The array in the arena.  ERR_NOMEM. */
int av_map_pick(arena_t *a, const av_t *m, const char *const *names, size_t n, av_t *out);
/* True if set s (SS/NS/BS) holds a member equal to scalar x (N compares numerically). */
bool av_set_contains(const av_t *s, const av_t *x);

/* Map access: the member named (name,len), or NULL.  Linear in the member count. */
const av_t *av_map_get(const av_t *m, const char *name, size_t len);
const av_t *av_map_gets(const av_t *m, const char *name); /* NUL-terminated name */

/* Deep equality by DynamoDB's rules (sets compare as sets, N compares numerically,
 * maps compare by members regardless of order). */
bool av_equal(const av_t *a, const av_t *b);

/* Ordering for scalar key types S (bytewise, unsigned), N (numeric), B (bytewise, unsigned).
 * Returns <0, 0, >0.  Both must be the same scalar type. */
int av_compare_scalar(const av_t *a, const av_t *b);

/* Deep copy into the arena (so the copy outlives LMDB pages or a JSON document). */
int av_copy(arena_t *a, const av_t *src, av_t *out);

/* Item size by DynamoDB's rules: attribute name lengths plus value sizes (S: UTF-8 bytes,
 * N: (significant digits+1)/2 + 1 approx as DynamoDB, B: bytes, BOOL/NULL: 1, M/L: 3 + members
 * (+1 per member), sets: sum of members). */
size_t av_item_size(const av_t *item);
size_t av_value_size(const av_t *v);
/* av_item_size and, in the same walk, *out_long_name: whether a map key at a depth the
 * service allows (the item's own names at 0, through AV_MAX_DEPTH) is longer than
 * AV_MAX_NAME_LEN bytes (deeper ones are refused for their depth elsewhere).  For a write's
 * checks, which need both of the new item (api_item.c). */
size_t av_item_size_names(const av_t *item, bool *out_long_name);

/* UTF-8 validity of a byte string. */
bool av_utf8_valid(const char *p, size_t len);

/* Binary storage encoding of a value/item (starts with a version byte AV_CODEC_VERSION).
 * av_decode makes values that point into `data` for S/N/B bytes (borrowed: valid while
 * `data` is), with arrays allocated in the arena. */
#define AV_CODEC_VERSION 1
/* The codec's tags (av.c's header comment has the layout); value/jout.c reads them too. */
enum {
    AVC_S = 1,
    AVC_N = 2,
    AVC_B = 3,
    AVC_FALSE = 4,
    AVC_TRUE = 5,
    AVC_NULL = 6,
    AVC_M = 7,
    AVC_L = 8,
    AVC_SS = 9,
    AVC_NS = 10,
    AVC_BS = 11,
};
#define AVC_MAX_DEPTH (AV_MAX_DEPTH + 8) /* stored values are validated; slack only */
int av_encode(const av_t *v, buf_t *out);
int av_decode(const void *data, size_t len, arena_t *a, av_t *out);
/* Reads an item's encoding (av_encode of an M) without decoding it.  *size: what
 * av_item_size gives for the decoded item.  For each of the nnames top-level attribute names
 * (names[j], name_lens[j] bytes), vals[j] is that attribute when it is an S, N or B (pointing
 * into data), else AV_NONE (absent, or of another type).  0, or ERR_INTERNAL when av_decode
 * would refuse the bytes. */
int av_stored_scan(const void *data, size_t len, const char *const *names,
                   const size_t *name_lens, size_t nnames, av_t *vals, size_t *size);
/* What a number's text (len bytes at p) counts in av_value_size / av_item_size. */
size_t av_num_size(const char *p, size_t len);

#endif
