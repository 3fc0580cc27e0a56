/*
 * fuzz_common — what the libFuzzer targets (tests/fuzz/fuzz_<name>.c) share.  Not a target.
 *
 * A target is one file defining LLVMFuzzerInitialize (set-up, once) and
 * LLVMFuzzerTestOneInput (one input; must not leak, must free what it made).  CMakeLists.txt
 * builds every tests/fuzz/fuzz_<name>.c twice:
 *   replay_<name>  (every build, gcc or clang, plain or ASan): tests/fuzz/replay.c runs the
 *                  target over tests/fuzz/corpus/<name>/ (the checked-in seeds) and
 *                  tests/fuzz/regressions/<name>/ (every crash libFuzzer ever found); ctest
 *                  runs it, so each crash stays a regression test;
 *   fuzz_<name>    (with -DDDB_FUZZ=ON, clang): the libFuzzer binary `make fuzz` runs.
 * A property a target checks (a round trip, an ordering) fails with fz_fail(), which aborts:
 * libFuzzer saves the input, like a crash.
 * To add a target: write fuzz_<name>.c after the pattern of the others, seed it in
 * tests/fuzz/corpus/<name>/ (tests/fuzz/make_seeds.py), nothing else.
 */
#ifndef DDB_TESTS_FUZZ_COMMON_H
#define DDB_TESTS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property did not hold: say which and abort (libFuzzer keeps the input). */
#define fz_fail(...)                                                                               \
    do {                                                                                           \
        fprintf(stderr, "fuzz property failed at %s:%d: ", __FILE__, __LINE__);                    \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        abort();                                                                                   \
    } while (0)

/* The input cut at NUL bytes: up to max parts; returns how many.  Parts point into data. */
typedef struct fz_part {
    const char *p;
    size_t n;
} fz_part;

static inline size_t fz_split(const uint8_t *data, size_t size, fz_part *parts, size_t max)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= size && k < max; i++) {
        if (i == size || (data[i] == 0 && k + 1 < max)) {
            parts[k].p = (const char *)data + start;
            parts[k].n = i - start;
            k++;
            start = i + 1;
        }
    }
    return k;
}

/* A NUL-terminated malloc'ed copy (the input is not terminated); aborts on no memory. */
static inline char *fz_strndup(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        abort();
    if (n)
        memcpy(s, p, n);
    s[n] = 0;
    return s;
}

/* A fresh temporary directory for a store (removed by fz_rmdir). */
static inline void fz_tmpdir(char *out, size_t n, const char *what)
{
    snprintf(out, n, "/tmp/ddbchat-fuzz-%s-XXXXXX", what);
    if (!mkdtemp(out))
        abort();
}

static inline void fz_rmdir(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

#endif
