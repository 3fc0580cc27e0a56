/*
 * dynlib — shared libraries loaded on first use.  Layer: base.  See dynlib.h.
 * Tests: tests/unit/base/test_dynlib.c.
 *
 * The library stays loaded for the life of the process (it is never dlclose'd once its
 * symbols are handed out).  A void * from dlsym is copied into the function pointer with
 * memcpy, as POSIX allows for dlsym's result.
 */
#include "base/dynlib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#define DYNLIB_MAX_SYMS 64

int dynlib_open(const char *soname, const dynlib_sym *syms, size_t n, char *err, size_t cap)
{
    void *found[DYNLIB_MAX_SYMS];
    if (n > DYNLIB_MAX_SYMS) {
        snprintf(err, cap, "%s: too many symbols", soname);
        return -1;
    }
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *why = dlerror();
        snprintf(err, cap, "cannot load %s: %s", soname, why ? why : "unknown error");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        found[i] = dlsym(lib, syms[i].name);
        if (!found[i]) {
            snprintf(err, cap, "%s lacks %s", soname, syms[i].name);
            dlclose(lib);
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++)
        memcpy(syms[i].slot, &found[i], sizeof found[i]);
    return 0;
}
