/*
 * failalloc — fail the Nth allocation, for tests (curl's "torture" way).  Not a test itself:
 * include it in exactly one test file of an executable.
 *
 *   fa_arm(n)      count allocations from now on; the n-th (1-based) returns NULL with
 *                  errno ENOMEM, once; n = 0 only counts.
 *   fa_disarm()    stops counting; returns how many allocations were attempted while armed
 *                  and sets *out_hit when the n-th was reached (and failed).
 *   fa_leaks()     (plain builds) how many blocks allocated while armed are still not freed
 *                  (blocks liblmdb allocated for itself are not counted: it keeps freed
 *                  pages for reuse); -1 under ASan, where LeakSanitizer checks at exit.
 *   fa_leak_report() prints the stacks of those blocks.
 *   FA_COVERS_ALL  1 when every allocation in the process is seen, 0 when only ours.
 *
 * Two mechanisms, chosen by the build:
 *  - Plain builds interpose malloc, calloc, realloc, free and the aligned allocators in the
 *    executable and forward to glibc's __libc_* entry points (glibc supports replacing
 *    malloc this way and calls the replacement from inside libc too).  Every allocation is
 *    seen: ours, jansson's, LMDB's, libjwt's, libc's own (strdup, asprintf, qsort, ...).
 *  - Under AddressSanitizer, which owns malloc, the linker wraps the allocation calls made
 *    by the test and by our static libraries (CMakeLists.txt passes --wrap=malloc,... for
 *    tests/unit/fault/test_*).  That sees our code's allocations and jansson's (routed
 *    through base/mem's mem_malloc), not LMDB's or libc's internal ones.
 * Counters are process-wide: a helper thread's allocation counts too (group commit may run a
 * write in whichever submitter leads the round).
 *
 *   fa_guard(fn)   fn: an exported function of a shared library.  An allocation made inside
 *                  fn is failed only when it is the first one made inside fn during the
 *                  armed run; later ones are let through and the run is marked exempt
 *                  (fa_exempt()).  For jansson's parsers: jansson 2.14's lexer ignores a
 *                  failed growth of its token buffer and then reads (and writes) past it
 *                  (akheron/jansson#362, unfixed in Debian 12), so only a parser's first
 *                  allocation, which it does handle, is failed; its failure is the same
 *                  "parser returned NULL" for the caller as any later one.  Also for a
 *                  library call that misreports its later allocation failures (libjwt).
 *
 * Every armed allocation takes a backtrace(); fine for tests, not for benchmarks.
 */
#ifndef DDB_TESTS_FAILALLOC_H
#define DDB_TESTS_FAILALLOC_H

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FA_FRAMES 16

static atomic_bool fa_armed;
static atomic_long fa_seen;
static atomic_long fa_target;
static atomic_bool fa_hit;
static atomic_bool fa_exempted;
static long fa_print_stack; /* set before arming: print the stack of the failure of this N */

typedef struct fa_range {
    uintptr_t lo, hi;
} fa_range;

static inline bool fa_in(const fa_range *r, const void *pc)
{
    return (uintptr_t)pc > r->lo && (uintptr_t)pc <= r->hi;
}

#define FA_MAX_GUARDS 4
static struct {
    fa_range r;
    atomic_bool entered; /* an allocation was made inside during this armed run */
} fa_guards[FA_MAX_GUARDS];
static int fa_n_guards;

/* Registers fn (see the header comment); returns 0, or -1 when it cannot be found.  Call
 * before arming (it allocates). */
