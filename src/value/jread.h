/*
 * jread — our strict JSON reader (RFC 8259) for request bodies.  Layer: value.
 *
 * Why not jansson's json_loadb: it refuses U+0000 inside an object key ("NUL byte in object
 * key not supported") even with JSON_ALLOW_NUL, while DynamoDB accepts any UTF-8 in an
 * attribute name (1 byte to 64 KB; Developer Guide, "Naming rules"), U+0000 included (issue
 * 9.1).  jread parses a body once into a tree of jread_val in an arena (issue 13.1's first
 * step): strings and keys carry their length and may hold NULs; a string without escapes
 * points into the input, the others are decoded into the arena; numbers keep their text.
 * jread_to_jansson builds from it exactly the tree json_loadb(JSON_DECODE_ANY |
 * JSON_ALLOW_NUL) builds (keys set with their length), so the handlers see no difference
 * except that keys with U+0000 now arrive (tests/unit/value/test_jread.c compares the two
 * over the golden data and the fuzz corpora; tests/fuzz/fuzz_jread.c keeps comparing).
 *
 * What it accepts is what jansson accepts, no more, no less (but for NUL in keys):
 *   - any JSON value at the top (JSON_DECODE_ANY), whitespace around it, nothing after it;
 *   - strings of valid UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF), no
 *     control byte below 0x20 unescaped, escapes \" \\ \/ \b \f \n \r \t \uXXXX with
 *     surrogate pairs joined and lone surrogates refused; \u0000 allowed (JSON_ALLOW_NUL);
 *   - numbers in JSON's grammar (no leading zeros, no '+', digits after '.' and 'e'); an
 *     integer must fit in a long long ("too big integer"), a real in a double ("real number
 *     overflow"), as jansson's;
 *   - nesting: a value inside JREAD_MAX_DEPTH - 1 containers at most (jansson's 2048), with an
 *     explicit stack: no recursion while parsing;
 *   - a repeated key is folded as json_loadb without JSON_REJECT_DUPLICATES folds it: the
 *     first member keeps its place and takes the last one's value (the behaviour requests
 *     had before jread); the tree's objects hold unique keys.
 * Error texts are our own; the position is 1-based line and column (in characters, like
 * jansson's) and the byte offset.
 *
 * Pointers: the tree lives in the arena and may point into the input buffer; both must outlive
 * it.  Not thread-safe per arena.
 */
#ifndef DDB_VALUE_JREAD_H
#define DDB_VALUE_JREAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

#define JREAD_MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH: values nested, scalars count */

typedef enum jread_type {
    JREAD_NULL,
    JREAD_FALSE,
    JREAD_TRUE,
    JREAD_INTEGER,
    JREAD_REAL,
    JREAD_STRING,
    JREAD_ARRAY,
    JREAD_OBJECT,
} jread_type;

/* A node: 56 bytes, handed out in runs (not one arena allocation of 96 each): a body of tiny
 * values ("[0,0,...]") is mostly nodes, so a node's size is the tree's size per body byte.
 * Lengths and counts are 32-bit: jread_parse refuses an input of 4 GB or more. */
typedef struct jread_val jread_val;
struct jread_val {
    jread_type type;
    uint32_t key_len;
    uint32_t len;
    uint32_t n;       /* ARRAY/OBJECT: children in document order (an object's keys unique) */
    const char *key;  /* member name in an object (UTF-8, may hold NULs), else NULL */
    const char *text; /* STRING: decoded UTF-8 (may hold NULs); INTEGER/REAL: the text */
    jread_val *child; /* first child */
    jread_val *next;  /* next sibling */
    union {
        jread_val **items; /* ARRAY: its n children by index (NULL when empty) */
        union {
            long long i; /* INTEGER */
            double d;    /* REAL */
        } num;
    };
};

typedef struct jread_error {
    bool nomem;      /* out of memory (not the input's fault) */
    int line;        /* 1-based */
    int column;      /* 1-based, in characters */
    size_t position; /* byte offset */
    char text[160];
    size_t repeated; /* keys folded away (a key repeated in one object): counted on success
                        too, for a caller that refuses such text (ops/xport.c's import) */
} jread_error;

/* Parses len bytes.  0 and *out (arena) on success; -1 with err filled in otherwise. */
int jread_parse(const char *buf, size_t len, arena_t *a, jread_val **out, jread_error *err);

/* Whether len bytes are JSON (jread_parse's grammar, but no number is out of range), checked
 * without building anything: no allocation, the nesting tracked in JREAD_MAX_DEPTH bits on the
 * stack.  0, or -1 with err filled in.  For a check before the request is authenticated
 * (ddb_proto: AWS answers a body that is not JSON before it looks at the signature, and an
 * unauthenticated client must not get a tree of its body built). */
int jread_check(const char *buf, size_t len, jread_error *err);

/* The jansson tree json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL) builds for the same text (keys
 * with their length).  New reference (caller owns); NULL when out of memory. */
json_t *jread_to_jansson(const jread_val *v);

/* jread_parse and jread_to_jansson in one step (a scratch arena): the tree json_loadb(
 * JSON_DECODE_ANY | JSON_ALLOW_NUL) gives, keys with U+0000 too.  New reference, or NULL with
 * err filled in (err->nomem when out of memory). */
json_t *jread_jansson(const char *buf, size_t len, jread_error *err);

/* Element i of an array (O(1)); NULL past the end or when arr is not an array. */
const jread_val *jread_at(const jread_val *arr, size_t i);

/* Member of an object by name (length-exact).  NULL when absent or obj is not an object. */
const jread_val *jread_get(const jread_val *obj, const char *key, size_t key_len);

/* Scanning JSON text in place, without a tree, for a caller that finds a few members of a text
 * it trusts to be JSON (a reply's records, a request's members in the order sent): only the
 * extent of each value is read, nothing is checked.  jread_ws: the offset of the first byte
 * from i on that is not JSON white space (n at the end).  jread_skip: *i past the value that
 * starts at t[*i] (a string, an object or array with what it nests, or a number, true, false
 * or null up to the next delimiter); false, with *i = n, when the text ends first. */
size_t jread_ws(const char *t, size_t n, size_t i);
bool jread_skip(const char *t, size_t n, size_t *i);

#endif
