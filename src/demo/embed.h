/* The example pipeline examples/medallion/ (DAG YAML, SQL files, README),
 * built into the binary (embed.c, the assembler's .incbin at compile time),
 * so `lakehouse up --demo` and `lakehouse demo install` work from an
 * installed binary or an image without the source tree. */
#ifndef LH_DEMO_EMBED_H
#define LH_DEMO_EMBED_H

#include <stddef.h>

typedef struct lh_demo_file {
    const char *name; /* the file name in examples/medallion/ */
    const char *data; /* its bytes, NUL-terminated */
    size_t len;
} lh_demo_file_t;

/* The example's i-th file (0, 1, ...) into *out; -1 past the last. */
int lh_demo_example_file(int i, lh_demo_file_t *out);

#endif