static inline int fa_guard(const char *fn)
{
    void *frames[4];
    backtrace(frames, 4); /* loads the unwinder now, not while armed */
    void *addr = dlsym(RTLD_DEFAULT, fn);
    Dl_info info;
    const ElfW(Sym) *sym = NULL;
    if (!addr || fa_n_guards == FA_MAX_GUARDS ||
        !dladdr1(addr, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym || !sym->st_size)
        return -1;
    fa_guards[fa_n_guards].r.lo = (uintptr_t)addr;
    fa_guards[fa_n_guards].r.hi = (uintptr_t)addr + sym->st_size;
    fa_n_guards++;
    return 0;
}

/* jansson's parsers guarded (only their first allocation is failed: see the header comment);
 * 0, or -1 with a message when they cannot be found. */
static inline int fa_guard_jansson(void)
{
    if (fa_guard("json_loadb") || fa_guard("json_loads")) {
        fprintf(stderr, "cannot find jansson's parsers\n");
        return -1;
    }
    return 0;
}

/* True when the armed run let an allocation through because of a guard. */
static inline bool fa_exempt(void)
{
    return atomic_load(&fa_exempted);
}

/* One allocation call in progress. */
typedef struct fa_call {
    void *frames[FA_FRAMES];
    int n; /* 0: not armed, no stack taken */
} fa_call;

/* Decides whether this allocation fails (true: return NULL with errno ENOMEM). */
static inline bool fa_enter(fa_call *c)
{
    c->n = 0;
    if (!atomic_load_explicit(&fa_armed, memory_order_relaxed))
        return false;
    c->n = backtrace(c->frames, FA_FRAMES);
    long k = atomic_fetch_add(&fa_seen, 1) + 1;
    int g = -1;
    for (int i = 0; i < c->n && g < 0; i++)
        for (int j = 0; j < fa_n_guards && g < 0; j++)
            if (fa_in(&fa_guards[j].r, c->frames[i]))
                g = j;
    bool again = g >= 0 && atomic_exchange(&fa_guards[g].entered, true);
    if (k != atomic_load(&fa_target))
        return false;
    if (again) {
        atomic_store(&fa_exempted, true);
        return false;
    }
    atomic_store(&fa_hit, true);
    if (fa_print_stack == k) /* where this failure is injected (debugging) */
        backtrace_symbols_fd(c->frames, c->n, 2);
    errno = ENOMEM;
    return true;
}

#if defined(__SANITIZE_ADDRESS__)
#define FA_COVERS_ALL 0

static inline void fa_arm_tracking(void) {}
static inline long fa_leaks(void)
{
    return -1;
}
static inline void fa_leak_report(void) {}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **out, const char *fmt, va_list ap);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_asprintf(char **out, const char *fmt, ...);

void *__wrap_malloc(size_t n)
{
    fa_call c;
    return fa_enter(&c) ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m)
{
    fa_call c;
    return fa_enter(&c) ? NULL : __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n)
{
    fa_call c;
    return n && fa_enter(&c) ? NULL : __real_realloc(p, n);
}
void __wrap_free(void *p)
{
    __real_free(p);
}
char *__wrap_strdup(const char *s)
{
    fa_call c;
    return fa_enter(&c) ? NULL : __real_strdup(s);
}
char *__wrap_strndup(const char *s, size_t n)
{
    fa_call c;
    return fa_enter(&c) ? NULL : __real_strndup(s, n);
}
int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
    fa_call c;
    if (fa_enter(&c)) {
        *out = NULL;
        return -1;
    }
    return __real_vasprintf(out, fmt, ap);
}
int __wrap_asprintf(char **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = __wrap_vasprintf(out, fmt, ap);
    va_end(ap);
    return r;
}

#else
#define FA_COVERS_ALL 1

/* Blocks allocated while armed and not yet freed: an open-addressing set keyed by address. */
#define FA_SET_BITS 15
#define FA_SET_CAP (1u << FA_SET_BITS)
#define FA_TOMB ((void *)1)
static struct fa_slot {
    void *p; /* NULL: empty; FA_TOMB: deleted */
    int n;
    void *frames[FA_FRAMES];
} fa_set[FA_SET_CAP];
static atomic_long fa_set_n;
static size_t fa_used[FA_SET_CAP / 2]; /* slots written since the last fa_arm */
static size_t fa_n_used;
static pthread_mutex_t fa_set_mu = PTHREAD_MUTEX_INITIALIZER;
static fa_range fa_lmdb; /* liblmdb's code: its own blocks are its caches, not our leaks */

static inline size_t fa_slot_of(const void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull >> (64 - FA_SET_BITS));
}

static int fa_find_lmdb(struct dl_phdr_info *info, size_t size, void *data)
{
    if (!info->dlpi_name || !strstr(info->dlpi_name, "liblmdb"))
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            fa_lmdb.lo = info->dlpi_addr + ph->p_vaddr;
            fa_lmdb.hi = fa_lmdb.lo + ph->p_memsz;
        }
    }
    return 1;
}

/* Empties the set (called by fa_arm). */
static inline void fa_arm_tracking(void)
{
    if (!fa_lmdb.hi)
        dl_iterate_phdr(fa_find_lmdb, NULL);
    pthread_mutex_lock(&fa_set_mu);
    for (size_t i = 0; i < fa_n_used; i++)
        fa_set[fa_used[i]].p = NULL;
    fa_n_used = 0;
    atomic_store(&fa_set_n, 0);
    pthread_mutex_unlock(&fa_set_mu);
}

