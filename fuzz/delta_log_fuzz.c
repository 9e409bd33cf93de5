/* libFuzzer target: the Delta log's action parser (table/delta_actions.h)
 * over arbitrary commit-file bytes, and the schema parser over any
 * schemaString a parsed metaData carries (or, when byte 0 is '{' and the
 * input is not an action, the whole input). Every parsed commit must write
 * back and parse again to the same number of actions with the same kinds
 * and paths; every parsed schema must write back to text that parses to an
 * equal type. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "table/delta_actions.h"
#include "table/delta_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void schema_roundtrip(lh_arena_t *a, const char *text, size_t n)
{
    lh_delta_schema_t s, s2;
    lh_err_t err;
    if (lh_delta_schema_parse(a, text, n, &s, &err)) return;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    if (lh_delta_schema_write(&s, &b, &err)) abort();
    if (lh_delta_schema_parse(a, b.ptr, b.len, &s2, &err)) abort();
    if (!lh_type_equal(&s.type, &s2.type)) abort();
    lh_buf_free(&b);
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
        for (size_t i = 0; i < n; i++) {
            if (again[i].kind != acts[i].kind) abort();
            if (acts[i].kind == LH_DELTA_ADD && strcmp(acts[i].u.add.path, again[i].u.add.path))
                abort();
            if (acts[i].kind == LH_DELTA_METADATA) {
                const char *ss = acts[i].u.metadata.schema_string;
                schema_roundtrip(a, ss, strlen(ss));
            }
        }
        lh_buf_free(&b);
    } else if (size && data[0] == '{') {
        schema_roundtrip(a, text, size);
    }
    lh_arena_free(a);
    return 0;
}
