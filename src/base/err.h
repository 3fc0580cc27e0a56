/*
 * err — the one error table and a sticky error record.  Layer: base.
 *
 * Every fallible function returns int: 0 on success, a negative ERR_* code on failure.
 * The first failure records its message in an err_t (sticky: later err_set calls on an
 * already-set record keep the first message); callers propagate the code.  Only the reply
 * writer turns an err_t into wire JSON: {"__type":"com.amazonaws.dynamodb.v20120810#<Type>",
 * "message":"..."}.
 */
#ifndef DDB_BASE_ERR_H
#define DDB_BASE_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum {
#define ERR(name, type, status) ERR__IDX_##name,
#include "err_table.def"
#undef ERR
    ERR__COUNT
};
enum {
    ERR_OK = 0,
#define ERR(name, type, status) ERR_##name = -(ERR__IDX_##name + 1),
#include "err_table.def"
#undef ERR
};

#define ERR_MSG_MAX 1024

typedef struct err {
    int code;              /* 0 while unset */
    int detail;            /* a boundary's own error row + 1 (messaging: msg_err.h); 0 = none.
                              Reset by err_set when it records, so only that boundary's raise
                              function sets it (right after its err_set) */
    char msg[ERR_MSG_MAX]; /* NUL-terminated */
} err_t;

/* Records code and a printf-style message unless `e` already holds an error (sticky).
 * `e` may be NULL.  Returns `code` so call sites can `return err_set(...)`.  A message longer
 * than ERR_MSG_MAX - 1 bytes is cut, on a whole UTF-8 character. */
int err_set(err_t *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int err_setv(err_t *e, int code, const char *fmt, va_list ap);
/* The length of the longest prefix of s[0..len) that does not end inside a UTF-8 character
 * (len itself when s ends on a whole one). */
size_t err_utf8_whole(const char *s, size_t len);
/* Clears the record. */
void err_clear(err_t *e);
/* DynamoDB type name for a code ("ValidationException"); "InternalServerError" for unknown
 * or internal codes.  Static storage. */
const char *err_type(int code);
/* HTTP status for a code (400 for most); 500 for unknown codes. */
int err_status(int code);
/* The code whose DynamoDB type is `type` (a bare name like "ValidationException" or with
 * the "com.amazonaws.dynamodb.v20120810#" prefix); 0 when no row has that type. */
int err_code_from_type(const char *type);
/* Symbolic name ("VALIDATION") for logs and tests.  Static storage. */
const char *err_name(int code);

#endif
