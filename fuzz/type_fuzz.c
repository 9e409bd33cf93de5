/* libFuzzer target: the logical-type parser (vector/types.h) over arbitrary
 * text, as the SQL binder and table schemas feed it. A parsed type must be
 * valid, format to a name that parses back to an equal type, and make a
 * vector that initializes and releases cleanly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "vector/types.h"
#include "vector/vector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lh_arena_t *a = lh_arena_new(4096);
    if (!a) return 0;
    lh_type_t t, u;
    lh_err_t err;
    if (lh_type_parse(a, (const char *)data, size, &t, &err) == 0) {
        if (!lh_type_is_valid(&t)) abort();
        size_t n = lh_type_format(&t, NULL, 0);
        char *name = malloc(n + 1);
        if (!name) abort();
        if (lh_type_format(&t, name, n + 1) != n || strlen(name) != n) abort();
        if (lh_type_parse(a, name, n, &u, &err) || !lh_type_equal(&t, &u)) abort();
        free(name);
        lh_vector_t v;
        if (lh_vector_init(&v, &t, 4, a) == 0) lh_vector_release(&v);
    }
    lh_arena_free(a);
    return 0;
}
