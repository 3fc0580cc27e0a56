/*
 * jdigest — a keyed 128-bit digest of a JSON value, the same for our reader's tree (jread)
 * and for jansson's tree of the same text.  Layer: value.
 *
 * What the ClientRequestToken cache keeps of a request (api/api_txn_token.c): two requests
 * get the same digest when their trees are equal (object members in any order, strings
 * equal after unescaping, numbers of the same kind and value), different ones a different
 * digest unless the 128-bit tags collide.  It is SipHash-2-4's 128-bit tag, under the
 * caller's key, of a canonical encoding walked straight from the tree (no text is written):
 * every value starts with a header byte, its kind in the top 3 bits (null, false, true,
 * integer, real, string, array, object) and a length or a count up to 30 in the others (31:
 * the length follows as 8 bytes, little-endian) —
 *   integer: then the value as 8 bytes; real: then the double's 8 bytes;
 *   string: then its bytes; array: then its values;
 *   object: then per member, in the byte order of the keys (memcmp over the shorter key,
 *   then the shorter first: json_dumps(JSON_SORT_KEYS)'s), the key as a string and the value.
 * Lengths and counts make the encoding prefix-free, so equal encodings mean equal trees.
 * jread and jansson classify numbers alike (jread.h), so the two trees of one text encode
 * the same (tests/unit/value/test_jread.c checks it over the golden data and every fuzz
 * corpus).  Replaces the canonical text json_dumps(JSON_SORT_KEYS) that was hashed before:
 * equal trees were equal texts there too, but the text cost more than the hash (issue 13).
 */
#ifndef DDB_VALUE_JDIGEST_H
#define DDB_VALUE_JDIGEST_H

#include <jansson.h>
#include <stdint.h>

#include "base/arena.h"
#include "value/jread.h"

/* The digest of v under key into out.  0, or -1: out of memory (the sort's scratch, from a),
 * or nested past JREAD_MAX_DEPTH (no parsed tree is). */
int jdigest_jread(const unsigned char key[16], const jread_val *v, arena_t *a, uint64_t out[2]);

/* The same for a jansson tree (scratch: malloc, freed before it returns). */
int jdigest_json(const unsigned char key[16], const json_t *v, uint64_t out[2]);

/* The digests of v without its member named skip (skip_len bytes) when v is an object: the
 * digest of the object as if that member were not there (skip NULL: none left out).  What
 * the ClientRequestToken cache keeps of a request: its ReturnConsumedCapacity is not one of
 * the parameters a token names (api/api_txn_token.c). */
int jdigest_jread_but(const unsigned char key[16], const jread_val *v, const char *skip,
                      size_t skip_len, arena_t *a, uint64_t out[2]);
int jdigest_json_but(const unsigned char key[16], const json_t *v, const char *skip,
                     size_t skip_len, uint64_t out[2]);

#endif
