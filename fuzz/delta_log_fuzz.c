/* libFuzzer target: the Delta log's action parser (table/delta_actions.h)
 * over arbitrary commit-file bytes, and the schema parser over any
 * schemaString a parsed metaData carries (or, when byte 0 is '{' and the
 * input is not an action, the whole input). Every parsed commit must write
 * back and parse again to the same number of actions with the same kinds
 * and paths; every parsed schema must write back to text that parses to an
 * equal type; an add's stats JSON is read against that commit's schema. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "table/delta.h"
#include "table/delta_actions.h"
#include "table/delta_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses and round-trips a schema; 1 and *out when it parsed. */
static int schema_roundtrip(lh_arena_t *a, const char *text, size_t n, lh_delta_schema_t *out)
{
    lh_delta_schema_t s, s2;
    lh_err_t err;
    if (lh_delta_schema_parse(a, text, n, &s, &err)) return 0;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    if (lh_delta_schema_write(&s, &b, &err)) abort();
    if (lh_delta_schema_parse(a, b.ptr, b.len, &s2, &err)) abort();
    if (!lh_type_equal(&s.type, &s2.type)) abort();
    lh_buf_free(&b);
    *out = s;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lh_arena_t *a = lh_arena_new(4096);
    if (!a) return 0;
    lh_delta_action_t *acts, *again;
    size_t n, n2;
    lh_err_t err;
    const char *text = (const char *)data;
    if (lh_delta_actions_parse(a, text, size, &acts, &n, &err) == 0) {
        lh_buf_t b;
        lh_buf_init(&b, 0);
        for (size_t i = 0; i < n; i++)
            if (lh_delta_action_write(&b, &acts[i], &err)) abort();
        if (lh_delta_actions_parse(a, b.ptr ? b.ptr : "", b.len, &again, &n2, &err) || n2 != n)
            abort();
        lh_delta_schema_t schema;
        int have_schema = 0;
        for (size_t i = 0; i < n; i++) {
            if (again[i].kind != acts[i].kind) abort();
            if (acts[i].kind == LH_DELTA_ADD && strcmp(acts[i].u.add.path, again[i].u.add.path))
                abort();
            if (acts[i].kind == LH_DELTA_METADATA) {
                const char *ss = acts[i].u.metadata.schema_string;
                have_schema = schema_roundtrip(a, ss, strlen(ss), &schema);
            }
            lh_delta_file_stats_t fs;
            if (acts[i].kind == LH_DELTA_ADD && acts[i].u.add.stats && have_schema &&
                lh_delta_stats_parse(a, acts[i].u.add.stats, &schema, &fs, &err) == 0 &&
                fs.ncols > schema.ncolumns)
                abort();
        }
        lh_buf_free(&b);
    } else if (size && data[0] == '{') {
        lh_delta_schema_t schema;
        schema_roundtrip(a, text, size, &schema);
    }
    lh_arena_free(a);
    return 0;
}
