/*
 * xport — export and import of tables in DynamoDB's own file formats.  Layer: ops.
 *
 * Export writes what DynamoDB's ExportTableToPointInTime writes into S3, under a local
 * directory standing for the bucket and prefix:
 *   DIR/AWSDynamoDB/<ExportId>/_started                 (empty)
 *   DIR/AWSDynamoDB/<ExportId>/data/<random>.json.gz    DynamoDB JSON, one {"Item":{...}} a line
 *   DIR/AWSDynamoDB/<ExportId>/manifest-files.json      one line per data file: itemCount,
 *                                                       md5Checksum (base64 MD5 of the .gz),
 *                                                       etag (hex MD5), dataFileS3Key
 *   DIR/AWSDynamoDB/<ExportId>/manifest-summary.json    version "2020-06-30", exportArn,
 *                                                       startTime, endTime, tableArn, tableId,
 *                                                       exportTime, s3Bucket, s3Prefix, ...,
 *                                                       manifestFilesS3Key, billedSizeBytes,
 *                                                       itemCount, outputFormat "DYNAMODB_JSON"
 *   DIR/AWSDynamoDB/<ExportId>/manifest-*.checksum      hex MD5 of the manifest
 *   DIR/AWSDynamoDB/<ExportId>/ddbchat-table.json       ddbchat's addition: the DescribeTable
 *                                                       answer, so import --create can remake
 *                                                       the table with its indexes
 * <ExportId> is "<ms since the epoch, 14 digits>-<8 hex>" as DynamoDB's.  With an embedded
 * store the items come from ONE read snapshot (a point-in-time export, like DynamoDB's); over
 * an endpoint they come from Scan pages (each page consistent, the whole not a snapshot).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html
 *
 * Import reads, into an existing table or one it creates:
 *   - an export directory (its manifest-files.json names the data files; each file's MD5 and
 *     item count are checked), or a directory holding one AWSDynamoDB/<ExportId>/;
 *   - any other directory: every regular file under it, in name order, like ImportTable reads
 *     every object under an S3 prefix (manifests, _started and checksums skipped);
 *   - a single file.
 * Formats: DynamoDB JSON lines ({"Item":{...}} a line, blank lines skipped) and CSV as
 * ImportTable reads it (RFC 4180, first line the header unless a header list is given, a
 * delimiter; key attributes typed by the table's AttributeDefinitions, every other value a
 * string, empty cells left out).  Files may be gzip-compressed (found by their magic bytes);
 * ZSTD is refused with a message.  Every source is checked whole before the table is
 * created or the first item written (an export's data files against their md5Checksum, a
 * gzip file read to its end): a damaged or cut-short file fails the import with nothing
 * written.  Items go in with BatchWriteItem (25 a call, unprocessed items retried); an item
 * DynamoDB refuses is counted and reported, the rest go on.
 * With create, the table is whole or gone, as ImportTable's: it carries the tag
 * ddbchat:import=unfinished:<host>:<machine id>:<pid ns>:<boot id>:<pid>:<start> until its last
 * item is in; an import that fails drops it (only while the table of that name is still the one
 * it created), and one killed leaves it tagged, so that the next import --create of the table
 * on the same machine and in the same pid namespace drops it (only while the table of that
 * name is still the one whose mark it read) and imports again once that process is gone.  A
 * marked table whose import may still be running (its process alive, another machine or pid
 * namespace, a mark naming no process) is ResourceInUseException unless redo; a table without
 * the mark is ResourceInUseException as before.  An import whose items are all in keeps its table even when the mark cannot be
 * taken off (out->mark_left; UntagResource refused: the mark is rewritten "done").
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataImport.Format.html
 */
#ifndef DDB_OPS_XPORT_H
#define DDB_OPS_XPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "messaging/backend.h"
#include "ops/dirbackup.h"
#include "store/store.h"

