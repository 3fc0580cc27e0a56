/*
 * web_assets — the page's files (web/ in the source tree), embedded into the binary at build
 * time by scripts/embed_web.cmake (generated web_assets.c in the build dir).  Layer:
 * messaging.  Served by rest.c at "/" and "/<file name>".
 */
#ifndef DDB_MESSAGING_WEB_ASSETS_H
#define DDB_MESSAGING_WEB_ASSETS_H

#include <stddef.h>

typedef struct msg_web_asset {
    const char *path;         /* "/index.html", "/app.js", ... */
    const char *content_type; /* with charset for text */
    const unsigned char *data;
    size_t len;
} msg_web_asset;

/* Every file of web/, sorted by path; the last entry has path NULL. */
extern const msg_web_asset msg_web_assets[];

#endif
