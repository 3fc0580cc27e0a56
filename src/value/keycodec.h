/*
 * keycodec — order-preserving encoding of key values.  Layer: value.
 *
 * memcmp order of encodings == DynamoDB order of values, for each key type:
 *   S  bytewise unsigned (UTF-8 bytes)
 *   N  numeric
 *   B  bytewise unsigned
 * Encodings are self-delimiting, so a composite key (hash, range, table hash, table range)
 * is the concatenation of component encodings and compares component by component; a
 * prefix of components is a memcmp prefix of the full key (used for Query on a hash key).
 * A leading type byte is NOT included: a key attribute's type is fixed by the schema.
 */
#ifndef DDB_VALUE_KEYCODEC_H
#define DDB_VALUE_KEYCODEC_H

#include "av.h"

/* Appends the encoding of v (type S, N or B) to out. */
int key_encode(const av_t *v, buf_t *out);
/* Decodes one component of type t from p[0..len); sets *used to the bytes consumed; value
 * bytes are arena-allocated.  ERR_INTERNAL on malformed input. */
int key_decode(av_type t, const void *p, size_t len, arena_t *a, av_t *out, size_t *used);

#endif