#define OPS_EXPORT_VERSION "2020-06-30"
#define OPS_EXPORT_FILE_BYTES ((uint64_t)64 << 20) /* uncompressed bytes per data file */
#define OPS_IMPORT_MAX_LINE (16 << 20)             /* one JSON line or CSV record */
#define OPS_IMPORT_MAX_LINE_TEXT "16777216"        /* the same, for messages */
#define OPS_IMPORT_MAX_ERRORS_SHOWN 10
#define OPS_IMPORT_MAX_CSV_COLUMNS 1024

typedef struct ops_export_opts {
    const char *table;
    const char *dir;         /* created (0700) when absent */
    msg_backend *backend;    /* DescribeTable, and Scan when store is NULL */
    store_t *store;          /* embedded: items from one snapshot; may be NULL */
    uint64_t file_bytes;     /* 0 = OPS_EXPORT_FILE_BYTES */
    ops_progress_fn progress;
    void *pctx;
} ops_export_opts;

typedef struct ops_export_result {
    char export_id[32];
    char export_dir[4096]; /* DIR/AWSDynamoDB/<ExportId> */
    uint64_t items, files, bytes; /* bytes: uncompressed JSON written */
    bool snapshot;                /* the items are one point in time */
} ops_export_result;

/* Exports a table (see above).  ERR_RESOURCE_NOT_FOUND and other backend errors as the
 * backend words them; ERR_IO for files. */
int ops_export(const ops_export_opts *o, ops_export_result *out, err_t *e);

typedef enum ops_import_format {
    OPS_IMPORT_AUTO = 0, /* CSV for *.csv[.gz], DynamoDB JSON otherwise */
    OPS_IMPORT_DYNAMODB_JSON,
    OPS_IMPORT_CSV,
} ops_import_format;

typedef struct ops_import_opts {
    const char *src;
    const char *table;
    msg_backend *backend;
    bool create;           /* create the table first (it must not exist) */
    bool redo;             /* with create: drop a table marked by an import not finished even
                              when that import may still be running (alive, another host) */
    json_t *creation;      /* CreateTable-shaped parameters (TableCreationParameters: at least
                              AttributeDefinitions and KeySchema; TableName is replaced);
                              NULL: the export's ddbchat-table.json */
    ops_import_format format;
    char csv_delimiter;    /* 0 = ',' */
    json_t *csv_header;    /* array of column names (ops_csv_header_check), or NULL: the
                              first line */
    ops_progress_fn progress;
    void *pctx;
} ops_import_opts;

typedef struct ops_import_result {
    uint64_t files;
    uint64_t items;        /* written */
    uint64_t errors;       /* items refused (bad line, or DynamoDB's ValidationException) */
    uint64_t bytes;        /* input bytes read (uncompressed) */
    bool created;
    bool redone;           /* the table held an unfinished import (its process gone, or
                              redo): dropped and made again */
    bool marked_done;      /* UntagResource was refused: the mark reads "done" instead */
    bool mark_left;        /* every item is in, but the "unfinished" mark is still on the
                              table (mark_error says why): the table is kept, and the next
                              import --create of it may take it for one cut short */
    char mark_error[ERR_MSG_MAX];
    char table_arn[300];   /* of the table created ("" when none) */
    char first_errors[OPS_IMPORT_MAX_ERRORS_SHOWN][300];
    int n_first_errors;
} ops_import_result;

/* The index of the first name in a CSV header (an array of strings) that repeats one before
 * it, or -1 when none does.  Empty names (columns left out) are not repeats; names compare
 * with their length. */
long ops_csv_header_repeat(const json_t *header);

/* A CSV header given with an import (ops_import_opts.csv_header): 1 to
 * OPS_IMPORT_MAX_CSV_COLUMNS non-empty strings, none twice (ImportTable's HeaderList has at
 * least one; a name twice would keep one value of two, an empty one shift the columns).
 * 0, or ERR_VALIDATION saying why ("the CSV header names the column \"a\" twice"). */
int ops_csv_header_check(const json_t *header, err_t *e);

/* Imports (see above).  Returns 0 when every file was read (check out->errors for refused
 * items); ERR_VALIDATION for a source or options that cannot work; backend errors. */
int ops_import(const ops_import_opts *o, ops_import_result *out, err_t *e);

#endif