static inline void fa_record(const fa_call *c, void *p)
{
    if (!p || !c->n)
        return;
    for (int i = 1; i < c->n && i < 4; i++) /* [0] is the allocator itself */
        if (fa_in(&fa_lmdb, c->frames[i]))
            return;
    pthread_mutex_lock(&fa_set_mu);
    if (fa_n_used < FA_SET_CAP / 2) {
        size_t i = fa_slot_of(p);
        while (fa_set[i].p && fa_set[i].p != FA_TOMB)
            i = (i + 1) & (FA_SET_CAP - 1);
        if (!fa_set[i].p)
            fa_used[fa_n_used++] = i;
        fa_set[i].p = p;
        fa_set[i].n = c->n;
        memcpy(fa_set[i].frames, c->frames, sizeof c->frames);
        atomic_fetch_add(&fa_set_n, 1);
    }
    pthread_mutex_unlock(&fa_set_mu);
}

static inline void fa_forget(void *p)
{
    if (!p || !atomic_load_explicit(&fa_set_n, memory_order_relaxed))
        return;
    pthread_mutex_lock(&fa_set_mu);
    for (size_t i = fa_slot_of(p); fa_set[i].p; i = (i + 1) & (FA_SET_CAP - 1))
        if (fa_set[i].p == p) {
            fa_set[i].p = FA_TOMB;
            atomic_fetch_sub(&fa_set_n, 1);
            break;
        }
    pthread_mutex_unlock(&fa_set_mu);
}

static inline long fa_leaks(void)
{
    return atomic_load(&fa_set_n);
}

static inline void fa_leak_report(void)
{
    pthread_mutex_lock(&fa_set_mu);
    for (size_t i = 0; i < FA_SET_CAP; i++)
        if (fa_set[i].p && fa_set[i].p != FA_TOMB) {
            fprintf(stderr, "-- not freed: %p, allocated at\n", fa_set[i].p);
            backtrace_symbols_fd(fa_set[i].frames, fa_set[i].n, 2);
        }
    pthread_mutex_unlock(&fa_set_mu);
}

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t n);

void *malloc(size_t n)
{
    fa_call c;
    if (fa_enter(&c))
        return NULL;
    void *p = __libc_malloc(n);
    fa_record(&c, p);
    return p;
}

void *calloc(size_t n, size_t m)
{
    fa_call c;
    if (fa_enter(&c))
        return NULL;
    void *p = __libc_calloc(n, m);
    fa_record(&c, p);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    if (n == 0) { /* glibc frees p */
        fa_forget(p);
        return __libc_realloc(p, n);
    }
    fa_call c;
    if (fa_enter(&c))
        return NULL;
    void *q = __libc_realloc(p, n);
    if (q) { /* the block is the same allocation, moved or not: keep its first stack */
        bool tracked = false;
        if (atomic_load_explicit(&fa_set_n, memory_order_relaxed)) {
            pthread_mutex_lock(&fa_set_mu);
            for (size_t i = fa_slot_of(p); fa_set[i].p && !tracked; i = (i + 1) & (FA_SET_CAP - 1))
                tracked = fa_set[i].p == p;
            pthread_mutex_unlock(&fa_set_mu);
        }
        if (tracked && q != p) {
            fa_forget(p);
            fa_record(&c, q);
        }
    }
    return q;
}

void free(void *p)
{
    fa_forget(p);
    __libc_free(p);
}

void *memalign(size_t align, size_t n)
{
    fa_call c;
    if (fa_enter(&c))
        return NULL;
    void *p = __libc_memalign(align, n);
    fa_record(&c, p);
    return p;
}

void *aligned_alloc(size_t align, size_t n)
{
    return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = memalign(align, n);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}
#endif

static inline void fa_arm(long n)
{
    fa_arm_tracking();
    for (int g = 0; g < fa_n_guards; g++)
        atomic_store(&fa_guards[g].entered, false);
    atomic_store(&fa_exempted, false);
    atomic_store(&fa_seen, 0);
    atomic_store(&fa_hit, false);
    atomic_store(&fa_target, n);
    atomic_store(&fa_armed, true);
}

static inline long fa_disarm(bool *out_hit)
{
    atomic_store(&fa_armed, false);
    if (out_hit)
        *out_hit = atomic_load(&fa_hit);
    return atomic_load(&fa_seen);
}

#endif
